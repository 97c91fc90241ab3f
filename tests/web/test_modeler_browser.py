"""The process designer's modeler in a real Chromium (the session-wide ``browser`` fixture).

The modeler is driven through the bpmn-js API (page.evaluate) for shapes and connections, and
through the properties panel's own inputs for Alur's properties, as a designer would type them.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

import engine.modeling  # noqa: F401  (the process_drafts table on the metadata before create_all)
from engine.bpmn_model import parse_model
from engine.db import Base, Database
from engine.models import HumanTask
from tests.browser_fixtures import live_server
from tests.conftest import BPMN_DIR, SEED_FILES
from tests.web.conftest import make_app, seed_web_data
from tests.web.test_browser import Officer

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SOP_002 = "sop_002_maklumat_pelayanan_informasi"
PPID, ATASAN = "bpod.ppid-pelaksana", "bpod.atasan-ppid"

ADD_TASK = """() => {
  const m = window.alurModeler, r = m.get('elementRegistry'), modeling = m.get('modeling');
  modeling.moveElements([r.get('Selesai')], {x: 150, y: 0});
  modeling.removeElements([r.get('Flow_Langkah_3_Selesai')]);
  const shape = modeling.createShape({type: 'bpmn:UserTask'}, {x: 906, y: 165}, r.get('Lane_PPID_Pelaksana'));
  modeling.updateLabel(shape, 'Arsipkan maklumat');
  modeling.connect(r.get('Langkah_3'), shape);
  modeling.connect(shape, r.get('Selesai'));
  m.get('selection').select(shape);
  return shape.id;
}"""
# a drag below the pool without letting it grow: the task then stands in no lane
MOVE_OUT_OF_LANES = """() => {
  const m = window.alurModeler, r = m.get('elementRegistry');
  m.get('modeling').moveElements([r.get('Langkah_3')], {x: 0, y: 400}, undefined, {autoResize: false});
}"""


@pytest.fixture
def site(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'alur.db'}")
    Base.metadata.create_all(db.engine)
    seed_web_data(db)
    app = make_app(db, tmp_path)
    with live_server(app) as base:
        yield base, app
    db.dispose()


class Designer(Officer):
    """A logged-in user (designer by default) on the modeler pages."""

    def __init__(self, browser, base: str, username: str = "perancang"):
        super().__init__(browser, base, username)

    def open(self, key: str) -> None:
        self.page.goto(f"{self.base}/modeler/{key}")
        expect(self.page.locator("#canvas[data-ready=true]")).to_have_count(1)

    def saved_xml(self) -> str:
        return self.page.evaluate("() => window.alurModeler.saveXML({format: true}).then(r => r.xml)")

    def close(self) -> None:
        assert not self.errors, self.errors
        self.context.close()


def _ready(app, instance_id: int) -> list[HumanTask]:
    with app.extensions["alur"].db.session() as session:
        return list(session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                            HumanTask.state == "ready")))


def _walk_to_step_3(processes, app, instance_id: int) -> None:
    processes.complete(_ready(app, instance_id)[0].id, PPID)
    processes.complete(_ready(app, instance_id)[0].id, ATASAN, {"keputusan": "ya"})
    assert _ready(app, instance_id)[0].bpmn_id == "Langkah_3"


def test_add_a_task_set_its_waktu_save_and_deploy(site, browser):
    base, app = site
    processes = app.extensions["alur"].processes
    old_case = processes.start(SOP_002, PPID)  # started on version 1

    designer = Designer(browser, base)
    designer.open(SOP_002)
    new_id = designer.page.evaluate(ADD_TASK)
    panel = designer.page.locator("#properties")
    panel.locator(".bio-properties-panel-group-header:has-text('Mutu Baku')").click()
    waktu = panel.locator("#bio-properties-panel-alur-mutu-waktu")
    waktu.fill("1 (satu) hari kerja")
    waktu.press("Tab")
    designer.page.wait_for_function(
        "id => { const bo = window.alurModeler.get('elementRegistry').get(id).businessObject;"
        " const v = (bo.extensionElements && bo.extensionElements.values) || [];"
        " return v.some(e => e.$type === 'alur:MutuBaku' && e.waktu === '1 (satu) hari kerja'); }", arg=new_id)

    designer.page.click("#btn-save")
    expect(designer.page.locator("[data-testid=modeler-status]")).to_have_text("Draf disimpan.")
    designer.page.click("#btn-deploy")
    expect(designer.page.locator("[data-testid=modeler-status]")).to_contain_text("Versi 2 diterapkan")
    ARTIFACTS.mkdir(exist_ok=True)
    designer.page.screenshot(path=str(ARTIFACTS / "modeler.png"), full_page=True)

    designer.page.goto(f"{base}/modeler/{SOP_002}/versi")
    row = designer.page.locator("tr[data-version='2']")
    expect(row).to_contain_text("perancang")
    designer.page.goto(f"{base}/modeler/{SOP_002}/beda?dari=1&ke=2")
    expect(designer.page.locator("[data-testid=added]")).to_contain_text("Arsipkan maklumat")

    # a new case runs through the new task, with the Waktu typed in the panel
    new_case = processes.start(SOP_002, PPID)
    _walk_to_step_3(processes, app, new_case.id)
    processes.complete(_ready(app, new_case.id)[0].id, PPID)
    [added] = _ready(app, new_case.id)
    assert (added.bpmn_id, added.name, added.lane) == (new_id, "Arsipkan maklumat", "PPID Pelaksana")
    assert added.mutu_baku["waktu"] == "1 (satu) hari kerja"
    assert processes.complete(added.id, PPID).status == "completed"
    # the case started before keeps the old path: step 3 ends it
    _walk_to_step_3(processes, app, old_case.id)
    assert processes.complete(_ready(app, old_case.id)[0].id, PPID).status == "completed"

    # an invalid edit is refused, with the message next to the element
    designer.open(SOP_002)
    designer.page.evaluate(MOVE_OUT_OF_LANES)
    designer.page.click("#btn-deploy")
    expect(designer.page.locator("[data-testid=modeler-status]")).to_contain_text("belum dapat diterapkan")
    overlay = designer.page.locator(".djs-overlay [data-testid=problem-overlay][data-element-id=Langkah_3]")
    expect(overlay).to_contain_text("berada di luar semua lajur")
    box, task_box = overlay.bounding_box(), designer.page.locator("g.djs-element[data-element-id=Langkah_3]").bounding_box()
    assert abs(box["x"] - task_box["x"]) < 15 and abs(box["y"] - (task_box["y"] + task_box["height"])) < 30
    designer.page.screenshot(path=str(ARTIFACTS / "modeler-refused.png"), full_page=True)
    designer.page.goto(f"{base}/modeler/{SOP_002}/versi")
    expect(designer.page.locator("tr[data-version]")).to_have_count(2)
    designer.close()


def test_a_file_saved_by_the_modeler_keeps_every_alur_property(site, browser):
    """Every seed SOP through bpmn-js and back: SpiffWorkflow parses it, identity and Mutu Baku unchanged."""
    base, _app = site
    designer = Designer(browser, base)
    for path in SEED_FILES:
        key = path.stem
        designer.open(key)
        # every alur attribute and element is known to the moddle descriptor: no import warning
        expect(designer.page.locator("[data-testid=modeler-status]")).not_to_contain_text("peringatan impor")
        saved = designer.saved_xml()
        before, after = parse_model(path.read_bytes(), path.name), parse_model(saved, f"{key}-modeler.bpmn")
        assert after.identity == before.identity, key
        assert {k: t.mutu_baku for k, t in after.tasks.items()} == {k: t.mutu_baku for k, t in before.tasks.items()}
        assert {k: (t.lane, t.is_decision, t.documentation, t.publish) for k, t in after.tasks.items()} == \
            {k: (t.lane, t.is_decision, t.documentation, t.publish) for k, t in before.tasks.items()}
        assert saved.count("alur:dasarHukum>") == path.read_text(encoding="utf-8").count("alur:dasarHukum>")
    designer.close()


def test_staff_see_the_diagram_read_only(site, browser):
    base, _app = site
    staff = Designer(browser, base, PPID)
    staff.open(SOP_002)
    expect(staff.page.locator("#btn-deploy")).to_have_count(0)
    expect(staff.page.locator("#properties")).to_have_count(0)
    assert staff.page.evaluate("() => { try { window.alurModeler.get('modeling'); return true; } catch (e) { return false; } }") is False
    staff.close()


def test_panel_groups_for_lane_sop_identity_and_decision_branch(site, browser):
    base, _app = site
    designer = Designer(browser, base)
    designer.open(SOP_002)
    page, panel = designer.page, designer.page.locator("#properties")

    def select(element_id: str, group: str) -> None:
        page.evaluate("id => { const m = window.alurModeler;"
                      " m.get('selection').select(m.get('elementRegistry').get(id)); }", element_id)
        panel.locator(f".bio-properties-panel-group-header:has-text('{group}')").click()

    select("Lane_PPID_Pelaksana", "Peran")
    expect(panel.locator("#bio-properties-panel-alur-peran-list")).to_have_value("PPID Pelaksana (BPOD)")
    select("Pool_sop_002_maklumat_pelayanan_informasi", "Identitas SOP")
    nomor = panel.locator("#bio-properties-panel-alur-sop-nomor")
    nomor.fill("000.1/PPID/2025")
    nomor.press("Tab")
    peralatan = panel.locator("#bio-properties-panel-alur-sop-peralatan")
    expect(peralatan).to_have_value("Komputer dan kelengkapannya\nATK\nBuku Registrasi\nJaringan Internet")
    peralatan.fill("Komputer dan kelengkapannya\nATK")
    peralatan.press("Tab")
    select("Flow_Keputusan_2_Langkah_3", "Keputusan")
    branch = panel.locator("#bio-properties-panel-alur-cabang")
    expect(branch).to_have_value("ya")
    page.wait_for_timeout(800)  # the panel's inputs are debounced
    identity = parse_model(designer.saved_xml(), "identitas.bpmn").identity
    assert identity["nomor"] == "000.1/PPID/2025"
    assert identity["peralatan"] == ["Komputer dan kelengkapannya", "ATK"]
    assert len(identity["dasarHukum"]) == 8
    designer.close()

"""The process designer's server side: validation, drafts, upload, layout, deploy, authorization,
version diff and moving running cases, on SQLite and PostgreSQL.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import func, select

import engine.modeling  # noqa: F401  (the process_drafts table on the metadata before create_all)
from engine.bpmn_model import NS, parse_model
from engine.deployment import latest_model
from engine.migration_of_cases import move_cases, preview
from engine.model_diff import diff_models
from engine.modeling import add_layout, validate
from engine.models import AuditEvent, HumanTask, ProcessInstance, ProcessModel
from engine.models.draft import ProcessDraft
from engine.organization import get_or_create_role, get_or_create_unit
from engine.demo import DEMO_PASSWORD
from tests.conftest import BPMN_DIR
from web.app import services

SOP_002 = "sop_002_maklumat_pelayanan_informasi"
SEED_002 = BPMN_DIR / f"{SOP_002}.bpmn"
OUTSIDE = Path(__file__).parent / "fixtures" / "camunda_plain.bpmn"


def seed_xml() -> str:
    return SEED_002.read_text(encoding="utf-8")


def without_di(xml: str) -> str:
    return re.sub(r"<bpmndi:BPMNDiagram.*</bpmndi:BPMNDiagram>", "", xml, flags=re.S)


def edit(xml: str, change) -> str:
    root = etree.fromstring(xml.encode("utf-8"))
    change(root)
    return etree.tostring(root, encoding="unicode")


def _remove(root, xpath: str) -> None:
    for element in root.xpath(xpath, namespaces=NS):
        element.getparent().remove(element)


def without_step_3(xml: str) -> str:
    """Version 2 of SOP 002 without step 3: Ya goes straight to Selesai."""
    def change(root):
        for xpath in ("//bpmn:userTask[@id='Langkah_3']", "//bpmn:flowNodeRef[text()='Langkah_3']",
                      "//bpmn:sequenceFlow[@id='Flow_Langkah_3_Selesai']", "//bpmn:incoming[text()='Flow_Langkah_3_Selesai']",
                      "//bpmndi:BPMNShape[@bpmnElement='Langkah_3']", "//bpmndi:BPMNEdge[@bpmnElement='Flow_Langkah_3_Selesai']"):
            _remove(root, xpath)
        root.xpath("//bpmn:sequenceFlow[@id='Flow_Keputusan_2_Langkah_3']", namespaces=NS)[0].set("targetRef", "Selesai")
        end = root.xpath("//bpmn:endEvent[@id='Selesai']", namespaces=NS)[0]
        incoming = etree.SubElement(end, f"{{{NS['bpmn']}}}incoming")
        incoming.text = "Flow_Keputusan_2_Langkah_3"
    return edit(xml, change)


def login_as(login, username: str):
    return login(username, DEMO_PASSWORD)


def post_json(browser, url: str, payload: dict):
    return browser.client.post(url, json=payload, headers={"X-CSRFToken": _token(browser)})


def _token(browser) -> str:
    page = browser.get("/modeler").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if match:
        return match.group(1)
    page = browser.get(f"/modeler/{SOP_002}").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def version_count(app, key: str = SOP_002) -> int:
    with services_of(app).db.session() as session:
        return session.scalar(select(func.count()).select_from(ProcessModel).where(ProcessModel.key == key))


def services_of(app):
    return app.extensions["alur"]


# -- validation ----------------------------------------------------------------------------------------
def test_the_seed_models_validate_without_problems(app):
    with services_of(app).db.session() as session:
        for path in sorted(BPMN_DIR.glob("*.bpmn")):
            assert validate(session, path.read_text(encoding="utf-8"), path.name) == [], path.name


def test_a_step_without_a_name_cannot_be_deployed(app):
    xml = seed_xml().replace('name="Susun maklumat pelayanan"', 'name="  "')
    with services_of(app).db.session() as session:
        problems = validate(session, xml, "x.bpmn")
    assert [(p.element_id, p.severity) for p in problems] == [("Langkah_1", "error")]
    assert "belum memiliki nama" in problems[0].message


def test_problems_name_the_element_in_indonesian(app):
    xml = seed_xml().replace("<bpmn:flowNodeRef>Langkah_3</bpmn:flowNodeRef>", "")
    xml = xml.replace('<bpmn:sequenceFlow id="Flow_Keputusan_2_Langkah_1" name="Tidak"',
                      '<bpmn:sequenceFlow id="Flow_Keputusan_2_Langkah_1" name="Mungkin"')
    xml = xml.replace('<bpmndi:BPMNEdge id="Flow_Mulai_Langkah_1_di" bpmnElement="Flow_Mulai_Langkah_1">',
                      '<bpmndi:BPMNEdge id="Flow_Mulai_Langkah_1_di" bpmnElement="Flow_Lain">')
    xml = xml.replace('name="Atasan PPID"', 'name="Lajur Tanpa Peran"')
    with services_of(app).db.session() as session:
        problems = {(p.element_id, p.severity): p.message for p in validate(session, xml)}
    assert "di luar semua lajur" in problems[("Langkah_3", "error")]
    assert "Ya dan satu bernama Tidak" in problems[("Keputusan_2", "error")]
    assert "tidak memiliki bentuk" in problems[("Flow_Mulai_Langkah_1", "error")]
    assert "Belum ada peran" in problems[("Lane_Atasan_PPID", "error")]


def test_decision_flow_without_condition_and_bad_timer(app):
    xml = seed_xml().replace('<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">keputusan == "ya"</bpmn:conditionExpression>', "")
    timer = ('<bpmn:boundaryEvent id="Pengingat" attachedToRef="Langkah_1" cancelActivity="false">'
             '<bpmn:timerEventDefinition id="T1"><bpmn:timeDuration>2 hari</bpmn:timeDuration>'
             '</bpmn:timerEventDefinition></bpmn:boundaryEvent>')
    xml = xml.replace("</bpmn:laneSet>", "</bpmn:laneSet>" + timer)
    with services_of(app).db.session() as session:
        problems = [(p.element_id, p.message) for p in validate(session, xml)]
    assert any(e == "Flow_Keputusan_2_Langkah_3" and "belum memiliki kondisi" in m for e, m in problems)
    assert any(e == "Pengingat" and "Ekspresi timer tidak valid" in m for e, m in problems)


# -- pages and authorization ------------------------------------------------------------------------------
def test_everybody_views_read_only_designers_edit(app, login):
    staff = login_as(login, "bpod.ppid-pelaksana")
    page = staff.get("/modeler")
    assert page.status_code == 200 and SOP_002 in staff.last_page and "Lihat diagram" in staff.last_page
    assert staff.get(f"/modeler/{SOP_002}").status_code == 200
    assert '"editable": false' in staff.last_page and "btn-deploy" not in staff.last_page
    assert staff.get("/modeler/baru").status_code == 404
    assert staff.get(f"/modeler/{SOP_002}/pindah").status_code == 404
    designer = login_as(login, "perancang")
    designer.get(f"/modeler/{SOP_002}")
    assert '"editable": true' in designer.last_page and "btn-deploy" in designer.last_page


def test_deploy_by_a_user_without_the_designer_role_changes_nothing(app, login):
    staff = login_as(login, "bpod.ppid-pelaksana")
    changed = seed_xml().replace("Umumkan maklumat pelayanan", "Umumkan maklumat")
    for endpoint in ("simpan", "terapkan", "periksa"):
        response = post_json(staff, f"/modeler/{SOP_002}/{endpoint}", {"xml": changed})
        assert response.status_code == 404
    assert version_count(app) == 1
    with services_of(app).db.session() as session:
        assert session.scalar(select(func.count()).select_from(ProcessDraft)) == 0


def test_an_editor_opened_before_another_deploy_cannot_undo_it(app, login):
    """Two editors open version 1; one deploys version 2. The other's save or deploy would silently take
    version 2's change back: it is refused (409) with nothing written, until it starts from version 2."""
    designer = login_as(login, "perancang")
    designer.get(f"/modeler/{SOP_002}")
    assert '"baseVersion": 1' in designer.last_page
    first = seed_xml().replace("Umumkan maklumat pelayanan", "Umumkan maklumat pelayanan publik")
    other = seed_xml().replace("Umumkan maklumat pelayanan", "Umumkan maklumat")
    assert post_json(designer, f"/modeler/{SOP_002}/terapkan", {"xml": first, "base_version": 1}).json["version"] == 2
    for endpoint in ("terapkan", "simpan"):
        stale = post_json(designer, f"/modeler/{SOP_002}/{endpoint}", {"xml": other, "base_version": 1})
        assert stale.status_code == 409 and stale.json["stale"], stale.json
        assert "Versi 2 telah diterapkan oleh perancang" in stale.json["message"]
    assert version_count(app) == 2
    with services_of(app).db.session() as session:
        assert latest_model(session, SOP_002).bpmn_xml == first
        assert session.scalar(select(func.count()).select_from(ProcessDraft)) == 0
    designer.get(f"/modeler/{SOP_002}")
    assert '"baseVersion": 2' in designer.last_page  # reloaded: it starts from version 2
    assert post_json(designer, f"/modeler/{SOP_002}/terapkan", {"xml": other, "base_version": 2}).json["version"] == 3

def test_save_keeps_a_draft_and_deploy_makes_a_version(app, login):
    designer = login_as(login, "perancang")
    changed = seed_xml().replace('waktu="" basis="none" output=""', 'waktu="1 (satu) hari kerja" durasi="P1D" basis="working_days" output=""')
    saved = post_json(designer, f"/modeler/{SOP_002}/simpan", {"xml": changed})
    assert saved.status_code == 200 and saved.json["saved"] and saved.json["problems"] == []
    designer.get("/modeler")
    assert "Ada draf yang belum diterapkan" in designer.last_page
    designer.get(f"/modeler/{SOP_002}")
    assert "1 (satu) hari kerja" in designer.last_page  # the editor opens the draft
    assert version_count(app) == 1
    deployed = post_json(designer, f"/modeler/{SOP_002}/terapkan", {"xml": changed})
    assert deployed.status_code == 200 and deployed.json["version"] == 2 and deployed.json["created"]
    with services_of(app).db.session() as session:
        model = latest_model(session, SOP_002)
        assert model.deployed_by == "perancang" and model.version == 2
        assert session.scalar(select(func.count()).select_from(ProcessDraft)) == 0
    again = post_json(designer, f"/modeler/{SOP_002}/terapkan", {"xml": changed})
    assert again.json["created"] is False and version_count(app) == 2
    with services_of(app).db.session() as session:  # the draft's save is in the audit trail, as the deploy is
        saved_events = session.scalars(select(AuditEvent).where(AuditEvent.action == "process.draft_saved")).all()
    assert [(e.actor, e.object_id, e.detail["source"]) for e in saved_events] == [("perancang", SOP_002, "editor")]
    designer.get(f"/modeler/{SOP_002}/versi")
    assert 'data-version="2"' in designer.last_page and "perancang" in designer.last_page
    download = designer.get(f"/modeler/{SOP_002}/versi/1.bpmn")
    assert download.status_code == 200 and download.get_data(as_text=True) == seed_xml()
    assert "attachment" in download.headers["Content-Disposition"]


def test_an_invalid_model_is_saved_with_problems_but_not_deployed(app, login):
    designer = login_as(login, "perancang")
    bad = seed_xml().replace("<bpmn:flowNodeRef>Langkah_3</bpmn:flowNodeRef>", "")
    saved = post_json(designer, f"/modeler/{SOP_002}/simpan", {"xml": bad})
    assert saved.json["saved"] and any(p["element_id"] == "Langkah_3" for p in saved.json["problems"])
    refused = post_json(designer, f"/modeler/{SOP_002}/terapkan", {"xml": bad})
    assert refused.status_code == 422 and not refused.json["deployed"]
    assert [p for p in refused.json["problems"] if p["element_id"] == "Langkah_3"][0]["message"].endswith(
        "berada di luar semua lajur: letakkan di lajur pelaksananya.")
    assert version_count(app) == 1
    other_key = seed_xml().replace(f'<bpmn:process id="{SOP_002}"', '<bpmn:process id="lain"')
    assert post_json(designer, f"/modeler/{SOP_002}/terapkan", {"xml": other_key}).status_code == 422


# -- new process and upload -------------------------------------------------------------------------------
def test_new_process_from_an_empty_pool_with_lanes(app, login):
    designer = login_as(login, "perancang")
    response = designer.post("/modeler/baru", {"nama": "Uji Keberatan", "lajur": "PPID Pelaksana\nAtasan PPID\n"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/modeler/sop_uji_keberatan")
    designer.get("/modeler/sop_uji_keberatan")
    assert "Pindahkan kasus berjalan" not in designer.last_page  # never deployed: no case to move
    designer.get(f"/modeler/{SOP_002}")
    assert "Pindahkan kasus berjalan" in designer.last_page
    with services_of(app).db.session() as session:
        draft = session.scalar(select(ProcessDraft).where(ProcessDraft.key == "sop_uji_keberatan"))
        parsed = parse_model(draft.xml, "baru.bpmn")
        assert parsed.lanes == ["PPID Pelaksana", "Atasan PPID"] and parsed.name == "Uji Keberatan"
        assert [p for p in validate(session, draft.xml) if p.severity == "error"] == []
    again = designer.post("/modeler/baru", {"nama": "Uji Keberatan", "lajur": "A"})
    assert again.status_code == 422 and "sudah dipakai" in designer.last_page
    designer.post("/modeler/sop_uji_keberatan/draf/hapus", {}, token_from="/modeler/sop_uji_keberatan")
    with services_of(app).db.session() as session:
        actions = [(e.action, e.object_id, e.detail.get("source")) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.object_type == "process_draft").order_by(AuditEvent.id))]
    assert actions == [("process.draft_saved", "sop_uji_keberatan", "new"),
                       ("process.draft_discarded", "sop_uji_keberatan", None)]


def test_a_plain_bpmn_file_with_di_from_outside_uploads_and_deploys(app, login):
    with services_of(app).db.session() as session:  # its lanes are served by roles of some unit
        unit = get_or_create_unit(session, "LUAR", "Unit Luar")
        get_or_create_role(session, unit, "Petugas", ["Petugas Layanan"])
        get_or_create_role(session, unit, "Kepala", ["Kepala Seksi"])
    designer = login_as(login, "perancang")
    response = designer.post("/modeler/unggah", {"berkas": (OUTSIDE.open("rb"), "dari_camunda.bpmn")},
                             content_type="multipart/form-data")
    assert response.status_code == 303 and response.headers["Location"].endswith("/modeler/Process_layanan_surat")
    xml = OUTSIDE.read_text(encoding="utf-8")
    deployed = post_json(designer, "/modeler/Process_layanan_surat/terapkan", {"xml": xml})
    assert deployed.status_code == 200, deployed.json
    assert deployed.json["version"] == 1


def test_non_bpmn_upload_is_refused_and_nothing_stored(app, login):
    designer = login_as(login, "perancang")
    for content in (b"%PDF-1.4 bukan xml", b"<?xml version='1.0'?><html><body>bukan</body></html>"):
        response = designer.post("/modeler/unggah", {"berkas": (__import__("io").BytesIO(content), "x.bpmn")},
                                 content_type="multipart/form-data")
        assert response.status_code == 422
        assert "bukan diagram BPMN 2.0" in designer.last_page and "tidak ada yang disimpan" in designer.last_page
    with services_of(app).db.session() as session:
        assert session.scalar(select(func.count()).select_from(ProcessDraft)) == 0
    assert version_count(app) == 1


def test_bpmn_without_di_is_offered_a_layout(app, login):
    designer = login_as(login, "perancang")
    plain = without_di(seed_xml()).encode("utf-8")
    response = designer.post("/modeler/unggah", {"berkas": (__import__("io").BytesIO(plain), "tanpa_di.bpmn")},
                             content_type="multipart/form-data")
    assert response.status_code == 200 and 'data-testid="needs-layout"' in designer.last_page
    with services_of(app).db.session() as session:
        assert session.scalar(select(func.count()).select_from(ProcessDraft)) == 0  # nothing stored yet
    payload = re.search(r'name="berkas" value="([^"]+)"', designer.last_page).group(1)
    laid = designer.post("/modeler/unggah/tata-letak", {"berkas": payload}, token_from="/modeler")
    assert laid.status_code == 303
    with services_of(app).db.session() as session:
        draft = session.scalar(select(ProcessDraft).where(ProcessDraft.key == SOP_002))
        assert validate(session, draft.xml) == []
        parsed = parse_model(draft.xml, "x.bpmn")
        assert parsed.identity == parse_model(seed_xml(), "y.bpmn").identity


def test_bpmn_without_lanes_explains_why_no_layout(app, login):
    designer = login_as(login, "perancang")
    no_lanes = re.sub(r"<bpmn:laneSet.*</bpmn:laneSet>", "", without_di(seed_xml()), flags=re.S)
    designer.post("/modeler/unggah", {"berkas": (__import__("io").BytesIO(no_lanes.encode()), "x.bpmn")},
                  content_type="multipart/form-data")
    assert 'data-testid="layout-problem"' in designer.last_page and "membutuhkan lajur" in designer.last_page


def test_a_flow_to_a_missing_element_explains_why_no_layout(app, login):
    designer = login_as(login, "perancang")
    flow = re.search(r'<bpmn:sequenceFlow id="([^"]+)" sourceRef="[^"]+" targetRef="([^"]+)"', seed_xml())
    dangling = without_di(seed_xml()).replace(f'targetRef="{flow.group(2)}"', 'targetRef="Tidak_ada"', 1)
    response = designer.post("/modeler/unggah", {"berkas": (__import__("io").BytesIO(dangling.encode()), "x.bpmn")},
                             content_type="multipart/form-data")
    assert response.status_code < 500
    assert 'data-testid="layout-problem"' in designer.last_page and flow.group(1) in designer.last_page


def test_generated_layout_draws_every_element():
    root = etree.fromstring(without_di(seed_xml()).encode("utf-8"))
    process = root.find("bpmn:process", NS)
    xml = add_layout(root, process)
    drawn = set(re.findall(r'bpmnElement="([^"]+)"', xml))
    ids = set(re.findall(r'<bpmn:(?:userTask|startEvent|endEvent|exclusiveGateway|sequenceFlow|lane) id="([^"]+)"', xml))
    assert ids <= drawn


# -- diff ----------------------------------------------------------------------------------------------------
def test_diff_between_two_versions(app, login):
    v1 = seed_xml()
    def change(root):
        task = root.xpath("//bpmn:userTask[@id='Langkah_1']", namespaces=NS)[0]
        task.set("name", "Susun konsep maklumat")
        task.find("bpmn:extensionElements/alur:mutuBaku", NS).set("waktu", "3 (tiga) hari kerja")
        # move Langkah_3 to the Atasan PPID lane
        ref = root.xpath("//bpmn:flowNodeRef[text()='Langkah_3']", namespaces=NS)[0]
        ref.getparent().remove(ref)
        root.xpath("//bpmn:lane[@id='Lane_Atasan_PPID']", namespaces=NS)[0].append(ref)
    v2 = without_step_3(v1)
    v3 = edit(v1, change)
    diff = diff_models(parse_model(v1, "1"), parse_model(v2, "2"))
    assert [e.id for e in diff.removed] == ["Langkah_3"] and diff.added == []
    assert ("Keputusan_2", "Selesai") in diff.connections_added
    diff = diff_models(parse_model(v1, "1"), parse_model(v3, "3"))
    assert [(r.id, r.new) for r in diff.renamed] == [("Langkah_1", "Susun konsep maklumat")]
    assert [(m.id, m.old_lane, m.new_lane) for m in diff.moved] == [("Langkah_3", "PPID Pelaksana", "Atasan PPID")]
    assert [(p.id, p.field, p.old, p.new) for p in diff.properties] == [("Langkah_1", "waktu", "Tentatif", "3 (tiga) hari kerja")]

    designer = login_as(login, "perancang")
    assert post_json(designer, f"/modeler/{SOP_002}/terapkan", {"xml": v3}).status_code == 200
    page = designer.get(f"/modeler/{SOP_002}/beda?dari=1&ke=2")
    assert page.status_code == 200
    for text in ("Susun konsep maklumat", "Pindah lajur", "3 (tiga) hari kerja", "Tentatif"):
        assert text in designer.last_page


# -- moving running cases -----------------------------------------------------------------------------------
def test_case_move_preview_and_action(app, login):
    processes = services_of(app).processes
    ppid, atasan = "bpod.ppid-pelaksana", "bpod.atasan-ppid"
    at_step_1 = processes.start(SOP_002, ppid)
    at_step_3 = processes.start(SOP_002, ppid)
    def ready(instance_id):
        with services_of(app).db.session() as session:
            return session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                           HumanTask.state == "ready")).all()
    processes.complete(ready(at_step_3.id)[0].id, ppid)
    processes.complete(ready(at_step_3.id)[0].id, atasan, {"keputusan": "ya"})
    assert ready(at_step_3.id)[0].bpmn_id == "Langkah_3"
    task_before = ready(at_step_1.id)[0]

    designer = login_as(login, "perancang")
    assert post_json(designer, f"/modeler/{SOP_002}/terapkan", {"xml": without_step_3(seed_xml())}).json["version"] == 2
    with services_of(app).db.session() as session:
        result = preview(session, processes.specs, SOP_002)
    by_id = {case.instance_id: case for case in result.cases}
    assert by_id[at_step_1.id].movable
    assert not by_id[at_step_3.id].movable and "Langkah_3" in by_id[at_step_3.id].reason
    page = designer.get(f"/modeler/{SOP_002}/pindah")
    assert page.status_code == 200 and "tidak ada di versi 2" in designer.last_page

    # the blocked case refuses the whole action: nothing moves
    refused = designer.post(f"/modeler/{SOP_002}/pindah", {"kasus": [str(at_step_1.id), str(at_step_3.id)], "versi": "2"})
    assert refused.status_code == 303
    with services_of(app).db.session() as session:
        assert session.get(ProcessInstance, at_step_1.id).process_model.version == 1

    moved = designer.post(f"/modeler/{SOP_002}/pindah", {"kasus": [str(at_step_1.id)], "versi": "2"})
    assert moved.status_code == 303
    with services_of(app).db.session() as session:
        instance = session.get(ProcessInstance, at_step_1.id)
        assert instance.process_model.version == 2 and instance.revision > at_step_1.revision
        assert session.get(ProcessInstance, at_step_3.id).process_model.version == 1
        events = session.scalars(select(AuditEvent).where(AuditEvent.instance_id == at_step_1.id,
                                                          AuditEvent.action == "instance.migrated")).all()
        assert [e.detail for e in events] == [{"process": SOP_002, "from_version": 1, "to_version": 2}]
    task_after = ready(at_step_1.id)[0]
    assert (task_after.id, task_after.spiff_task_id, task_after.bpmn_id) == (task_before.id, task_before.spiff_task_id, "Langkah_1")
    # the moved case follows version 2: after the Ya decision it ends without step 3
    processes.complete(task_after.id, ppid)
    result = processes.complete(ready(at_step_1.id)[0].id, atasan, {"keputusan": "ya"})
    assert result.status == "completed"
    # the case that stayed keeps the old path
    assert ready(at_step_3.id)[0].bpmn_id == "Langkah_3"
    assert processes.complete(ready(at_step_3.id)[0].id, ppid).status == "completed"


def test_moving_cases_needs_the_designer_role(app, login):
    processes = services_of(app).processes
    case = processes.start(SOP_002, "bpod.ppid-pelaksana")
    with services_of(app).db.session() as session:
        from engine.deployment import deploy
        deploy(session, without_step_3(seed_xml()).encode(), f"{SOP_002}.bpmn", by="perancang")
    staff = login_as(login, "bpod.ppid-pelaksana")
    response = staff.post(f"/modeler/{SOP_002}/pindah", {"kasus": [str(case.id)], "versi": "2"}, token_from="/tugas")
    assert response.status_code == 404
    with services_of(app).db.session() as session:
        assert session.get(ProcessInstance, case.id).process_model.version == 1
    with pytest.raises(Exception):
        move_cases(processes, SOP_002, [case.id + 1000], "perancang")

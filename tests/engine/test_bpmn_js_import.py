"""The five seed models open in bpmn-js (the vendored viewer and modeler) without import warnings."""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree


REPO = Path(__file__).resolve().parents[2]
VENDOR = REPO / "web" / "static" / "vendor" / "bpmn-js"
BUNDLES = {
    "viewer": VENDOR / "bpmn-navigated-viewer.production.min.js",
    "modeler": VENDOR / "bpmn-modeler.production.min.js",
}
SEED_FILES = sorted((REPO / "bpmn").glob("sop_*.bpmn"))
BPMN = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}

IMPORT_JS = """
async (xml) => {
  const container = document.createElement('div');
  container.style.width = '1600px';
  container.style.height = '900px';
  document.body.appendChild(container);
  const viewer = new BpmnJS({ container });
  try {
    const result = await viewer.importXML(xml);
    const ids = viewer.get('elementRegistry').getAll().map((element) => element.id);
    return { error: null, warnings: result.warnings.map((w) => String(w.message || w)), ids };
  } catch (error) {
    return { error: String(error && error.message || error), warnings: (error.warnings || []).map(String), ids: [] };
  } finally {
    viewer.destroy();
    container.remove();
  }
}
"""


@pytest.fixture(scope="module", params=sorted(BUNDLES))
def bpmn_page(request, browser):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_content("<!doctype html><html><head><meta charset='utf-8'></head><body></body></html>")
    page.add_script_tag(path=str(BUNDLES[request.param]))
    assert page.evaluate("typeof BpmnJS") == "function", errors
    yield page
    page.close()
    assert not errors, errors


def test_bundles_are_vendored():
    version = (VENDOR / "VERSION").read_text().strip()
    assert version.split(".")[0] in {"17", "18"}
    for bundle in BUNDLES.values():
        assert bundle.stat().st_size > 100_000
    assert (VENDOR / "assets" / "bpmn-js.css").exists()
    assert (VENDOR / "assets" / "bpmn-font" / "css" / "bpmn.css").exists()
    assert (VENDOR / "LICENSE").exists()


def test_there_are_five_seed_models():
    assert len(SEED_FILES) == 5


@pytest.mark.parametrize("path", SEED_FILES, ids=[p.stem for p in SEED_FILES])
def test_seed_model_imports_without_warnings(bpmn_page, path):
    xml = path.read_text(encoding="utf-8")
    result = bpmn_page.evaluate(IMPORT_JS, xml)
    assert result["error"] is None, result
    assert result["warnings"] == []
    root = etree.fromstring(xml.encode("utf-8"))
    expected = [el.get("id") for el in root.iterfind(".//bpmn:lane", BPMN)]
    expected += [el.get("id") for tag in ("userTask", "exclusiveGateway", "startEvent", "endEvent", "sequenceFlow")
                 for el in root.iterfind(f".//bpmn:{tag}", BPMN)]
    missing = set(expected) - set(result["ids"])
    assert not missing, f"not in the element registry: {sorted(missing)}"

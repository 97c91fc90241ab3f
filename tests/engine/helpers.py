"""Small builders shared by the engine tests."""
from __future__ import annotations

from pathlib import Path

from engine.deployment import deploy
from engine.organization import create_user, get_or_create_role, get_or_create_unit

FIXTURES = Path(__file__).parent / "fixtures"
REVIEW_LOOP = FIXTURES / "review_loop.bpmn"
PASSWORD = "rahasia-uji-123"


def review_loop_xml(**replacements: str) -> bytes:
    xml = REVIEW_LOOP.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in xml, old
        xml = xml.replace(old, new)
    return xml.encode("utf-8")


def setup_review_loop(db, xml: bytes | None = None) -> dict[str, str]:
    """Deploy the review-loop model and create: staf and kepala in unit A, staf.b in unit B."""
    with db.session() as session:
        deploy(session, xml or REVIEW_LOOP.read_bytes(), "review_loop.bpmn")
        unit_a = get_or_create_unit(session, "A", "Unit A")
        unit_b = get_or_create_unit(session, "B", "Unit B")
        staf = get_or_create_role(session, unit_a, "Staf", ["Staf"])
        kepala = get_or_create_role(session, unit_a, "Kepala", ["Kepala"])
        staf_b = get_or_create_role(session, unit_b, "Staf", ["Staf"])
        create_user(session, "staf", PASSWORD, unit_a, [staf])
        create_user(session, "staf2", PASSWORD, unit_a, [staf])
        create_user(session, "kepala", PASSWORD, unit_a, [kepala])
        create_user(session, "staf.b", PASSWORD, unit_b, [staf_b])
    return {"staf": "staf", "kepala": "kepala"}

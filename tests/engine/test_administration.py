"""Admin services: checks before changes, Indonesian refusals, one audit event per change."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from engine import administration as admin
from engine.administration import AdminError, UserForm
from engine.closures import calendar_from_db
from engine.models import AuditEvent, Role, User
from engine.organization import supervised_lanes
from engine.spec_cache import SpecCache
from tests.engine.helpers import setup_review_loop


@pytest.fixture
def org(db):
    setup_review_loop(db)
    return db


def events(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_parse_lanes_merges_ticked_and_typed_lanes_once():
    assert admin.parse_lanes(["JFU", "Kepala Bidang"], " Arsiparis ;JFU\n\n  Tim  PPID ") == \
        ["JFU", "Kepala Bidang", "Arsiparis", "Tim PPID"]
    assert admin.parse_lanes([], "") == []


def test_deployed_lanes_come_from_the_latest_models(org):
    with org.session() as session:
        assert admin.deployed_lanes(session, SpecCache()) == ["Kepala", "Staf"]


def test_roles_record_lanes_and_supervised_lanes(org):
    with org.session() as session:
        unit = admin.add_unit(session, "root", "DKI", "Dinas Uji")
        role = admin.add_role(session, "root", unit.id, "Atasan", ["Kepala"], ["Staf"])
        with pytest.raises(AdminError, match="sudah ada di unit ini"):
            admin.add_role(session, "root", unit.id, "Atasan", [], [])
        with pytest.raises(AdminError, match="Nama peran wajib diisi"):
            admin.update_role(session, "root", role.id, " ", [], [])
        admin.update_role(session, "root", role.id, "Atasan", ["Kepala"], ["Staf"])  # no change, no event
        assert [e.detail for e in events(session, "admin.role.added")] == [
            {"unit": "DKI", "name": "Atasan", "lanes": ["Kepala"], "supervises": ["Staf"]}]
        assert events(session, "admin.role.changed") == []
        user = admin.add_user(session, "root", "atasan", "kata-sandi-1", UserForm(unit_id=unit.id, role_ids=(role.id,)))
        assert supervised_lanes(session, "atasan") == (unit.id, frozenset({"Staf"}))
        assert supervised_lanes(session, "staf")[1] == frozenset()
        assert user.full_name == "atasan"


def test_a_refused_user_change_leaves_the_user_as_it_was(org):
    with org.session() as session:
        staf = session.scalar(select(User).where(User.username == "staf"))
        role_b = session.scalar(select(Role).where(Role.name == "Staf", Role.unit_id != staf.unit_id))
        before = (staf.unit_id, [r.id for r in staf.roles], staf.is_admin, staf.email)
        with pytest.raises(AdminError, match="bukan milik unit pengguna"):
            admin.update_user(session, "root", staf.id, UserForm(unit_id=staf.unit_id, role_ids=(role_b.id,),
                                                                   is_admin=True, email="x@y.id"))
        with pytest.raises(AdminError, match="Peran tidak dikenal"):
            admin.update_user(session, "root", staf.id, UserForm(unit_id=staf.unit_id, role_ids=(999,)))
        assert (staf.unit_id, [r.id for r in staf.roles], staf.is_admin, staf.email) == before
        with pytest.raises(AdminError, match="Pengguna tidak dikenal"):
            admin.reset_password(session, "root", 99999, "panjang-sekali")
        with pytest.raises(AdminError, match="tidak sedang dikunci"):
            admin.unlock_user(session, "root", staf.id)
        admin.reset_password(session, "root", staf.id, "sandi-baru-123")
        assert check_password_hash(staf.password_hash, "sandi-baru-123")
        assert [e.detail for e in events(session, "admin.user.password_reset")] == [{"username": "staf"}]


def test_closures_count_on_the_calendar_and_are_audited(org):
    with org.session() as session:
        admin.add_office_closure(session, "root", date(2025, 4, 15), "Banjir")
        with pytest.raises(AdminError):
            admin.add_office_closure(session, "root", date(2025, 4, 15), "Lagi")
        with pytest.raises(AdminError, match="Tanggal wajib diisi"):
            admin.add_office_closure(session, "root", None, "x")
        assert not calendar_from_db(session).is_working_day(date(2025, 4, 15))
        admin.remove_office_closure(session, "root", date(2025, 4, 15))
        with pytest.raises(AdminError):
            admin.remove_office_closure(session, "root", date(2025, 4, 15))
        assert calendar_from_db(session).is_working_day(date(2025, 4, 15))
        assert [e.object_id for e in events(session, "admin.closure.added")] == ["2025-04-15"]
        assert [e.actor for e in events(session, "admin.closure.removed")] == ["root"]

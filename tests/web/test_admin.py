"""Admin pages through HTTP: units, roles, users, office closures; refusals change nothing."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from engine.closures import OfficeClosure
from engine.demo import DEMO_PASSWORD
from engine.models import AuditEvent, Role, Unit, User
from tests.engine.helpers import PASSWORD
from tests.web.conftest import Browser

ADMIN_PAGES = ["/admin/", "/admin/unit", "/admin/unit/1", "/admin/peran/1", "/admin/pengguna",
               "/admin/pengguna/baru", "/admin/pengguna/1", "/admin/libur"]
ADMIN_POSTS = ["/admin/unit", "/admin/unit/1", "/admin/unit/1/peran", "/admin/peran/1", "/admin/pengguna/baru",
               "/admin/pengguna/1", "/admin/pengguna/1/sandi", "/admin/pengguna/1/buka-kunci", "/admin/libur",
               "/admin/libur/hapus"]


@pytest.fixture
def admin(login):
    return login("admin", DEMO_PASSWORD)


def db_of(app):
    return app.extensions["alur"].db


def count(app, model) -> int:
    with db_of(app).session() as session:
        return session.scalar(select(func.count()).select_from(model))


def audit_actions(app) -> list[str]:
    with db_of(app).session() as session:
        return list(session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("admin.%"))
                                    .order_by(AuditEvent.id)))


def test_admin_pages_are_404_like_unknown_addresses_for_everyone_but_admins(app, login):
    anonymous = Browser(app)
    staf = login("staf")
    units = count(app, Unit)
    unknown = anonymous.get("/tidak-ada").get_data(as_text=True)
    for url in ADMIN_PAGES:
        assert anonymous.get(url).status_code == 404, url
        assert anonymous.last_page == unknown
        assert staf.get(url).status_code == 404, url
    token = staf.csrf("/tugas")
    for url in ADMIN_POSTS:
        response = staf.client.post(url, data={"csrf_token": token, "kode": "X", "nama": "X", "username": "x",
                                               "password": "panjang-sekali", "tanggal": "2026-01-02", "alasan": "x"})
        assert response.status_code == 404, url
    assert count(app, Unit) == units and audit_actions(app) == []
    assert ">Admin</a>" not in staf.get("/tugas").get_data(as_text=True)
    assert ">Admin</a>" in login("admin", DEMO_PASSWORD).get("/tugas").get_data(as_text=True)


def test_units_add_refuse_duplicates_and_rename(app, admin):
    response = admin.post("/admin/unit", {"kode": "DISKOMINFO", "nama": "Dinas Komunikasi dan Informatika"})
    assert response.status_code == 303
    page = admin.get("/admin/unit").get_data(as_text=True)
    assert 'data-unit="DISKOMINFO"' in page and "Unit DISKOMINFO ditambahkan." in page
    response = admin.post("/admin/unit", {"kode": "diskominfo", "nama": "Lagi"})
    assert response.status_code == 400 and "Kode unit \u201cdiskominfo\u201d sudah dipakai." in admin.last_page
    assert admin.post("/admin/unit", {"kode": "", "nama": "Tanpa kode"}).status_code == 400
    assert "Kode unit wajib diisi" in admin.last_page
    with db_of(app).session() as session:
        unit_id = session.scalar(select(Unit.id).where(Unit.code == "DISKOMINFO"))
    assert admin.post(f"/admin/unit/{unit_id}", {"nama": "  "}).status_code == 400
    assert "Nama unit wajib diisi" in admin.last_page
    assert admin.post(f"/admin/unit/{unit_id}", {"nama": "Diskominfo Kalteng"}).status_code == 303
    with db_of(app).session() as session:
        assert session.get(Unit, unit_id).name == "Diskominfo Kalteng"
        assert session.scalar(select(func.count()).select_from(Unit).where(Unit.code.ilike("diskominfo"))) == 1
    assert audit_actions(app) == ["admin.unit.added", "admin.unit.renamed"]
    assert admin.get("/admin/unit/99999").status_code == 404


def test_roles_offer_the_deployed_lanes_and_keep_free_text(app, admin):
    with db_of(app).session() as session:
        unit_id = session.scalar(select(Unit.id).where(Unit.code == "BKD"))
    page = admin.get(f"/admin/unit/{unit_id}").get_data(as_text=True)
    for lane in ("JFU", "Kepala Bidang", "Atasan PPID", "PPID Pelaksana", "Staf"):
        assert f'name="lajur" value="{lane}"' in page, lane
    response = admin.post(f"/admin/unit/{unit_id}/peran", {
        "nama": "Sekretaris", "lajur": ["JFU", "Kepala Bidang"], "lajur_lain": "Sekretariat\nArsiparis",
        "mengawasi": ["JFU"], "mengawasi_lain": ""}, token_from="/admin/unit")
    assert response.status_code == 303
    with db_of(app).session() as session:
        role = session.scalar(select(Role).where(Role.unit_id == unit_id, Role.name == "Sekretaris"))
        assert role.lanes == ["JFU", "Kepala Bidang", "Sekretariat", "Arsiparis"] and role.supervises == ["JFU"]
        role_id = role.id
    assert admin.post(f"/admin/unit/{unit_id}/peran", {"nama": "Sekretaris"}, token_from="/admin/unit").status_code == 400
    assert "Peran \u201cSekretaris\u201d sudah ada di unit ini." in admin.last_page
    page = admin.get(f"/admin/peran/{role_id}").get_data(as_text=True)
    assert 'value="JFU" checked' in page and "Sekretariat\nArsiparis</textarea>" in page
    response = admin.post(f"/admin/peran/{role_id}", {"nama": "Sekretaris Badan", "lajur": ["Kepala Badan"],
                                                      "mengawasi": ["Kepala Bidang"], "mengawasi_lain": "JFU"})
    assert response.status_code == 303
    with db_of(app).session() as session:
        role = session.get(Role, role_id)
        assert (role.name, role.lanes, role.supervises) == ("Sekretaris Badan", ["Kepala Badan"], ["Kepala Bidang", "JFU"])
    assert audit_actions(app) == ["admin.role.added", "admin.role.changed"]


def test_taking_the_last_holder_of_a_lane_away_warns_of_the_tasks_left_waiting(app, admin):
    app.extensions["alur"].processes.start("uji_tinjauan", "staf")  # a ready task in lane Staf of unit A
    with db_of(app).session() as session:
        staf_role = session.scalar(select(Role).join(Unit).where(Unit.code == "A", Role.name == "Staf"))
        role_id = staf_role.id
    admin.post(f"/admin/peran/{role_id}", {"nama": "Staf", "lajur": ["Kepala"]}, token_from="/admin/unit")
    page = admin.get(f"/admin/peran/{role_id}").get_data(as_text=True)
    assert "tidak dapat dikerjakan siapa pun" in page and "1 tugas lajur \u201cStaf\u201d di unit A" in page
    admin.post(f"/admin/peran/{role_id}", {"nama": "Staf", "lajur": ["Staf"]}, token_from="/admin/unit")
    assert "tidak dapat dikerjakan siapa pun" not in admin.get(f"/admin/peran/{role_id}").get_data(as_text=True)

def user_form(**fields) -> dict:
    data = {"nama_lengkap": "Sari Dewi", "email": "sari@kalteng.go.id", "aktif": "1"}
    data.update(fields)
    return data


def ids(app, unit_code: str, role_name: str) -> tuple[int, int]:
    with db_of(app).session() as session:
        unit_id = session.scalar(select(Unit.id).where(Unit.code == unit_code))
        return unit_id, session.scalar(select(Role.id).where(Role.unit_id == unit_id, Role.name == role_name))


def test_adding_a_user_refuses_bad_input_and_changes_nothing(app, admin):
    unit_a, staf_role = ids(app, "A", "Staf")
    _, other_unit_role = ids(app, "B", "Staf")
    before = count(app, User)
    cases = [
        ({"username": "staf", "password": "panjang-sekali", "unit": unit_a}, "Nama pengguna \u201cstaf\u201d sudah dipakai."),
        ({"username": "baru", "password": "pendek", "unit": unit_a}, "Kata sandi minimal 8 karakter."),
        ({"username": "baru", "password": "panjang-sekali", "unit": "99999"}, "Unit kerja tidak dikenal."),
        ({"username": "baru", "password": "panjang-sekali", "unit": unit_a, "peran": [other_unit_role]},
         "Peran berikut bukan milik unit pengguna: Staf."),
        ({"username": "baru", "password": "panjang-sekali", "email": "bukan-email"}, "tidak valid"),
        ({"username": "nama dengan spasi", "password": "panjang-sekali"}, "Nama pengguna wajib diisi"),
    ]
    for fields, message in cases:
        response = admin.post("/admin/pengguna/baru", user_form(**fields))
        assert response.status_code == 400 and message in admin.last_page, (fields, admin.last_page[-800:])
    assert count(app, User) == before and audit_actions(app) == []
    response = admin.post("/admin/pengguna/baru", user_form(username="sari", password="kata-sandi-sari",
                                                            unit=unit_a, peran=[staf_role]))
    assert response.status_code == 303
    page = admin.get("/admin/pengguna").get_data(as_text=True)
    row = page.split('data-user="sari"')[1].split("</tr>")[0]
    assert "Sari Dewi" in row and ">A<" in row and "Staf" in row
    sari = Browser(app).login("sari", "kata-sandi-sari")
    assert sari.get("/tugas").status_code == 200
    with db_of(app).session() as session:
        assert session.scalar(select(User.email).where(User.username == "sari")) == "sari@kalteng.go.id"
    assert audit_actions(app) == ["admin.user.added"]


def user_id(app, username: str) -> int:
    with db_of(app).session() as session:
        return session.scalar(select(User.id).where(User.username == username))


def test_editing_a_user_changes_unit_roles_and_flags(app, admin):
    staf = user_id(app, "staf")
    unit_b, role_b = ids(app, "B", "Staf")
    page = admin.get(f"/admin/pengguna/{staf}").get_data(as_text=True)
    assert "Pengguna staf" in page
    response = admin.post(f"/admin/pengguna/{staf}", user_form(unit=unit_b, peran=[role_b], perancang="1"))
    assert response.status_code == 303
    with db_of(app).session() as session:
        user = session.get(User, staf)
        assert user.unit_id == unit_b and [r.id for r in user.roles] == [role_b] and user.is_designer
        assert not user.is_admin and user.active
    response = admin.post(f"/admin/pengguna/{staf}", user_form(unit=unit_b, peran=[role_b]).copy() | {"aktif": ""})
    assert response.status_code == 303
    assert Browser(app).post("/masuk", {"username": "staf", "password": PASSWORD}).status_code == 401
    assert audit_actions(app) == ["admin.user.changed", "admin.user.changed"]


def test_an_admin_cannot_remove_their_own_admin_flag_or_deactivate_themselves(app, admin):
    me = user_id(app, "admin")
    response = admin.post(f"/admin/pengguna/{me}", user_form(nama_lengkap="Admin"))
    assert response.status_code == 400
    assert "Anda tidak dapat mencabut hak admin Anda sendiri" in admin.last_page
    response = admin.post(f"/admin/pengguna/{me}", {"nama_lengkap": "Admin", "admin": "1"})
    assert response.status_code == 400 and "menonaktifkan akun Anda sendiri" in admin.last_page
    with db_of(app).session() as session:
        user = session.get(User, me)
        assert user.is_admin and user.active
    assert audit_actions(app) == []


def test_reset_password_and_unlock_a_locked_account(app, admin):
    kepala = user_id(app, "kepala")
    outsider = Browser(app)
    for _ in range(5):
        outsider.post("/masuk", {"username": "kepala", "password": "salah-salah"})
    assert "Akun dikunci" in outsider.last_page
    page = admin.get(f"/admin/pengguna/{kepala}").get_data(as_text=True)
    assert 'data-testid="locked"' in page
    assert 'data-user="kepala"' in admin.get("/admin/pengguna").get_data(as_text=True)
    assert admin.post(f"/admin/pengguna/{kepala}/buka-kunci", token_from="/admin/pengguna").status_code == 303
    assert Browser(app).post("/masuk", {"username": "kepala", "password": PASSWORD}).status_code == 302
    admin.post(f"/admin/pengguna/{kepala}/buka-kunci", token_from="/admin/pengguna")
    assert "Akun kepala tidak sedang dikunci." in admin.get(f"/admin/pengguna/{kepala}").get_data(as_text=True)
    admin.post(f"/admin/pengguna/{kepala}/sandi", {"password": "pendek"}, token_from="/admin/pengguna")
    assert "Kata sandi minimal 8 karakter." in admin.get(f"/admin/pengguna/{kepala}").get_data(as_text=True)
    assert Browser(app).post("/masuk", {"username": "kepala", "password": PASSWORD}).status_code == 302
    admin.post(f"/admin/pengguna/{kepala}/sandi", {"password": "sandi-baru-kepala"}, token_from="/admin/pengguna")
    assert Browser(app).post("/masuk", {"username": "kepala", "password": PASSWORD}).status_code == 401
    assert Browser(app).post("/masuk", {"username": "kepala", "password": "sandi-baru-kepala"}).status_code == 302
    assert audit_actions(app) == ["admin.user.unlocked", "admin.user.password_reset"]


def test_office_closures_by_year_add_and_remove(app, admin):
    response = admin.post("/admin/libur", {"tanggal": "2026-05-23", "alasan": "Hari Jadi Provinsi Kalimantan Tengah"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/libur?tahun=2026")
    page = admin.get("/admin/libur?tahun=2026").get_data(as_text=True)
    assert 'data-day="2026-05-23"' in page and "23 Mei 2026" in page and "Hari Jadi Provinsi" in page
    assert 'data-day="2026-05-23"' not in admin.get("/admin/libur?tahun=2025").get_data(as_text=True)
    for typed in ("99999", "0", "dua-ribu"):  # a year no calendar has: this year's list, not an error
        assert admin.get(f"/admin/libur?tahun={typed}").status_code == 200
    assert admin.post("/admin/libur", {"tanggal": "2026-05-23", "alasan": "Lagi"}).status_code == 400
    assert "sudah tercatat sebagai hari kantor tutup" in admin.last_page
    assert admin.post("/admin/libur", {"tanggal": "23/05/2026", "alasan": "x"}).status_code == 400
    assert "Tanggal wajib diisi" in admin.last_page
    assert admin.post("/admin/libur", {"tanggal": "2026-06-01", "alasan": " "}).status_code == 400
    assert count(app, OfficeClosure) == 1
    admin.post("/admin/libur/hapus", {"tanggal": "2026-06-01"}, token_from="/admin/libur")
    assert "tidak tercatat sebagai hari kantor tutup" in admin.get("/admin/libur").get_data(as_text=True)
    assert admin.post("/admin/libur/hapus", {"tanggal": "2026-05-23"}, token_from="/admin/libur").status_code == 303
    with db_of(app).session() as session:
        assert session.scalar(select(OfficeClosure).where(OfficeClosure.day == date(2026, 5, 23))) is None
    assert audit_actions(app) == ["admin.closure.added", "admin.closure.removed"]

"""Archive fixtures: the catalog on SQLite and PostgreSQL, with its full-text index, over both stores;
units, roles and users of every kind the access rule distinguishes."""
from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import text
from click.testing import CliRunner

from alur.config import Settings
from engine.organization import create_user, get_or_create_role, get_or_create_unit
from storage import search_index
from storage.access import Viewer, load_viewer
from storage.archive import ArchiveService
from storage.catalog import DocumentMetadata, Exemption
from storage.cli import archive as archive_group
from storage.models import RetentionClass

PASSWORD = "rahasia-123"
# username -> (unit code, role name, lanes, is_admin)
PEOPLE = {
    "admin": ("DISKOMINFO", "Administrator", [], True),
    "ppid": ("DISKOMINFO", "PPID Utama", ["PPID"], False),
    "atasan": ("BIRO_ORG", "Atasan PPID", ["Atasan PPID"], False),
    "staff_bkd": ("BKD", "JFU", ["JFU"], False),
    "staff_org": ("BIRO_ORG", "Kasubbag", ["Kasubbag/Kepala Seksi"], False),
}
ENTITLED = {"admin", "ppid", "atasan"}


@pytest.fixture
def archive_db(db):
    search_index.install(db.engine)
    return db


@pytest.fixture
def viewers(archive_db) -> dict[str, Viewer]:
    with archive_db.session() as session:
        for username, (unit_code, role_name, lanes, is_admin) in PEOPLE.items():
            unit = get_or_create_unit(session, unit_code)
            role = get_or_create_role(session, unit, role_name, lanes)
            create_user(session, username, PASSWORD, unit=unit, roles=[role], is_admin=is_admin)
        for unit_code in ("BKD", "BIRO_ORG", "DISKOMINFO"):
            get_or_create_unit(session, unit_code)
        session.add(RetentionClass(code="KU.01", name="Laporan keuangan", active_years=2, inactive_years=8,
                                   final_disposition="musnah"))
        session.add(RetentionClass(code="OT.00", name="Produk hukum", active_years=5, inactive_years=5,
                                   final_disposition="permanen"))
    with archive_db.session() as session:
        return {username: load_viewer(session, username) for username in PEOPLE}


@pytest.fixture
def archive(archive_db, store, viewers) -> ArchiveService:
    return ArchiveService(archive_db, store)


@pytest.fixture
def run(archive, archive_db, tmp_path):
    """`alur archive ...` as the operator runs it, on the test's database and store."""
    settings = Settings.from_env({"ALUR_DATA_DIR": str(tmp_path / "data")})

    def invoke(*args):
        return CliRunner().invoke(archive_group, list(args), obj={"db": archive_db, "settings": settings,
                                                                   "store": archive.store})
    return invoke


def store_url(store, request) -> str:
    """The ALUR_ARCHIVE_URL of the test's store, for a child process."""
    if type(store).__name__ == "S3Store":
        server = request.getfixturevalue("moto_server")
        return f"s3://testing:testing@{server.endpoint}/?secure=false&region=us-east-1&prefix={store.prefix}"
    return store.root.as_uri()


def exemption(**changes) -> Exemption:
    values = dict(pasal17="h", konsekuensi_dibuka="Membuka rahasia pribadi pegawai.",
                  pertimbangan_ditutup="Melindungi data pribadi.", jangka_waktu_sampai=date(2040, 1, 1),
                  penetap="Atasan PPID BKD", nomor_sk="800/12/BKD/2025")
    values.update(changes)
    return Exemption(**values)


def metadata(title: str, unit: str = "BKD", klasifikasi: str | None = "setiap_saat", **changes) -> DocumentMetadata:
    if klasifikasi == "dikecualikan" and "exemption" not in changes:
        changes["exemption"] = exemption()
    return DocumentMetadata(title=title, unit_code=unit, klasifikasi=klasifikasi, **changes)


def add_text(archive: ArchiveService, viewer: Viewer, title: str, body: str, **meta):
    return archive.add(viewer, io.BytesIO(body.encode()), f"{title[:20].replace(' ', '_')}.txt", metadata(title, **meta))


def refuse_versions(db, when: str | None = None) -> None:
    """A trigger that makes the catalog refuse document_versions rows (those matching ``when``)."""
    condition = {"sqlite": f" WHEN {when}", "postgresql": f" WHEN ({when})"} if when else {"sqlite": "", "postgresql": ""}
    dialect = db.engine.dialect.name
    statements = {
        "sqlite": [f"CREATE TRIGGER fail_versions BEFORE INSERT ON document_versions{condition['sqlite']} "
                   "BEGIN SELECT RAISE(ABORT, 'catalog write refused'); END"],
        "postgresql": ["CREATE FUNCTION fail_versions() RETURNS trigger AS $$ BEGIN "
                       "RAISE EXCEPTION 'catalog write refused'; END $$ LANGUAGE plpgsql",
                       "CREATE TRIGGER fail_versions BEFORE INSERT ON document_versions "
                       f"FOR EACH ROW{condition['postgresql']} EXECUTE FUNCTION fail_versions()"],
    }
    with db.engine.begin() as connection:
        for statement in statements[dialect]:
            connection.execute(text(statement))

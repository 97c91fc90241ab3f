"""The full-text structures made by raw SQL: idempotent, kept in step by the database, and hidden from
Alembic's autogenerate by ``include_object`` (the lead's env.py and migration check use it)."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from alur.migrate import upgrade
from alur.schema import metadata
from engine.db import Database
from engine.organization import get_or_create_unit
from storage import search_index
from storage.access import Viewer
from storage.archive import ArchiveService
from storage.local_store import LocalStore
from tests.storage.archive.conftest import add_text


def test_autogenerate_sees_no_difference_once_include_object_is_used(archive_db):
    search_index.install(archive_db.engine)  # a second time: idempotent
    with archive_db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": False, "include_object": search_index.include_object})
        assert compare_metadata(context, metadata) == []


def test_the_index_follows_inserts_updates_and_deletes(archive, viewers, archive_db):
    staff = viewers["ppid"]
    document = add_text(archive, staff, "Rencana kerja", "rencana strategis dinas")
    assert archive.search(staff, text="strategis").total == 1
    with archive_db.session() as session:
        session.execute(text("UPDATE documents SET body_text = 'rencana operasional' WHERE id = :id"),
                        {"id": document.id})
    assert archive.search(staff, text="strategis").total == 0
    assert archive.search(staff, text="operasional").total == 1
    archive.delete(staff, document.id)
    assert archive.search(staff, text="operasional").total == 0


def test_query_syntax_is_never_passed_through(archive, viewers):
    staff = viewers["ppid"]
    add_text(archive, staff, "Anggaran", "anggaran belanja daerah")
    for query in ('"anggaran', "anggaran OR", "NEAR(anggaran", "anggaran*", "-anggaran", "anggaran:belanja",
                  "'; DROP TABLE documents; --"):
        assert archive.search(staff, text=query).total in (0, 1)
    assert archive.search(staff, text="ANGGARAN   belanja!").total == 1


def test_a_migrated_database_has_every_structure_the_search_uses(database_url, tmp_path):
    """Production databases are built by the migrations, not by create_all and install(): the FTS
    triggers and (SQLite) the covering index the search names must come from them, or a search fails."""
    upgrade(database_url)
    db = Database(database_url)
    try:
        with db.session() as session:
            get_or_create_unit(session, "BKD")
        store = LocalStore(tmp_path / "archive")
        store.ensure_buckets()
        archive, system = ArchiveService(db, store), Viewer.system()
        add_text(archive, system, "Rencana kerja", "rencana strategis dinas")
        add_text(archive, system, "Laporan", "laporan tahunan", klasifikasi="dikecualikan")
        found = archive.search(system, text="strategis")
        assert [hit.document.title for hit in found.hits] == ["Rencana kerja"]
        assert found.hits[0].snippet.matched == ["strategis"]
        assert archive.search(Viewer("tamu", None), text="laporan").total == 0  # the access rule holds
    finally:
        db.dispose()

"""Faults caused for real: the object store dies, the catalog transaction fails, the process is killed
between the object write and the catalog write. Afterwards the catalog and the buckets agree."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from engine.timeutil import utcnow
from storage.archive import ArchiveService
from storage.errors import StoreUnavailable
from storage.local_store import LocalStore
from storage.models import Document, DocumentVersion, PendingUpload
from storage.objectstore import Bucket
from storage.reconcile import GRACE
from tests.storage.archive.conftest import add_text, metadata, refuse_versions, store_url
from tests.storage.conftest import MotoServer

def counts(db) -> tuple[int, int]:
    with db.session() as session:
        return (session.scalar(select(func.count(Document.id))),
                session.scalar(select(func.count(DocumentVersion.id))))


def stored_objects(store) -> list:
    return [obj for bucket in Bucket for obj in store.list(bucket)]


def test_store_down_during_upload_or_a_batch_is_a_clear_error_and_catalogues_nothing(archive_db, viewers):
    server = MotoServer().start()
    store = server.store()
    store.ensure_buckets()
    archive = ArchiveService(archive_db, store)
    server.kill()
    with pytest.raises(StoreUnavailable, match=f"object store at http://127.0.0.1:{server.port} is unavailable"):
        add_text(archive, viewers["staff_bkd"], "Laporan", "isi laporan")
    outcomes = list(archive.add_many(viewers["staff_bkd"], [
        (io.BytesIO(b"isi satu"), "satu.txt", metadata("Satu")), (io.BytesIO(b"isi dua"), "dua.txt", metadata("Dua"))]))
    assert [type(outcome) for outcome in outcomes] == [StoreUnavailable, StoreUnavailable]
    assert counts(archive_db) == (0, 0)
    # The store comes back (empty, as a fresh moto is): the kept intent names no object, so all is well.
    again = MotoServer()
    again.port = server.port
    again.start()
    try:
        store.ensure_buckets()
        assert archive.check().ok
        assert archive.recover() == []
    finally:
        again.stop()


def test_failed_catalog_write_removes_the_object_just_written(archive, viewers, archive_db):
    kept = add_text(archive, viewers["staff_bkd"], "Sudah ada", "versi pertama")
    refuse_versions(archive_db)
    with pytest.raises(Exception, match="catalog write refused"):
        add_text(archive, viewers["staff_bkd"], "Baru", "tidak pernah tercatat")
    with pytest.raises(Exception, match="catalog write refused"):
        archive.add_version(viewers["staff_bkd"], kept.id, io.BytesIO(b"versi kedua"), "v2.txt")
    assert counts(archive_db) == (1, 1)
    assert [obj.key for obj in stored_objects(archive.store)] == [kept.current.key]
    assert len(archive.store.versions(Bucket.PUBLIC, kept.current.key)) == 1
    with archive_db.session() as session:
        assert session.scalar(select(func.count(PendingUpload.id))) == 0
    report = archive.check()
    assert report.ok, report.lines()


CHILD = """
import io, sys
from engine.db import Database
from storage.access import load_viewer
from storage.archive import ArchiveService
from storage.catalog import DocumentMetadata
from storage.config import open_store
db = Database(sys.argv[1])
archive = ArchiveService(db, open_store(sys.argv[2]))
with db.session() as session:
    viewer = load_viewer(session, "staff_bkd")
archive.add(viewer, io.BytesIO(b"arsip yang tidak sempat dicatat"), "x.txt",
            DocumentMetadata(title="Terputus", unit_code="BKD", klasifikasi="berkala"))
"""


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_process_killed_between_object_and_catalog_write(archive, viewers, archive_db, database_url, tmp_path, request):
    """PostgreSQL only: a table lock holds the child's catalog insert until it is killed (SIGKILL),
    after its intent is committed and its object written. SQLite has no lock that blocks one table."""
    store = archive.store
    url = store_url(store, request)
    lock = archive_db.engine.connect()
    lock.execute(text("LOCK TABLE document_versions IN ACCESS EXCLUSIVE MODE"))
    child = subprocess.Popen([sys.executable, "-c", CHILD, database_url, url], cwd=os.getcwd())
    try:
        deadline = time.monotonic() + 30
        while not stored_objects(store):
            assert child.poll() is None and time.monotonic() < deadline, "the child never wrote its object"
            time.sleep(0.05)
        time.sleep(0.3)  # it is now waiting for the lock on document_versions
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=20)
    finally:
        lock.rollback()
        lock.close()
    assert counts(archive_db) == (0, 0)
    report = archive.check()
    assert report.orphans == [] and len(report.interrupted) == 0  # within GRACE: an upload under way
    late = ArchiveService(archive_db, store, clock=lambda: utcnow() + GRACE + timedelta(minutes=1))
    assert len(late.check().interrupted) == 1
    assert len(late.recover()) == 1
    assert late.check().ok and stored_objects(store) == []


def _interrupted_upload(archive, archive_db, key: str, started) -> str:
    """What a process killed between the object write and the catalog write leaves: its intent and its
    object (written for real) on ``key``; returns the object's version id."""
    with archive_db.session() as session:
        session.add(PendingUpload(bucket=Bucket.PUBLIC.value, key=key, created_by="staff_bkd", created_at=started))
    data = b"unggahan yang terputus"
    return archive.store.put(Bucket.PUBLIC, key, io.BytesIO(data), len(data), "text/plain").version_id


def _on_first_listing(store, key: str, action) -> None:
    """Run ``action`` when recover lists ``key``: after it has read the catalog, before it destroys.
    Only the moment is arranged (on this store instance); what ``action`` does is real."""
    listed = store.versions

    def versions(bucket, listed_key):
        if listed_key == key and not getattr(versions, "done", False):
            versions.done = True
            action()
        return listed(bucket, listed_key)

    store.versions = versions


def test_recover_keeps_a_version_catalogued_after_it_read_the_catalog(archive, viewers, archive_db):
    """A stale intent on a document's key; while recover works (its catalog already read) a new version
    of that document is catalogued on the same key. Only the interrupted upload's object goes."""
    staff = viewers["staff_bkd"]
    document = add_text(archive, staff, "Rekap", "versi pertama")
    key = document.current.key
    orphan = _interrupted_upload(archive, archive_db, key, utcnow() - GRACE - timedelta(minutes=5))
    added = []
    _on_first_listing(archive.store, key, lambda: added.append(
        archive.add_version(staff, document.id, io.BytesIO(b"versi kedua"), "rekap.txt")))
    removed = archive.recover()
    [latest] = added
    assert removed == [f"removed interrupted upload public/{key} (version {orphan})"]
    assert [v.version_id for v in archive.store.versions(Bucket.PUBLIC, key)].count(orphan) == 0
    for version in latest.versions:  # both catalogued versions are still stored
        assert archive.store.stat(Bucket.PUBLIC, key, version.store_version_id).sha256 == version.sha256
    with archive.open_content(staff, document.id, 2) as opened:
        assert opened.read() == b"versi kedua"
    assert archive.check().ok


def test_recover_leaves_an_object_an_upload_under_way_may_own(archive, viewers, archive_db):
    """A stale intent and a live one (an upload that has written its object, not yet catalogued) on the
    same key: nothing is destroyed and the stale intent stays, for a recover once that upload is over."""
    started = utcnow() - GRACE - timedelta(minutes=5)
    stale = _interrupted_upload(archive, archive_db, "documents/ab/abcdef", started)
    live = _interrupted_upload(archive, archive_db, "documents/ab/abcdef", utcnow())
    assert archive.recover() == []
    assert {v.version_id for v in archive.store.versions(Bucket.PUBLIC, "documents/ab/abcdef")} == {stale, live}
    with archive_db.session() as session:
        assert session.scalar(select(func.count(PendingUpload.id))) == 2


def test_batch_with_a_failing_catalog_write_keeps_the_others_and_leaves_nothing_behind(archive, viewers, archive_db):
    """The catalog refuses the middle document (a trigger on its file name), while the next one's PUT
    is already under way: only the middle one is undone."""
    refuse_versions(archive_db, when="NEW.original_filename = 'ditolak.txt'")
    names = ["pertama.txt", "ditolak.txt", "ketiga.txt"]
    outcomes = list(archive.add_many(viewers["staff_bkd"], [
        (io.BytesIO(f"isi {name}".encode()), name, metadata(name)) for name in names]))

    assert "catalog write refused" in str(outcomes[1])
    assert [outcome.current.original_filename for outcome in (outcomes[0], outcomes[2])] == ["pertama.txt", "ketiga.txt"]
    assert counts(archive_db) == (2, 2)
    assert sorted(obj.key for obj in stored_objects(archive.store)) == sorted(
        outcome.current.key for outcome in (outcomes[0], outcomes[2]))
    with archive_db.session() as session:
        assert session.scalar(select(func.count(PendingUpload.id))) == 0
    report = archive.check()
    assert report.ok, report.lines()


def test_cli_batch_names_the_file_the_catalog_refused_and_stores_the_others(run, archive, archive_db, tmp_path):
    refuse_versions(archive_db, when="NEW.original_filename = 'ditolak.txt'")
    paths = []
    for name in ("pertama.txt", "ditolak.txt", "ketiga.txt"):
        paths.append(tmp_path / name)
        paths[-1].write_text(f"isi {name}", encoding="utf-8")
    result = run("add", *map(str, paths), "--class", "berkala", "--as", "staff_bkd")
    assert result.exit_code == 1
    assert "stored: document" in result.output and "from pertama.txt" in result.output and "from ketiga.txt" in result.output
    assert "1 of 3 files not stored" in result.output and "ditolak.txt: " in result.output
    assert "catalog write refused" in result.output
    assert counts(archive_db) == (2, 2)
    assert archive.check().ok


def _texts(*names: str):
    return [(io.BytesIO(f"isi {name}".encode()), name, metadata(name)) for name in names]


def test_batch_whose_list_fails_ends_there_after_finishing_what_is_in_flight(archive, viewers, archive_db):
    def files():
        yield from _texts("satu.txt", "dua.txt")
        raise OSError("berkas ketiga tidak dapat dibuka")

    outcomes = list(archive.add_many(viewers["staff_bkd"], files()))
    assert [type(outcome).__name__ for outcome in outcomes] == ["Document", "Document", "OSError"]
    assert counts(archive_db) == (2, 2) and len(stored_objects(archive.store)) == 2
    with archive_db.session() as session:
        assert session.scalar(select(func.count(PendingUpload.id))) == 0
    report = archive.check()
    assert report.ok, report.lines()


def test_batch_the_caller_stops_early_still_catalogues_the_document_in_flight(archive, viewers, archive_db):
    outcomes = archive.add_many(viewers["staff_bkd"], _texts("satu.txt", "dua.txt", "tiga.txt"))
    first = next(outcomes)  # dua.txt's PUT is under way by now
    outcomes.close()
    assert first.current.original_filename == "satu.txt"
    assert counts(archive_db) == (2, 2) and len(stored_objects(archive.store)) == 2
    with archive_db.session() as session:
        assert session.scalar(select(func.count(PendingUpload.id))) == 0
    assert archive.check().ok


def test_batch_write_refused_by_the_store_removes_each_intent(archive_db, viewers, tmp_path):
    """A store without its buckets refuses the PUT (a StoreError, not 'unavailable'): nothing was
    written, so the writer thread removes the intent it was given."""
    archive = ArchiveService(archive_db, LocalStore(tmp_path / "tanpa-bucket"))
    outcomes = list(archive.add_many(viewers["staff_bkd"], _texts("satu.txt", "dua.txt")))
    assert all("missing" in str(outcome) for outcome in outcomes), outcomes
    assert counts(archive_db) == (0, 0)
    with archive_db.session() as session:
        assert session.scalar(select(func.count(PendingUpload.id))) == 0

"""Reclassifying a public document as dikecualikan moves its earlier versions out of the public
bucket, which operators may expose (a portal, a CDN, a read-only key): exempt bytes must not stay
there. What a lock keeps there, or a crash leaves there, `alur archive check` reports and repairs."""
from __future__ import annotations

import hashlib
import io
import logging
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from engine.errors import NotFound
from engine.models import AuditEvent
from storage.access import Viewer
from storage.archive import ArchiveService
from storage.objectstore import Bucket
from storage.s3_store import S3Store
from tests.storage.archive.conftest import add_text, exemption, store_url
from tests.storage.conftest import MotoServer

FIRST, SECOND = b"rekap honorarium pegawai versi pertama", b"rekap honorarium pegawai versi kedua"


@pytest.fixture
def two_versions(archive, viewers):
    """A public document of BKD with two versions, in the public bucket."""
    staff = viewers["staff_bkd"]
    document = add_text(archive, staff, "Rekap honorarium", FIRST.decode(), klasifikasi="setiap_saat")
    document = archive.add_version(staff, document.id, io.BytesIO(SECOND), "rekap.txt")
    assert [v.bucket for v in document.versions] == ["public", "public"]
    return document


def public_bucket(store, request) -> list[str]:
    """The public bucket as the store lists it, beneath the archive's code: every version and marker."""
    if isinstance(store, S3Store):
        client = request.getfixturevalue("moto_server").boto3()
        listing = client.list_object_versions(Bucket=store.bucket_name(Bucket.PUBLIC))
        entries = listing.get("Versions", []) + listing.get("DeleteMarkers", [])
        return sorted(f"{entry['Key']} {entry['VersionId']}" for entry in entries)
    root = store.root / Bucket.PUBLIC.value
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file() and path.name != ".lock")


def reclassify_exempt(archive, viewers, document_id):
    return archive.reclassify(viewers["ppid"], document_id, "dikecualikan", exemption())


def assert_only_the_entitled_read_every_version(archive, viewers, document_id):
    contents = {1: FIRST, 2: SECOND, 3: SECOND}
    for username in ("ppid", "atasan", "admin", "staff_bkd"):
        for number, content in contents.items():
            with archive.open_content(viewers[username], document_id, number) as opened:
                data = opened.read()
            assert data == content and hashlib.sha256(data).hexdigest() == opened.version.sha256
    for viewer in (viewers["staff_org"], Viewer.public()):
        assert archive.search(viewer, text="honorarium").total == 0
        for number in contents:
            with pytest.raises(NotFound):
                archive.open_content(viewer, document_id, number)


def events(archive_db, action: str) -> list[AuditEvent]:
    with archive_db.session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_reclassified_as_exempt_every_version_leaves_the_public_bucket(archive, viewers, two_versions, archive_db,
                                                                     request, run):
    document = reclassify_exempt(archive, viewers, two_versions.id)
    assert [(v.number, v.bucket, v.klasifikasi) for v in document.versions] == [
        (1, "exempt", "dikecualikan"), (2, "exempt", "dikecualikan"), (3, "exempt", "dikecualikan")]
    assert public_bucket(archive.store, request) == []
    for version in document.versions:  # the objects say their class, so the catalog can be rebuilt
        stored = archive.store.stat(Bucket.EXEMPT, version.key, version.store_version_id)
        assert stored.metadata["klasifikasi"] == "dikecualikan"
        assert stored.metadata["document-version"] == str(version.number)
    assert_only_the_entitled_read_every_version(archive, viewers, document.id)
    moved = events(archive_db, "document.version_moved")
    assert [(e.detail["version"], e.detail["from_bucket"], e.detail["to_bucket"]) for e in moved] == [
        (1, "public", "exempt"), (2, "public", "exempt")]
    assert {e.detail["from_version"] for e in moved} == {v.store_version_id for v in two_versions.versions}
    destroyed = events(archive_db, "document.moved_version_destroyed")  # the old objects' end is audited too
    assert [(e.detail["version"], e.detail["bucket"], e.detail["store_version"]) for e in destroyed] == [
        (v.number, "public", v.store_version_id) for v in two_versions.versions]
    checked = run("check")
    assert checked.exit_code == 0 and "archive is consistent" in checked.output, checked.output


def test_a_retained_old_version_is_kept_audited_and_reported_by_check(archive, viewers, two_versions, archive_db,
                                                                     request, caplog):
    first = two_versions.versions[0]
    until = datetime.now(timezone.utc) + timedelta(days=2)
    archive.store.set_retention(Bucket.PUBLIC, first.key, first.store_version_id, until)
    document = reclassify_exempt(archive, viewers, two_versions.id)
    assert [v.bucket for v in document.versions] == ["exempt", "exempt", "exempt"]
    assert public_bucket(archive.store, request) != []
    assert [v.version_id for v in archive.store.versions(Bucket.PUBLIC, first.key)] == [first.store_version_id]
    [locked] = events(archive_db, "document.version_move_locked")
    assert locked.detail["version"] == 1 and "retention until" in locked.detail["reason"]
    assert_only_the_entitled_read_every_version(archive, viewers, document.id)

    kept = archive.store.stat(Bucket.PUBLIC, first.key, first.store_version_id)
    report = archive.check()
    assert (report.missing, report.orphans, report.interrupted, report.mismatches) == ([], [], [], [])
    [finding] = report.held  # listed for the operator; the check itself passes (nothing can be done yet)
    assert report.ok and f"notice: {finding}" in report.lines()
    assert finding.startswith(f"exempt content in the public bucket, locked until {kept.retain_until.isoformat()}: "
                              f"public/{first.key} (version {first.store_version_id}), version 1 of document "
                              f"{document.id}")
    assert report.lines()[-1].startswith("archive is consistent; 1 exempt object(s) kept outside the exempt bucket")
    assert archive.recover() == []  # the lock holds: nothing to repair, and the finding stays
    assert archive.check().held == [finding]
    caplog.clear()  # the alert of the move itself
    with caplog.at_level(logging.WARNING, logger="alur.alerts"):
        assert archive.nightly_repair() == []  # what the nightly task runs
    assert [record.getMessage() for record in caplog.records if record.name == "alur.alerts"] == \
        [f"archive: {finding}"]  # the nightly repair alerts again, every night, until the lock ends


def test_a_held_document_keeps_its_old_versions_until_the_hold_is_released(archive, viewers, two_versions,
                                                                          archive_db, request):
    archive.set_legal_hold(viewers["ppid"], two_versions.id, True, reason="sengketa informasi 3/2025")
    document = reclassify_exempt(archive, viewers, two_versions.id)
    assert len(events(archive_db, "document.version_move_locked")) == 2
    report = archive.check()
    assert len(report.held) == 2 and report.ok
    assert all(line.startswith("exempt content in the public bucket, under legal hold: ") for line in report.held)
    assert all(archive.store.stat(Bucket.EXEMPT, v.key, v.store_version_id).legal_hold for v in document.versions)

    archive.set_legal_hold(viewers["ppid"], document.id, False)
    assert public_bucket(archive.store, request) == []
    assert len(events(archive_db, "document.moved_version_destroyed")) == 2
    assert archive.check().ok
    assert_only_the_entitled_read_every_version(archive, viewers, document.id)


CRASH_BEFORE_DELETE = """
import os, signal, sys
from engine.db import Database
from storage.access import load_viewer
from storage.archive import ArchiveService
from storage.config import open_store
from tests.storage.archive.conftest import exemption
db = Database(sys.argv[1])
archive = ArchiveService(db, open_store(sys.argv[2]))
# Fault injection, the one substitution in these tests: the store's delete is replaced by a real
# SIGKILL of this process, because no outside signal can hit this exact moment (after the copy and
# the catalog's commit of the move, before the old version is destroyed). The store, the database
# and the death are real.
archive.store.delete = lambda *args: os.kill(os.getpid(), signal.SIGKILL)
with db.session() as session:
    viewer = load_viewer(session, "ppid")
archive.reclassify(viewer, int(sys.argv[3]), "dikecualikan", exemption())
"""


def test_a_crash_between_copy_and_delete_is_reported_and_repaired(archive, viewers, two_versions, database_url,
                                                                 request, run):
    child = subprocess.run([sys.executable, "-c", CRASH_BEFORE_DELETE, database_url,
                            store_url(archive.store, request), str(two_versions.id)], cwd=os.getcwd())
    assert child.returncode == -9
    first, second = two_versions.versions
    report = archive.check()
    assert (report.missing, report.orphans, report.mismatches) == ([], [], [])
    assert report.exposed == [
        f"exempt content in the public bucket: public/{second.key} (version {second.store_version_id}) is version 2 "
        f"of exempt document {two_versions.id}, not yet moved to the exempt bucket (--repair moves it)",
        f"exempt content in the public bucket: public/{first.key} (version {first.store_version_id}), version 1 of "
        f"document {two_versions.id}, left behind by its move to the exempt bucket (--repair destroys it)"]

    repaired = run("check", "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert f"repaired: moved public/{second.key} (version {second.store_version_id})" in repaired.output
    assert f"repaired: destroyed exempt content left in the public bucket: public/{first.key}" in repaired.output
    assert "archive is consistent" in repaired.output
    assert public_bucket(archive.store, request) == []
    assert_only_the_entitled_read_every_version(archive, viewers, two_versions.id)


def test_the_store_stopping_between_copy_and_delete_is_alerted_reported_and_repaired(archive_db, viewers, caplog):
    """The S3 server stops answering (SIGSTOP) just before the first old version is destroyed; the
    reclassification itself is done, the rest is left for `check --repair` once the server answers."""
    server = MotoServer().start()  # private: the session's server is not paused
    try:
        store = server.store(read_timeout=1, retries=0)
        store.ensure_buckets()
        archive = ArchiveService(archive_db, store)
        document = add_text(archive, viewers["staff_bkd"], "Rekap honorarium", FIRST.decode())
        document = archive.add_version(viewers["staff_bkd"], document.id, io.BytesIO(SECOND), "rekap.txt")
        destroy = store.delete

        def stop_then_delete(*args):  # only the moment is arranged: the server really stops answering
            os.kill(server.process.pid, signal.SIGSTOP)
            return destroy(*args)

        store.delete = stop_then_delete
        reclassified = reclassify_exempt(archive, viewers, document.id)
        os.kill(server.process.pid, signal.SIGCONT)
        store.delete = destroy
        assert reclassified.klasifikasi == "dikecualikan"
        assert [v.bucket for v in reclassified.versions] == ["exempt", "public", "exempt"]
        # Version 1 was moved (its row names the exempt copy): what failed is destroying its old object.
        [moved] = events(archive_db, "document.version_moved")
        [left] = events(archive_db, "document.version_move_leftover")
        assert moved.detail["version"] == left.detail["version"] == 1 and "unavailable" in left.detail["error"]
        assert left.detail["store_version"] == moved.detail["from_version"] == document.versions[0].store_version_id
        assert events(archive_db, "document.version_move_failed") == []  # the store stopped: version 2 not tried
        assert events(archive_db, "document.moved_version_destroyed") == []
        assert any("ALERT exempt content left in the public bucket" in r.getMessage()
                   for r in caplog.records if r.name == "alur.alerts")
        report = archive.check()
        assert len(report.exposed) == 2 and not (report.orphans or report.missing or report.interrupted)
        assert len(archive.recover()) == 2
        assert len(events(archive_db, "document.moved_version_destroyed")) == 2  # the leftover, then version 2's
        assert archive.check().ok and list(store.list_keys(Bucket.PUBLIC)) == []
        assert_only_the_entitled_read_every_version(archive, viewers, document.id)
    finally:
        os.kill(server.process.pid, signal.SIGCONT)
        server.stop()

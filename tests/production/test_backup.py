"""`alur backup` / `alur restore` round trip: back up, wipe, restore, and everything is there.

On the production path (PostgreSQL with pg_dump/pg_restore, moto's S3 server) and on the
embedded one (SQLite, local archive directory). The commands run as the operator runs them.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select

import alur.schema  # noqa: F401  (every table on the metadata)
from alur.migrate import upgrade
from engine.db import Base, Database
from engine.models import AuditEvent, HumanTask
from engine.organization import create_user, get_or_create_role, get_or_create_unit
from engine.runtime import ProcessService
from storage import search_index
from storage.access import load_viewer
from storage.archive import ArchiveService
from storage.config import open_store
from storage.models import RetentionClass
from storage.objectstore import Bucket
from tests.conftest import fresh_postgres_database
from tests.engine.helpers import PASSWORD, setup_review_loop
from tests.production.conftest import archive_url
from tests.production.stack import process_env, production_env
from tests.storage.archive.conftest import add_text

ALUR = str(Path(sys.executable).parent / "alur")
PDF = b"%PDF-1.4 surat keputusan " * 4000
NEW_ON_RESTORE = {("document_versions", "store_version_id")}  # the store gives restored versions new ids
RETAIN_UNTIL = (datetime.now(timezone.utc) + timedelta(days=30)).replace(microsecond=0)


def alur(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([ALUR, *args], env=process_env(env), capture_output=True, text=True, timeout=300)


def catalogue(db: Database, store) -> int:
    """Two documents through the archive service (catalog rows, audit), one with a second version."""
    Base.metadata.create_all(db.engine)  # the archive tables, where no migration has them yet
    search_index.install(db.engine)
    with db.session() as session:
        unit = get_or_create_unit(session, "DISKOMINFO")
        role = get_or_create_role(session, unit, "Administrator", [])
        create_user(session, "arsiparis", PASSWORD, unit=unit, roles=[role], is_admin=True)
        session.add(RetentionClass(code="OT.00", name="Produk hukum", active_years=5, inactive_years=5,
                                   final_disposition="permanen"))
    with db.session() as session:
        viewer = load_viewer(session, "arsiparis")
    archive = ArchiveService(db, store, ocr_runner=lambda version_id: None)
    first = add_text(archive, viewer, "Daftar Informasi Publik 2025", "daftar informasi publik", unit="DISKOMINFO")
    add_text(archive, viewer, "Laporan Layanan PPID", "laporan tahunan", unit="DISKOMINFO")
    archive.add_version(viewer, first.id, io.BytesIO(b"daftar informasi publik, revisi"), "daftar.txt")
    return 3


def populate(db: Database, store, retention: bool) -> dict[str, bytes]:
    """Cases at several steps, their audit trail, and documents with versions, a hold, a deletion."""
    setup_review_loop(db)
    service = ProcessService(db)
    cases = [service.start("uji_tinjauan", "staf", data={"pemohon": f"Pemohon {n}"}).id for n in range(3)]
    for task in service.ready_tasks("staf")[:2]:
        service.complete(task.id, "staf", {"ringkasan": "konsep"})
    [review, *_] = service.ready_tasks("kepala")
    service.complete(review.id, "kepala", {"keputusan": "tidak", "catatan": "Lengkapi lampiran"})
    documents = {
        "public/2025/sk-ppid.pdf#1": PDF,
        "public/2025/sk-ppid.pdf#2": PDF + b"revisi",
        "exempt/rahasia/nota dinas.txt": "Nota dinas — dikecualikan (Pasal 17)".encode(),
        "originals/scan/ktp.png": os.urandom(300_000),
        "originals/scan/salinan.pdf": PDF,  # the same bytes as version 1 above: one blob in the backup
    }
    for name, data in documents.items():
        bucket, key = name.split("/", 1)
        store.put(Bucket(bucket), key.split("#")[0], io.BytesIO(data), len(data), content_type="application/pdf",
                  metadata={"kasus": str(cases[0]), "judul": "Surat Keputusan Gubernur Kalimantan Tengah"})
    held = store.stat(Bucket.EXEMPT, "rahasia/nota dinas.txt")
    store.set_legal_hold(Bucket.EXEMPT, held.key, held.version_id, True)
    if retention:
        first = store.versions(Bucket.PUBLIC, "2025/sk-ppid.pdf")[-1]
        store.set_retention(Bucket.PUBLIC, first.key, first.version_id, RETAIN_UNTIL)
    store.delete(Bucket.ORIGINALS, "scan/ktp.png")  # a delete marker: the versions stay
    return documents


def database_snapshot(db: Database) -> dict:
    """Every row of every table the database has (alembic_version included), as text."""
    tables = MetaData()
    tables.reflect(db.engine)
    with db.engine.connect() as connection:
        return {table.name: sorted(tuple(str(v) for v in row) for row in connection.execute(
                    select(*(c for c in table.columns if (table.name, c.name) not in NEW_ON_RESTORE))))
                for table in tables.sorted_tables}


def store_snapshot(store) -> dict:
    snapshot = {}
    for bucket in Bucket:
        for listed in store.list_keys(bucket):
            versions = [(v.sha256, v.size, v.content_type, tuple(sorted(v.metadata.items())), v.legal_hold,
                         v.retain_until) for v in reversed(store.versions(bucket, listed.key))]
            snapshot[(bucket.value, listed.key)] = (versions, listed.deleted)
    return snapshot


def check_round_trip(env: dict, db_url: str, wipe, tmp_path: Path, retention: bool) -> None:
    upgrade(db_url)
    db = Database(db_url)
    store = open_store(env["ALUR_ARCHIVE_URL"])
    store.ensure_buckets()
    documents = populate(db, store, retention)
    catalogued = catalogue(db, store)
    before_db, before_store = database_snapshot(db), store_snapshot(store)
    before_check = ArchiveService(db, store).check(deep=True)
    with db.session() as session:  # the data really is there to lose
        assert session.scalar(select(AuditEvent.id).limit(1)) and session.scalar(select(HumanTask.id).limit(1))
    assert len(before_store) == 6 and before_store[("originals", "scan/ktp.png")][1] is True
    assert before_db["document_versions"] and before_db["documents"]
    db.dispose()

    target = tmp_path / "backup"
    backed_up = alur(env, "backup", str(target))
    assert backed_up.returncode == 0, backed_up.stderr
    assert "8 object versions (7 written, 1 already there)" in backed_up.stdout
    manifest = [json.loads(line) for line in (target / "objects" / "manifest.jsonl").read_text().splitlines()]
    for entry in (e for e in manifest if e["type"] == "version"):
        assert {"bucket", "key", "version", "sha256"} <= set(entry)
        blob = target / "objects" / "blobs" / entry["sha256"][:2] / entry["sha256"]
        assert hashlib.sha256(blob.read_bytes()).hexdigest() == entry["sha256"]

    wipe()
    with pytest.raises(Exception):
        open_store(env["ALUR_ARCHIVE_URL"]).ping()  # the buckets are gone

    restored = alur(env, "restore", str(target))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "8 object versions (8 put back, 0 already there), every checksum verified" in restored.stdout

    db = Database(db_url)
    store = open_store(env["ALUR_ARCHIVE_URL"])
    assert database_snapshot(db) == before_db
    assert store_snapshot(store) == before_store
    assert store.get_verified(Bucket.PUBLIC, "2025/sk-ppid.pdf") == documents["public/2025/sk-ppid.pdf#2"]
    assert store.get_verified(Bucket.ORIGINALS, "scan/salinan.pdf") == PDF
    assert [store.get_verified(Bucket.ORIGINALS, "scan/ktp.png", v.version_id)
            for v in store.versions(Bucket.ORIGINALS, "scan/ktp.png")] == [documents["originals/scan/ktp.png"]]
    version_map = json.loads((target / "objects" / "restored-versions.json").read_text())
    assert len(version_map) == 8
    report = ArchiveService(db, store).check(deep=True)  # the catalog points at the restored versions
    assert report.checked_versions == catalogued and not report.missing and not report.mismatches, report.lines()
    assert len(report.orphans) == len(before_check.orphans) > 0  # the objects put without the catalog

    service = ProcessService(db)  # the restored cases go on where they were
    [again, *_] = service.ready_tasks("staf")
    assert service.complete(again.id, "staf", {"ringkasan": "konsep v2"}).instance_id == again.instance_id

    refused = alur(env, "restore", str(target))
    assert refused.returncode == 1 and "not empty" in refused.stderr
    db.dispose()


def test_round_trip_on_postgresql_and_s3(postgres, moto, tmp_path):
    database_url, drop = fresh_postgres_database(postgres)
    env = production_env(database_url=database_url, broker_url="redis://127.0.0.1:6379/0",
                         archive_url=archive_url(moto, prefix="bak-"), data_dir=tmp_path / "data")

    def wipe():
        drop()  # DROP DATABASE: restore creates it again
        s3 = moto.boto3()
        for bucket in [b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith("bak-")]:
            listing = s3.list_object_versions(Bucket=bucket)
            for version in listing.get("Versions", []):
                s3.put_object_legal_hold(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"],
                                         LegalHold={"Status": "OFF"})
            for version in listing.get("Versions", []) + listing.get("DeleteMarkers", []):
                s3.delete_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])
            s3.delete_bucket(Bucket=bucket)
        assert not [b for b in s3.list_buckets()["Buckets"] if b["Name"].startswith("bak-")]

    try:
        check_round_trip(env, database_url, wipe, tmp_path, retention=False)
    finally:
        drop()


def test_round_trip_on_sqlite_and_the_local_archive(tmp_path):
    data = tmp_path / "data"
    database_url = f"sqlite:///{data / 'alur.db'}"
    env = production_env(database_url=database_url, broker_url=f"sqla+sqlite:///{data / 'broker.db'}",
                         archive_url=(data / "archive").as_uri(), data_dir=data)
    data.mkdir()

    def wipe():
        for suffix in ("", "-wal", "-shm"):
            Path(str(data / "alur.db") + suffix).unlink(missing_ok=True)
        shutil.rmtree(data / "archive")

    check_round_trip(env, database_url, wipe, tmp_path, retention=True)


def test_a_damaged_backup_is_refused_before_anything_changes(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    env = production_env(database_url=f"sqlite:///{data / 'alur.db'}", broker_url=f"sqla+sqlite:///{data / 'b.db'}",
                         archive_url=(data / "archive").as_uri(), data_dir=data)
    upgrade(env["ALUR_DATABASE_URL"])
    store = open_store(env["ALUR_ARCHIVE_URL"])
    store.ensure_buckets()
    store.put(Bucket.PUBLIC, "a.txt", io.BytesIO(b"isi asli"), 8)
    assert alur(env, "backup", str(tmp_path / "b")).returncode == 0
    [blob] = [p for p in (tmp_path / "b" / "objects" / "blobs").rglob("*") if p.is_file()]
    blob.write_bytes(b"isi rusak")
    (data / "alur.db").unlink()
    shutil.rmtree(data / "archive")
    refused = alur(env, "restore", str(tmp_path / "b"))
    assert refused.returncode == 1 and "does not match its sha256" in refused.stderr
    assert not (data / "alur.db").exists() and not (data / "archive").exists()
    assert alur(env, "restore", str(tmp_path / "incomplete")).returncode == 2  # no such directory

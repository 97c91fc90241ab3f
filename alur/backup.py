"""`alur backup DIR` / `alur restore DIR`: the database and every version of every archive object.

Layout of a backup directory::

    DIR/backup.json             written last: a backup without it is incomplete and refused
    DIR/database.dump           PostgreSQL, ``pg_dump --format=custom`` (restored by ``pg_restore``)
    DIR/database.sqlite3        or SQLite, a copy by the sqlite3 backup API (consistent while in use)
    DIR/objects/manifest.jsonl  one line per object version, oldest first per key:
                                bucket, key, version, sha256, size, content type, metadata,
                                legal hold, retention; and a line per key whose latest is deleted
    DIR/objects/blobs/ab/abcd…  the bytes, named by their SHA-256 (the same bytes are kept once)

Backing up into the same DIR again is a mirror: blobs already there are not fetched again.

The backup is read through the store's verifying reader, so a corrupted object stops the backup
with ChecksumMismatch instead of being copied. Restore checks every blob against the manifest
before putting it, compares the SHA-256 the store computes, re-applies legal holds and
retentions (those still in the future), recreates delete markers, and at the end reads every
restored version back through the verifying reader.

Version ids are the store's: a restored version gets a new id (S3 cannot set one). The mapping
from the backed-up ids to the new ones is written to ``DIR/objects/restored-versions.json``, and the
database's references to object versions (:data:`VERSION_REFERENCES`: the archive catalog's
``document_versions.store_version_id``) are rewritten to the new ids in one transaction.
"""
from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from alur.config import ConfigError, Settings
from storage.config import open_store
from storage.errors import ObjectNotFound
from storage.objectstore import CHUNK, Bucket, ObjectStore, StoredObject

FORMAT = 1
MARKER = "backup.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
OBJECTS = "objects"
MANIFEST = "manifest.jsonl"
VERSION_MAP = "restored-versions.json"
# Columns that name an object version: (table, bucket column, key column, version id column).
VERSION_REFERENCES = (("document_versions", "bucket", "key", "store_version_id"),)


class BackupError(ConfigError):
    """A backup or restore cannot proceed; the message says why and what to do."""


@dataclass
class BackupResult:
    directory: Path
    database_file: str
    versions: int = 0
    written: int = 0
    reused: int = 0


@dataclass
class RestoreResult:
    database_file: str
    versions: int = 0
    restored: int = 0
    skipped: int = 0
    version_map: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (bucket, key, old) -> new
    catalog_rows: int = 0


# -- backup --------------------------------------------------------------------------------------
def backup(settings: Settings, directory: Path, emit: Callable[[str], None] = print) -> BackupResult:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        (directory / MARKER).unlink()  # from here until the end the directory is an incomplete backup
    emit("backing up the database ...")
    database_file, revision = _dump_database(settings.database_url, directory)
    result = BackupResult(directory, database_file)
    emit("mirroring the archive objects ...")
    store = open_store(settings.archive_url)
    objects = directory / OBJECTS
    (objects / "blobs").mkdir(parents=True, exist_ok=True)
    lines = []
    for entry in _mirror(store, objects / "blobs", result, emit):
        lines.append(json.dumps(entry, ensure_ascii=False, sort_keys=True))
    _write_atomically(objects / MANIFEST, "".join(line + "\n" for line in lines).encode("utf-8"))
    marker = {
        "format": FORMAT, "created_at": datetime.now(timezone.utc).isoformat(),
        "database": {"kind": "postgresql" if database_file == PG_DUMP else "sqlite", "file": database_file,
                     "sha256": _file_sha256(directory / database_file), "alembic_revision": revision},
        "objects": {"manifest": f"{OBJECTS}/{MANIFEST}", "versions": result.versions,
                    "manifest_sha256": _file_sha256(objects / MANIFEST)},
    }
    _write_atomically(directory / MARKER, json.dumps(marker, indent=2).encode("utf-8"))
    return result


def _dump_database(database_url: str, directory: Path) -> tuple[str, str | None]:
    revision = _alembic_revision(database_url)
    if database_url.startswith("sqlite"):
        source = _sqlite_path(database_url)
        if not source.exists():
            raise BackupError(f"the SQLite database {source} does not exist (ALUR_DATABASE_URL)")
        target = directory / SQLITE_COPY
        tmp = target.with_suffix(".tmp")
        with contextlib.closing(sqlite3.connect(source)) as src, contextlib.closing(sqlite3.connect(tmp)) as dst:
            src.backup(dst)
        os.replace(tmp, target)
        return SQLITE_COPY, revision
    conninfo, env = _libpq(database_url)
    tmp = directory / (PG_DUMP + ".tmp")
    _run([_pg_tool("pg_dump"), "--format=custom", "--file", str(tmp), "--dbname", conninfo], env, "pg_dump")
    os.replace(tmp, directory / PG_DUMP)
    return PG_DUMP, revision


def _mirror(store: ObjectStore, blobs: Path, result: BackupResult, emit) -> Iterator[dict]:
    for bucket in Bucket:
        try:
            keys = list(store.list_keys(bucket))
        except ObjectNotFound:
            emit(f"  bucket {bucket.value}: missing in the store, nothing to back up")
            continue
        count = 0
        for listed in keys:
            for version in reversed(store.versions(bucket, listed.key)):  # oldest first: restore keeps the order
                path = _blob_path(blobs, version.sha256)
                if path.exists() and path.stat().st_size == version.size:
                    result.reused += 1
                else:
                    _fetch(store, version, path)
                    result.written += 1
                result.versions += 1
                count += 1
                yield _entry(version)
            if listed.deleted:  # the latest is a delete marker: restore recreates it
                yield {"type": "delete_marker", "bucket": bucket.value, "key": listed.key}
        emit(f"  bucket {bucket.value}: {len(keys)} keys, {count} versions")


def _fetch(store: ObjectStore, version: StoredObject, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out, store.open(version.bucket, version.key, version.version_id) as reader:
            for chunk in iter(lambda: reader.read(CHUNK), b""):  # verified by the store's reader
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != version.sha256:
            raise BackupError(f"{version.bucket.value}/{version.key} version {version.version_id}: read sha256 "
                              f"{digest.hexdigest()}, the store records {version.sha256}")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _entry(version: StoredObject) -> dict:
    return {"type": "version", "bucket": version.bucket.value, "key": version.key, "version": version.version_id,
            "sha256": version.sha256, "size": version.size, "content_type": version.content_type,
            "metadata": version.metadata, "legal_hold": version.legal_hold,
            "last_modified": version.last_modified.isoformat() if version.last_modified else None,
            "retain_until": version.retain_until.isoformat() if version.retain_until else None}


# -- restore -------------------------------------------------------------------------------------
def restore(settings: Settings, directory: Path, force: bool = False,
            emit: Callable[[str], None] = print) -> RestoreResult:
    directory = Path(directory)
    try:
        marker = json.loads((directory / MARKER).read_text())
    except FileNotFoundError:
        raise BackupError(f"{directory} holds no complete backup ({MARKER} is missing)") from None
    if marker.get("format") != FORMAT:
        raise BackupError(f"{directory}: backup format {marker.get('format')!r}, this Alur reads format {FORMAT}")
    database = marker["database"]
    if _file_sha256(directory / database["file"]) != database["sha256"]:
        raise BackupError(f"{directory / database['file']} does not match the checksum in {MARKER}")
    manifest_path = directory / marker["objects"]["manifest"]
    if _file_sha256(manifest_path) != marker["objects"]["manifest_sha256"]:
        raise BackupError(f"{manifest_path} does not match the checksum in {MARKER}")
    entries = [json.loads(line) for line in manifest_path.read_text(encoding="utf-8").splitlines() if line]
    emit("checking every blob of the backup against the manifest ...")
    _check_blobs(directory / OBJECTS / "blobs", entries)  # before anything is changed
    store = open_store(settings.archive_url)
    if not force:  # check both before changing either
        _refuse_non_empty_database(settings.database_url)
        _refuse_non_empty_store(store)

    emit(f"restoring the database from {database['file']} ...")
    _restore_database(settings.database_url, directory / database["file"], database["kind"], force)
    current = _alembic_revision(settings.database_url)
    if current != database.get("alembic_revision"):
        emit(f"  note: schema revision {current}, backed up at {database.get('alembic_revision')}")
    emit("  then run `alur db upgrade` if this Alur is newer than the backup")

    result = RestoreResult(database["file"], versions=sum(1 for e in entries if e["type"] == "version"))
    emit(f"restoring {result.versions} object versions ...")
    _restore_objects(store, directory / OBJECTS / "blobs", entries, result)
    emit("verifying every restored version ...")
    _verify(store, entries, result)
    result.catalog_rows = _remap_references(settings.database_url, result.version_map)
    emit(f"  {result.catalog_rows} catalog references moved to the restored version ids")
    mapping = [{"bucket": b, "key": k, "backed_up": old, "restored": new}
               for (b, k, old), new in sorted(result.version_map.items())]
    with contextlib.suppress(OSError):  # a read-only backup medium is fine
        _write_atomically(directory / OBJECTS / VERSION_MAP, json.dumps(mapping, indent=1).encode("utf-8"))
    return result


def _remap_references(database_url: str, version_map: dict[tuple[str, str, str], str]) -> int:
    changes = [{"bucket": b, "key": k, "old": old, "new": new} for (b, k, old), new in version_map.items() if old != new]
    if not changes:
        return 0
    engine = create_engine(database_url)
    updated = 0
    try:
        with engine.begin() as connection:
            for table, bucket, key, version in VERSION_REFERENCES:
                if not inspect(connection).has_table(table):
                    continue
                statement = text(f'UPDATE {table} SET {version} = :new '
                                 f'WHERE {bucket} = :bucket AND {key} = :key AND {version} = :old')
                for change in changes:
                    updated += connection.execute(statement, change).rowcount
    finally:
        engine.dispose()
    return updated


def _restore_database(database_url: str, dump: Path, kind: str, force: bool) -> None:
    if kind == "sqlite":
        if not database_url.startswith("sqlite"):
            raise BackupError("the backup holds a SQLite database; ALUR_DATABASE_URL is not sqlite")
        target = _sqlite_path(database_url)
        target.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.closing(sqlite3.connect(dump)) as src, contextlib.closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
        return
    if not database_url.startswith("postgresql"):
        raise BackupError("the backup holds a PostgreSQL dump; ALUR_DATABASE_URL is not postgresql")
    _create_database_if_missing(database_url)
    conninfo, env = _libpq(database_url)
    args = [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    if force:
        args += ["--clean", "--if-exists"]
    _run([*args, "--dbname", conninfo, str(dump)], env, "pg_restore")


def _restore_objects(store: ObjectStore, blobs: Path, entries: list[dict], result: RestoreResult) -> None:
    store.ensure_buckets()
    present: dict[tuple[str, str], dict[str, list[str]]] = {}
    for entry in entries:
        bucket, key = Bucket(entry["bucket"]), entry["key"]
        if entry["type"] == "delete_marker":
            store.delete(bucket, key)
            continue
        have = present.get((bucket.value, key))
        if have is None:  # sha256 -> version ids the store already holds (only with --force)
            have = present[(bucket.value, key)] = {}
            for version in reversed(store.versions(bucket, key)):
                have.setdefault(version.sha256, []).append(version.version_id)
        if have.get(entry["sha256"]):  # these bytes are there already: keep that version
            result.version_map[(bucket.value, key, entry["version"])] = have[entry["sha256"]].pop(0)
            result.skipped += 1
            continue
        with open(_blob_path(blobs, entry["sha256"]), "rb") as stream:
            stored = store.put(bucket, key, stream, entry["size"], content_type=entry["content_type"],
                               metadata=entry["metadata"])
        if stored.sha256 != entry["sha256"]:
            raise BackupError(f"{bucket.value}/{key}: the store computed sha256 {stored.sha256}, "
                              f"the backup has {entry['sha256']}")
        if entry["legal_hold"]:
            store.set_legal_hold(bucket, key, stored.version_id, True)
        until = datetime.fromisoformat(entry["retain_until"]) if entry.get("retain_until") else None
        if until and until > datetime.now(timezone.utc):
            store.set_retention(bucket, key, stored.version_id, until)
        result.version_map[(bucket.value, key, entry["version"])] = stored.version_id
        result.restored += 1


def _check_blobs(blobs: Path, entries: list[dict]) -> None:
    checked: set[str] = set()
    for entry in entries:
        if entry["type"] != "version" or entry["sha256"] in checked:
            continue
        path = _blob_path(blobs, entry["sha256"])
        if not path.exists():
            raise BackupError(f"blob {path} for {entry['bucket']}/{entry['key']} is missing from the backup")
        if _file_sha256(path) != entry["sha256"]:
            raise BackupError(f"blob {path} for {entry['bucket']}/{entry['key']} does not match its sha256: "
                              "the backup is damaged")
        checked.add(entry["sha256"])


def _verify(store: ObjectStore, entries: list[dict], result: RestoreResult) -> None:
    for entry in entries:
        if entry["type"] != "version":
            continue
        new_id = result.version_map[(entry["bucket"], entry["key"], entry["version"])]
        digest = hashlib.sha256()
        with store.open(Bucket(entry["bucket"]), entry["key"], new_id) as reader:  # checks the stored sha256
            for chunk in iter(lambda: reader.read(CHUNK), b""):
                digest.update(chunk)
        if digest.hexdigest() != entry["sha256"]:
            raise BackupError(f"{entry['bucket']}/{entry['key']}: restored bytes hash to {digest.hexdigest()}, "
                              f"the backup has {entry['sha256']}")


def _refuse_non_empty_database(database_url: str) -> None:
    if database_url.startswith("sqlite") and not _sqlite_path(database_url).exists():
        return
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
    except OperationalError as error:
        if "does not exist" in str(error):
            return
        raise
    finally:
        engine.dispose()
    if tables:
        raise BackupError(f"the database in ALUR_DATABASE_URL is not empty ({len(tables)} tables): restore into an "
                          "empty database, or pass --force to replace its contents")


def _refuse_non_empty_store(store: ObjectStore) -> None:
    for bucket in Bucket:
        try:
            if next(iter(store.list_keys(bucket)), None) is not None:
                raise BackupError(f"the archive store's bucket {bucket.value} is not empty: restore into an empty "
                                  "store, or pass --force to add only the versions it lacks")
        except ObjectNotFound:
            continue


def _create_database_if_missing(database_url: str) -> None:
    url = make_url(database_url)
    engine = create_engine(url)
    try:
        with engine.connect():
            return
    except OperationalError as error:
        if "does not exist" not in str(error):
            raise
    finally:
        engine.dispose()
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            name = url.database.replace('"', '""')
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


# -- helpers -------------------------------------------------------------------------------------
def _alembic_revision(database_url: str) -> str | None:
    if database_url.startswith("sqlite") and not _sqlite_path(database_url).exists():
        return None
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            return connection.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        engine.dispose()


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL for pg_dump/pg_restore, the password passed in the environment (not on argv)."""
    url = make_url(database_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return conninfo, env


def _pg_tool(name: str) -> str:
    """The newest installed client (pg_dump must be at least the server's major version)."""
    def major(path: str) -> int:
        found = re.search(r"/postgresql/(\d+)/", path)
        return int(found.group(1)) if found else 0
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=major, reverse=True)
    if candidates:
        return candidates[0]
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(f"{name} not found: install PostgreSQL's client tools (Debian: postgresql-client)")


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    completed = subprocess.run(args, env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip()
        raise BackupError(f"{what} failed (exit {completed.returncode}): {detail}")


def _blob_path(blobs: Path, sha256: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256 or ""):
        raise BackupError(f"not a sha256: {sha256!r}")
    return blobs / sha256[:2] / sha256


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)

"""The embedded backend: the archive in a local directory, with the same contract as S3.

Layout under the root (one directory per bucket, named by its purpose)::

    <root>/<bucket>/<key segments...>/.alur-versions/<version>.data   the bytes of one version
    <root>/<bucket>/<key segments...>/.alur-versions/<version>.json   its sidecar (sha256, metadata,
                                                                       legal hold, retention)
    <root>/<bucket>/<key segments...>/.alur-versions/.lock             serialises changes to the key

A version exists once its sidecar exists; both files are written to a temporary file in the same
directory, fsynced and renamed, so a crash leaves either the whole version or none. A delete marker
is a sidecar without data. Version ids are zero-padded nanosecond stamps (strictly increasing per
key), so their names sort in the order they were written.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import secrets
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import BinaryIO, Iterator

from storage.errors import ObjectLocked, ObjectNotFound, StoreError, StoreUnavailable
from storage.objectstore import (
    CHUNK, RESERVED_SEGMENT_PREFIX, Bucket, HashingReader, ObjectStore, StoredKey, StoredObject, VerifyingReader,
    check_given_digest, refuse_shortening, validate_content_type, validate_key, validate_metadata,
    validate_retention,
)

VERSIONS_DIR = RESERVED_SEGMENT_PREFIX + "versions"
_VERSION_ID = re.compile(r"^[0-9]{20}-[0-9a-f]{8}$")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _temp_file(directory: Path, chunks) -> str:
    """Write ``chunks`` to a new fsynced temporary file in ``directory``; its path (removed on error)."""
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def _write_atomically(directory: Path, name: str, data: bytes) -> None:
    """Replace ``directory/name`` by ``data`` through a fsynced temporary file and a rename."""
    tmp = _temp_file(directory, [data])
    try:
        os.replace(tmp, directory / name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _from_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class LocalStore(ObjectStore):
    """Documents in a directory tree; legal hold and retention recorded in sidecars and enforced here."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    # -- paths ------------------------------------------------------------------------------------

    def _bucket_dir(self, bucket: Bucket) -> Path:
        return self.root / Bucket(bucket).value

    def _versions_dir(self, bucket: Bucket, key: str) -> Path:
        validate_key(key)
        bucket_dir = self._bucket_dir(bucket)
        path = bucket_dir.joinpath(*key.split("/"), VERSIONS_DIR)
        # validate_key already rules out '..' and absolute keys; this also catches a symlink
        # planted inside the tree that points outside it.
        real_bucket = os.path.realpath(bucket_dir)
        if not os.path.realpath(path).startswith(real_bucket + os.sep):
            raise StoreError(f"object key {key!r} resolves outside the bucket directory")
        return path

    @contextlib.contextmanager
    def _locked(self, vdir: Path):
        with open(vdir / ".lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    # -- sidecars ---------------------------------------------------------------------------------

    def _sidecars(self, vdir: Path) -> list[str]:
        """Version ids of the key, newest first (delete markers included)."""
        try:
            names = os.listdir(vdir)
        except FileNotFoundError:
            return []
        return sorted((n[:-5] for n in names if n.endswith(".json") and not n.startswith(".")), reverse=True)

    def _load(self, vdir: Path, version_id: str) -> dict:
        if not isinstance(version_id, str) or not _VERSION_ID.match(version_id):
            raise FileNotFoundError(version_id)
        with open(vdir / f"{version_id}.json", encoding="utf-8") as fh:
            return json.load(fh)

    def _save(self, vdir: Path, record: dict) -> None:
        data = json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8")
        _write_atomically(vdir, f"{record['version_id']}.json", data)

    def _object(self, bucket: Bucket, record: dict) -> StoredObject:
        return StoredObject(
            bucket=Bucket(bucket), key=record["key"], version_id=record["version_id"], size=record["size"],
            sha256=record["sha256"], content_type=record["content_type"], metadata=dict(record["metadata"]),
            last_modified=_from_iso(record["last_modified"]), legal_hold=record["legal_hold"],
            retain_until=_from_iso(record["retain_until"]))

    def _record(self, bucket: Bucket, key: str, version_id: str | None) -> tuple[Path, dict]:
        """The sidecar of a version (the latest if None); ObjectNotFound for none or a delete marker."""
        vdir = self._versions_dir(bucket, key)
        if version_id is None:
            ids = self._sidecars(vdir)
            if not ids:
                raise ObjectNotFound(Bucket(bucket).value, key)
            version_id = ids[0]
        try:
            record = self._load(vdir, version_id)
        except FileNotFoundError:
            raise ObjectNotFound(Bucket(bucket).value, key, version_id) from None
        if record.get("delete_marker"):
            raise ObjectNotFound(Bucket(bucket).value, key, version_id)
        return vdir, record

    def _new_version_id(self, vdir: Path) -> str:
        stamp = time.time_ns()
        ids = self._sidecars(vdir)
        if ids:
            stamp = max(stamp, int(ids[0].split("-", 1)[0]) + 1)
        return f"{stamp:020d}-{secrets.token_hex(4)}"

    # -- contract ---------------------------------------------------------------------------------

    def ensure_buckets(self) -> None:
        for bucket in Bucket:
            self._bucket_dir(bucket).mkdir(parents=True, exist_ok=True)

    def put(self, bucket: Bucket, key: str, stream: BinaryIO, size: int,
            content_type: str = "application/octet-stream",
            metadata: dict[str, str] | None = None, sha256: str | None = None) -> StoredObject:
        vdir = self._versions_dir(bucket, key)
        metadata = validate_metadata(metadata)
        content_type = validate_content_type(content_type)
        if not self._bucket_dir(bucket).is_dir():
            raise StoreError(f"bucket directory {self._bucket_dir(bucket)} is missing: run ensure_buckets()")
        vdir.mkdir(parents=True, exist_ok=True)
        hashing = HashingReader(stream)
        try:
            tmp = _temp_file(vdir, iter(lambda: hashing.read(CHUNK), b""))
        except OSError as exc:
            raise StoreError(f"writing {key!r} under {self.root} failed: {exc}") from exc
        version_id = None
        try:
            if size is not None and size >= 0 and hashing.count != size:
                raise ValueError(f"stream gave {hashing.count} bytes, {size} announced")
            check_given_digest(hashing.hexdigest(), sha256)
            with self._locked(vdir):
                version_id = self._new_version_id(vdir)
                os.replace(tmp, vdir / f"{version_id}.data")
                record = {
                    "key": key, "version_id": version_id, "size": hashing.count,
                    "sha256": hashing.hexdigest(), "content_type": content_type, "metadata": metadata,
                    "last_modified": datetime.now(timezone.utc).isoformat(), "legal_hold": False,
                    "retain_until": None, "delete_marker": False,
                }
                self._save(vdir, record)
        except BaseException:
            for leftover in (tmp, vdir / f"{version_id}.data" if version_id else None):
                with contextlib.suppress(OSError, TypeError):
                    os.unlink(leftover)
            raise
        return self._object(bucket, record)

    def open(self, bucket: Bucket, key: str, version_id: str | None = None) -> VerifyingReader:
        vdir, record = self._record(bucket, key, version_id)
        try:
            raw = open(vdir / f"{record['version_id']}.data", "rb")
        except FileNotFoundError:
            raise ObjectNotFound(Bucket(bucket).value, key, record["version_id"]) from None
        return VerifyingReader(raw, self._object(bucket, record))

    def stat(self, bucket: Bucket, key: str, version_id: str | None = None) -> StoredObject:
        return self._object(bucket, self._record(bucket, key, version_id)[1])

    def versions(self, bucket: Bucket, key: str) -> list[StoredObject]:
        vdir = self._versions_dir(bucket, key)
        found = []
        for version_id in self._sidecars(vdir):
            with contextlib.suppress(FileNotFoundError):
                record = self._load(vdir, version_id)
                if not record.get("delete_marker"):
                    found.append(self._object(bucket, record))
        return found

    def delete(self, bucket: Bucket, key: str, version_id: str | None = None) -> None:
        vdir = self._versions_dir(bucket, key)
        if not vdir.is_dir():
            if version_id is None:
                return
            raise ObjectNotFound(Bucket(bucket).value, key, version_id)
        with self._locked(vdir):
            if version_id is None:
                ids = self._sidecars(vdir)
                if ids and not self._load(vdir, ids[0]).get("delete_marker"):
                    self._save(vdir, {"key": key, "version_id": self._new_version_id(vdir),
                                      "delete_marker": True,
                                      "last_modified": datetime.now(timezone.utc).isoformat()})
                return
            try:
                record = self._load(vdir, version_id)
            except FileNotFoundError:
                raise ObjectNotFound(Bucket(bucket).value, key, version_id) from None
            if record.get("delete_marker"):  # markers are not versions in this contract
                raise ObjectNotFound(Bucket(bucket).value, key, version_id)
            reason = self._object(bucket, record).locked_reason()
            if reason:
                raise ObjectLocked(Bucket(bucket).value, key, version_id, reason)
            os.unlink(vdir / f"{version_id}.json")
            with contextlib.suppress(FileNotFoundError):
                os.unlink(vdir / f"{version_id}.data")
            _fsync_dir(vdir)

    def list(self, bucket: Bucket, prefix: str = "") -> Iterator[StoredObject]:
        for key in self._keys(bucket, prefix):
            with contextlib.suppress(ObjectNotFound):
                yield self.stat(bucket, key)

    def list_keys(self, bucket: Bucket, prefix: str = "") -> Iterator[StoredKey]:
        if not self._bucket_dir(bucket).is_dir():
            raise ObjectNotFound(Bucket(bucket).value, "")
        for key in self._keys(bucket, prefix):
            vdir = self._versions_dir(bucket, key)
            ids = self._sidecars(vdir)
            if ids:  # a directory whose last version was destroyed has none
                with contextlib.suppress(FileNotFoundError):
                    yield StoredKey(key, bool(self._load(vdir, ids[0]).get("delete_marker")))

    def _keys(self, bucket: Bucket, prefix: str) -> list[str]:
        """The keys under ``prefix`` that have a versions directory, sorted."""
        bucket_dir = self._bucket_dir(bucket)
        keys = []
        for dirpath, dirnames, _files in os.walk(bucket_dir):
            if VERSIONS_DIR in dirnames:
                dirnames.remove(VERSIONS_DIR)
                key = Path(dirpath).relative_to(bucket_dir).as_posix()
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

    def _update(self, bucket: Bucket, key: str, version_id: str, change) -> None:
        vdir = self._versions_dir(bucket, key)
        if not vdir.is_dir():
            raise ObjectNotFound(Bucket(bucket).value, key, version_id)
        with self._locked(vdir):
            _, record = self._record(bucket, key, version_id)
            change(record)
            self._save(vdir, record)

    def set_legal_hold(self, bucket: Bucket, key: str, version_id: str, on: bool) -> None:
        self._update(bucket, key, version_id, lambda record: record.update(legal_hold=bool(on)))

    def set_retention(self, bucket: Bucket, key: str, version_id: str, until: datetime) -> None:
        until = validate_retention(until)

        def change(record: dict) -> None:
            refuse_shortening(self._object(bucket, record), until)
            record["retain_until"] = until.isoformat()

        self._update(bucket, key, version_id, change)

    def presigned_url(self, bucket: Bucket, key: str, version_id: str | None,
                      expires: timedelta) -> str:
        """Not available: the local archive has no server of its own; downloads go through the app."""
        raise NotImplementedError("the local archive has no presigned URLs: serve downloads through the "
                                  "app (ObjectStore.open) instead")

    def ping(self) -> None:
        if not self.root.is_dir():
            raise StoreUnavailable(str(self.root), "archive directory does not exist")
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise StoreUnavailable(str(self.root), os.strerror(errno.EACCES))
        missing = [b.value for b in Bucket if not self._bucket_dir(b).is_dir()]
        if missing:
            raise StoreError(f"archive directory {self.root} lacks buckets {missing}: run ensure_buckets()")

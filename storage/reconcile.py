"""Reconcile the catalog with the buckets: what `alur archive check` reports and `--repair` fixes.

* missing: a catalogued version whose object version is not in the store;
* orphan: an object version in a bucket that no catalog row names (and no upload is under way);
* interrupted: an orphan whose upload intent is older than :data:`GRACE` (the process died between
  writing the object and cataloguing it); ``recover`` destroys it;
* mismatch: the store's SHA-256 or size differs from the catalog's, or (``deep``) the bytes read do
  not hash to it.

Only ``recover`` changes anything, and only objects that no catalog row names.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from engine.db import Database
from storage.errors import ChecksumMismatch, StoreError
from storage.models import DocumentVersion, PendingUpload
from storage.objectstore import Bucket, ObjectStore

log = logging.getLogger(__name__)
GRACE = timedelta(minutes=30)  # an upload intent younger than this may still be running


@dataclass
class CheckReport:
    missing: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    interrupted: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    checked_versions: int = 0
    checked_objects: int = 0

    @property
    def ok(self) -> bool:
        return not (self.missing or self.orphans or self.interrupted or self.mismatches)

    def lines(self) -> list[str]:
        out = [f"checked {self.checked_versions} catalogued versions and {self.checked_objects} stored objects"]
        for label, items in (("missing object", self.missing), ("orphan object", self.orphans),
                             ("interrupted upload", self.interrupted), ("checksum mismatch", self.mismatches)):
            out.extend(f"{label}: {item}" for item in items)
        out.append("archive is consistent" if self.ok else "archive has problems")
        return out


def _where(bucket: str, key: str, version_id: str) -> str:
    return f"{bucket}/{key} (version {version_id})"


def _catalog(db: Database) -> dict[tuple[str, str, str], tuple[int, int, str, int]]:
    with db.session() as session:
        rows = session.execute(select(
            DocumentVersion.bucket, DocumentVersion.key, DocumentVersion.store_version_id,
            DocumentVersion.document_id, DocumentVersion.number, DocumentVersion.sha256, DocumentVersion.size))
        return {(b, k, v): (doc, number, sha, size) for b, k, v, doc, number, sha, size in rows}


def _intents(db: Database) -> dict[tuple[str, str], datetime]:
    with db.session() as session:
        found: dict[tuple[str, str], datetime] = {}
        for bucket, key, at in session.execute(select(PendingUpload.bucket, PendingUpload.key,
                                                      PendingUpload.created_at)):
            found[(bucket, key)] = min(at, found.get((bucket, key), at))
        return found


def _stored_versions(store: ObjectStore, catalog):
    """Every stored version under every key that is listed or catalogued, bucket by bucket."""
    for bucket in Bucket:
        keys = {obj.key for obj in store.list(bucket)}
        keys |= {key for (b, key, _v) in catalog if b == bucket.value}
        for key in sorted(keys):
            yield bucket, key, store.versions(bucket, key)


def check(db: Database, store: ObjectStore, deep: bool = True, now: datetime | None = None) -> CheckReport:
    catalog, intents = _catalog(db), _intents(db)
    report = CheckReport(checked_versions=len(catalog))
    seen = set()
    for bucket, key, versions in _stored_versions(store, catalog):
        for obj in versions:
            report.checked_objects += 1
            ident = (bucket.value, key, obj.version_id)
            seen.add(ident)
            if ident not in catalog:
                _unexplained(report, ident, intents, now)
            else:
                _compare(report, store, ident, obj, catalog[ident], deep)
    report.missing.extend(f"{_where(*ident)} of document {catalog[ident][0]} version {catalog[ident][1]}"
                          for ident in sorted(set(catalog) - seen))
    return report


def _unexplained(report: CheckReport, ident, intents, now: datetime | None) -> None:
    started = intents.get(ident[:2])
    if started is None:
        report.orphans.append(_where(*ident))
    elif now is None or now - started >= GRACE:
        report.interrupted.append(f"{_where(*ident)}, upload started {started.isoformat()}")
    # else: an upload still under way


def _compare(report: CheckReport, store: ObjectStore, ident, obj, expected, deep: bool) -> None:
    document_id, number, sha256, size = expected
    label = f"{_where(*ident)} of document {document_id} version {number}"
    if obj.sha256 != sha256 or obj.size != size:
        report.mismatches.append(f"{label}: catalog sha256 {sha256} ({size} bytes), store {obj.sha256} ({obj.size} bytes)")
    elif deep:
        try:
            with store.open(Bucket(ident[0]), ident[1], ident[2]) as reader:
                while reader.read(1024 * 1024):
                    pass
        except ChecksumMismatch as mismatch:
            report.mismatches.append(f"{label}: bytes hash to {mismatch.actual}, expected {sha256}")


def recover(db: Database, store: ObjectStore, now: datetime) -> list[str]:
    """Destroy the objects of interrupted uploads (older than GRACE) and drop their intents."""
    catalog = _catalog(db)
    removed = []
    with db.session() as session:
        stale = list(session.scalars(select(PendingUpload).where(PendingUpload.created_at <= now - GRACE)))
    for intent in stale:
        if _destroy_uncatalogued(store, catalog, intent, removed):
            with db.session() as session:
                session.execute(delete(PendingUpload).where(PendingUpload.id == intent.id))
    return removed


def _destroy_uncatalogued(store: ObjectStore, catalog, intent: PendingUpload, removed: list[str]) -> bool:
    bucket = Bucket(intent.bucket)
    try:
        versions = store.versions(bucket, intent.key)
    except StoreError as error:
        log.warning("cannot list %s/%s to recover it: %s", intent.bucket, intent.key, error)
        return False
    done = True
    for obj in versions:
        if (intent.bucket, intent.key, obj.version_id) in catalog:
            continue
        try:
            store.delete(bucket, intent.key, obj.version_id)
            removed.append(_where(intent.bucket, intent.key, obj.version_id))
        except StoreError as error:  # ObjectLocked included
            log.warning("cannot remove %s: %s", _where(intent.bucket, intent.key, obj.version_id), error)
            done = False
    return done

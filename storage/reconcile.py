"""Reconcile the catalog with the buckets: what `alur archive check` reports and `--repair` fixes.

* missing: a catalogued version whose object version is not in the store;
* orphan: an object version in a bucket that no catalog row names (and no upload is under way);
* interrupted: an orphan whose upload intent is older than :data:`GRACE` (the process died between
  writing the object and cataloguing it); ``recover`` destroys it;
* mismatch: the store's SHA-256 or size differs from the catalog's, or (``deep``) the bytes read do
  not hash to it;
* exposed: exempt content outside the exempt bucket. Either a catalogued version of an exempt
  document still in the public (or originals) bucket, its move not done yet (a crash or a store
  failure after the reclassification); or a leftover of a move: an object no catalog row names
  whose key, version number and SHA-256 are those of a catalogued object in the exempt bucket. A
  leftover under retention or legal hold cannot be destroyed: it is reported with its lock, so an
  operator can deny access to it in the bucket's policy until it can go.

Only ``recover`` (and the archive's repair, which also finishes moves) changes anything, and only
objects that no catalog row names.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import delete, select

from engine.db import Database
from storage.errors import ChecksumMismatch, StoreError
from storage.models import EXEMPT_CLASS, Document, DocumentVersion, PendingUpload
from storage.objectstore import Bucket, ObjectStore, StoredObject

log = logging.getLogger(__name__)
GRACE = timedelta(minutes=30)  # an upload intent younger than this may still be running


@dataclass
class CheckReport:
    missing: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    interrupted: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    exposed: list[str] = field(default_factory=list)  # whole sentences: "exempt content in the ... bucket"
    # Exempt leftovers a lock keeps: listed for the operator (deny them in the bucket policy) but not failing
    # the check, which could not pass again for years (a JRA retention) and would then be ignored.
    held: list[str] = field(default_factory=list)
    # what a repair may destroy, with the document each belongs to
    leftovers: list[tuple[StoredObject, int]] = field(default_factory=list, repr=False)
    checked_versions: int = 0
    checked_objects: int = 0

    @property
    def ok(self) -> bool:
        return not (self.missing or self.orphans or self.interrupted or self.mismatches or self.exposed)

    def lines(self) -> list[str]:
        out = [f"checked {self.checked_versions} catalogued versions and {self.checked_objects} stored objects"]
        for label, items in (("missing object", self.missing), ("orphan object", self.orphans),
                             ("interrupted upload", self.interrupted), ("checksum mismatch", self.mismatches)):
            out.extend(f"{label}: {item}" for item in items)
        out.extend(self.exposed)
        out.extend(f"notice: {item}" for item in self.held)
        held = f"; {len(self.held)} exempt object(s) kept outside the exempt bucket by a lock (notices above)" \
            if self.held else ""
        out.append(("archive is consistent" if self.ok else "archive has problems") + held)
        return out


def where(bucket: Bucket | str, key: str, version_id: str) -> str:
    """How reports and audit lines name an object version."""
    return f"{Bucket(bucket).value}/{key} (version {version_id})"



class Row(NamedTuple):
    """A catalogued version, as the reconciliation needs it."""

    document_id: int
    number: int
    sha256: str
    size: int
    exempt: bool  # the document is dikecualikan now


def _catalog(db: Database) -> dict[tuple[str, str, str], Row]:
    with db.session() as session:
        rows = session.execute(select(
            DocumentVersion.bucket, DocumentVersion.key, DocumentVersion.store_version_id,
            DocumentVersion.document_id, DocumentVersion.number, DocumentVersion.sha256, DocumentVersion.size,
            Document.klasifikasi).join(Document, Document.id == DocumentVersion.document_id))
        return {(b, k, v): Row(doc, number, sha, size, klass == EXEMPT_CLASS)
                for b, k, v, doc, number, sha, size, klass in rows}


def _moved_copies(catalog) -> dict[tuple[str, str, str], Row]:
    """Catalogued objects in the exempt bucket by (key, version number, sha256): what a move leaves
    behind in another bucket matches one of these."""
    return {(key, str(row.number), row.sha256): row
            for (bucket, key, _v), row in catalog.items() if bucket == Bucket.EXEMPT.value}


def leftover_of(obj: StoredObject, copies) -> Row | None:
    """The catalogued copy of ``obj`` in the exempt bucket if ``obj`` (uncatalogued, elsewhere) is
    what a move to the exempt bucket left behind; else None."""
    if obj.bucket == Bucket.EXEMPT:
        return None
    return copies.get((obj.key, obj.metadata.get("document-version"), obj.sha256))


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
        keys = {listed.key for listed in store.list_keys(bucket)}
        keys |= {key for (b, key, _v) in catalog if b == bucket.value}
        for key in sorted(keys):
            yield bucket, key, store.versions(bucket, key)


def check(db: Database, store: ObjectStore, deep: bool = True, now: datetime | None = None) -> CheckReport:
    catalog, intents = _catalog(db), _intents(db)
    copies = _moved_copies(catalog)
    report = CheckReport(checked_versions=len(catalog))
    seen = set()
    for bucket, key, versions in _stored_versions(store, catalog):
        for obj in versions:
            report.checked_objects += 1
            ident = (bucket.value, key, obj.version_id)
            seen.add(ident)
            if ident in catalog:
                _compare(report, store, ident, obj, catalog[ident], deep)
            elif (copy := leftover_of(obj, copies)) is not None:
                _leftover(report, obj, copy, now)
            else:
                _unexplained(report, ident, intents, now)
    report.missing.extend(f"{where(*ident)} of document {catalog[ident][0]} version {catalog[ident][1]}"
                          for ident in sorted(set(catalog) - seen))
    report.exposed[:0] = [
        f"exempt content in the {ident[0]} bucket: {where(*ident)} is version {row.number} of exempt "
        f"document {row.document_id}, not yet moved to the exempt bucket (--repair moves it)"
        for ident, row in sorted(catalog.items()) if row.exempt and ident[0] != Bucket.EXEMPT.value]
    return report


def _leftover(report: CheckReport, obj: StoredObject, copy: Row, now: datetime | None) -> None:
    what = (f"{where(obj.bucket, obj.key, obj.version_id)}, version {copy.number} of document "
            f"{copy.document_id}, left behind by its move to the exempt bucket")
    lock = lock_of(obj, now)
    if lock:
        report.held.append(f"exempt content in the {obj.bucket.value} bucket, {lock}: {what}; it cannot be "
                           "destroyed before then: deny access to it in the bucket's policy")
    else:
        report.exposed.append(f"exempt content in the {obj.bucket.value} bucket: {what} (--repair destroys it)")
    report.leftovers.append((obj, copy.document_id))


def lock_of(obj: StoredObject, now: datetime | None = None) -> str:
    """'locked until <date>', 'under legal hold' (or both), '' when the version may be destroyed."""
    parts = []
    if obj.legal_hold:
        parts.append("under legal hold")
    if obj.retain_until is not None and obj.retain_until > (now or datetime.now(obj.retain_until.tzinfo)):
        parts.append(f"locked until {obj.retain_until.isoformat()}")
    return " and ".join(parts)


def _unexplained(report: CheckReport, ident, intents, now: datetime | None) -> None:
    started = intents.get(ident[:2])
    if started is None:
        report.orphans.append(where(*ident))
    elif now is None or now - started >= GRACE:
        report.interrupted.append(f"{where(*ident)}, upload started {started.isoformat()}")
    # else: an upload still under way


def _compare(report: CheckReport, store: ObjectStore, ident, obj, expected, deep: bool) -> None:
    document_id, number, sha256, size, _exempt = expected
    label = f"{where(*ident)} of document {document_id} version {number}"
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
    """Destroy the objects of interrupted uploads (older than GRACE) and drop their intents.

    The catalog read here is only a first filter: uploads, moves and reclassifications go on
    meanwhile, so each version is checked again in the database right before it is destroyed
    (:func:`_unowned`)."""
    catalog = _catalog(db)
    removed = []
    with db.session() as session:
        stale = list(session.scalars(select(PendingUpload).where(PendingUpload.created_at <= now - GRACE)))
    for intent in stale:
        if _destroy_uncatalogued(db, store, catalog, intent, removed, now):
            with db.session() as session:
                session.execute(delete(PendingUpload).where(PendingUpload.id == intent.id))
    return removed


def _destroy_uncatalogued(db: Database, store: ObjectStore, catalog, intent: PendingUpload, removed: list[str],
                          now: datetime) -> bool:
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
        owned = _owner(db, intent, obj.version_id, now)
        if owned == "catalogued":  # catalogued since the catalog was read: not an interrupted upload
            continue
        if owned == "upload under way":  # it may be that upload's object: left for a later recover
            done = False
            continue
        try:
            store.delete(bucket, intent.key, obj.version_id)
            removed.append(f"removed interrupted upload {where(intent.bucket, intent.key, obj.version_id)}")
        except StoreError as error:  # ObjectLocked included
            log.warning("cannot remove %s: %s", where(intent.bucket, intent.key, obj.version_id), error)
            done = False
    return done


def _owner(db: Database, intent: PendingUpload, version_id: str, now: datetime) -> str | None:
    """Who may own a listed, uncatalogued object version now: 'catalogued', 'upload under way' (another
    intent on its key, younger than GRACE) or None (the stale intent's: it may be destroyed).

    Every writer commits its intent before its object and removes it in the transaction that
    catalogues the object, so the intents are read first: an intent gone by then means its catalog
    rows are committed, and the second query (a newer snapshot on PostgreSQL) sees them."""
    with db.session() as session:
        live = session.scalar(select(PendingUpload.id).where(
            PendingUpload.bucket == intent.bucket, PendingUpload.key == intent.key, PendingUpload.id != intent.id,
            PendingUpload.created_at > now - GRACE).limit(1))
        if live is not None:
            return "upload under way"
        named = session.scalar(select(DocumentVersion.id).where(
            DocumentVersion.bucket == intent.bucket, DocumentVersion.key == intent.key,
            DocumentVersion.store_version_id == version_id).limit(1))
        return "catalogued" if named is not None else None

"""The archive's object store: one contract, two backends (local directory, S3/MinIO).

Buckets are fixed by *purpose* (:class:`Bucket`), not created ad hoc: what is public, what is exempt
(dikecualikan, kept apart so one bucket policy or one set of credentials can deny it wholesale) and
scan originals / attachments not yet classified. Every bucket is versioned and, where the store
supports it, created with object lock so that retention (JRA) and legal holds are enforced by the
store itself, not left to people (see ``/work/shared/domain.md``, "Archives").

Every object carries the SHA-256 of its bytes in its user metadata (``x-amz-meta-sha256`` on S3);
reads verify it while streaming and raise :class:`~storage.errors.ChecksumMismatch` at the end.

Retention mode is COMPLIANCE, in both backends (:data:`RETENTION_MODE`): a JRA retention period
is a statutory minimum (UU 43/2009 makes destroying records before their JRA allows an offence),
so no credential, not even the MinIO root user, may shorten it or delete a retained version.
GOVERNANCE would let anyone holding ``s3:BypassGovernanceRetention`` (on MinIO, any admin) delete
early, which puts the rule back in people's hands. The cost of COMPLIANCE is that a wrong date can
only be lengthened, never corrected downwards: set a retention only once the record's JRA entry is
settled, and use a legal hold (which can be released) for anything provisional. Both backends
refuse a retention date in the past and any attempt to shorten a retention (``ObjectLocked``).

``delete(bucket, key)`` without a version follows S3: it hides the object behind a delete marker
(never refused; every version stays readable by its id). ``delete(bucket, key, version_id)``
destroys that version and is refused with ``ObjectLocked`` while a legal hold or retention
protects it.
"""
from __future__ import annotations

import abc
import enum
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import BinaryIO, Iterator

from storage.errors import ChecksumMismatch, InvalidKey, ObjectLocked, StoreError

RETENTION_MODE = "COMPLIANCE"
CHUNK = 1024 * 1024
MAX_KEY_BYTES = 1024
RESERVED_SEGMENT_PREFIX = ".alur-"  # the local backend's bookkeeping directories
SHA256_META = "sha256"
_META_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Bucket(enum.Enum):
    """The archive's buckets by purpose; the store's bucket name is ``prefix + value``."""

    PUBLIC = "public"        # informasi publik: berkala, serta merta, setiap saat
    EXEMPT = "exempt"        # dikecualikan (UU 14/2008 Pasal 17): deny wholesale by policy
    ORIGINALS = "originals"  # scan originals and task attachments not yet classified


@dataclass(frozen=True)
class StoredObject:
    bucket: Bucket
    key: str
    version_id: str
    size: int
    sha256: str
    content_type: str
    metadata: dict[str, str] = field(default_factory=dict)
    last_modified: datetime | None = None
    legal_hold: bool = False
    retain_until: datetime | None = None

    def locked_reason(self, now: datetime | None = None) -> str | None:
        """Why this version may not be destroyed now, or None."""
        if self.legal_hold:
            return "legal hold is on"
        now = now or datetime.now(timezone.utc)
        if self.retain_until is not None and self.retain_until > now:
            return f"{RETENTION_MODE} retention until {self.retain_until.isoformat()}"
        return None


@dataclass(frozen=True)
class StoredKey:
    """A key that has versions in a bucket; ``deleted`` when its latest entry is a delete marker."""

    key: str
    deleted: bool


def validate_key(key: str) -> str:
    """Refuse keys that are not plain relative paths, the same rule for every backend.

    A key valid on one backend is valid on the other, so an archive can move between them; and on
    the local backend a key can never name anything outside the bucket's directory.
    """
    if not isinstance(key, str) or not key:
        raise InvalidKey("object key must be a non-empty string")
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise InvalidKey(f"object key longer than {MAX_KEY_BYTES} bytes")
    if _CONTROL.search(key):
        raise InvalidKey(f"object key contains NUL or a control character: {key!r}")
    if "\\" in key:
        raise InvalidKey(f"object key contains a backslash: {key!r}")
    if key.startswith("/"):
        raise InvalidKey(f"object key is an absolute path: {key!r}")
    for segment in key.split("/"):
        if segment in ("", ".", ".."):
            raise InvalidKey(f"object key has an empty, '.' or '..' segment: {key!r}")
        if segment.startswith(RESERVED_SEGMENT_PREFIX):
            raise InvalidKey(f"object key segments may not start with {RESERVED_SEGMENT_PREFIX!r}: {key!r}")
    return key


def validate_metadata(metadata: dict[str, str] | None) -> dict[str, str]:
    """User metadata: lowercase ascii names, string values (any Unicode; backends encode as needed)."""
    clean: dict[str, str] = {}
    for name, value in (metadata or {}).items():
        if not isinstance(name, str) or not _META_NAME.match(name):
            raise InvalidKey(f"metadata name must be lowercase ascii letters, digits and '-': {name!r}")
        if name == SHA256_META:
            raise InvalidKey("metadata name 'sha256' is reserved: the store computes it")
        if not isinstance(value, str):
            raise InvalidKey(f"metadata value for {name!r} must be a string, got {type(value).__name__}")
        clean[name] = value
    return clean


def validate_content_type(content_type: str | None) -> str:
    content_type = content_type or "application/octet-stream"
    if not content_type.isascii() or _CONTROL.search(content_type):
        raise InvalidKey(f"content type must be printable ascii: {content_type!r}")
    return content_type


def validate_retention(until: datetime, now: datetime | None = None) -> datetime:
    if until.tzinfo is None:
        raise ValueError("retention date must be timezone-aware")
    if until <= (now or datetime.now(timezone.utc)):
        raise ValueError(f"retention date {until.isoformat()} is not in the future")
    return until.astimezone(timezone.utc)


def refuse_shortening(current: StoredObject, until: datetime) -> None:
    """COMPLIANCE retention may be lengthened, never shortened."""
    if current.retain_until is not None and until < current.retain_until:
        raise ObjectLocked(current.bucket.value, current.key, current.version_id,
                           f"{RETENTION_MODE} retention until {current.retain_until.isoformat()} "
                           f"cannot be shortened to {until.isoformat()}")


def check_given_digest(computed: str, given: str | None) -> None:
    """A backend that hashed the bytes itself refuses a caller's digest that differs: the bytes
    changed between the caller's hashing and the write, and the catalog would record the wrong sum."""
    if given is not None and computed != given:
        raise StoreError(f"the bytes written hash to sha256 {computed}, not the {given} they were hashed to "
                         "before: they changed on the way and were not stored")


class HashingReader(io.RawIOBase):
    """Passes a stream through, counting bytes and hashing them with SHA-256."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self.hash = hashlib.sha256()
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._source.read(len(buffer))
        if not data:
            return 0
        n = len(data)
        buffer[:n] = data
        self.hash.update(data)
        self.count += n
        return n

    def hexdigest(self) -> str:
        return self.hash.hexdigest()


class VerifyingReader(HashingReader):
    """A readable stream over an object's bytes that checks their SHA-256 before handing out the end.

    The check runs when the expected size has been read (so a consumer reading exactly ``size``
    bytes is covered and never receives the last chunk of a corrupted object) and again at EOF
    (so extra or missing bytes are caught too). Use as a context manager or close it.
    """

    def __init__(self, raw, obj: StoredObject) -> None:
        super().__init__(raw)
        self.object = obj

    def readinto(self, buffer) -> int:
        n = super().readinto(buffer)
        if (n == 0 and len(buffer)) or self.count >= self.object.size:
            self._verify()
        return n

    def _verify(self) -> None:
        actual = self.hexdigest()
        if actual != self.object.sha256:
            obj = self.object
            raise ChecksumMismatch(obj.bucket.value, obj.key, obj.version_id, obj.sha256, actual)

    def close(self) -> None:
        if not self.closed:
            try:
                self._source.close()
            finally:
                super().close()


class ObjectStore(abc.ABC):
    """The contract both backends keep (see the module docstring for delete and retention)."""

    part_size: int = 16 * 1024 * 1024

    @abc.abstractmethod
    def ensure_buckets(self) -> None:
        """Create the buckets of :class:`Bucket` if missing: versioned, with object lock where supported."""

    @abc.abstractmethod
    def put(self, bucket: Bucket, key: str, stream: BinaryIO, size: int,
            content_type: str = "application/octet-stream",
            metadata: dict[str, str] | None = None, sha256: str | None = None) -> StoredObject:
        """Store ``size`` bytes read from ``stream`` as a new version; returns it with its sha256.

        ``sha256``: the digest the caller computed while it received the bytes (an upload is hashed
        as it is spooled), so that a megabyte is not hashed twice on the way in. A backend that must
        read the bytes anyway hashes them and refuses a mismatch; one whose server verifies a signed
        payload digest (S3 SigV4) passes it on for the server to check instead."""

    @abc.abstractmethod
    def open(self, bucket: Bucket, key: str, version_id: str | None = None) -> VerifyingReader:
        """A stream over the bytes (latest version by default), verified against the stored sha256."""

    @abc.abstractmethod
    def stat(self, bucket: Bucket, key: str, version_id: str | None = None) -> StoredObject: ...

    @abc.abstractmethod
    def versions(self, bucket: Bucket, key: str) -> list[StoredObject]:
        """Every stored version of the key, newest first (delete markers are not versions here)."""

    @abc.abstractmethod
    def delete(self, bucket: Bucket, key: str, version_id: str | None = None) -> None: ...

    @abc.abstractmethod
    def list(self, bucket: Bucket, prefix: str = "") -> Iterator[StoredObject]:
        """The latest version of every (not deleted) object under ``prefix``, in key order."""

    @abc.abstractmethod
    def list_keys(self, bucket: Bucket, prefix: str = "") -> Iterator[StoredKey]:
        """Every key under ``prefix`` that has any version or delete marker, in key order.

        Unlike :meth:`list`, a key whose latest entry is a delete marker is included (``deleted``):
        its versions are still stored, and a backup or a reconciliation must see them. Raises
        ``ObjectNotFound`` if the bucket does not exist.
        """

    @abc.abstractmethod
    def set_legal_hold(self, bucket: Bucket, key: str, version_id: str, on: bool) -> None: ...

    @abc.abstractmethod
    def set_retention(self, bucket: Bucket, key: str, version_id: str, until: datetime) -> None:
        """Retain the version until ``until`` in :data:`RETENTION_MODE` (COMPLIANCE): see the module doc."""

    @abc.abstractmethod
    def presigned_url(self, bucket: Bucket, key: str, version_id: str | None,
                      expires: timedelta) -> str:
        """A time-limited download URL; the local backend raises NotImplementedError."""

    @abc.abstractmethod
    def ping(self) -> None:
        """Raise StoreUnavailable if the store cannot be reached, StoreError if it is not usable."""

    def get_verified(self, bucket: Bucket, key: str, version_id: str | None = None) -> bytes:
        """The whole object in memory, verified; for small objects (use :meth:`open` otherwise)."""
        with self.open(bucket, key, version_id) as reader:
            return reader.read()

"""Errors of the archive's object store, the same for every backend.

Callers catch these and nothing backend-specific: a ``minio`` ``S3Error`` or an ``OSError`` from the
local directory never leaves the ``storage`` package.
"""
from __future__ import annotations


class StoreError(Exception):
    """Base of every object-store error."""


class InvalidKey(StoreError, ValueError):
    """An object key or metadata name the archive refuses (path-like, empty, NUL, ...)."""


class ObjectNotFound(StoreError):
    """No such object (or version) in the bucket."""

    def __init__(self, bucket: str, key: str, version_id: str | None = None) -> None:
        self.bucket, self.key, self.version_id = bucket, key, version_id
        where = f"{bucket}/{key}" + (f" (version {version_id})" if version_id else "")
        super().__init__(f"object not found: {where}")


class StoreUnavailable(StoreError):
    """The store cannot be reached (connection refused, timeout, disk gone); the message names it."""

    def __init__(self, endpoint: str, detail: str) -> None:
        self.endpoint = endpoint
        super().__init__(f"object store at {endpoint} is unavailable: {detail}")


class ObjectLocked(StoreError):
    """A legal hold or a retention period forbids the operation (delete, shortening a retention)."""

    def __init__(self, bucket: str, key: str, version_id: str | None, reason: str) -> None:
        self.bucket, self.key, self.version_id, self.reason = bucket, key, version_id, reason
        super().__init__(f"{bucket}/{key} (version {version_id}) is locked: {reason}")


class ChecksumMismatch(StoreError):
    """The bytes read do not hash to the SHA-256 recorded when the object was stored."""

    def __init__(self, bucket: str, key: str, version_id: str | None, expected: str, actual: str) -> None:
        self.bucket, self.key, self.version_id = bucket, key, version_id
        self.expected, self.actual = expected, actual
        super().__init__(f"checksum mismatch on {bucket}/{key} (version {version_id}): "
                         f"expected sha256 {expected}, read {actual}")

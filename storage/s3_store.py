"""The production backend: MinIO (or any S3 with versioning and object lock) through the ``minio`` SDK.

Why the upload is buffered first: the object's SHA-256 travels in its user metadata, and S3 takes
user metadata in the request headers that precede the body (the PUT, or CreateMultipartUpload before
the first part). So the hash must be known before the first byte goes out. ``put`` reads the source
once, hashing as it reads: an object of at most ``part_size`` bytes (the usual document) is held in
memory, as the SDK would hold that one part anyway, and goes up in a single PUT; a larger one is
spooled to a :class:`tempfile.SpooledTemporaryFile` (disk beyond ``spool_memory``) and uploaded from
there in parts of ``part_size`` with one upload thread, so only one part at a time is in memory.
The returned :class:`StoredObject` is built from the PUT's response (version id, Last-Modified) and
what was sent, without a ``stat`` round trip. The alternative (upload first, then copy the object
onto itself with the hash) would leave a version without a hash in a versioned, object-locked bucket.

Short HTTP timeouts and few retries (``connect_timeout``, ``read_timeout``, ``retries``), so that a
store that is down fails fast with :class:`StoreUnavailable` instead of hanging a request for the
SDK's default five minutes.
"""
from __future__ import annotations

import contextlib
import email.utils
import hashlib
import io
import logging
import os
import re
import shutil
import tempfile
from datetime import datetime, timedelta, timezone
from typing import BinaryIO, Iterator
from urllib.parse import quote, unquote

import certifi
import urllib3
from minio import Minio
from minio.commonconfig import ENABLED
from minio.error import InvalidResponseError, S3Error, ServerError
from minio.retention import Retention
from minio.versioningconfig import VersioningConfig

from storage.errors import ObjectLocked, ObjectNotFound, StoreError, StoreUnavailable
from storage.objectstore import (
    CHUNK, RETENTION_MODE, SHA256_META, Bucket, HashingReader, ObjectStore, StoredKey, StoredObject, VerifyingReader,
    check_given_digest, refuse_shortening, validate_content_type, validate_key, validate_metadata, validate_retention,
)

log = logging.getLogger(__name__)

META_PREFIX = "x-amz-meta-"
_BUCKET_PREFIX = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_NOT_FOUND = {"NoSuchKey", "NoSuchVersion", "NoSuchBucket", "ResourceNotFound", "MethodNotAllowed"}
_NO_LOCK_SUPPORT = {"NotImplemented", "InvalidArgument", "InvalidRequest", "MalformedXML"}
_SAFE_META = "/:,;=@+()!*'"  # besides unreserved characters: kept readable in the MinIO console


def encode_meta(value: str) -> str:
    """Header-safe form of a metadata value: non-ASCII (and '%', space) percent-encoded as UTF-8."""
    return quote(value, safe=_SAFE_META)


def decode_meta(value: str) -> str:
    return unquote(value)


def _read_up_to(stream: BinaryIO, limit: int) -> bytes:
    """Up to ``limit`` bytes as one ``bytes``: a single read from a spool, so that the body is not
    copied chunk by chunk (``io.BytesIO`` over it and the SDK's read then share it)."""
    head = stream.read(limit)
    if not head or len(head) >= limit:
        return head
    parts, count = [head], len(head)
    while count < limit and (chunk := stream.read(limit - count)):  # a stream that returns short reads
        parts.append(chunk)
        count += len(chunk)
    return b"".join(parts)


def _check_size(count: int, size: int | None) -> None:
    if size is not None and size >= 0 and count != size:
        raise ValueError(f"stream gave {count} bytes, {size} announced")


class _Body:
    """The SDK's HTTP response as a plain stream: maps network errors, releases the connection."""

    def __init__(self, response, endpoint: str) -> None:
        self._response, self._endpoint = response, endpoint

    def read(self, amount: int = -1) -> bytes:
        try:
            return self._response.read(None if amount is None or amount < 0 else amount)
        except urllib3.exceptions.HTTPError as exc:
            raise StoreUnavailable(self._endpoint, f"reading failed: {exc}") from exc

    def close(self) -> None:
        self._response.close()
        self._response.release_conn()


PAYLOAD_SHA256 = "x-amz-content-sha256"


class _Client(Minio):
    """The SDK, told the payload's SHA-256 instead of computing it again.

    Over plain HTTP, SigV4 signs each request with the SHA-256 of its body, which the SDK computes
    from the bytes. A single-PUT upload carries the digest already computed over the same bytes (by
    the caller as it received them, else by the store) in its ``x-amz-content-sha256`` header, so
    hashing a megabyte twice is avoided. The server checks the signed digest against the body it
    receives (MinIO and S3 refuse a mismatch with ``XAmzContentSHA256Mismatch``), so the catalog's
    checksum is one the server has verified.
    """

    def _build_headers(self, host, headers=None, body=None, creds=None):
        known = (headers or {}).get(PAYLOAD_SHA256)
        if not known or body is None or creds is None or self._base_url.is_https:
            return super()._build_headers(host, headers, body, creds)
        headers, date = super()._build_headers(host, headers, None, creds)
        headers["Content-Length"] = str(len(body))
        headers[PAYLOAD_SHA256] = known
        return headers, date


class S3Store(ObjectStore):
    """The archive in S3 buckets ``<prefix>public``, ``<prefix>exempt``, ``<prefix>originals``."""

    def __init__(self, endpoint: str, access_key: str, secret_key: str, *, secure: bool = True,
                 region: str | None = None, prefix: str = "alur-", connect_timeout: float = 3.0,
                 read_timeout: float = 30.0, retries: int = 1, part_size: int = 16 * 1024 * 1024,
                 spool_memory: int = 1024 * 1024, spool_dir: str | None = None) -> None:
        if not _BUCKET_PREFIX.match(prefix) or len(prefix) + max(len(b.value) for b in Bucket) > 63:
            raise ValueError(f"bucket prefix {prefix!r} must be lowercase letters, digits and '-', "
                             "and leave bucket names of at most 63 characters")
        if part_size < 5 * 1024 * 1024:
            raise ValueError("part_size must be at least 5 MiB (the S3 minimum)")
        self.endpoint, self.secure = ("https://" if secure else "http://") + endpoint, secure
        self.prefix, self.part_size = prefix, part_size
        self.spool_memory, self.spool_dir = spool_memory, spool_dir
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
            retries=urllib3.Retry(total=retries, connect=retries, read=retries, backoff_factor=0.2,
                                  status_forcelist=[500, 502, 503, 504]),
            maxsize=10,
            cert_reqs="CERT_REQUIRED",
            ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where())
        self.client = _Client(endpoint, access_key=access_key, secret_key=secret_key, secure=secure,
                            region=region, http_client=http)
        self.region = region

    def bucket_name(self, bucket: Bucket) -> str:
        return self.prefix + Bucket(bucket).value

    @contextlib.contextmanager
    def _errors(self, bucket: Bucket | None = None, key: str = "", version_id: str | None = None):
        """Turn the SDK's and urllib3's exceptions into the store's."""
        try:
            yield
        except S3Error as exc:
            name = self.bucket_name(bucket) if bucket else exc.bucket_name or ""
            if exc.code in _NOT_FOUND:
                raise ObjectNotFound(name, key, version_id) from exc
            if exc.code == "InvalidRequest" and "ObjectLock" in (exc.message or ""):
                raise StoreError(f"bucket {name} at {self.endpoint} has no object lock "
                                 "(it was created without it)") from exc
            raise StoreError(f"{self.endpoint}: {exc.code}: {exc.message} ({name}/{key})") from exc
        except (ServerError, InvalidResponseError) as exc:
            raise StoreUnavailable(self.endpoint, str(exc)) from exc
        except urllib3.exceptions.HTTPError as exc:
            reason = getattr(exc, "reason", None) or exc
            raise StoreUnavailable(self.endpoint, str(reason)) from exc

    def _object(self, bucket: Bucket, key: str, headers) -> StoredObject:
        metadata, sha256 = {}, ""
        for name, value in headers.items():
            name = name.lower()
            if name.startswith(META_PREFIX):
                if name == META_PREFIX + SHA256_META:
                    sha256 = value
                else:
                    metadata[name[len(META_PREFIX):]] = decode_meta(value)
        retain = headers.get("x-amz-object-lock-retain-until-date")
        modified = headers.get("last-modified")
        return StoredObject(
            bucket=Bucket(bucket), key=key, version_id=headers.get("x-amz-version-id") or "null",
            size=int(headers.get("content-length") or 0), sha256=sha256,
            content_type=headers.get("content-type") or "application/octet-stream", metadata=metadata,
            last_modified=email.utils.parsedate_to_datetime(modified) if modified else None,
            legal_hold=(headers.get("x-amz-object-lock-legal-hold") or "").upper() == "ON",
            retain_until=datetime.fromisoformat(retain) if retain else None)

    # -- contract ---------------------------------------------------------------------------------

    def ensure_buckets(self) -> None:
        for bucket in Bucket:
            name = self.bucket_name(bucket)
            with self._errors(bucket):
                if not self.client.bucket_exists(name):
                    self._make_bucket(name)
                self.client.set_bucket_versioning(name, VersioningConfig(ENABLED))

    def _make_bucket(self, name: str) -> None:
        try:
            self.client.make_bucket(name, location=self.region, object_lock=True)
        except S3Error as exc:
            if exc.code in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                return  # created meanwhile by another process
            if exc.code not in _NO_LOCK_SUPPORT:
                raise
            log.warning("%s refuses object lock (%s): bucket %s created without it; legal holds and "
                        "retention will fail on it", self.endpoint, exc.code, name)
            self.client.make_bucket(name, location=self.region)

    def put(self, bucket: Bucket, key: str, stream: BinaryIO, size: int,
            content_type: str = "application/octet-stream",
            metadata: dict[str, str] | None = None, sha256: str | None = None) -> StoredObject:
        validate_key(key)
        headers = {META_PREFIX + name: encode_meta(value) for name, value in validate_metadata(metadata).items()}
        content_type = validate_content_type(content_type)
        head = _read_up_to(stream, self.part_size + 1)  # one part's worth in memory, as the SDK would hold it
        if len(head) <= self.part_size:
            # The usual case: one PUT straight from memory (no spool file, no second pass).
            _check_size(len(head), size)
            if sha256 is None or self.secure:
                # Over HTTPS the SDK sends no payload digest for the server to check: check it here.
                computed = hashlib.sha256(head).hexdigest()
                check_given_digest(computed, sha256)
                sha256 = computed
            headers[META_PREFIX + SHA256_META] = headers[PAYLOAD_SHA256] = sha256
            return self._upload(bucket, key, io.BytesIO(head), len(head), content_type, headers, metadata)
        # A multipart upload signs each part, not the whole: the given digest is checked here.
        hashing = HashingReader(stream)
        hashing.hash.update(head)
        hashing.count = len(head)
        with tempfile.SpooledTemporaryFile(max_size=self.spool_memory, dir=self.spool_dir) as spool:
            spool.write(head)
            del head
            shutil.copyfileobj(hashing, spool, CHUNK)
            _check_size(hashing.count, size)
            check_given_digest(hashing.hexdigest(), sha256)
            spool.seek(0)
            headers[META_PREFIX + SHA256_META] = hashing.hexdigest()
            return self._upload(bucket, key, spool, hashing.count, content_type, headers, metadata)

    def _upload(self, bucket: Bucket, key: str, body: BinaryIO, length: int, content_type: str,
                headers: dict[str, str], metadata: dict[str, str] | None) -> StoredObject:
        """``put_object`` then the StoredObject from its response: no extra ``stat`` round trip."""
        try:
            with self._errors(bucket, key):
                result = self.client.put_object(
                    self.bucket_name(bucket), key, body, length, content_type=content_type,
                    metadata=headers, part_size=self.part_size, num_parallel_uploads=1)
        except ObjectNotFound as exc:  # NoSuchBucket
            raise StoreError(f"bucket {self.bucket_name(bucket)} is missing at {self.endpoint}: "
                             "run ensure_buckets()") from exc
        response = result.http_headers or {}
        # S3 answers a PUT with the version id; Last-Modified where the server sends it, else its Date.
        modified = response.get("last-modified") or response.get("date")
        return StoredObject(
            bucket=Bucket(bucket), key=key, version_id=result.version_id or "null", size=length,
            sha256=headers[META_PREFIX + SHA256_META], content_type=content_type,
            metadata=dict(validate_metadata(metadata)),
            last_modified=email.utils.parsedate_to_datetime(modified) if modified else datetime.now(timezone.utc))

    def open(self, bucket: Bucket, key: str, version_id: str | None = None) -> VerifyingReader:
        validate_key(key)
        with self._errors(bucket, key, version_id):
            response = self.client.get_object(self.bucket_name(bucket), key, version_id=version_id)
        return VerifyingReader(_Body(response, self.endpoint), self._object(bucket, key, response.headers))

    def stat(self, bucket: Bucket, key: str, version_id: str | None = None) -> StoredObject:
        validate_key(key)
        with self._errors(bucket, key, version_id):
            found = self.client.stat_object(self.bucket_name(bucket), key, version_id=version_id)
        return self._object(bucket, key, found.metadata)

    def versions(self, bucket: Bucket, key: str) -> list[StoredObject]:
        validate_key(key)
        with self._errors(bucket, key):
            ids = [o.version_id for o in self.client.list_objects(
                       self.bucket_name(bucket), prefix=key, recursive=True, include_version=True)
                   if o.object_name == key and not o.is_delete_marker]
        found = []
        for version_id in ids:
            with contextlib.suppress(ObjectNotFound):  # destroyed since the listing
                found.append(self.stat(bucket, key, version_id))
        return found

    def delete(self, bucket: Bucket, key: str, version_id: str | None = None) -> None:
        validate_key(key)
        name = self.bucket_name(bucket)
        if version_id is not None:
            # The store enforces the lock itself; checking first gives the reason in the error.
            reason = self.stat(bucket, key, version_id).locked_reason()
            if reason:
                raise ObjectLocked(name, key, version_id, reason)
        try:
            with self._errors(bucket, key, version_id):
                self.client.remove_object(name, key, version_id=version_id)
        except StoreError as exc:
            if isinstance(exc.__cause__, S3Error) and exc.__cause__.code == "AccessDenied":
                raise ObjectLocked(name, key, version_id, f"refused by the store: {exc.__cause__.message}") from exc
            raise

    def list(self, bucket: Bucket, prefix: str = "") -> Iterator[StoredObject]:
        with self._errors(bucket):
            listing = self.client.list_objects(self.bucket_name(bucket), prefix=prefix or None, recursive=True)
            names = (o.object_name for o in listing if not o.is_dir)
            for key in names:
                with contextlib.suppress(ObjectNotFound):  # deleted since the listing
                    yield self.stat(bucket, key)

    def list_keys(self, bucket: Bucket, prefix: str = "") -> Iterator[StoredKey]:
        """One versions listing: a key is deleted when its latest entry is a delete marker."""
        deleted: dict[str, bool] = {}
        with self._errors(bucket):
            for item in self.client.list_objects(self.bucket_name(bucket), prefix=prefix or None,
                                                 recursive=True, include_version=True):
                if item.is_dir:
                    continue
                deleted.setdefault(item.object_name, False)
                if str(item.is_latest).lower() == "true":
                    deleted[item.object_name] = bool(item.is_delete_marker)
        for key in sorted(deleted):
            yield StoredKey(key, deleted[key])

    def set_legal_hold(self, bucket: Bucket, key: str, version_id: str, on: bool) -> None:
        self.stat(bucket, key, version_id)  # ObjectNotFound first: moto answers a missing key with a 500
        change = self.client.enable_object_legal_hold if on else self.client.disable_object_legal_hold
        with self._errors(bucket, key, version_id):
            change(self.bucket_name(bucket), key, version_id=version_id)

    def set_retention(self, bucket: Bucket, key: str, version_id: str, until: datetime) -> None:
        until = validate_retention(until)
        # MinIO refuses shortening a COMPLIANCE retention itself; checking here keeps the contract
        # on stores that do not (moto accepts it).
        refuse_shortening(self.stat(bucket, key, version_id), until)
        with self._errors(bucket, key, version_id):
            self.client.set_object_retention(self.bucket_name(bucket), key, Retention(RETENTION_MODE, until),
                                             version_id=version_id)

    def presigned_url(self, bucket: Bucket, key: str, version_id: str | None,
                      expires: timedelta) -> str:
        """A GET URL signed for ``expires`` (at most 7 days, the S3 limit)."""
        validate_key(key)
        with self._errors(bucket, key, version_id):
            return self.client.presigned_get_object(self.bucket_name(bucket), key, expires=expires,
                                                    version_id=version_id)

    def ping(self) -> None:
        with self._errors():
            missing = [self.bucket_name(b) for b in Bucket if not self.client.bucket_exists(self.bucket_name(b))]
        if missing:
            raise StoreError(f"{self.endpoint} lacks buckets {missing}: run ensure_buckets()")

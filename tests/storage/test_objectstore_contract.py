"""The object-store contract, run against both backends (local directory and S3 via moto's server)."""
from __future__ import annotations

import hashlib
import io
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest

from storage.config import open_store
from storage.errors import (ChecksumMismatch, InvalidKey, ObjectLocked, ObjectNotFound, StoreError,
                            StoreUnavailable)
from storage.local_store import LocalStore
from storage.objectstore import Bucket
from storage.s3_store import S3Store
from tests.services import free_port
from tests.storage.conftest import ACCESS, PART_SIZE, REGION, SECRET, MotoServer

EXEMPTION = "Pasal 17 huruf b — rahasia"


def put_bytes(store, key: str, data: bytes, bucket: Bucket = Bucket.PUBLIC, **metadata):
    return store.put(bucket, key, io.BytesIO(data), len(data), "application/pdf", metadata)


class GeneratedStream:
    """``size`` pseudo-random bytes made on demand: nothing holds the whole object in memory."""

    def __init__(self, size: int, seed: bytes = b"alur") -> None:
        self.remaining, self.counter, self.seed = size, 0, seed
        self.hash = hashlib.sha256()
        self.buffer = b""

    def read(self, n: int = -1) -> bytes:
        n = self.remaining if n is None or n < 0 else min(n, self.remaining)
        while len(self.buffer) < n:
            self.counter += 1
            self.buffer += hashlib.sha512(self.seed + self.counter.to_bytes(8, "big")).digest() * 64
        chunk, self.buffer = self.buffer[:n], self.buffer[n:]
        self.remaining -= len(chunk)
        self.hash.update(chunk)
        return chunk


# -- round trip ----------------------------------------------------------------------------------

def test_round_trip_of_bytes_and_metadata(store):
    data = b"%PDF-1.7 Daftar Informasi Publik\n" * 100
    stored = put_bytes(store, "dip/2024/daftar.pdf", data, Bucket.EXEMPT, pengecualian=EXEMPTION,
                       nomor="070/123/PPID-2024", catatan="100% terbuka; a+b=c")
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.size == len(data) and stored.version_id
    assert stored.metadata == {"pengecualian": EXEMPTION, "nomor": "070/123/PPID-2024",
                               "catatan": "100% terbuka; a+b=c"}
    assert store.stat(Bucket.EXEMPT, "dip/2024/daftar.pdf") == stored
    assert stored.content_type == "application/pdf"
    assert stored.last_modified.tzinfo is not None
    assert store.get_verified(Bucket.EXEMPT, "dip/2024/daftar.pdf") == data
    with store.open(Bucket.EXEMPT, "dip/2024/daftar.pdf") as reader:
        chunks = iter(lambda: reader.read(1000), b"")
        assert b"".join(chunks) == data
    # kept apart: the same key is not in the public bucket
    with pytest.raises(ObjectNotFound):
        store.stat(Bucket.PUBLIC, "dip/2024/daftar.pdf")


def test_sha256_is_in_the_objects_user_metadata_on_s3(store, request):
    stored = put_bytes(store, "a.pdf", b"isi")
    if isinstance(store, S3Store):
        head = request.getfixturevalue("moto_server").boto3().head_object(
            Bucket=store.bucket_name(Bucket.PUBLIC), Key="a.pdf")
        assert head["Metadata"]["sha256"] == hashlib.sha256(b"isi").hexdigest() == stored.sha256


def test_s3_put_is_signed_with_the_digest_the_store_records(moto_server):
    """The store hands its SHA-256 to the SDK for the SigV4 payload signature (the SDK does not hash
    the body again): the digest signed must be that of the bytes sent, the one the catalog records.
    (moto does not check the signed digest against the body; MinIO and S3 refuse a mismatch.)"""
    store = moto_server.store()
    store.ensure_buckets()
    trace = io.StringIO()
    store.client.trace_on(trace)
    data = b"surat keputusan " * 1000
    stored = put_bytes(store, "sk/2025.pdf", data)
    store.client.trace_off()
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    signed = [line.split(":", 1)[1].strip() for line in trace.getvalue().splitlines()
              if line.lower().startswith("x-amz-content-sha256:")]
    assert signed == [stored.sha256]
    assert store.get_verified(Bucket.PUBLIC, "sk/2025.pdf") == data


def test_s3_put_signs_the_digest_the_caller_gives(moto_server):
    """An upload hashed while it was spooled is not hashed again: the caller's digest is the one
    signed, recorded in the object's metadata and returned."""
    store = moto_server.store()
    store.ensure_buckets()
    data = b"daftar informasi dikecualikan " * 1000
    digest = hashlib.sha256(data).hexdigest()
    trace = io.StringIO()
    store.client.trace_on(trace)
    stored = store.put(Bucket.PUBLIC, "dik/2025.pdf", io.BytesIO(data), len(data), "application/pdf", {},
                       sha256=digest)
    store.client.trace_off()
    signed = [line.split(":", 1)[1].strip() for line in trace.getvalue().splitlines()
              if line.lower().startswith("x-amz-content-sha256:")]
    assert signed == [digest] and stored.sha256 == digest
    assert store.stat(Bucket.PUBLIC, "dik/2025.pdf").sha256 == digest


def test_put_records_the_digest_the_caller_gives_for_those_bytes(store):
    data = b"Laporan layanan informasi publik " * 400
    digest = hashlib.sha256(data).hexdigest()
    stored = store.put(Bucket.PUBLIC, "laporan/2025.pdf", io.BytesIO(data), len(data), "application/pdf", {},
                       sha256=digest)
    assert stored.sha256 == digest == store.stat(Bucket.PUBLIC, "laporan/2025.pdf").sha256
    assert store.get_verified(Bucket.PUBLIC, "laporan/2025.pdf") == data


def test_a_digest_that_is_not_the_bytes_is_refused_and_nothing_stored(store):
    """Where the store reads the bytes itself (the local store; an S3 multipart upload, whose parts are
    signed one by one), a caller's digest that does not match them is refused. A single PUT over plain
    HTTP signs the digest instead, and the server refuses the mismatch: MinIO and S3 do, moto does not
    check it, so that case is not run here."""
    size = PART_SIZE + 1000 if isinstance(store, S3Store) else 5000
    source = GeneratedStream(size)
    with pytest.raises(StoreError, match="changed on the way"):
        store.put(Bucket.PUBLIC, "berubah.pdf", source, size, "application/pdf", {}, sha256="0" * 64)
    assert store.versions(Bucket.PUBLIC, "berubah.pdf") == []


def test_s3_over_https_checks_the_given_digest_itself(moto_server):
    """Over HTTPS the SDK sends no payload digest for the server to check, so the store hashes the
    bytes and refuses a digest that is not theirs (moto speaks plain HTTP: the store is told it is
    on HTTPS, which is the only branch taken on that flag)."""
    store = moto_server.store()
    store.ensure_buckets()
    store.secure = True
    with pytest.raises(StoreError, match="changed on the way"):
        store.put(Bucket.PUBLIC, "https.pdf", io.BytesIO(b"isi"), 3, "application/pdf", {}, sha256="0" * 64)
    assert store.versions(Bucket.PUBLIC, "https.pdf") == []
    stored = store.put(Bucket.PUBLIC, "https.pdf", io.BytesIO(b"isi"), 3, "application/pdf", {},
                       sha256=hashlib.sha256(b"isi").hexdigest())
    assert stored.sha256 == hashlib.sha256(b"isi").hexdigest()


def test_versions_accumulate_and_each_is_readable(store):
    contents = [b"draft", b"revised draft", b"signed final"]
    written = [put_bytes(store, "sop/permohonan.pdf", c, tahap=str(i)) for i, c in enumerate(contents)]
    assert len({w.version_id for w in written}) == 3
    versions = store.versions(Bucket.PUBLIC, "sop/permohonan.pdf")
    assert [v.version_id for v in versions] == [w.version_id for w in reversed(written)]
    for version, content in zip(reversed(versions), contents):
        assert store.get_verified(Bucket.PUBLIC, "sop/permohonan.pdf", version.version_id) == content
        assert version.sha256 == hashlib.sha256(content).hexdigest()
    assert store.stat(Bucket.PUBLIC, "sop/permohonan.pdf").version_id == written[-1].version_id
    assert store.get_verified(Bucket.PUBLIC, "sop/permohonan.pdf") == b"signed final"


def test_list_gives_latest_versions_in_key_order_under_a_prefix(store):
    put_bytes(store, "dip/b.pdf", b"1")
    put_bytes(store, "dip/a.pdf", b"2")
    put_bytes(store, "dip/a.pdf", b"22")
    put_bytes(store, "dip/a.pdf/lampiran.pdf", b"3")  # a key below another key
    put_bytes(store, "lain/c.pdf", b"4")
    listed = list(store.list(Bucket.PUBLIC, prefix="dip/"))
    assert [(o.key, o.size) for o in listed] == [("dip/a.pdf", 2), ("dip/a.pdf/lampiran.pdf", 1),
                                                 ("dip/b.pdf", 1)]
    assert len(list(store.list(Bucket.PUBLIC))) == 4
    assert list(store.list(Bucket.ORIGINALS)) == []


# -- integrity -----------------------------------------------------------------------------------

def test_corrupted_object_is_detected_on_read(store, corrupt):
    data = b"Keputusan PPID tentang uji konsekuensi" * 50
    stored = put_bytes(store, "keputusan/uji.pdf", data)
    corrupt(store, Bucket.PUBLIC, "keputusan/uji.pdf")
    with pytest.raises(ChecksumMismatch) as caught:
        store.get_verified(Bucket.PUBLIC, "keputusan/uji.pdf")
    error = caught.value
    assert error.expected == stored.sha256 and error.actual != stored.sha256
    assert error.key == "keputusan/uji.pdf" and error.bucket.endswith("public") and error.version_id
    # a consumer that reads exactly `size` bytes never gets the last chunk unverified
    with store.open(Bucket.PUBLIC, "keputusan/uji.pdf") as reader:
        with pytest.raises(ChecksumMismatch):
            while reader.read(500):
                pass


def test_large_object_is_streamed(store, request):
    size = 12 * 1024 * 1024
    source = GeneratedStream(size)
    stored = store.put(Bucket.ORIGINALS, "scan/arsip-besar.tiff", source, size, "image/tiff", {})
    assert source.remaining == 0
    assert stored.size == size and stored.sha256 == source.hash.hexdigest()
    digest = hashlib.sha256()
    with store.open(Bucket.ORIGINALS, "scan/arsip-besar.tiff") as reader:
        while chunk := reader.read(256 * 1024):
            digest.update(chunk)
    assert digest.hexdigest() == stored.sha256
    if isinstance(store, S3Store):  # went up as a multipart upload: ETag "<md5 of md5s>-<parts>"
        head = request.getfixturevalue("moto_server").boto3().head_object(
            Bucket=store.bucket_name(Bucket.ORIGINALS), Key="scan/arsip-besar.tiff")
        assert head["ETag"].strip('"').endswith("-3")


def test_size_mismatch_stores_nothing(store):
    with pytest.raises(ValueError):
        store.put(Bucket.PUBLIC, "pendek.pdf", io.BytesIO(b"abc"), 10, "application/pdf", {})
    with pytest.raises(ObjectNotFound):
        store.stat(Bucket.PUBLIC, "pendek.pdf")


# -- locks and deletion --------------------------------------------------------------------------

def test_legal_hold_blocks_delete_and_releasing_it_allows_delete(store):
    stored = put_bytes(store, "sengketa/bukti.pdf", b"bukti sengketa informasi")
    store.set_legal_hold(Bucket.PUBLIC, "sengketa/bukti.pdf", stored.version_id, True)
    assert store.stat(Bucket.PUBLIC, "sengketa/bukti.pdf").legal_hold is True
    with pytest.raises(ObjectLocked):
        store.delete(Bucket.PUBLIC, "sengketa/bukti.pdf", stored.version_id)
    assert store.get_verified(Bucket.PUBLIC, "sengketa/bukti.pdf", stored.version_id)
    store.set_legal_hold(Bucket.PUBLIC, "sengketa/bukti.pdf", stored.version_id, False)
    assert store.stat(Bucket.PUBLIC, "sengketa/bukti.pdf").legal_hold is False
    store.delete(Bucket.PUBLIC, "sengketa/bukti.pdf", stored.version_id)
    with pytest.raises(ObjectNotFound):
        store.stat(Bucket.PUBLIC, "sengketa/bukti.pdf", stored.version_id)
    assert store.versions(Bucket.PUBLIC, "sengketa/bukti.pdf") == []


def test_retention_blocks_delete_and_can_only_be_lengthened(store, request):
    stored = put_bytes(store, "jra/surat.pdf", b"arsip aktif")
    until = datetime.now(timezone.utc) + timedelta(days=1)
    store.set_retention(Bucket.PUBLIC, "jra/surat.pdf", stored.version_id, until)
    retained = store.stat(Bucket.PUBLIC, "jra/surat.pdf", stored.version_id)
    assert abs(retained.retain_until - until) < timedelta(seconds=1)
    with pytest.raises(ObjectLocked):
        store.delete(Bucket.PUBLIC, "jra/surat.pdf", stored.version_id)
    with pytest.raises(ObjectLocked):
        store.set_retention(Bucket.PUBLIC, "jra/surat.pdf", stored.version_id, until - timedelta(hours=1))
    with pytest.raises(ValueError):
        store.set_retention(Bucket.PUBLIC, "jra/surat.pdf", stored.version_id,
                            datetime.now(timezone.utc) - timedelta(hours=1))
    with pytest.raises(ValueError):
        store.set_retention(Bucket.PUBLIC, "jra/surat.pdf", stored.version_id, datetime(2099, 1, 1))
    store.set_retention(Bucket.PUBLIC, "jra/surat.pdf", stored.version_id, until + timedelta(days=30))
    if isinstance(store, S3Store):
        head = request.getfixturevalue("moto_server").boto3().head_object(
            Bucket=store.bucket_name(Bucket.PUBLIC), Key="jra/surat.pdf", VersionId=stored.version_id)
        assert head["ObjectLockMode"] == "COMPLIANCE"
    assert store.stat(Bucket.PUBLIC, "jra/surat.pdf").retain_until > until + timedelta(days=29)
    with pytest.raises(ObjectLocked):
        store.delete(Bucket.PUBLIC, "jra/surat.pdf", stored.version_id)


def test_delete_without_version_hides_the_object_but_keeps_its_versions(store):
    stored = put_bytes(store, "dip/lama.pdf", b"versi lama")
    store.set_legal_hold(Bucket.PUBLIC, "dip/lama.pdf", stored.version_id, True)
    store.delete(Bucket.PUBLIC, "dip/lama.pdf")  # a delete marker, as on S3: never destroys a version
    with pytest.raises(ObjectNotFound):
        store.stat(Bucket.PUBLIC, "dip/lama.pdf")
    with pytest.raises(ObjectNotFound):
        store.open(Bucket.PUBLIC, "dip/lama.pdf")
    assert list(store.list(Bucket.PUBLIC)) == []
    assert [v.version_id for v in store.versions(Bucket.PUBLIC, "dip/lama.pdf")] == [stored.version_id]
    assert store.get_verified(Bucket.PUBLIC, "dip/lama.pdf", stored.version_id) == b"versi lama"
    again = put_bytes(store, "dip/lama.pdf", b"versi baru")
    assert store.stat(Bucket.PUBLIC, "dip/lama.pdf").version_id == again.version_id


def test_list_keys_includes_keys_whose_latest_is_a_delete_marker(store):
    """A backup and a reconciliation must reach versions that ``list`` hides behind a delete marker."""
    put_bytes(store, "arsip/b.pdf", b"tetap")
    put_bytes(store, "arsip/a.pdf", b"dihapus")
    put_bytes(store, "arsip/a.pdf", b"dihapus lagi")
    put_bytes(store, "lain/c.pdf", b"di luar prefix")
    store.delete(Bucket.PUBLIC, "arsip/a.pdf")
    destroyed = put_bytes(store, "arsip/musnah.pdf", b"dimusnahkan")
    store.delete(Bucket.PUBLIC, "arsip/musnah.pdf", destroyed.version_id)  # no version, no marker left
    listed = [(k.key, k.deleted) for k in store.list_keys(Bucket.PUBLIC, prefix="arsip/")]
    assert listed == [("arsip/a.pdf", True), ("arsip/b.pdf", False)]
    assert [o.key for o in store.list(Bucket.PUBLIC, prefix="arsip/")] == ["arsip/b.pdf"]
    assert len(store.versions(Bucket.PUBLIC, "arsip/a.pdf")) == 2
    put_bytes(store, "arsip/a.pdf", b"kembali")
    assert [(k.key, k.deleted) for k in store.list_keys(Bucket.PUBLIC)][0] == ("arsip/a.pdf", False)
    assert list(store.list_keys(Bucket.ORIGINALS)) == []


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_list_keys_of_a_missing_bucket_is_not_found(backend, tmp_path, request):
    bare = LocalStore(tmp_path / "archive") if backend == "local" else request.getfixturevalue("moto_server").store()
    with pytest.raises(ObjectNotFound):
        list(bare.list_keys(Bucket.PUBLIC))


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_put_before_ensure_buckets_says_so(backend, tmp_path, request):
    bare = LocalStore(tmp_path / "archive") if backend == "local" else request.getfixturevalue("moto_server").store()
    with pytest.raises(StoreError, match="ensure_buckets") as caught:
        put_bytes(bare, "a.pdf", b"x")
    assert not isinstance(caught.value, ObjectNotFound)
    with pytest.raises(StoreError, match="ensure_buckets"):
        bare.ping()


def test_missing_objects(store):
    for call in (lambda: store.stat(Bucket.PUBLIC, "tidak/ada.pdf"),
                 lambda: store.open(Bucket.PUBLIC, "tidak/ada.pdf"),
                 lambda: store.get_verified(Bucket.PUBLIC, "tidak/ada.pdf")):
        with pytest.raises(ObjectNotFound):
            call()
    stored = put_bytes(store, "ada.pdf", b"x")
    with pytest.raises(ObjectNotFound):
        store.stat(Bucket.PUBLIC, "ada.pdf", stored.version_id[:-4] + "0000")
    assert store.versions(Bucket.PUBLIC, "tidak/ada.pdf") == []
    with pytest.raises(ObjectNotFound):
        store.set_legal_hold(Bucket.PUBLIC, "tidak/ada.pdf", stored.version_id, True)


# -- validation ----------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["../luar.pdf", "a/../../luar.pdf", "/etc/passwd", "a\\b.pdf", "a\x00b",
                                 "", "a//b", "a/", "./a", "a/.alur-versions/x", "a\nb"])
def test_path_like_keys_are_rejected(store, key, tmp_path):
    with pytest.raises(InvalidKey):
        put_bytes(store, key, b"x")
    for call in (lambda: store.stat(Bucket.PUBLIC, key), lambda: store.open(Bucket.PUBLIC, key),
                 lambda: store.versions(Bucket.PUBLIC, key), lambda: store.delete(Bucket.PUBLIC, key),
                 lambda: store.set_legal_hold(Bucket.PUBLIC, key, "1", True)):
        with pytest.raises(InvalidKey):
            call()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # nothing written, inside or out
    assert list(store.list(Bucket.PUBLIC)) == []


@pytest.mark.parametrize("metadata", [{"Nomor": "1"}, {"sha256": "0" * 64}, {"nomor": 1}, {"no mor": "1"}])
def test_metadata_names_and_values_are_checked(store, metadata):
    with pytest.raises(InvalidKey):
        store.put(Bucket.PUBLIC, "m.pdf", io.BytesIO(b"x"), 1, "application/pdf", metadata)


# -- buckets, presigned URLs, health ---------------------------------------------------------------

def test_ensure_buckets_is_idempotent_and_buckets_are_versioned_and_locked(store, request):
    store.ensure_buckets()
    store.ping()
    if isinstance(store, S3Store):
        client = request.getfixturevalue("moto_server").boto3()
        names = {b["Name"] for b in client.list_buckets()["Buckets"] if b["Name"].startswith(store.prefix)}
        assert names == {store.prefix + "public", store.prefix + "exempt", store.prefix + "originals"}
        for name in names:
            assert client.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
            lock = client.get_object_lock_configuration(Bucket=name)["ObjectLockConfiguration"]
            assert lock["ObjectLockEnabled"] == "Enabled"
    else:
        assert sorted(p.name for p in store.root.iterdir()) == ["exempt", "originals", "public"]


def test_presigned_url(store):
    data = "Salinan keputusan — untuk pemohon".encode()
    stored = put_bytes(store, "unduh/salinan.pdf", data)
    if isinstance(store, LocalStore):
        with pytest.raises(NotImplementedError, match="through the app"):
            store.presigned_url(Bucket.PUBLIC, "unduh/salinan.pdf", stored.version_id, timedelta(minutes=5))
        return
    url = store.presigned_url(Bucket.PUBLIC, "unduh/salinan.pdf", stored.version_id, timedelta(minutes=5))
    assert urllib.parse.urlsplit(url).hostname == "127.0.0.1"
    put_bytes(store, "unduh/salinan.pdf", b"newer version")
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == data


def test_ping_of_a_missing_local_archive(tmp_path):
    with pytest.raises(StoreUnavailable, match=str(tmp_path / "nowhere")):
        LocalStore(tmp_path / "nowhere").ping()
    archive = LocalStore(tmp_path / "archive")
    (tmp_path / "archive").mkdir()
    with pytest.raises(StoreError, match="ensure_buckets"):
        archive.ping()


# -- faults (S3) -----------------------------------------------------------------------------------

def test_s3_store_where_nothing_listens_fails_fast():
    port = free_port()
    archive = S3Store(f"127.0.0.1:{port}", ACCESS, SECRET, secure=False, region=REGION,
                      connect_timeout=1, retries=1)
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match=f"127.0.0.1:{port}"):
        put_bytes(archive, "a.pdf", b"x")
    with pytest.raises(StoreUnavailable, match=f"127.0.0.1:{port}"):
        archive.ping()
    assert time.monotonic() - started < 5


def test_s3_store_whose_server_dies_reports_unavailable():
    server = MotoServer().start()  # private: the session's server stays up for the other tests
    try:
        archive = server.store()
        archive.ensure_buckets()
        stored = put_bytes(archive, "a.pdf", b"sebelum")
        server.kill()
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match=server.endpoint):
            put_bytes(archive, "b.pdf", b"sesudah")
        with pytest.raises(StoreUnavailable):
            archive.get_verified(Bucket.PUBLIC, "a.pdf", stored.version_id)
        with pytest.raises(StoreUnavailable):
            archive.ping()
        assert time.monotonic() - started < 10
    finally:
        server.stop()


# -- ALUR_ARCHIVE_URL ----------------------------------------------------------------------------

def test_open_store_from_urls(tmp_path):
    local = open_store((tmp_path / "arsip dokumen").as_uri())
    assert isinstance(local, LocalStore) and local.root == tmp_path / "arsip dokumen"
    s3 = open_store("s3://AKIA:se%2Fcr%40et@minio.internal:9000/?secure=false&region=id-central-1"
                    "&prefix=ppid-&connect_timeout=1.5")
    assert isinstance(s3, S3Store)
    assert s3.endpoint == "http://minio.internal:9000" and s3.prefix == "ppid-"
    assert s3.bucket_name(Bucket.EXEMPT) == "ppid-exempt" and s3.region == "id-central-1"
    assert s3.client._provider.retrieve().secret_key == "se/cr@et"
    assert open_store("s3://a:b@minio:9000").endpoint == "https://minio:9000"


@pytest.mark.parametrize("url", ["", "archive", "ftp://x/y", "file://host/srv/arsip", "file:relative/path",
                                 "s3://minio:9000/", "s3://a:@minio:9000/", "s3://a:b@:9000/",
                                 "s3://a:b@minio:99999/", "s3://a:b@minio:9000/bucket",
                                 "s3://a:b@minio:9000/?secure=maybe", "s3://a:b@minio:9000/?colour=red",
                                 "s3://a:b@minio:9000/?prefix=UPPER-", "s3://a:b@minio:9000/?retries=x",
                                 "s3://a:b@minio:9000/?prefix=a&prefix=b"])
def test_malformed_archive_urls_are_refused_naming_the_variable(url):
    with pytest.raises(ValueError, match="ALUR_ARCHIVE_URL") as caught:
        open_store(url)
    assert "se%2Fcret" not in str(caught.value)


def test_archive_url_errors_never_show_the_secret():
    with pytest.raises(ValueError) as caught:
        open_store("s3://AKIA:topsecret@minio:9000/?prefix=BAD")
    assert "topsecret" not in str(caught.value)

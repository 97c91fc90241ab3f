"""Real stores for the storage tests: a local directory, and moto's S3 server as a child process."""
from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
import uuid

import boto3
import pytest

from storage.local_store import LocalStore
from storage.objectstore import Bucket
from storage.s3_store import S3Store
from tests.services import free_port, wait_for_port
from tests.stack import STORES

ACCESS, SECRET, REGION = "testing", "testing", "us-east-1"
PART_SIZE = 5 * 1024 * 1024  # the S3 minimum, so that a 12 MB object goes up in three parts


class MotoServer:
    """moto's S3 server on 127.0.0.1 on a free port, as a real process."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> "MotoServer":
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, process=self.process)
        deadline = time.monotonic() + 30
        while True:  # listening is not answering: wait for an S3 reply (ListBuckets)
            try:
                with urllib.request.urlopen(f"http://{self.endpoint}/", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.1)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def store(self, **options) -> S3Store:
        options = {"prefix": f"t{uuid.uuid4().hex[:12]}-", "connect_timeout": 2, "read_timeout": 30, **options}
        return S3Store(self.endpoint, ACCESS, SECRET, secure=False, region=REGION, part_size=PART_SIZE, **options)

    def boto3(self):
        return boto3.client("s3", endpoint_url=f"http://{self.endpoint}", aws_access_key_id=ACCESS,
                            aws_secret_access_key=SECRET, region_name=REGION)


@pytest.fixture(scope="session")
def moto_server():
    server = MotoServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=STORES)
def store(request, tmp_path):
    """An empty archive with its buckets, of each backend (s3: fresh buckets under a unique prefix)."""
    if request.param == "local":
        archive = LocalStore(tmp_path / "archive")
    else:
        archive = request.getfixturevalue("moto_server").store()
    archive.ensure_buckets()
    return archive


@pytest.fixture
def corrupt(request):
    """Replace the stored bytes of the latest version of an object behind the store's back.

    A real fault, caused for real: on disk the version file is overwritten; on S3 the object is
    overwritten (a new version) with other bytes that keep the old sha256 in their metadata.
    """
    def damage(archive, bucket: Bucket, key: str) -> None:
        current = archive.stat(bucket, key)
        bad = bytes(b ^ 0xFF for b in archive.get_verified(bucket, key))
        if isinstance(archive, LocalStore):
            path = archive._versions_dir(bucket, key) / f"{current.version_id}.data"
            path.write_bytes(bad)
        else:
            client = request.getfixturevalue("moto_server").boto3()
            client.put_object(Bucket=archive.bucket_name(bucket), Key=key, Body=bad,
                              ContentType=current.content_type, Metadata={"sha256": current.sha256})
    return damage

"""moto's S3 server for tests outside tests/storage (whose conftest defines the launcher).

Import the fixture into a test module (``from tests.s3_fixtures import shared_moto_server``). One
server serves every module that imports it: the first use starts it, the end of the session stops it.
"""
from __future__ import annotations

import uuid

import pytest

from tests.storage.conftest import ACCESS, REGION, SECRET, MotoServer

_server: MotoServer | None = None


def shared_server(config: pytest.Config) -> MotoServer:
    """The session's one S3 server, started on first use and stopped at the end of the session."""
    global _server
    if _server is None or _server.process is None or _server.process.poll() is not None:
        _server = MotoServer().start()
        config.add_cleanup(_server.stop)
    return _server


@pytest.fixture(scope="session")
def shared_moto_server(request) -> MotoServer:
    return shared_server(request.config)


def archive_url(server: MotoServer) -> str:
    """An ALUR_ARCHIVE_URL for fresh buckets under a unique prefix on ``server``."""
    return (f"s3://{ACCESS}:{SECRET}@{server.endpoint}/?secure=false&region={REGION}"
            f"&prefix=t{uuid.uuid4().hex[:12]}-")

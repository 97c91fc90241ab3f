"""Fixtures of the archive's web tests: the app over the local store and moto's S3 (both databases),
logged-in browsers and API callers, counting what is stored. Import what a module uses."""
from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from engine.demo import DEMO_PASSWORD
from storage import search_index
from storage.config import open_store
from storage.models import Document, DocumentVersion, PendingUpload, RetentionClass
from storage.objectstore import Bucket
from tests.s3_fixtures import archive_url, shared_moto_server  # noqa: F401  (a fixture)
from tests.stack import STORES
from tests.storage.archive.files import text_pdf
from tests.web.conftest import Browser, seed_web_data, test_settings
from web.app import create_app

ARCHIVIST = "bkd.ppid"          # BKD, PPID lane: entitled to exempt documents
BKD_STAFF = "bkd.jfu"           # BKD, not entitled (sees BKD's own exempt documents: the holding unit)
OUTSIDER = "adpim.petugas-pelayanan-informasi"  # ADPIM, not entitled
MAX_UPLOAD = 256 * 1024
EXEMPT_FIELDS = {"klasifikasi": "dikecualikan", "pasal17": "h", "konsekuensi_dibuka": "Membuka rahasia pribadi.",
                 "pertimbangan_ditutup": "Melindungi data pribadi pegawai.", "jangka_waktu_sampai": "2040-01-01",
                 "penetap": "Atasan PPID BKD", "nomor_sk": "800/12/BKD/2025"}


def build_app(db, tmp_path, archive: str, **config):
    seed_web_data(db)
    search_index.install(db.engine)
    with db.session() as session:
        session.add(RetentionClass(code="KU.01", name="Laporan keuangan", active_years=2, inactive_years=8,
                                   final_disposition="musnah"))
    settings = replace(test_settings(tmp_path, db.url), archive_url=archive)
    if archive.startswith("s3://"):
        open_store(archive).ensure_buckets()
    config.setdefault("ALUR_ARCHIVE_MAX_UPLOAD_BYTES", MAX_UPLOAD)
    return create_app(settings, db, TESTING=True, **config)


@pytest.fixture(params=STORES)
def archive_app(request, db, tmp_path):
    """The app on SQLite and PostgreSQL (``db``), over the local store and moto's S3."""
    if request.param == "local":
        url = (tmp_path / "archive").as_uri()
    else:
        url = archive_url(request.getfixturevalue("shared_moto_server"))
    return build_app(db, tmp_path, url)


@pytest.fixture
def local_app(sqlite_db, tmp_path):
    """SQLite and the local store: for what only a local file allows (corrupting it in place)."""
    return build_app(sqlite_db, tmp_path, (tmp_path / "archive").as_uri())


def login(app, username: str) -> Browser:
    return Browser(app).login(username, DEMO_PASSWORD)


def api_token(app, username: str) -> dict:
    response = app.test_client().post("/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.json
    return {"Authorization": f"Bearer {response.json['token']}"}


def service(app):
    return app.extensions["alur_archive"]


def stored_state(app) -> tuple[int, int, int, int]:
    """(documents, versions, pending intents, objects in every bucket): what 'nothing stored' compares."""
    archive = service(app)
    with archive.db.session() as session:
        counts = tuple(session.scalar(select(func.count()).select_from(model))
                       for model in (Document, DocumentVersion, PendingUpload))
    objects = sum(1 for bucket in Bucket for _ in archive.store.list(bucket))
    return (*counts, objects)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def report_pdf(*words: str) -> bytes:
    return text_pdf("Laporan realisasi anggaran Badan Kepegawaian Daerah", *words)

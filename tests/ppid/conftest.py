"""PPID public-side fixtures: the web app with the seed SOPs and the request/objection processes,
an archive on a local store, and helpers to fill the public forms as a browser would."""
from __future__ import annotations

import io
import re
import time

import pytest

import engine.ppid.models  # noqa: F401  (tables on the metadata until alur.schema imports them)
import engine.ppid.service  # noqa: F401  (the case hooks)
import storage.publication  # noqa: F401  (the publishing hook)
from storage import search_index
from tests.web.conftest import make_app, seed_web_data

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HIDDEN = re.compile(r'name="(form_token|dimulai)" value="([^"]+)"')

GOOD_REQUEST = {
    "unit": "ADPIM", "nama": "Siti Rahmawati", "alamat": "Jl. Tjilik Riwut Km 5, Palangka Raya",
    "nik": "6271010101900001", "email": "siti@contoh.id", "telepon": "0812-5555-1234", "pekerjaan": "Wartawan",
    "rincian": "Salinan laporan kegiatan Biro Administrasi Pimpinan tahun 2024",
    "tujuan": "Bahan liputan", "cara_memperoleh": "salinan_softcopy", "cara_menyampaikan": "email",
}


def ppid_app(db, tmp_path, **config):
    search_index.install(db.engine)
    seed_web_data(db)
    options = {"ALUR_PUBLIC_MIN_FILL_SECONDS": 0, "ALUR_PUBLIC_RATE_LIMIT": (50, 600)}
    options.update(config)
    return make_app(db, tmp_path, **options)


@pytest.fixture
def app(db, tmp_path):
    return ppid_app(db, tmp_path)


class Citizen:
    """An anonymous visitor: a test client that sends the form's hidden fields back."""

    def __init__(self, app, address: str = "203.0.113.7"):
        self.client = app.test_client()
        self.address = address

    def get(self, url, **kwargs):
        return self.client.get(url, environ_base={"REMOTE_ADDR": self.address}, **kwargs)

    def hidden(self, url: str) -> dict:
        page = self.get(url).get_data(as_text=True)
        fields = {"csrf_token": CSRF.search(page).group(1)}
        fields.update(HIDDEN.findall(page))
        return fields

    def post(self, url: str, data: dict, hidden: dict | None = None, **kwargs):
        payload = dict(hidden if hidden is not None else self.hidden(url))
        payload.update(data)
        return self.client.post(url, data=payload, environ_base={"REMOTE_ADDR": self.address}, **kwargs)


def ppid_service(app):
    return app.extensions["alur_ppid"]


def archive_of(app):
    from web.public import _archive
    with app.app_context():
        return _archive()


def attach(app, case_id: int, title: str, body: bytes, klasifikasi: str | None, unit: str = "ADPIM",
           filename: str | None = None):
    """File a document on a case, as an archivist would (the PPID's viewer)."""
    from datetime import date
    from storage.access import Viewer
    from storage.catalog import DocumentMetadata, Exemption
    exemption = None
    if klasifikasi == "dikecualikan":
        exemption = Exemption(pasal17="h", konsekuensi_dibuka="Membuka data pribadi.",
                              pertimbangan_ditutup="Melindungi data pribadi.", jangka_waktu_keterangan="tidak terbatas")
    metadata = DocumentMetadata(title=title, unit_code=unit, klasifikasi=klasifikasi, ringkasan=title,
                                penanggung_jawab="Kepala Biro Administrasi Pimpinan", dibuat_pada=date(2025, 3, 3),
                                tempat_pembuatan="Palangka Raya", retensi="2 tahun aktif, 5 tahun inaktif",
                                source_case_id=case_id, exemption=exemption)
    return archive_of(app).add(Viewer.system(), io.BytesIO(body), filename or f"{title[:20]}.txt", metadata)


def slow_down():
    time.sleep(0.01)

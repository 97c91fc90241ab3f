"""The archive's REST API (/api/v1/documents): bearer tokens, JSON errors, streamed verified content,
the access rule; over the local store and moto's S3, SQLite and PostgreSQL."""
from __future__ import annotations

import io

import openapi_spec_validator
import pytest
from sqlalchemy import select

from engine.models import AuditEvent
from storage.access import Viewer
from tests.web.archive_support import (  # noqa: F401  (fixtures)
    ARCHIVIST, BKD_STAFF, EXEMPT_FIELDS, MAX_UPLOAD, OUTSIDER, api_token, archive_app, build_app, local_app,
    report_pdf, service, sha, shared_moto_server, stored_state,
)
from tests.web.test_archive_ui import BAD_FILES, _corrupt_local, _mismatches

DOCS = "/api/v1/documents"


def post_document(app, headers, filename: str, content: bytes, **fields):
    data = {**fields, "file": (io.BytesIO(content), filename)}
    return app.test_client().post(DOCS, data=data, headers=headers, content_type="multipart/form-data")


def created(app, headers, filename: str, content: bytes, **fields) -> dict:
    response = post_document(app, headers, filename, content, **fields)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json and response.json["error"]["code"] == code, response.json
    return response.json["error"]


def test_file_search_read_and_download(archive_app):
    headers = api_token(archive_app, ARCHIVIST)
    client = archive_app.test_client()
    content = report_pdf("tahun anggaran 2024")
    document = created(archive_app, headers, "lra-2024.pdf", content, title="LRA BKD 2024", unit="BKD",
                       klasifikasi="berkala", dibuat_pada="2025-01-15", retention_class="KU.01")
    assert document["klasifikasi"] == "berkala" and document["unit"] == "BKD" and document["exemption"] is None
    assert document["versions"][0]["sha256"] == sha(content) and document["versions"][0]["size"] == len(content)
    assert document["retention_class"] == "KU.01" and document["year"] == 2025
    created(archive_app, headers, "lain.txt", b"catatan rapat lain", klasifikasi="setiap_saat")

    found = client.get(f"{DOCS}?q=realisasi&class=berkala&unit=BKD&year=2025", headers=headers).json
    assert found["total"] == 1 and found["items"][0]["id"] == document["id"]
    assert "realisasi" in [w.lower() for w in found["items"][0]["highlights"]]
    facets = {name: {v["value"]: v["count"] for v in values} for name, values in found["facets"].items()}
    assert facets["klasifikasi"] == {"berkala": 1} and facets["year"] == {2025: 1}
    everything = client.get(DOCS, headers=headers).json
    assert everything["total"] == 2 and {v["value"] for v in everything["facets"]["klasifikasi"]} == {"berkala", "setiap_saat"}

    again = client.get(f"{DOCS}/{document['id']}", headers=headers)
    assert again.status_code == 200 and again.json["title"] == "LRA BKD 2024"
    response = client.get(f"{DOCS}/{document['id']}/content", headers=headers, buffered=False)
    assert response.is_streamed and response.headers["X-Checksum-SHA256"] == sha(content)
    assert b"".join(response.response) == content

    archive = service(archive_app)
    archive.add_version(Viewer.system(), document["id"], io.BytesIO(report_pdf("revisi kedua")), "lra-rev.pdf")
    assert client.get(f"{DOCS}/{document['id']}/content?version=1", headers=headers).data == content
    assert client.get(f"{DOCS}/{document['id']}/content", headers=headers).data == report_pdf("revisi kedua")
    error_of(client.get(f"{DOCS}/{document['id']}/content?version=3", headers=headers), 404, "not_found")
    with archive.db.session() as session:
        downloads = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "document.downloaded")))
    assert [event.detail["version"] for event in downloads] == [1, 1, 2]


def test_exempt_documents_are_invisible_to_a_caller_not_entitled(archive_app):
    archivist = api_token(archive_app, ARCHIVIST)
    secret = created(archive_app, archivist, "sk.pdf", report_pdf("rahasiapegawai disiplin"), **EXEMPT_FIELDS)
    assert secret["exemption"]["pasal17"] == "h" and secret["exemption"]["jangka_waktu_sampai"] == "2040-01-01"
    created(archive_app, archivist, "umum.pdf", report_pdf("disiplin umum"), klasifikasi="setiap_saat")

    client, outsider = archive_app.test_client(), api_token(archive_app, OUTSIDER)
    results = client.get(f"{DOCS}?q=disiplin", headers=outsider).json
    assert results["total"] == 1 and results["items"][0]["id"] != secret["id"]
    assert all(v["value"] != "dikecualikan" for v in results["facets"]["klasifikasi"])
    assert client.get(f"{DOCS}?q=rahasiapegawai", headers=outsider).json["total"] == 0
    exempt_only = client.get(f"{DOCS}?class=dikecualikan", headers=outsider).json
    assert exempt_only["items"] == [] and exempt_only["total"] == 0
    assert exempt_only["facets"]["unit"] == [] and exempt_only["facets"]["year"] == []
    # the class facet is counted without its own filter (drill-down): only the public document is there
    assert exempt_only["facets"]["klasifikasi"] == [{"value": "setiap_saat", "label": "setiap_saat", "count": 1}]
    for path in ("", "/content", "/content?version=1"):
        error_of(client.get(f"{DOCS}/{secret['id']}{path}", headers=outsider), 404, "not_found")
    assert client.get(f"{DOCS}/{secret['id']}", headers=api_token(archive_app, BKD_STAFF)).status_code == 200


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_files_are_refused_with_a_code_and_store_nothing(local_app, case):
    filename, content, code, words = BAD_FILES[case]
    before = stored_state(local_app)
    error = error_of(post_document(local_app, api_token(local_app, ARCHIVIST), filename, content,
                                   klasifikasi="berkala"), 422, code)
    assert words in error["message"]
    assert stored_state(local_app) == before


def test_bad_requests_are_json_errors(local_app):
    client, headers = local_app.test_client(), api_token(local_app, ARCHIVIST)
    assert error_of(client.get(DOCS), 401, "not_authenticated")
    assert error_of(client.get(DOCS, headers={"Authorization": "Bearer salah"}), 401, "invalid_token")
    error = error_of(client.post(DOCS, headers=headers, data={"title": "x"}), 400, "invalid_data")
    assert "file" in error["fields"]
    error = error_of(post_document(local_app, headers, "a.txt", b"isi", klasifikasi="dikecualikan"), 400, "invalid_data")
    assert {"pasal17", "konsekuensi_dibuka", "pertimbangan_ditutup", "penetap"} <= set(error["fields"])
    error = error_of(post_document(local_app, headers, "a.txt", b"isi", unit="TIDAKADA"), 400, "invalid_data")
    assert "tidak dikenal" in error["fields"]["unit"]
    error_of(post_document(local_app, api_token(local_app, OUTSIDER), "a.txt", b"isi", unit="BKD"), 403, "forbidden")
    for query in ("class=rahasia", "page=0", "per_page=1000", "year=x", "order=acak", "bentuk=kertas"):
        error_of(client.get(f"{DOCS}?{query}", headers=headers), 400, "invalid_data")
    error_of(client.get(f"{DOCS}/999999", headers=headers), 404, "not_found")
    error_of(client.delete(f"{DOCS}/1", headers=headers), 405, "method_not_allowed")
    assert stored_state(local_app) == (0, 0, 0, 0)
    document = created(local_app, api_token(local_app, OUTSIDER), "milik.txt", b"isi ADPIM")  # own unit by default
    assert document["unit"] == "ADPIM" and document["klasifikasi"] is None


def test_a_damaged_file_is_a_json_error_and_audited(local_app):
    headers = api_token(local_app, ARCHIVIST)
    document = created(local_app, headers, "lra.pdf", report_pdf("rusak"), klasifikasi="berkala")
    _corrupt_local(local_app, document["id"])
    error_of(local_app.test_client().get(f"{DOCS}/{document['id']}/content", headers=headers), 500, "checksum_mismatch")
    assert len(_mismatches(local_app, document["id"])) == 1


def test_the_openapi_document_describes_the_documents_api(local_app):
    document = local_app.test_client().get("/api/v1/openapi.json").json
    routes = set()
    for rule in local_app.url_map.iter_rules():
        if rule.endpoint.startswith("archive_api."):
            path = rule.rule.replace("<int:document_id>", "{document_id}")
            routes |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    described = {(path, method) for path, item in document["paths"].items() if path.startswith(DOCS)
                 for method in item}
    assert routes == described and len(routes) == 4
    assert "multipart/form-data" in document["paths"][DOCS]["post"]["requestBody"]["content"]
    openapi_spec_validator.validate(document)

"""Ingest, search and retrieval through the archive service: both stores, both databases."""
from __future__ import annotations

import hashlib
import io
from datetime import date

import pytest
from sqlalchemy import func, select

from engine.models import AuditEvent
from storage.models import Document, DocumentVersion, PendingUpload
from storage.objectstore import Bucket
from storage.search import SearchQuery
from tests.storage.archive.conftest import add_text, metadata
from tests.storage.archive.files import docx, text_pdf


def test_pdf_is_stored_catalogued_found_and_read_back(archive, viewers):
    content = text_pdf("Laporan realisasi anggaran Badan Kepegawaian Daerah", "tahun anggaran 2024")
    document = archive.add(viewers["staff_bkd"], io.BytesIO(content), "lra-2024.pdf",
                           metadata("LRA BKD 2024", ringkasan="Realisasi anggaran", dibuat_pada=date(2025, 1, 15),
                                    tempat_pembuatan="Palangka Raya", penanggung_jawab="Sekretaris BKD",
                                    retention_class="KU.01"))
    version = document.current
    assert (version.number, version.bucket, version.text_source) == (1, "public", "pdf_text")
    assert version.sha256 == hashlib.sha256(content).hexdigest() and version.size == len(content)
    assert document.year == 2025 and document.retensi == "Laporan keuangan"
    assert document.retain_until.date() == date(2035, 1, 15)
    stored = archive.store.stat(Bucket.PUBLIC, version.key, version.store_version_id)
    assert stored.metadata["klasifikasi"] == "setiap_saat" and stored.metadata["document-uid"] == document.uid
    assert stored.metadata["filename"] == "lra-2024.pdf"

    results = archive.search(viewers["staff_org"], text="realisasi kepegawaian")
    assert [hit.document.id for hit in results.hits] == [document.id]
    assert {w.lower() for w in results.hits[0].snippet.matched} >= {"realisasi", "kepegawaian"}
    assert "<mark>" in results.hits[0].snippet.html()

    with archive.open_content(viewers["staff_org"], document.id) as reader:
        assert reader.read() == content


def test_every_accepted_type_is_ingested_with_its_text(archive, viewers):
    staff = viewers["staff_bkd"]
    archive.add(staff, io.BytesIO(docx("Maklumat pelayanan informasi publik")), "maklumat.docx", metadata("Maklumat"))
    add_text(archive, staff, "Catatan rapat", "notulen rapat penetapan DIP")
    assert archive.search(staff, text="maklumat").total == 1
    assert archive.search(staff, text="notulen").hits[0].document.title == "Catatan rapat"


def test_versions_are_kept_and_each_is_readable(archive, viewers):
    staff = viewers["staff_bkd"]
    first = add_text(archive, staff, "Draf SK", "draf pertama")
    second = archive.add_version(staff, first.id, io.BytesIO(b"draf kedua yang direvisi"), "draf-2.txt")
    assert [v.number for v in second.versions] == [1, 2]
    assert second.versions[0].key == second.versions[1].key
    with archive.open_content(staff, first.id, version=1) as reader:
        assert reader.read() == b"draf pertama"
    with archive.open_content(staff, first.id) as reader:
        assert reader.read() == b"draf kedua yang direvisi"
    assert archive.search(staff, text="direvisi").total == 1
    assert archive.search(staff, text="pertama").total == 0  # the index follows the current version
    assert archive.check().ok


def test_facets_order_and_paging(archive, viewers):
    staff = viewers["admin"]
    for n in range(5):
        add_text(archive, staff, f"Laporan {n}", f"laporan bulanan nomor {n}", unit="BKD" if n % 2 else "BIRO_ORG",
                 klasifikasi="berkala", dibuat_pada=date(2023 + n % 2, 6, 1))
    add_text(archive, staff, "Laporan laporan laporan", "laporan", klasifikasi="setiap_saat", bentuk="both")
    results = archive.search(staff, SearchQuery(text="laporan", per_page=4))
    assert results.total == 6 and len(results.hits) == 4 and results.pages == 2
    assert results.hits[0].document.title == "Laporan laporan laporan"  # title weighs most
    facets = {name: {v.value: v.count for v in values} for name, values in results.facets.items()}
    assert facets["klasifikasi"] == {"berkala": 5, "setiap_saat": 1}
    assert facets["unit"] == {"BKD": 3, "BIRO_ORG": 3}
    assert facets["bentuk"] == {"softcopy": 5, "both": 1}
    narrowed = archive.search(staff, SearchQuery(text="laporan", klasifikasi="berkala", year=2024))
    assert narrowed.total == 2
    # each facet is counted without its own filter: the other years stay visible as alternatives
    assert {v.value: v.count for v in narrowed.facets["year"]}[2023] == 3
    assert {v.value: v.count for v in narrowed.facets["klasifikasi"]} == {"berkala": 2}
    by_date = archive.search(staff, SearchQuery(order="date", per_page=2, page=3))
    assert [hit.document.title for hit in by_date.hits] == ["Laporan 1", "Laporan 0"]


def test_downloads_and_views_are_audited(archive, viewers, archive_db):
    staff = viewers["staff_org"]
    document = add_text(archive, viewers["staff_bkd"], "Pengumuman", "pengumuman seleksi")
    archive.get(staff, document.id)
    with archive.open_content(staff, document.id) as reader:
        reader.read()
    with archive_db.session() as session:
        events = session.execute(select(AuditEvent.actor, AuditEvent.action, AuditEvent.detail)
                                 .where(AuditEvent.object_type == "document", AuditEvent.object_id == str(document.id))
                                 .order_by(AuditEvent.id)).all()
    assert [(a, b) for a, b, _ in events] == [("staff_bkd", "document.created"), ("staff_org", "document.viewed"),
                                               ("staff_org", "document.downloaded")]
    assert events[-1][2]["version"] == 1


def test_corruption_is_an_error_an_audit_record_and_an_alert(archive, viewers, archive_db, corrupt, caplog):
    from storage.errors import ChecksumMismatch
    document = add_text(archive, viewers["staff_bkd"], "Data", "isi yang akan dirusak")
    corrupt(archive.store, Bucket.PUBLIC, document.current.key)
    damaged = archive.store.stat(Bucket.PUBLIC, document.current.key)
    if damaged.version_id != document.current.store_version_id:
        # S3 versions are immutable: the damage is a new version carrying the old sha256, so the
        # catalog is pointed at it (the state a bit-rotted disk under MinIO would leave).
        with archive_db.session() as session:
            session.get(DocumentVersion, document.current.id).store_version_id = damaged.version_id
    with pytest.raises(ChecksumMismatch):
        with archive.open_content(viewers["staff_bkd"], document.id, version=1) as reader:
            reader.read()
    with archive_db.session() as session:
        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(document.id))))
    assert "document.checksum_mismatch" in actions
    assert any("ALERT checksum mismatch" in r.getMessage() for r in caplog.records if r.name == "alur.alerts")
    assert not archive.check().ok


def test_presigned_url_after_authorization_only(archive, viewers, request):
    import urllib.request
    from engine.errors import NotFound
    from storage.archive import ArchiveError
    secret = add_text(archive, viewers["staff_bkd"], "Data pegawai", "nik pegawai", klasifikasi="dikecualikan")
    with pytest.raises(NotFound):
        archive.presigned_url(viewers["staff_org"], secret.id)
    if type(archive.store).__name__ == "LocalStore":
        with pytest.raises(ArchiveError, match="S3"):
            archive.presigned_url(viewers["ppid"], secret.id)
        return
    url = archive.presigned_url(viewers["ppid"], secret.id)
    with urllib.request.urlopen(url) as response:
        assert response.read() == b"nik pegawai"


def test_source_case_and_task_give_the_sop_facet(archive, viewers, archive_db):
    from engine.models import HumanTask, ProcessInstance, ProcessModel
    with archive_db.session() as session:
        model = ProcessModel(key="sop_003_pendokumentasian", version=1, name="Pendokumentasian", filename="003.bpmn",
                             bpmn_xml="<definitions/>", sha256="0" * 64)
        case = ProcessInstance(process_model=model, title="Kasus", state="{}", started_by="staff_bkd")
        session.add(case)
        session.flush()
        task = HumanTask(instance_id=case.id, spiff_task_id="t1", bpmn_id="step8", name="Arsipkan")
        session.add(task)
        session.flush()
        case_id, task_id = case.id, task.id
    document = add_text(archive, viewers["staff_bkd"], "Lampiran kasus", "lampiran", source_task_id=task_id)
    assert (document.source_case_id, document.source_task_id, document.sop_key) == \
        (case_id, task_id, "sop_003_pendokumentasian")
    results = archive.search(viewers["staff_bkd"], SearchQuery(sop="sop_003_pendokumentasian"))
    assert results.total == 1
    assert [(v.value, v.count) for v in results.facets["sop"]] == [("sop_003_pendokumentasian", 1)]


def test_a_batch_is_filed_in_order_and_a_refused_file_stops_only_itself(archive, viewers, archive_db):
    staff = viewers["staff_bkd"]
    files = [
        (text_pdf("Rekapitulasi permohonan informasi triwulan pertama"), "rekap-1.pdf", metadata("Rekap 1")),
        (b"%PDF-1.4 bukan pdf sungguhan", "palsu.pdf", metadata("Palsu")),
        (b"notulen rapat koordinasi PPID pembantu", "notulen.txt", metadata("Notulen")),
        (b"anggaran unit lain", "lain.txt", metadata("Unit lain", unit="BIRO_ORG")),
        (docx("Maklumat pelayanan informasi"), "maklumat.docx", metadata("Maklumat")),
    ]
    outcomes = list(archive.add_many(staff, [(io.BytesIO(data), name, meta) for data, name, meta in files]))

    assert [type(outcome).__name__ for outcome in outcomes] == [
        "Document", "UploadRejected", "Document", "PermissionDenied", "Document"]
    for (data, name, meta), outcome in zip(files, outcomes):
        if isinstance(outcome, Exception):
            continue
        assert (outcome.title, outcome.current.original_filename) == (meta.title, name)
        assert outcome.current.sha256 == hashlib.sha256(data).hexdigest()
        with archive.open_content(staff, outcome.id) as reader:
            assert reader.read() == data
    assert [hit.document.title for hit in archive.search(staff, text="notulen koordinasi").hits] == ["Notulen"]
    assert archive.search(staff, text="rekapitulasi").total == 1
    with archive_db.session() as session:
        created = session.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "document.created")).all()
    assert sorted(created) == sorted(str(outcome.id) for outcome in outcomes if not isinstance(outcome, Exception))
    assert len([obj for bucket in Bucket for obj in archive.store.list(bucket)]) == 3
    with archive_db.session() as session:
        assert session.scalar(select(func.count(PendingUpload.id))) == 0
    report = archive.check()
    assert report.ok, report.lines()


@pytest.mark.parametrize("retention", [None, "KU.01"])  # without a lock the rows inserted are returned as they are
def test_the_document_add_returns_holds_what_the_catalog_holds(archive, viewers, archive_db, retention):
    """The rows go in by Core inserts; the objects returned must be what a fresh read gives."""
    document = archive.add(viewers["staff_bkd"], io.BytesIO(text_pdf("Daftar informasi publik")), "dip.pdf",
                           metadata("DIP 2025", ringkasan="Daftar", retention_class=retention,
                                    dibuat_pada=date(2025, 2, 3)))
    with archive_db.session() as session:
        fresh = session.get(Document, document.id)
        for model, returned, read in ((Document, document, fresh), (DocumentVersion, document.current, fresh.current)):
            for column in model.__table__.columns:
                assert getattr(returned, column.key) == getattr(read, column.key), (model.__name__, column.key)
        events = session.scalars(select(AuditEvent).where(AuditEvent.object_id == str(document.id))).all()
    assert document.unit.code == "BKD"
    assert (document.retention_class.code if document.retention_class else None) == retention
    assert [version.number for version in document.versions] == [1]
    assert [event.action for event in events] == ["document.created"]

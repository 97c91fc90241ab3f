"""Retention (JRA periods, legal hold, exemption expiry), OCR of scans with Tesseract, and the CLI."""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from engine.models import AuditEvent
from engine.timeutil import utcnow
from storage import text as texts
from storage.archive import ArchiveService, RetentionLocked
from storage.models import DocumentVersion
from storage.objectstore import Bucket
from tests.storage.archive.conftest import add_text, metadata
from tests.storage.archive.files import image_bytes, scanned_page, text_pdf


def test_delete_refused_under_retention_hold_or_permanent(archive, viewers):
    ppid = viewers["ppid"]
    retained = add_text(archive, ppid, "LRA 2025", "laporan", retention_class="KU.01", dibuat_pada=date(2025, 1, 2))
    with pytest.raises(RetentionLocked, match="retained until 2035-01-02"):
        archive.delete(ppid, retained.id)
    permanent = add_text(archive, ppid, "Perda", "peraturan daerah", retention_class="OT.00", dibuat_pada=date(1990, 1, 1))
    with pytest.raises(RetentionLocked, match="permanen"):
        archive.delete(ppid, permanent.id)
    expired = add_text(archive, ppid, "LRA 2000", "laporan lama", retention_class="KU.01", dibuat_pada=date(2000, 3, 1))
    archive.set_legal_hold(ppid, expired.id, True, reason="sengketa informasi 12/2025")
    assert archive.store.stat(Bucket.PUBLIC, expired.current.key, expired.current.store_version_id).legal_hold
    assert [d.id for d in archive.due_for_review()] == []  # on hold: not due
    with pytest.raises(RetentionLocked, match="legal hold"):
        archive.delete(ppid, expired.id)
    if type(archive.store).__name__ == "S3Store":  # the store refuses too: a second wall
        stored = retained.current
        assert archive.store.stat(Bucket.PUBLIC, stored.key, stored.store_version_id).retain_until is not None
    archive.set_legal_hold(ppid, expired.id, False)
    assert [d.id for d in archive.due_for_review()] == [expired.id]
    with pytest.raises(Exception, match="may not delete"):
        archive.delete(viewers["staff_bkd"], expired.id)
    archive.delete(ppid, expired.id)
    assert archive.store.versions(Bucket.PUBLIC, expired.current.key) == []
    assert archive.check().ok


def test_expired_exemption_becomes_public_and_is_audited(archive, viewers, archive_db):
    from tests.storage.archive.conftest import exemption
    ended = add_text(archive, viewers["staff_bkd"], "Hasil seleksi tertutup", "nilai seleksi jabatan",
                     klasifikasi="dikecualikan", exemption=exemption(pasal17="a", jangka_waktu_sampai=date(2025, 6, 30)))
    running = add_text(archive, viewers["staff_bkd"], "Berkas perkara", "berkas penyidikan",
                       klasifikasi="dikecualikan", exemption=exemption(pasal17="a", jangka_waktu_sampai=date(2040, 1, 1)))
    assert archive.search(viewers["staff_org"], text="seleksi").total == 0
    assert archive.expire_exemptions(datetime(2025, 6, 30, 12, tzinfo=timezone.utc)) == []  # the last day still counts
    assert archive.expire_exemptions(datetime(2025, 7, 1, 3, tzinfo=timezone.utc)) == [ended.id]
    public = archive.get(viewers["staff_org"], ended.id)
    assert public.klasifikasi == "setiap_saat" and public.pasal17 is None
    assert [(v.number, v.bucket) for v in public.versions] == [(1, "exempt"), (2, "public")]
    assert public.versions[0].sha256 == public.versions[1].sha256
    assert archive.store.stat(Bucket.PUBLIC, public.current.key).metadata["klasifikasi"] == "setiap_saat"
    assert archive.search(viewers["staff_org"], text="seleksi").total == 1
    assert archive.search(viewers["staff_org"], text="penyidikan").total == 0
    with archive_db.session() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "document.exemption_expired"))
    assert event.actor == "system" and event.object_id == str(ended.id)
    assert event.detail["before"]["pasal17"] == "a" and event.detail["klasifikasi"] == "setiap_saat"
    assert running.id not in archive.expire_exemptions()
    assert archive.check().ok


LINES = ("Pemerintah Provinsi Kalimantan Tengah", "Daftar Informasi Publik", "pembangunan jembatan Barito")


def test_scans_are_ocred_with_tesseract_and_found_by_a_word(archive, viewers):
    page = scanned_page(*LINES)
    staff = viewers["staff_bkd"]
    png = archive.add(staff, io.BytesIO(image_bytes(page, "PNG")), "scan.png", metadata("Pindaian PNG"))
    pdf = archive.add(staff, io.BytesIO(image_bytes(page, "PDF")), "scan.pdf", metadata("Pindaian PDF"))
    for document in (png, pdf):
        version = archive.get(staff, document.id).current
        assert (version.text_source, version.ocr_status) == ("ocr", "done"), version.ocr_error
        assert "jembatan" in version.extracted_text.lower()
    results = archive.search(viewers["staff_org"], text="jembatan barito")
    assert {hit.document.title for hit in results.hits} == {"Pindaian PNG", "Pindaian PDF"}
    assert "jembatan" in [w.lower() for w in results.hits[0].snippet.matched]


def test_ocr_runner_is_pluggable_and_the_task_is_idempotent(archive_db, store, viewers):
    queued = []
    archive = ArchiveService(archive_db, store, ocr_runner=queued.append)
    document = archive.add(viewers["staff_bkd"], io.BytesIO(image_bytes(scanned_page(*LINES), "PNG")), "s.png",
                           metadata("Antre"))
    assert queued == [document.current.id] and archive.pending_ocr() == queued
    stored = document.current.created_at
    assert archive.pending_ocr(stored_before=stored) == []  # still on its first way through the queue
    assert archive.pending_ocr(stored_before=stored + timedelta(seconds=1)) == queued  # left behind: swept
    assert archive.search(viewers["staff_bkd"], text="jembatan").total == 0
    assert archive.run_ocr(queued[0]) == "done"
    assert archive.run_ocr(queued[0]) == "done" and archive.pending_ocr() == []
    assert archive.search(viewers["staff_bkd"], text="jembatan").total == 1


def test_a_short_pdf_is_searchable_when_add_returns_and_a_long_one_goes_to_the_runner(
        archive_db, store, viewers):
    """The text layer of a short PDF is committed with the catalog rows, so no worker is needed to
    find it; a longer one is left to the text runner, and found once the runner has done it."""
    queued = []
    archive = ArchiveService(archive_db, store, ocr_runner=queued.append)
    staff = viewers["staff_bkd"]
    short = archive.add(staff, io.BytesIO(text_pdf("rekapitulasi jembatan")), "pendek.pdf", metadata("Pendek"))
    assert queued == [] and short.current.text_source == "pdf_text" and short.current.ocr_status is None
    assert [hit.document.id for hit in archive.search(staff, text="rekapitulasi").hits] == [short.id]

    long = archive.add(staff, io.BytesIO(text_pdf("inventarisasi aset daerah", pages=texts.INLINE_PDF_PAGES + 1)),
                       "panjang.pdf", metadata("Panjang"))
    assert queued == [long.current.id] and archive.search(staff, text="inventarisasi").total == 0
    assert archive.run_ocr(queued[0]) == "none"
    version = archive.get(staff, long.id).current
    assert (version.text_source, version.ocr_status) == ("pdf_text", None)
    assert [hit.document.id for hit in archive.search(staff, text="inventarisasi").hits] == [long.id]


def test_ocr_task_is_registered_on_the_worker_app():
    from engine.worker import celery_app
    import storage.tasks  # noqa: F401
    assert {"alur.archive.ocr", "alur.archive.ocr_sweep", "alur.archive.expire_exemptions",
            "alur.archive.repair"} <= set(celery_app.tasks)
    assert celery_app.conf.beat_schedule["ocr-sweep"]["task"] == "alur.archive.ocr_sweep"
    assert celery_app.conf.beat_schedule["archive-repair"]["task"] == "alur.archive.repair"


def test_cli_add_search_check_and_retention_report(run, archive, tmp_path):
    report = tmp_path / "laporan-kinerja.pdf"
    report.write_bytes(text_pdf("Laporan kinerja instansi pemerintah", "Badan Kepegawaian Daerah"))
    secret = tmp_path / "data-pegawai.txt"
    secret.write_text("daftar gaji pegawai", encoding="utf-8")
    old = tmp_path / "arsip-lama.txt"
    old.write_text("arsip lama", encoding="utf-8")
    added = run("add", str(report), "--class", "berkala", "--as", "staff_bkd", "--ringkasan", "LKjIP 2024")
    assert added.exit_code == 0, added.output
    assert "stored: document 1 'laporan-kinerja' (berkala" in added.output
    exempt = run("add", str(secret), "--class", "dikecualikan", "--as", "staff_bkd", "--pasal17", "h",
                 "--konsekuensi", "Membuka data pribadi", "--pertimbangan", "Melindungi pegawai",
                 "--jangka-waktu", "tidak terbatas", "--title", "Data gaji")
    assert exempt.exit_code == 0, exempt.output
    incomplete = run("add", str(secret), "--class", "dikecualikan", "--as", "staff_bkd")
    assert incomplete.exit_code == 1 and "exemption" in incomplete.output
    assert run("add", str(old), "--class", "berkala", "--as", "ppid", "--unit", "BKD", "--retention-class",
               "KU.01", "--dibuat-pada", "2001-01-01").exit_code == 0

    found = run("search", "kinerja", "--as", "staff_org")
    assert found.exit_code == 0 and "1 documents" in found.output and "«kinerja»" in found.output.lower()
    assert "Data gaji" not in run("search", "--as", "staff_org").output
    assert "Data gaji" in run("search", "gaji", "--as", "staff_bkd").output

    checked = run("check")
    assert checked.exit_code == 0 and "archive is consistent" in checked.output
    due = run("retention-report", "--as-of", "2025-01-01")
    assert due.exit_code == 0 and "1 documents due" in due.output and "arsip-lama" in due.output

    refused = run("add", str(tmp_path / "laporan-kinerja.pdf"), str(tmp_path / "kosong.txt"), "--class", "berkala",
                  "--as", "staff_bkd")
    assert refused.exit_code == 2  # kosong.txt does not exist: click refuses before anything is stored
    (tmp_path / "kosong.txt").write_bytes(b"")
    refused = run("add", str(report), str(tmp_path / "kosong.txt"), "--class", "berkala", "--as", "staff_bkd")
    assert refused.exit_code == 1 and "Berkas kosong. (empty_file)" in refused.output
    assert "3 documents" in run("search", "--as", "admin").output  # one bad file stored none

    archive.store.put(Bucket.PUBLIC, "documents/zz/orphan", io.BytesIO(b"x"), 1)
    orphaned = run("check", "--quick")
    assert orphaned.exit_code == 1 and "orphan object: public/documents/zz/orphan" in orphaned.output


def _queued_scan(archive_db, store, viewers):
    """An archive whose OCR runner only queues, and a scan waiting for its OCR."""
    queued = []
    archive = ArchiveService(archive_db, store, ocr_runner=queued.append)
    document = archive.add(viewers["staff_bkd"], io.BytesIO(image_bytes(scanned_page(*LINES), "PNG")), "s.png",
                           metadata("Antre"))
    return archive, document, queued


def _ocr_state(archive_db, version_id):
    with archive_db.session() as session:
        version = session.get(DocumentVersion, version_id)
        return version.ocr_status, version.extracted_text, version.ocr_error


@pytest.mark.parametrize("fault", ["bytes", "record"])
def test_ocr_of_a_corrupted_object_is_an_error_and_an_alert_and_stores_no_text(archive_db, store, viewers, corrupt,
                                                                               caplog, fault):
    """``bytes``: the stored bytes are damaged (the ``corrupt`` fixture); ``record``: the store's
    SHA-256 is consistent with its bytes but not with the catalog's (the catalog row is changed)."""
    from storage.errors import ChecksumMismatch
    archive, document, queued = _queued_scan(archive_db, store, viewers)
    version = document.current
    with archive_db.session() as session:
        row = session.get(DocumentVersion, version.id)
        if fault == "record":
            row.sha256 = "0" * 64
        else:
            corrupt(store, Bucket.PUBLIC, version.key)
            damaged = store.stat(Bucket.PUBLIC, version.key)
            row.store_version_id = damaged.version_id  # S3: the damage is a new version (see test_ingest)
    with pytest.raises(ChecksumMismatch):
        archive.run_ocr(queued[0])
    status, text, error = _ocr_state(archive_db, version.id)
    assert (status, text) == ("failed", "") and error.startswith("not read: ") and "sha256" in error.lower()
    assert archive.search(viewers["staff_bkd"], text="jembatan").total == 0
    with archive_db.session() as session:
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "document.checksum_mismatch"))
        [failed] = session.scalars(select(AuditEvent).where(AuditEvent.action == "document.ocr_failed"))
    assert event.actor == "system" and event.object_id == str(document.id) and event.detail["version"] == 1
    assert failed.object_id == str(document.id) and failed.detail["error"] == error
    # Alerted once: a later job or sweep reads nothing again (another read would find the same damage).
    assert archive.run_ocr(queued[0]) == "failed"
    assert archive.requeue_stale_ocr(queued.append, utcnow() + timedelta(days=1)) == []
    alerts = [r for r in caplog.records if r.name == "alur.alerts" and "ALERT checksum mismatch" in r.getMessage()]
    assert len(alerts) == 1


def test_the_ocr_sweep_queues_a_version_again_only_once_its_last_queueing_is_stale(archive_db, store, viewers):
    from storage.archive import OCR_REQUEUE_AFTER
    archive, document, queued = _queued_scan(archive_db, store, viewers)
    version_id, stored = document.current.id, document.current.created_at
    swept = []
    assert archive.requeue_stale_ocr(swept.append, stored + timedelta(minutes=5)) == []  # its first job may run
    first = stored + OCR_REQUEUE_AFTER + timedelta(seconds=1)
    assert archive.requeue_stale_ocr(swept.append, first) == [version_id] and swept == [version_id]
    # Ten minutes later the next sweep: its job, queued 10 minutes ago, is not queued a second time.
    assert archive.requeue_stale_ocr(swept.append, first + timedelta(minutes=10)) == []
    with archive_db.session() as session:
        row = session.get(DocumentVersion, version_id)
        assert (row.ocr_queued_at, row.ocr_attempts) == (first, 1)
    later = first + OCR_REQUEUE_AFTER + timedelta(seconds=1)
    assert archive.requeue_stale_ocr(swept.append, later) == [version_id] and swept == [version_id] * 2
    assert archive.run_ocr(version_id) == "done"  # the job ran: nothing is swept again
    assert archive.requeue_stale_ocr(swept.append, later + timedelta(days=1)) == []


def test_the_ocr_sweep_gives_up_after_three_attempts_audited_and_alerted(archive_db, store, viewers, caplog):
    from storage.archive import OCR_MAX_ATTEMPTS, OCR_REQUEUE_AFTER
    archive, document, queued = _queued_scan(archive_db, store, viewers)
    version_id, moment = document.current.id, document.current.created_at
    swept = []
    for _ in range(OCR_MAX_ATTEMPTS):  # every job is lost or fails: the version stays pending
        moment += OCR_REQUEUE_AFTER + timedelta(seconds=1)
        assert archive.requeue_stale_ocr(swept.append, moment) == [version_id]
    assert OCR_MAX_ATTEMPTS == 3 and swept == [version_id] * 3
    moment += OCR_REQUEUE_AFTER + timedelta(seconds=1)
    assert archive.requeue_stale_ocr(swept.append, moment) == [] and len(swept) == 3
    status, text, error = _ocr_state(archive_db, version_id)
    assert status == "failed" and text == "" and "gave up after 3 attempts" in error
    with archive_db.session() as session:
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "document.ocr_failed"))
    assert event.actor == "system" and event.object_id == str(document.id) and "gave up" in event.detail["error"]
    assert [r.levelname for r in caplog.records if r.name == "alur.alerts" and "OCR given up" in r.getMessage()] == [
        "WARNING"]
    assert archive.requeue_stale_ocr(swept.append, moment + timedelta(days=1)) == [] and len(swept) == 3
    assert archive.run_ocr(version_id) == "failed"  # a late job leaves it alone

"""Archive benchmarks: (a) ingest through ArchiveService vs the bare ``minio`` SDK against the same S3
server (moto's, on 127.0.0.1) in the same run; (b) search latency over 100,000 catalogued documents
on SQLite.

(a) Every document is a valid one-page PDF of about 1 MB (a text line, plus a 1 MB embedded stream of
random bytes that the page does not draw). ``ArchiveService.add`` does all of ingest: spool and SHA-256
while counting, content sniffing and a PDFium open (type and page check), the upload intent row, the
object write with its metadata, the catalog rows, FTS index and audit record in one transaction, then
the text layer read by the default in-process text runner and saved. OCR is not involved: the PDFs
have a text layer. The
bare side is one ``put_object`` per document into the same bucket of the same server. The two sides
run in alternating rounds so that drift of the server hits both alike.

(b) 100,000 rows are inserted with Core ``insert`` (executemany, the FTS5 triggers index them);
queries are what an archivist types: one or two words, with and without a facet filter, and a facet
filter alone; each query computes the hit page, the total and the five facet counts, as the search
page does.
"""
from __future__ import annotations

import io
import os
import random
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone

from minio import Minio
from sqlalchemy import insert

from benchmarks.report import percentile, write_section
from engine.db import Base, Database
from engine.organization import create_user, get_or_create_role, get_or_create_unit
from storage import search_index
from storage.access import Viewer, load_viewer
from storage.archive import ArchiveService
from storage.catalog import DocumentMetadata
from storage.models import Document
from storage.objectstore import Bucket
from storage.search import SearchQuery

import alur.schema  # noqa: F401  (every table on the metadata)

COMMAND = "make bench  (python -m benchmarks archive_bench; ALUR_BENCH_ARCHIVE_DOCS, ALUR_BENCH_ARCHIVE_ROWS)"
MB = 1024 * 1024
UNITS = ("BKD", "BPOD", "ADPIM", "ORG", "DISKOMINFO")
CLASSES = ("berkala", "serta_merta", "setiap_saat", "dikecualikan", None)
SOPS = ("sop_000", "sop_001", "sop_002", "sop_003", "sop_004", None)
TOPICS = ("anggaran", "laporan", "keputusan", "pegawai", "informasi", "pengumuman", "realisasi", "kegiatan",
          "pengadaan", "perjanjian", "rencana", "strategis", "maklumat", "permohonan", "keberatan", "disiplin",
          "mutasi", "pensiun", "kenaikan", "pangkat", "jabatan", "pelatihan", "beasiswa", "perjalanan", "dinas")


# -- (a) ingest ---------------------------------------------------------------------------------------------

def one_mb_pdf(seed: int) -> bytes:
    """A valid one-page PDF: a line of text and an undrawn 1 MB stream of random bytes."""
    noise = random.Random(seed).randbytes(MB)
    text = f"BT /F1 12 Tf 72 720 Td (Laporan realisasi anggaran nomor {seed}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(noise) + noise + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _catalog_db(workdir: str) -> tuple[Database, Viewer]:
    db = Database(f"sqlite:///{workdir}/bench.db")
    Base.metadata.create_all(db.engine)
    search_index.install(db.engine)
    with db.session() as session:
        unit = None
        for code in UNITS:
            unit = get_or_create_unit(session, code, f"Unit {code}")
        role = get_or_create_role(session, unit, "PPID", ["PPID"])
        create_user(session, "arsiparis", "bench-password", unit, [role])
    with db.session() as session:
        return db, load_viewer(session, "arsiparis")


def run_ingest(documents: int, rounds: int = 3) -> dict:
    from tests.s3_fixtures import ACCESS, REGION, SECRET, MotoServer
    server = MotoServer().start()
    try:
        with tempfile.TemporaryDirectory() as workdir:
            db, viewer = _catalog_db(workdir)
            store = server.store()
            store.ensure_buckets()
            archive = ArchiveService(db, store)
            bare = Minio(server.endpoint, access_key=ACCESS, secret_key=SECRET, secure=False, region=REGION)
            bucket = store.bucket_name(Bucket.PUBLIC)
            files = [one_mb_pdf(n) for n in range(documents + 2)]
            size = len(files[0])

            def through_archive(data: bytes, n: int) -> None:
                archive.add(viewer, io.BytesIO(data), f"laporan-{n}.pdf",
                            DocumentMetadata(title=f"Laporan {n}", unit_code="DISKOMINFO", klasifikasi="berkala"))

            def bare_put(data: bytes, n: int) -> None:
                bare.put_object(bucket, f"bare/{uuid.uuid4().hex}", io.BytesIO(data), len(data),
                                content_type="application/pdf")

            for n in range(2):  # warm-up: connections, imports, first parse
                through_archive(files[n], n)
                bare_put(files[n], n)
            timings = {"archive": 0.0, "bare": 0.0}
            per_round = max(1, documents // rounds)
            done = 0
            while done < documents:
                batch = range(2 + done, 2 + min(documents, done + per_round))
                for side, put in (("bare", bare_put), ("archive", through_archive)):
                    started = time.perf_counter()
                    for n in batch:
                        put(files[n], n)
                    timings[side] += time.perf_counter() - started
                done += len(batch)
            db.dispose()
    finally:
        server.stop()
    megabytes = documents * size / MB
    return {"documents": documents, "size": size, "archive_s": timings["archive"], "bare_s": timings["bare"],
            "archive_mbs": megabytes / timings["archive"], "bare_mbs": megabytes / timings["bare"]}


# -- (b) search -----------------------------------------------------------------------------------------------

def _words(rng: random.Random, vocabulary: list[str], weights: list[float], count: int) -> str:
    return " ".join(rng.choices(vocabulary, weights, k=count))


def fill_catalog(db: Database, rows: int, batch: int = 5000) -> float:
    """Insert ``rows`` catalogued documents (Core executemany); the FTS triggers index them."""
    rng = random.Random(2025)
    syllables = ["ba", "da", "ka", "la", "ma", "na", "pa", "ra", "sa", "ta", "ti", "ru", "ngan", "kan", "si", "lu"]
    filler = sorted({"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(6000)})
    vocabulary = list(TOPICS) + filler
    weights = [1.0 / (rank + 300) for rank in range(len(vocabulary))]  # Zipf-like: a topic word is in ~10% of documents
    with db.session() as session:
        unit_ids = [get_or_create_unit(session, code, f"Unit {code}").id for code in UNITS]
    start = datetime(2015, 1, 1, tzinfo=timezone.utc)
    started = time.perf_counter()
    table = Document.__table__
    for first in range(0, rows, batch):
        values = []
        for n in range(first, min(rows, first + batch)):
            made = start + timedelta(hours=n * 0.9)
            klass = CLASSES[n % len(CLASSES)]
            values.append({
                "uid": uuid.UUID(int=rng.getrandbits(128)).hex, "title": _words(rng, vocabulary, weights, 5).title(),
                "ringkasan": _words(rng, vocabulary, weights, 15), "body_text": _words(rng, vocabulary, weights, 80),
                "unit_id": unit_ids[n % len(unit_ids)], "klasifikasi": klass, "bentuk": ("softcopy", "hardcopy", "both")[n % 3],
                "sop_key": SOPS[n % len(SOPS)], "year": made.year, "dibuat_pada": made.date(),
                "pasal17": "h" if klass == "dikecualikan" else None, "created_by": "bench", "created_at": made,
                "updated_at": made, "legal_hold": False, "published": False,
            })
        with db.engine.begin() as connection:
            connection.execute(insert(table), values)
    return time.perf_counter() - started


QUERIES = {
    "one common word": [SearchQuery(text=word) for word in ("anggaran", "laporan", "pegawai", "informasi")],
    "two words": [SearchQuery(text=text) for text in ("laporan anggaran", "kenaikan pangkat", "perjalanan dinas",
                                                       "rencana strategis")],
    "word + facet": [SearchQuery(text="keputusan", klasifikasi="berkala"), SearchQuery(text="mutasi", unit="BKD"),
                     SearchQuery(text="realisasi", year=2020), SearchQuery(text="pengadaan", sop="sop_003")],
    "facet only, by date": [SearchQuery(klasifikasi="setiap_saat", order="date"), SearchQuery(unit="ORG", order="date"),
                            SearchQuery(year=2018, bentuk="hardcopy", order="date")],
}


def run_search(rows: int, repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as workdir:
        db, archivist = _catalog_db(workdir)
        fill = fill_catalog(db, rows)
        staff = Viewer("staf", archivist.unit_id)  # not entitled: the access rule adds its OR to every query
        archive = ArchiveService(db, store=None)  # search never touches the store
        for queries in QUERIES.values():  # warm the page cache and the statement cache
            for query in queries:
                archive.search(archivist, query)
        per_kind: dict[str, list[float]] = {}
        everything: list[float] = []
        for _ in range(repeats):
            for kind, queries in QUERIES.items():
                for query in queries:
                    for viewer in (archivist, staff):
                        started = time.perf_counter()
                        archive.search(viewer, query)
                        elapsed = (time.perf_counter() - started) * 1000
                        per_kind.setdefault(kind, []).append(elapsed)
                        everything.append(elapsed)
        hits = {query.text: archive.search(archivist, query).total for query in QUERIES["one common word"]}
        db.dispose()
    return {"fill_s": fill, "all": everything, "per_kind": per_kind, "common_hits": hits}


def main() -> dict:
    documents = int(os.environ.get("ALUR_BENCH_ARCHIVE_DOCS", "60"))
    rows = int(os.environ.get("ALUR_BENCH_ARCHIVE_ROWS", "100000"))
    repeats = int(os.environ.get("ALUR_BENCH_ARCHIVE_REPEATS", "10"))
    ingest = run_ingest(documents)
    ratio = ingest["archive_mbs"] / ingest["bare_mbs"]
    found = run_search(rows, repeats)
    p50, p95 = percentile(found["all"], 50), percentile(found["all"], 95)
    kinds = "\n".join(f"| {kind} | {len(values)} | {percentile(values, 50):.1f} ms | {percentile(values, 95):.1f} ms |"
                      for kind, values in found["per_kind"].items())
    common = ", ".join(f"{word}: {total:,}" for word, total in found["common_hits"].items())
    body = f"""## Archive: ingest vs bare `minio` put_object, and search over {rows:,} documents

Command: `{COMMAND}`

**Ingest** of {ingest['documents']} documents of {ingest['size'] / MB:.2f} MB each (valid one-page PDFs with a
text line and an undrawn 1 MB embedded stream), to moto's S3 server on 127.0.0.1, same server and bucket for
both sides, alternating rounds. The archive side is the whole of `ArchiveService.add`: spool + SHA-256,
content sniffing and a PDFium open, the upload-intent row, the object write with its metadata, catalog rows +
FTS index + audit in one SQLite transaction, then the text layer read and saved by the default in-process
text runner (no OCR: the PDFs have a text layer).

| path | total | MB/s | documents/s |
|---|---:|---:|---:|
| `ArchiveService.add` | {ingest['archive_s']:.2f} s | {ingest['archive_mbs']:.1f} | {ingest['documents'] / ingest['archive_s']:.1f} |
| bare `minio` `put_object` | {ingest['bare_s']:.2f} s | {ingest['bare_mbs']:.1f} | {ingest['documents'] / ingest['bare_s']:.1f} |

Ratio archive / bare: **{ratio:.2f}** (target: at least 0.85) — {"met" if ratio >= 0.85 else "NOT met"}.

**Search** over {rows:,} catalogued documents on SQLite (inserted with Core executemany in {found['fill_s']:.0f} s,
indexed by the FTS5 triggers; Zipf-like vocabulary, 80-word bodies). Each search computes the hit page (20),
the total and the five facet counts, for an archivist (PPID: sees everything) and for staff (the access rule's
OR on every query); {repeats} repetitions. Hits of the common words: {common}.

| queries | searches | p50 | p95 |
|---|---:|---:|---:|
{kinds}
| **all** | {len(found['all'])} | **{p50:.1f} ms** | **{p95:.1f} ms** |

Target p95 under 50 ms — {"met" if p95 < 50 else "NOT met"}.
"""
    write_section("archive", body)
    print(body)
    return {"ratio": ratio, "p50": p50, "p95": p95}


if __name__ == "__main__":
    main()

"""Archive search benchmark: latency over 100,000 catalogued documents on SQLite.

100,000 rows are inserted with Core ``insert`` (executemany, the FTS5 triggers index them); queries are
what an archivist types: one or two words, with and without a facet filter, and a facet filter alone;
each query computes the hit page, the total and the five facet counts, as the search page does.
"""
from __future__ import annotations

import os
import random
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert

from benchmarks.archive_common import UNITS, catalog_db
from benchmarks.report import percentile, write_section
from engine.db import Database
from engine.organization import get_or_create_unit
from storage.access import Viewer
from storage.archive import ArchiveService
from storage.models import Document
from storage.search import SearchQuery

COMMAND = "make bench  (python -m benchmarks archive_search_bench; ALUR_BENCH_ARCHIVE_ROWS, ALUR_BENCH_ARCHIVE_REPEATS)"
CLASSES = ("berkala", "serta_merta", "setiap_saat", "dikecualikan", None)
SOPS = ("sop_000", "sop_001", "sop_002", "sop_003", "sop_004", None)
TOPICS = ("anggaran", "laporan", "keputusan", "pegawai", "informasi", "pengumuman", "realisasi", "kegiatan",
          "pengadaan", "perjanjian", "rencana", "strategis", "maklumat", "permohonan", "keberatan", "disiplin",
          "mutasi", "pensiun", "kenaikan", "pangkat", "jabatan", "pelatihan", "beasiswa", "perjalanan", "dinas")


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
        db, archivist = catalog_db(workdir)
        fill = fill_catalog(db, rows)
        staff = Viewer("staf", archivist.unit_id)  # not entitled: the access rule adds its OR to every query
        archive = ArchiveService(db, store=None)  # search never touches the store
        for queries in QUERIES.values():  # warm the page cache and the statement cache
            for query in queries:
                archive.search(archivist, query)
        per_kind: dict[str, list[float]] = {}
        everything: list[float] = []
        load = [os.getloadavg()[0]]
        for _ in range(repeats):
            for kind, queries in QUERIES.items():
                for query in queries:
                    for viewer in (archivist, staff):
                        started = time.perf_counter()
                        archive.search(viewer, query)
                        elapsed = (time.perf_counter() - started) * 1000
                        per_kind.setdefault(kind, []).append(elapsed)
                        everything.append(elapsed)
        load.append(os.getloadavg()[0])
        hits = {query.text: archive.search(archivist, query).total for query in QUERIES["one common word"]}
        db.dispose()
    return {"fill_s": fill, "all": everything, "per_kind": per_kind, "common_hits": hits, "load": load}


def main() -> dict:
    rows = int(os.environ.get("ALUR_BENCH_ARCHIVE_ROWS", "100000"))
    repeats = int(os.environ.get("ALUR_BENCH_ARCHIVE_REPEATS", "10"))
    found = run_search(rows, repeats)
    p50, p95 = percentile(found["all"], 50), percentile(found["all"], 95)
    kinds = "\n".join(f"| {kind} | {len(values)} | {percentile(values, 50):.1f} ms | {percentile(values, 95):.1f} ms |"
                      for kind, values in found["per_kind"].items())
    common = ", ".join(f"{word}: {total:,}" for word, total in found["common_hits"].items())
    body = f"""## Archive search over {rows:,} catalogued documents

Command: `{COMMAND}`

**Search** over {rows:,} catalogued documents on SQLite (inserted with Core executemany in {found['fill_s']:.0f} s,
indexed by the FTS5 triggers; Zipf-like vocabulary, 80-word bodies). Each search computes the hit page (20),
the total and the five facet counts, for an archivist (PPID: sees everything) and for staff (the access rule's
OR on every query); {repeats} repetitions. Hits of the common words: {common}. Machine load (1-minute
load average; other work on the machine slows the searches) before and after the timed searches:
{found['load'][0]:.2f} and {found['load'][1]:.2f}.

| queries | searches | p50 | p95 |
|---|---:|---:|---:|
{kinds}
| **all** | {len(found['all'])} | **{p50:.1f} ms** | **{p95:.1f} ms** |

Target p95 under 50 ms — {"met" if p95 < 50 else "NOT met"}.
"""
    write_section("archive_search", body)
    print(body)
    return {"p50": p50, "p95": p95}


if __name__ == "__main__":
    main()

"""SOP import speed: seconds per page over generated Permenpan-format PDFs of 1, 2 and 4 pages."""
from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import pdfplumber

from benchmarks.report import write_section
from engine.sop_import import draft_bpmn, import_sop

COMMAND = "make bench  (python -m benchmarks.import_bench; ALUR_BENCH_IMPORT_RUNS to change the repeat count)"
LAYOUTS = {  # name -> sample_sop arguments; the page count is measured, not assumed
    "1 page, 3 lanes": dict(lanes=3),
    "2 pages (identity page + table), 3 lanes": dict(lanes=3, identity_own_page=True),
    "4 pages (table continued 3 times), 5 lanes": dict(lanes=5, rows_per_page=2, landscape=True),
}


def run(runs: int) -> list[tuple[str, int, float, float]]:
    from tests.engine.sop_import.pdf_factory import sample_sop, write_sop_pdf  # needs reportlab (test extra)
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for name, layout in LAYOUTS.items():
            path = write_sop_pdf(Path(workdir) / "bench.pdf", sample_sop(**layout))
            with pdfplumber.open(str(path)) as pdf:
                pages = len(pdf.pages)
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                definition, _ = import_sop(path)
                draft_bpmn(definition)
                times.append(time.perf_counter() - started)
            rows.append((name, pages, statistics.median(times), min(times)))
    return rows


def main() -> None:
    runs = int(os.environ.get("ALUR_BENCH_IMPORT_RUNS", "5"))
    rows = run(runs)
    lines = ["## SOP import (PDF to validated BPMN draft)", "", f"Command: `{COMMAND}`. Median of {runs} runs; "
             "each run reads the PDF with pdfplumber, classifies the vector symbols, writes the BPMN and "
             "validates it with the engine's parser.", "",
             "| PDF | pages | median s | best s | median s per page |", "|---|---:|---:|---:|---:|"]
    for name, pages, median, best in rows:
        lines.append(f"| {name} | {pages} | {median:.3f} | {best:.3f} | {median / pages:.3f} |")
    write_section("import", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()

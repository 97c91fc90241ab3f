"""`alur import-sop INPUT -o OUT.bpmn [--report REPORT.json] [--ocr-draft]`.

Nothing is written unless the whole import succeeds: the BPMN is built and validated in memory,
then the report and the model are written. Errors: one clear line, exit status 1.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import click

from engine.sop_import.compare import differences
from engine.sop_import.importer import draft_bpmn, import_sop
from engine.sop_import.report import SopImportError


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=str(path.parent))
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


@click.command("import-sop")
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="the BPMN draft to write")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="write the import report (JSON) here")
@click.option("--ocr-draft", is_flag=True,
              help="for a scanned PDF: write a draft whose lanes are all marked low confidence")
@click.option("--compare", "compare_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="a reviewed BPMN model of the same SOP: list how the draft differs from it")
def import_sop_command(input_path: Path, output: Path, report_path: Path | None, ocr_draft: bool,
                       compare_path: Path | None) -> None:
    """Impor dokumen SOP (PDF atau teks) menjadi draf BPMN untuk ditinjau."""
    try:
        definition, report = import_sop(input_path, ocr_draft=ocr_draft)
        xml = draft_bpmn(definition)
        if compare_path is not None:
            report.model_differences = differences(definition, compare_path.read_bytes(), compare_path.name)
    except SopImportError as error:
        raise click.ClickException(str(error)) from None
    if report_path is not None:
        _write_atomic(report_path, json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n")
    _write_atomic(output, xml)
    lanes = ", ".join(definition.lanes)
    click.echo(f"{output}: {len(definition.steps)} langkah, lane: {lanes}")
    for warning in report.warnings:
        click.echo(f"  peringatan [{warning.code}]: {warning.message}")
    if compare_path is not None:
        click.echo(f"  {len(report.model_differences)} perbedaan dengan {compare_path.name}")
        for line in report.model_differences:
            click.echo(f"    {line}")
    low = report.low_confidence
    if low:
        click.echo(f"  {len(low)} tebakan berkeyakinan rendah (lihat laporan)")

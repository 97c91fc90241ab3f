"""``import_sop(path)``: an SOP document (PDF or text export) to a SopDefinition and a report.

PDF with a text layer and a vector drawing: identity from the words above the flowchart table,
steps from the table rows, each step's lane from the Pelaksana column its symbol's centre stands
in, decisions from diamonds, Tidak targets from the arrows (across pages through off-page
connectors). Text exports (and the OCR text of a scan) go to :mod:`text_export`, which infers
lanes from the wording.

A scanned PDF (no text layer, no vectors) is OCR'd with Tesseract. Its lanes cannot be read (they
live in the drawing), so by default the import stops with a :class:`SopImportError` that says what
was recovered; with ``ocr_draft=True`` it goes on and marks every lane as a low-confidence guess
in the report. Never a silently wrong model.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from engine.sop_definition import SopDefinition, SopStep, parse_waktu
from engine.sop_import import pdf_symbols, pdf_table
from engine.sop_import.identity import Cell, parse_identity
from engine.sop_import.pdf_symbols import Arrow, Shape
from engine.sop_import.report import ImportReport, SopImportError, check_definition
from engine.sop_import.naming import process_key, step_name

STEP_KINDS = ("diamond", "rectangle", "capsule")
CONNECTOR_KINDS = ("pentagon", "connector")


def import_sop(path: str | Path, ocr_draft: bool = False) -> tuple[SopDefinition, ImportReport]:
    path = Path(path)
    if not path.exists():
        raise SopImportError(f"{path}: no such file")
    data = path.read_bytes()
    if data[:5] == b"%PDF-" or path.suffix.lower() == ".pdf":
        return import_pdf(path, ocr_draft=ocr_draft)
    from engine.sop_import.text_export import import_text
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if "\x00" in text:
        raise SopImportError(f"{path.name}: neither a PDF nor a text export (binary data)")
    return import_text(text, source=path.name)


def _open_pdf(path: Path):
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    try:
        pdf = pdfplumber.open(str(path))
        _ = len(pdf.pages)
        return pdf
    except PDFPasswordIncorrect:
        raise SopImportError(f"{path.name}: the PDF is encrypted; remove the password and import again") from None
    except Exception as error:  # pdfminer raises many types for broken files
        name = type(error).__name__
        cause = error.args[0] if getattr(error, "args", None) else None
        if cause is not None and "Password" in type(cause).__name__:
            raise SopImportError(f"{path.name}: the PDF is encrypted; remove the password and import again") from None
        if "Password" in name or "Encrypt" in name or "encrypt" in str(error).lower():
            raise SopImportError(f"{path.name}: the PDF is encrypted; remove the password and import again") from None
        raise SopImportError(f"{path.name}: not a readable PDF ({name}: {error})".rstrip()) from None


def import_pdf(path: Path, ocr_draft: bool = False) -> tuple[SopDefinition, ImportReport]:
    report = ImportReport(source=path.name, kind="pdf")
    with _open_pdf(path) as pdf:
        report.pages = len(pdf.pages)
        try:
            pages = [_read_page(page, index) for index, page in enumerate(pdf.pages)]
        except SopImportError:
            raise
        except Exception as error:
            raise SopImportError(f"{path.name}: the PDF could not be read ({type(error).__name__}: {error})") from None
        if not any(p["words"] for p in pages):
            if any(p["objects"] for p in pages) and not any(p["images"] for p in pages):
                raise SopImportError(f"{path.name}: the PDF has no text, only drawings: not an SOP document")
            return _import_scan(pdf, path, report, ocr_draft)
    return _import_vector_pdf(pages, path, report)


def _read_page(page, index: int) -> dict:
    words = page.extract_words(keep_blank_chars=False, use_text_flow=False, x_tolerance=1.5)
    objects = []
    for kind in ("rect", "curve", "line"):
        for obj in page.objects.get(kind, []):
            obj = dict(obj)
            obj["_page_height"] = page.height
            objects.append(obj)
    return {"index": index, "words": words, "edges": page.edges, "objects": objects,
            "images": page.images, "width": page.width, "height": page.height}


# ---------------------------------------------------------------- the vector PDF

def _import_vector_pdf(pages: list[dict], path: Path, report: ImportReport) -> tuple[SopDefinition, ImportReport]:
    tables: list[pdf_table.PageTable] = []
    identity_rows: list[list[Cell]] = []
    preamble: list[str] = []
    previous: pdf_table.PageTable | None = None
    for page in pages:
        found = pdf_table.find_header(page["words"])
        if found:
            columns, top, bottom = pdf_table.columns_from_header(found, page["words"], page["edges"])
            if columns and any(c.kind == "pelaksana" for c in columns):
                table = pdf_table.PageTable(page["index"], columns, top, bottom, page["height"], True)
            else:
                table = None
                report.warn("header-unreadable", f"page {page['index'] + 1}: a flowchart header without "
                            "Pelaksana columns was found and skipped")
        elif previous is not None:
            body_top = min((e["top"] for e in page["edges"] if e["orientation"] == "h"), default=0)
            table = pdf_table.PageTable(page["index"], previous.columns, body_top - 1, body_top - 1,
                                        page["height"], False)
        else:
            table = None
        if table is None and not tables:
            rows = pdf_table.text_rows(page["words"], page["edges"])
            identity_rows += rows
            preamble += [" ".join(c.text for c in row) for row in rows[:8]]
            continue
        if table is None:
            continue
        if table.header_found and not tables:
            rows = pdf_table.text_rows(page["words"], page["edges"], 0, table.top - 1)
            identity_rows += rows
            preamble += [" ".join(c.text for c in row) for row in rows[:8]]
        pdf_table.read_rows(table, page["words"], page["edges"])
        if table.rows:
            tables.append(table)
            previous = table
        elif table.header_found:
            previous = table
    text = " ".join(w["text"] for p in pages for w in p["words"])
    if not tables:
        if previous is not None:
            raise SopImportError(f"{path.name}: the flowchart table is empty (a header but no step rows)")
        raise SopImportError(f"{path.name}: no SOP flowchart table found (a header with No, Kegiatan, Pelaksana "
                             "and Mutu Baku: Kelengkapan, Waktu, Output): not a Permenpan-format SOP"
                             + ("" if re.search(r"(?i)\bSOP\b|prosedur", text) else ""))
    identity, extras = parse_identity(identity_rows, "\n".join(preamble))
    report.identity = extras
    for note in extras.get("notes", []):
        report.warn("identity-layout", note)
    steps, lanes, headers = _steps_from_tables(tables, pages, report)
    name = extras.get("nama") or identity.nomor or path.stem
    definition = SopDefinition(key=process_key(name, identity.nomor), name=name, unit=identity.unit,
                               identity=identity, lanes=lanes, steps=steps)
    check_definition(definition, report, headers)
    _check_lane_headers(steps, lanes, report)
    definition.documentation = _process_notes(report)
    return definition, report


def _lane_headers(tables: list[pdf_table.PageTable], report: ImportReport) -> list[str]:
    names = [c.name.strip() or f"Pelaksana {i + 1}" for i, c in enumerate(tables[0].pelaksana)]
    seen: dict[str, int] = {}
    result = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        result.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    for table in tables[1:]:
        if table.header_found and [c.name for c in table.pelaksana] != [c.name for c in tables[0].pelaksana]:
            report.warn("header-differs", f"page {table.page + 1}: the Pelaksana header differs from the first "
                        f"page's ({[c.name for c in table.pelaksana]}); the first page's names are used")
    return result


def _steps_from_tables(tables, pages, report: ImportReport) -> tuple[list[SopStep], list[str]]:
    lane_names = _lane_headers(tables, report)
    shapes: list[Shape] = []
    arrows: list[Arrow] = []
    for table in tables:
        page = pages[table.page]
        span = table.pelaksana_span()
        grid_x = [c.x0 for c in table.columns] + [table.columns[-1].x1]
        grid_y = [table.body_top] + [r.bottom for r in table.rows]

        def is_rule(segment, grid_x=grid_x, rows_y=grid_y, table=table):
            """A table rule: on a column (row) boundary and running from boundary to boundary."""
            (ax, ay), (bx, by) = segment
            on = lambda value, grid: any(abs(value - g) < 2.0 for g in grid)
            grid_y = rows_y + [table.top]
            beyond_y = lambda y: y <= table.body_top + 2 or y >= rows_y[-1] - 2
            if abs(ax - bx) < 0.5 and on(ax, grid_x):
                return (on(ay, grid_y) or beyond_y(ay)) and (on(by, grid_y) or beyond_y(by))
            if abs(ay - by) < 0.5 and on(ay, grid_y):
                return on(ax, grid_x) and on(bx, grid_x)
            return False

        # centred in the Pelaksana columns (a loop may bulge into the Kegiatan column) and no wider than
        # them (a page background or table shading is no symbol)
        objects = [o for o in page["objects"] if span[0] - 2 <= (o["x0"] + o["x1"]) / 2 <= span[1] + 2
                   and o["x1"] - o["x0"] <= span[1] - span[0] + 4 and o["bottom"] >= table.body_top - 1]
        words = [w for w in page["words"] if span[0] <= w["x0"] and w["x1"] <= span[1]
                 and w["top"] >= table.body_top]
        found_shapes, found_arrows = pdf_symbols.read_drawing(objects, table.page, words, is_rule)
        for shape in found_shapes:
            inside = [w["text"] for w in words if shape.x0 <= w["x0"] and w["x1"] <= shape.x1
                      and shape.top <= w["top"] and w["bottom"] <= shape.bottom]
            shape.label = " ".join(inside)
        shapes += found_shapes
        arrows += found_arrows
    step_shapes = [s for s in shapes if s.kind in STEP_KINDS]
    if not step_shapes:
        raise SopImportError("the flowchart table has no symbols (capsule, rectangle, diamond): the lane of each "
                             "step is known only from its symbol, so no model can be made")
    # one step per numbered row; a numberless row continues the step above (a row split over pages)
    steps: list[SopStep] = []
    step_shape: dict[str, Shape] = {}
    row_of: dict[str, pdf_table.Row] = {}
    for table in tables:
        cols = table.pelaksana
        for row in table.rows:
            in_row = [s for s in step_shapes if s.page == table.page and row.top - 1 <= s.cy <= row.bottom + 1]
            number = row.number
            if not number:
                if steps and row.cells.get("kegiatan") and not in_row:
                    steps[-1].documentation += " " + row.cells["kegiatan"]
                    for kind, attribute in (("kelengkapan", "kelengkapan"), ("waktu", "waktu"),
                                            ("output", "output"), ("keterangan", "keterangan")):
                        if row.cells.get(kind):
                            setattr(steps[-1], attribute, (getattr(steps[-1], attribute) + " " + row.cells[kind]).strip())
                continue
            if number in row_of:
                report.warn("duplicate-number", f"step number {number} appears twice; the second is {number}b",
                            step=number)
                number += "b"
            kegiatan = re.sub(r"\s+", " ", row.cells.get("kegiatan", "")).strip()
            step = SopStep(number=number, name=step_name(kegiatan) or f"Langkah {number}", documentation=kegiatan,
                           lane="", kelengkapan=row.cells.get("kelengkapan", ""), waktu=row.cells.get("waktu", ""),
                           output=row.cells.get("output", ""), keterangan=row.cells.get("keterangan", ""))
            if not in_row:
                report.warn("step-without-symbol", f"step {number} has no symbol in any Pelaksana column; "
                            "its lane is that of the step before (low confidence)", step=number)
                step.lane = steps[-1].lane if steps else lane_names[0]
                report.infer(f"lane of step {number}", step.lane, "low", "no symbol in the row", number)
            else:
                symbol = max(in_row, key=lambda s: (s.kind == "diamond", (s.x1 - s.x0) * (s.bottom - s.top)))
                if len({_column_index(s, cols) for s in in_row}) > 1:
                    report.warn("several-symbols", f"step {number} has symbols in more than one Pelaksana column; "
                                "the largest is used", step=number)
                index = _column_index(symbol, cols)
                if index is None:
                    index = min(range(len(cols)), key=lambda i: abs(cols[i].cx - symbol.cx))
                    report.infer(f"lane of step {number}", lane_names[index], "medium",
                                 "the symbol's centre stands on a column rule; the nearest column is used", number)
                step.lane = lane_names[index]
                step.decision = symbol.kind == "diamond"
                step_shape[number] = symbol
            step.durasi, step.basis, _ = parse_waktu(step.waktu)
            for field_name in ("kelengkapan", "waktu", "output", "keterangan"):
                setattr(step, field_name, re.sub(r"\s+", " ", getattr(step, field_name)).strip())
            steps.append(step)
            row_of[number] = row
    if not steps:
        raise SopImportError("the flowchart table is empty: no numbered step rows")
    _flows(steps, step_shape, shapes, arrows, report)
    used = [lane for lane in lane_names if any(s.lane == lane for s in steps)]
    return steps, used, lane_names


def _column_index(shape: Shape, columns: list[pdf_table.Column]) -> int | None:
    for index, column in enumerate(columns):
        if column.x0 + 0.5 < shape.cx < column.x1 - 0.5:
            return index
    return None


def _resolve(arrows: list[Arrow]) -> None:
    """Arrows ending on (or starting from) another arrow's line take that arrow's target (source)."""
    def near_line(point, arrow):
        return any(pdf_symbols._segment_distance(point, a, b) <= 2.5 for a, b in zip(arrow.points, arrow.points[1:]))
    for _ in range(3):
        for arrow in arrows:
            if arrow.target is None:
                for other in arrows:
                    if other is not arrow and other.page == arrow.page and other.target and near_line(arrow.points[-1], other):
                        arrow.target = other.target
                        break
            if arrow.source is None:
                for other in arrows:
                    if other is not arrow and other.page == arrow.page and other.source and near_line(arrow.points[0], other):
                        arrow.source = other.source
                        break


def _flows(steps: list[SopStep], step_shape: dict[str, Shape], shapes, arrows: list[Arrow], report) -> None:
    """Tidak targets and flow checks from the arrows; connectors join pages."""
    _resolve(arrows)
    number_of = {id(shape): number for number, shape in step_shape.items()}
    order = {step.number: i for i, step in enumerate(steps)}
    if not arrows:
        report.warn("no-arrows", "no arrows were found in the drawing; the flow follows the table order")
    headless = [a for a in arrows if not a.headed and a.source and a.target]
    if headless:
        report.warn("arrows-without-heads", f"{len(headless)} arrow(s) have no arrowhead; they were read from top "
                    "to bottom")
    # connectors: off-page (pentagon) and on-page (circle); matched by their letter, else in order
    succ: dict[str, list[tuple[str, str]]] = {s.number: [] for s in steps}
    conn_in_from: dict[int, list[tuple[str, str]]] = {}
    conn_out_to: dict[int, list[str]] = {}
    for arrow in arrows:
        src, dst = arrow.source, arrow.target
        if src is None or dst is None or src is dst:
            continue
        if id(src) in number_of and id(dst) in number_of:
            succ[number_of[id(src)]].append((number_of[id(dst)], arrow.label))
        elif id(src) in number_of and dst.kind in CONNECTOR_KINDS:
            conn_in_from.setdefault(id(dst), []).append((number_of[id(src)], arrow.label))
        elif src.kind in CONNECTOR_KINDS and id(dst) in number_of:
            conn_out_to.setdefault(id(src), []).append(number_of[id(dst)])
    connectors = [s for s in shapes if s.kind in CONNECTOR_KINDS]
    sources = [c for c in connectors if id(c) in conn_in_from]
    sinks = [c for c in connectors if id(c) in conn_out_to]
    sinks_left = list(sinks)
    for connector in sorted(sources, key=lambda c: (c.page, c.cy)):
        match = None
        if connector.label:
            match = next((s for s in sinks_left if s.label == connector.label), None)
        # only Tidak flows enter it: a loop back to an earlier step, so its partner comes before it
        backward = all(label == "tidak" for _, label in conn_in_from[id(connector)])
        by_letter = match is not None
        if match is None:
            match = _partner(connector, sinks_left, backward)
        if match is None:
            report.warn("connector-unmatched", f"an off-page connector on page {connector.page + 1} has no partner")
            continue
        sinks_left.remove(match)
        for number, label in conn_in_from[id(connector)]:
            for target in conn_out_to[id(match)]:
                succ[number].append((target, label))
        report.infer("connector", f"page {connector.page + 1} -> page {match.page + 1}",
                     "high" if by_letter else "low" if backward else "medium",
                     "joined by their letter" if by_letter else "no letters: the nearest connector before it "
                     "(a Tidak loop goes back)" if backward else "joined in page order", None)
    for index, step in enumerate(steps):
        outgoing = succ.get(step.number, [])
        next_number = steps[index + 1].number if index + 1 < len(steps) else None
        if step.decision:
            tidak = [t for t, label in outgoing if label == "tidak"]
            ya = [t for t, label in outgoing if label == "ya"]
            unlabelled = [t for t, label in outgoing if not label]
            if not tidak:
                tidak = _unlabelled_tidak(step, index, unlabelled, bool(ya), order, report)
            if not tidak:
                report.warn("decision-without-tidak", f"step {step.number} is a decision (diamond) without a Tidak "
                            "flow; it is imported as a plain step", step=step.number)
                step.decision = False
                continue
            target = tidak[0]
            if order[target] > index:
                report.warn("tidak-forward", f"step {step.number}: the Tidak flow goes forward to step {target}; "
                            "the BPMN draft can only loop back, so the decision is imported as a plain step "
                            "(review it in the modeler)", step=step.number)
                step.decision = False
                continue
            step.no_target = target
            ya_targets = ya or [t for t in (t for t, label in outgoing if label != "tidak") if order[t] > index]
            if not ya_targets and next_number:
                report.warn("decision-without-ya", f"step {step.number}: no Ya arrow leaves the diamond; the draft "
                            f"goes on to the next row {next_number} (check it)", step=step.number)
            elif ya_targets and next_number and ya_targets[0] != next_number:
                report.warn("flow-skips", f"step {step.number}: the Ya flow goes to step {ya_targets[0]}, not to the "
                            f"next row {next_number}; the draft follows the table order", step=step.number)
        else:
            for target, _ in outgoing:
                if order[target] <= index:
                    report.warn("loop-from-activity", f"step {step.number}: an arrow goes back to step {target} "
                                "from an activity (not a diamond); the draft follows the table order",
                                step=step.number)
                elif target != next_number:
                    report.warn("flow-skips", f"step {step.number}: the arrow goes to step {target}, not to the next "
                                f"row {next_number}; the draft follows the table order", step=step.number)
        if arrows and not outgoing and next_number:
            report.warn("no-outgoing-arrow", f"step {step.number} has no arrow to another step; the draft goes on "
                        f"to step {next_number}", step=step.number)


def _unlabelled_tidak(step: SopStep, index: int, unlabelled: list[str], has_ya: bool, order: dict[str, int],
                      report: ImportReport) -> list[str]:
    """No "Tidak" word near any branch (missing, or further than the label reach from its arrow): the branch
    going back is taken for Tidak, else the furthest of two forward ones. A guess, so it is reported as one
    (low confidence) and warned about, for a reviewer to check in the modeler."""
    back = [t for t in unlabelled if order[t] <= index]
    forward = [t for t in unlabelled if order[t] > index]
    if back:
        target, reason = back[0], "the unlabelled arrow leaving the diamond that goes back"
    elif not has_ya and len(forward) >= 2:
        target, reason = max(forward, key=lambda t: order[t]), "of two unlabelled forward arrows, the furthest"
    else:
        return []
    report.infer(f"Tidak target of step {step.number}", target, "low", reason + " (no Tidak label near it)",
                 step.number)
    report.warn("tidak-unlabelled", f"step {step.number}: no 'Tidak' label was found near the diamond's branches; "
                f"the Tidak flow to step {target} is a guess (check it)", step=step.number)
    return [target]


def _partner(connector: Shape, sinks: list[Shape], backward: bool) -> Shape | None:
    """The connector an unlettered one continues at: an off-page one on the next page (for a loop, on the nearest
    earlier page), an on-page circle elsewhere on its page."""
    if backward:
        if connector.kind == "pentagon":  # off-page: another, earlier page
            before = [s for s in sinks if s.page < connector.page]
        else:  # on-page circle: higher up on its own page
            before = [s for s in sinks if s.page == connector.page and s.cy < connector.cy]
        return max(before, key=lambda s: (s.page, s.cy), default=None)
    if connector.kind == "pentagon":  # off-page: continues on a later page
        return next((s for s in sinks if s.page > connector.page), None)
    return next((s for s in sinks if s.page == connector.page and s.cy != connector.cy), None)


_HEAD = re.compile(r"\b(kepala|atasan|pimpinan|sekretaris|sekda|gubernur|kabid|kaban|karo|kadis)\b(\s+\w+){0,3}", re.I)


def _check_lane_headers(steps: list[SopStep], lanes: list[str], report: ImportReport) -> None:
    """A head's lane whose steps name a different head ("Oleh Kepala Biro Organisasi" under "Kepala Dinas X")."""
    for lane in lanes:
        lane_words = set(re.findall(r"\w+", lane.lower()))
        if not lane_words & {"kepala", "sekretaris", "gubernur"}:
            continue
        for step in steps:
            if step.lane != lane:
                continue
            text = " ".join((step.documentation, step.output, step.keterangan))
            for match in re.finditer(r"\b(?:[Oo]leh)\s+((?:Kepala|Sekretaris|Gubernur)(?:\s+[A-Z]\w+){1,3})", text):
                named = set(re.findall(r"\w+", match.group(1).lower())) - {"kepala", "oleh"}
                if named and not named & lane_words:
                    report.warn("lane-header-mismatch", f"the lane header {lane!r} does not match step {step.number}, "
                                f"which names {match.group(1)!r} (template residue?)", step=step.number, lane=lane)


def _process_notes(report: ImportReport) -> str:
    parts = [f"Diimpor otomatis dari {report.source} ({report.kind}); periksa sebelum dipakai."]
    if report.warnings:
        parts.append("Peringatan impor: " + "; ".join(w.message for w in report.warnings[:12]) + ".")
    return " ".join(parts)


# ---------------------------------------------------------------- scanned PDFs

def _import_scan(pdf, path: Path, report: ImportReport, ocr_draft: bool) -> tuple[SopDefinition, ImportReport]:
    report.kind = "scanned-pdf"
    if shutil.which("tesseract") is None:
        raise SopImportError(f"{path.name}: a scanned PDF (no text layer) and Tesseract is not installed; "
                             "install tesseract-ocr and tesseract-ocr-ind")
    pages = []
    with tempfile.TemporaryDirectory(prefix="alur-ocr-") as workdir:
        for index, page in enumerate(pdf.pages):
            image = Path(workdir) / f"page{index}.png"
            page.to_image(resolution=OCR_DPI).save(str(image))
            pages.append(ocr_words(image, 72 / OCR_DPI))
    if not any(pages):
        raise SopImportError(f"{path.name}: a scanned PDF and OCR found no text in it")
    report.unrecovered.append("lanes: the Pelaksana column of each step is known only from the position of its "
                              "symbol in the drawing, which a scan does not keep as vectors")
    report.unrecovered.append("decisions, Tidak targets and flows: the arrows and diamonds are not readable "
                              "from a scan")
    definition, text_report = _ocr_definition(pages, path, report)
    text_report.kind, text_report.pages = "scanned-pdf", report.pages
    text_report.unrecovered = report.unrecovered
    if not ocr_draft:
        raise SopImportError(
            f"{path.name}: a scanned PDF. OCR recovered the identity (Nomor SOP {definition.identity.nomor or '-'}, "
            f"Nama SOP {definition.name!r}) and {len(definition.steps)} steps, but not the lanes, decisions and "
            "flows: they are known only from the drawing. Import a PDF with a text layer, or ask for an OCR draft "
            "(--ocr-draft) in which every lane is marked low confidence.")
    for step in definition.steps:
        already = [i for i in text_report.inferences if i.subject == f"lane of step {step.number}"]
        for inference in already:
            if inference.confidence != "low":
                inference.confidence = "low"
                inference.reason += " (scanned PDF: the drawing was not read)"
        if not already:
            text_report.infer(f"lane of step {step.number}", step.lane, "low",
                              "scanned PDF: the drawing was not read", step.number)
    text_report.warn("scanned", "a scanned PDF was read with OCR; every lane is a low-confidence guess")
    definition.documentation = _process_notes(text_report)
    return definition, text_report


OCR_DPI = 200


def _tesseract_tsv(image: Path, psm: str) -> list[dict]:
    for language in ("ind", "eng"):
        result = subprocess.run(["tesseract", str(image), "stdout", "-l", language, "--psm", psm, "tsv"],
                                capture_output=True, text=True, timeout=300)
        if result.returncode == 0:
            break
    else:
        raise SopImportError(f"Tesseract failed: {result.stderr.strip()[:200]}")
    words = []
    for line in result.stdout.splitlines()[1:]:
        parts = line.split("\t")
        text = parts[11].strip(" |[](){}") if len(parts) >= 12 else ""
        if not text or float(parts[10]) < 20:
            continue
        left, top, width, height = (int(v) for v in parts[6:10])
        words.append({"text": text, "x0": left, "x1": left + width, "top": top, "bottom": top + height})
    return words


def ocr_words(image: Path, scale: float) -> list[dict]:
    """Tesseract word boxes (language ind, else eng), scaled to PDF points like pdfplumber's words.

    Sparse mode (psm 11) reads table cells best but drops lone digits, so the row numbers come
    from a block-mode pass (psm 6).
    """
    words = _tesseract_tsv(image, "11")
    for word in _tesseract_tsv(image, "6"):
        if re.fullmatch(r"\d{1,3}\.?", word["text"]) and not any(
                w["x0"] < word["x1"] and word["x0"] < w["x1"] and w["top"] < word["bottom"] and word["top"] < w["bottom"]
                for w in words):
            words.append(word)
    return [{**w, "x0": w["x0"] * scale, "x1": w["x1"] * scale, "top": w["top"] * scale,
             "bottom": w["bottom"] * scale} for w in words]


def _ocr_definition(pages: list[list[dict]], path: Path, report: ImportReport):
    """The PDF table reader on OCR word boxes (no rules: columns from header gaps, rows from numbers)."""
    from engine.sop_import.text_export import infer
    identity_rows, tables = [], []
    for index, words in enumerate(pages):
        found = pdf_table.find_header(words)
        if not found:
            if not tables:
                identity_rows += pdf_table.text_rows(words, [])
            continue
        columns, top, bottom = pdf_table.columns_from_header(found, words, [])
        if not any(c.kind == "pelaksana" for c in columns):
            continue
        if not tables:
            identity_rows += pdf_table.text_rows(words, [], 0, top - 1)
        table = pdf_table.PageTable(index, columns, top, bottom, 1e9, True)
        pdf_table.read_rows(table, words, [])
        tables.append(table)
    if not tables or not any(t.rows for t in tables):
        raise SopImportError(f"{path.name}: a scanned PDF; OCR recovered text but no flowchart table")
    lanes = _lane_headers(tables, report)
    rows = []
    for table in tables:
        for row in table.rows:
            if row.number:
                rows.append({"number": row.number, "kegiatan": row.cells.get("kegiatan", ""), "residue": {},
                             "kelengkapan": row.cells.get("kelengkapan", ""), "waktu": row.cells.get("waktu", ""),
                             "output": row.cells.get("output", ""), "keterangan": row.cells.get("keterangan", "")})
    if not rows:
        raise SopImportError(f"{path.name}: a scanned PDF; OCR found the flowchart header but no step rows")
    identity, extras = parse_identity(identity_rows)
    report.identity = extras
    steps = infer(rows, lanes, report, force_low=True)
    used = [lane for lane in lanes if any(s.lane == lane for s in steps)]
    name = extras.get("nama") or path.stem
    definition = SopDefinition(key=process_key(name, identity.nomor), name=name, unit=identity.unit,
                               identity=identity, lanes=used, steps=steps)
    check_definition(definition, report, lanes)
    return definition, report


def draft_bpmn(definition: SopDefinition) -> str:
    """The BPMN text of an imported SOP, checked by the engine's own parser before anyone writes it."""
    from engine.bpmn_model import parse_model
    from engine.bpmn_writer import write_bpmn
    from engine.errors import ModelError
    try:
        xml = write_bpmn(definition)
    except ValueError as error:
        raise SopImportError(f"the imported SOP cannot be written as BPMN: {error}") from None
    try:
        parse_model(xml, f"{definition.key}.bpmn")
    except ModelError as error:
        raise SopImportError(f"the imported SOP gives an invalid BPMN model: {error}") from None
    return xml

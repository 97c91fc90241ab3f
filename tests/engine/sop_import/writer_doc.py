"""An SOP written the way most are: a word-processor document (flat ODF text, .fodt) printed to PDF.

The identity part and the flowchart are Writer tables with merged cells (the unit block over
six rows, "Pelaksana" and "Mutu Baku" over their sub-columns, No / Kegiatan / Keterangan over
both header rows); the flowchart's header rows repeat on the next page, and the flowchart may
start on a page of its own. The drawing (:mod:`writer_drawing`) is LibreOffice flowchart shapes
anchored in the cells or to the page; "Ya" / "Tidak" are borderless text frames. Writer cannot
force a page break inside a table, so rows have a fixed height and the generator computes which
rows fit on the first flowchart page, to place the off-page connectors where the break falls; a
row meant to break across the page has a least height beyond the room left and a long Kegiatan.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from tests.engine.sop_import.office_doc import odf_root
from tests.engine.sop_import.pdf_factory import F4, GenSop
from tests.engine.sop_import.writer_drawing import MARGIN, PAD, Drawing, Grid, WriterLayout, draw

SPACER = 10.0  # the empty paragraph between the two tables (fixed line height)
HEAD1, HEAD2 = 14.0, 30.0
SPLIT_LEAST = 40.0  # a splitting row's least height beyond the room left on its page


def _placed(anchor: str) -> str:
    rel = "page" if anchor == "page" else "paragraph"
    return ('style:wrap="run-through" style:run-through="foreground" style:flow-with-text="false" '
            f'style:vertical-pos="from-top" style:vertical-rel="{rel}" style:horizontal-pos="from-left" '
            f'style:horizontal-rel="{rel}"')


_HEAD = odf_root("text") + f"""<office:styles>
<style:default-style style:family="paragraph"><style:paragraph-properties fo:margin-top="0pt"
 fo:margin-bottom="0pt"/><style:text-properties style:font-name="Liberation Sans"
 fo:font-family="'Liberation Sans'" fo:font-size="7pt"/></style:default-style>
<draw:marker draw:name="Arrow" svg:viewBox="0 0 20 30" svg:d="M10 0l-10 30h20z"/>
<text:list-style style:name="Numbered"><text:list-level-style-number text:level="1" style:num-suffix="."
 style:num-format="1"><style:list-level-properties text:list-level-position-and-space-mode="label-alignment">
<style:list-level-label-alignment text:label-followed-by="listtab" text:list-tab-stop-position="12pt"
 fo:text-indent="-12pt" fo:margin-left="12pt"/></style:list-level-properties></text:list-level-style-number>
</text:list-style>
</office:styles>
<office:automatic-styles>
<style:page-layout style:name="PM1"><style:page-layout-properties fo:page-width="{{width}}pt"
 fo:page-height="{{height}}pt" style:print-orientation="landscape" fo:margin-top="{MARGIN}pt"
 fo:margin-bottom="{MARGIN}pt" fo:margin-left="{MARGIN}pt" fo:margin-right="{MARGIN}pt"/></style:page-layout>
<style:style style:name="Spacer" style:family="paragraph"><style:paragraph-properties
 fo:line-height="{SPACER}pt"/></style:style>
<style:style style:name="Bold" style:family="paragraph"><style:text-properties fo:font-weight="bold"/></style:style>
<style:style style:name="Centre" style:family="paragraph"><style:paragraph-properties fo:text-align="center"/>
<style:text-properties fo:font-weight="bold"/></style:style>
<style:style style:name="Small" style:family="paragraph"><style:paragraph-properties fo:text-align="center"/>
<style:text-properties fo:font-size="6pt"/></style:style>
<style:style style:name="Cell" style:family="table-cell"><style:table-cell-properties
 fo:border="0.5pt solid #000000" fo:padding="{PAD}pt" style:vertical-align="top"/></style:style>
<style:style style:name="Symbol" style:family="graphic"><style:graphic-properties draw:stroke="solid"
 svg:stroke-color="#000000" svg:stroke-width="0.75pt" draw:fill="solid" draw:fill-color="#ffffff"
 draw:shadow="hidden" draw:textarea-vertical-align="middle" {{placed}}/></style:style>
<style:style style:name="Flow" style:family="graphic"><style:graphic-properties draw:stroke="solid"
 svg:stroke-color="#000000" svg:stroke-width="0.75pt" draw:fill="none" draw:marker-end="Arrow"
 draw:marker-end-width="5pt" draw:shadow="hidden" {{placed}}/></style:style>
<style:style style:name="Shaft" style:family="graphic"><style:graphic-properties draw:stroke="solid"
 svg:stroke-color="#000000" svg:stroke-width="0.75pt" draw:fill="none" draw:shadow="hidden" {{placed}}/></style:style>
<style:style style:name="Head" style:family="graphic"><style:graphic-properties draw:stroke="none"
 draw:fill="solid" draw:fill-color="#000000" draw:shadow="hidden" {{placed}}/></style:style>
<style:style style:name="Label" style:family="graphic"><style:graphic-properties draw:stroke="none"
 draw:fill="none" fo:border="none" fo:padding="0pt" draw:shadow="hidden" {{placed}}/></style:style>
{{columns}}
</office:automatic-styles>
<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="PM1"/></office:master-styles>
<office:body><office:text>
"""


# ---------------------------------------------------------------- tables

def _cell(paragraphs: str, columns: int = 1, rows: int = 1) -> str:
    span = (f' table:number-columns-spanned="{columns}"' if columns > 1 else "") + (
        f' table:number-rows-spanned="{rows}"' if rows > 1 else "")
    covered = "<table:covered-table-cell/>" * (columns - 1)
    return f'<table:table-cell table:style-name="Cell"{span}>{paragraphs or "<text:p/>"}</table:table-cell>{covered}'


def _covered(count: int) -> str:
    return "<table:covered-table-cell/>" * count


def _p(text: str, style: str = "") -> str:
    name = f' text:style-name="{style}"' if style else ""
    return f"<text:p{name}>{escape(text)}</text:p>"


def _numbered(items) -> str:
    return '<text:list text:style-name="Numbered">' + "".join(
        f"<text:list-item>{_p(item)}</text:list-item>" for item in items) + "</text:list>"


def _row(cells: str, style: str) -> str:
    return f'<table:table-row table:style-name="{style}">{cells}</table:table-row>'


def _table(name: str, widths: list[float], rows: str, header: str = "") -> str:
    columns = "".join(f'<table:table-column table:style-name="{name}.{i}"/>' for i in range(len(widths)))
    header = f"<table:table-header-rows>{header}</table:table-header-rows>" if header else ""
    return f'<table:table table:name="{name}" table:style-name="{name}">{columns}{header}{rows}</table:table>'


def _table_styles(name: str, widths: list[float], heights: list[float], new_page: bool = False,
                  least: float | None = None) -> str:
    """Column widths, a fixed-height row style per height (rows kept whole), and for a row allowed to break
    across the page a least-height style ``{name}.split``."""
    brk = ' fo:break-before="page"' if new_page else ""
    styles = [f'<style:style style:name="{name}" style:family="table"><style:table-properties '
              f'style:width="{sum(widths):.2f}pt" table:align="left"{brk}/></style:style>']
    styles += [f'<style:style style:name="{name}.{i}" style:family="table-column"><style:table-column-properties '
               f'style:column-width="{w:.2f}pt"/></style:style>' for i, w in enumerate(widths)]
    styles += [f'<style:style style:name="{name}.h{h:g}" style:family="table-row"><style:table-row-properties '
               f'style:row-height="{h:g}pt" fo:keep-together="always"/></style:style>' for h in sorted(set(heights))]
    if least is not None:
        styles.append(f'<style:style style:name="{name}.split" style:family="table-row"><style:table-row-properties '
                      f'style:min-row-height="{least:g}pt" fo:keep-together="auto"/></style:style>')
    return "".join(styles)


def _identity_rows(sop: GenSop) -> list[tuple[str, float]]:
    """Unit block (six rows high) beside label | value rows; then three pairs of titled blocks side by side."""
    unit = _p("PEMERINTAH PROVINSI KALIMANTAN TENGAH", "Bold") + _p(sop.unit, "Bold") + _p(sop.seksi, "Bold")
    pairs = [("Nomor SOP", _p(sop.nomor), 14), ("Tanggal Pembuatan", _p(sop.tanggal_pembuatan), 14),
             ("Tanggal Revisi", _p(sop.tanggal_revisi), 14), (sop.efektif_label, _p(sop.tanggal_efektif), 14),
             ("Disahkan oleh", "".join(_p(line) for line in sop.signer), 34), ("Nama SOP", _p(sop.nama), 14)]
    rows = []
    for index, (label, value, height) in enumerate(pairs):
        left = _cell(unit, rows=len(pairs)) if index == 0 else _covered(1)
        rows.append((left + _cell(_p(label, "Bold"), columns=2) + _cell(value), height))
    blocks = [("Dasar Hukum", _numbered(sop.dasar_hukum), "Kualifikasi Pelaksana", _numbered(sop.kualifikasi), 36),
              ("Keterkaitan", _numbered(sop.keterkaitan), "Peralatan/Perlengkapan", _numbered(sop.peralatan), 24),
              ("Peringatan", _p(sop.peringatan), "Pencatatan dan Pendataan", _p(sop.pencatatan), 24)]
    for left_title, left, right_title, right, height in blocks:
        rows.append((_cell(_p(left_title, "Bold"), columns=2) + _cell(_p(right_title, "Bold"), columns=2), 13))
        rows.append((_cell(left, columns=2) + _cell(right, columns=2), height))
    return rows


def _flow_header(sop: GenSop) -> list[tuple[str, float]]:
    n = len(sop.lanes)
    first = (_cell(_p("No", "Centre"), rows=2) + _cell(_p("Kegiatan", "Centre"), rows=2)
             + _cell(_p("Pelaksana", "Centre"), columns=n) + _cell(_p(sop.mutu_label, "Centre"), columns=3)
             + _cell(_p(sop.ket_label, "Centre"), rows=2))
    second = (_covered(2) + "".join(_cell(_p(name, "Centre")) for name in sop.lanes)
              + "".join(_cell(_p(name, "Centre")) for name in ("Kelengkapan", "Waktu", "Output")) + _covered(1))
    return [(first, HEAD1), (second, HEAD2)]


def _body_row(sop: GenSop, drawing: Drawing, index: int) -> str:
    step, n = sop.steps[index], len(sop.lanes)
    cells = _cell(_p(str(index + 1), "Centre")) + _cell(_p(step.kegiatan))
    for lane in range(n):
        cells += _cell(f"<text:p>{''.join(drawing.cells.get((index, 2 + lane), []))}</text:p>")
    for value in (step.kelengkapan, step.waktu, step.output, step.ket):
        cells += _cell(_p(value) if value else "")
    style = "Alur.split" if index == drawing.grid.split else f"Alur.h{drawing.grid.row_h:g}"
    return _row(cells, style)


# ---------------------------------------------------------------- the document

def _flow_widths(sop: GenSop, width: float) -> list[float]:
    fixed = [22, 150, 0, 80, 50, 80, 70]
    lane_w = (width - sum(fixed)) / len(sop.lanes)
    return fixed[:2] + [lane_w] * len(sop.lanes) + fixed[3:]


def _identity_height(sop: GenSop) -> float:
    return sum(h for _, h in _identity_rows(sop))


def _grid(sop: GenSop, layout: WriterLayout) -> Grid:
    """Where Writer puts the flowchart: under the identity table or on the next page, and which rows fit."""
    above = 0.0 if layout.identity_own_page else _identity_height(sop) + SPACER
    room = layout.page[1] - 2 * MARGIN - above - HEAD1 - HEAD2
    rows, slack = divmod(room, layout.row_h)
    split = layout.split_row
    if split is not None:
        slack = room - split * layout.row_h
        if not 60 <= slack <= room:
            raise ValueError(f"row {split} cannot break across the page ({slack:.1f} pt left for it)")
    elif rows < 1 or slack < 8 or layout.row_h - slack < 8:
        raise ValueError(f"the first page's break is ambiguous ({room:.1f} pt of room for {layout.row_h} pt rows)")
    breaks_after = int(rows) if split is None else split + 1
    if breaks_after >= len(sop.steps):
        raise ValueError("the flowchart fits on one page; the document is meant to continue on a second")
    tops = (MARGIN + above + HEAD1 + HEAD2, MARGIN + HEAD1 + HEAD2)
    return Grid(_flow_widths(sop, layout.page[0] - 2 * MARGIN), layout.row_h, breaks_after, room, tops,
                2 if layout.identity_own_page else 1, split)


def plan(sop: GenSop, layout: WriterLayout) -> Drawing:
    """The flowchart's drawing as ``write_fodt`` places it (tests read which pages its connectors join)."""
    return draw(sop, _grid(sop, layout), layout)


def write_fodt(path: Path, sop: GenSop, layout: WriterLayout = WriterLayout()) -> Path:
    """The SOP as a flat ODF text document: identity table, flowchart table, drawing shapes over it."""
    width = layout.page[0] - 2 * MARGIN
    identity = _identity_rows(sop)
    identity_w = [width * 0.38, width * 0.12, width * 0.13, width * 0.37]
    drawing = plan(sop, layout)
    grid = drawing.grid
    header = _flow_header(sop)
    body = "".join(_body_row(sop, drawing, index) for index in range(len(sop.steps)))
    rows = lambda name, items: "".join(_row(cells, f"{name}.h{h:g}") for cells, h in items)
    text = ("".join(drawing.on_pages) + _table("Identitas", identity_w, rows("Identitas", identity))
            + _p("", "Spacer") + _table("Alur", grid.widths, body, header=rows("Alur", header)))
    least = None if grid.split is None else grid.body_h - grid.row_top(grid.split) + SPLIT_LEAST
    styles = (_table_styles("Identitas", identity_w, [h for _, h in identity])
              + _table_styles("Alur", grid.widths, [h for _, h in header] + [grid.row_h], layout.identity_own_page,
                              least))
    head = (_HEAD.replace("{width}", f"{layout.page[0]:g}").replace("{height}", f"{layout.page[1]:g}")
            .replace("{columns}", styles).replace("{placed}", _placed(layout.anchor)))
    path.write_text(head + text + "</office:text></office:body></office:document>", encoding="utf-8")
    return path


MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")
DATE_FIELDS = ("tanggal_pembuatan", "tanggal_revisi", "tanggal_efektif")

# name -> (the sample SOP's layout, the Writer layout, the dates of DATE_FIELDS)
WRITER_DOCUMENTS = {
    "a4-3-lanes": (dict(lanes=3), WriterLayout(), (date(2024, 8, 12), date(2025, 1, 2), date(2025, 3, 17))),
    "f4-5-lanes-pendukung-ket-pengesahan": (
        dict(lanes=5, mutu_label="Pendukung", ket_label="Ket", efektif_label="Tanggal Pengesahan"),
        WriterLayout(page=(F4[1], F4[0]), row_h=80), (date(2023, 10, 3), date(2025, 2, 28), date(2025, 6, 1))),
    "a4-4-lanes-shapes-anchored-to-the-page": (
        dict(lanes=4), WriterLayout(anchor="page", flows="elbows"), (date(2024, 2, 5), date(2024, 11, 20), date(2025, 1, 6))),
    "a4-3-lanes-row-breaking-across-the-page": (
        dict(lanes=3, detailed=2), WriterLayout(row_h=90, split_row=2),
        (date(2023, 5, 9), date(2024, 7, 1), date(2024, 9, 30))),
    "a4-4-lanes-polyline-elbows-heads-short": (
        dict(lanes=4), WriterLayout(flows="short-heads"), (date(2024, 4, 15), date(2025, 3, 3), date(2025, 4, 1))),
    "f4-5-lanes-identity-on-its-own-page": (
        dict(lanes=5), WriterLayout(page=(F4[1], F4[0]), row_h=110, identity_own_page=True),
        (date(2022, 12, 1), date(2024, 12, 2), date(2025, 1, 2))),
    "a4-3-lanes-loops-through-on-page-circles": (
        dict(lanes=3), WriterLayout(row_h=68, loop_circles=True),
        (date(2024, 6, 3), date(2025, 5, 19), date(2025, 7, 1))),
}


def indonesian(day: date) -> str:
    """A date as an SOP prints it: "12 Agustus 2024"."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def writer_sop_layouts() -> dict[str, dict]:
    """name -> the ``sample_sop`` arguments of each Writer document, its dates printed in Indonesian."""
    return {name: {**layout, **{f: indonesian(d) for f, d in zip(DATE_FIELDS, dates)}}
            for name, (layout, _, dates) in WRITER_DOCUMENTS.items()}

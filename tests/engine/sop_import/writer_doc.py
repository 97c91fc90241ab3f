"""An SOP written the way most are: a word-processor document (flat ODF text, .fodt) printed to PDF.

The identity part and the flowchart are Writer tables with merged cells (the unit block over
six rows, "Pelaksana" and "Mutu Baku" over their sub-columns, No / Kegiatan / Keterangan over
both header rows); the flowchart's header rows repeat on the next page. The symbols are
LibreOffice flowchart shapes anchored to the paragraph of the cell they stand in; flows are
glued connectors (routed by LibreOffice) or plain lines with an arrow marker; "Ya" / "Tidak"
are borderless text frames. Writer cannot force a page break inside a table, so rows have a
fixed height and the generator computes which rows fit on the first page, to place the
off-page connectors where the break falls.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from tests.engine.sop_import.office_doc import odf_root
from tests.engine.sop_import.pdf_factory import F4, GenSop

A4_LANDSCAPE = (842.0, 595.0)
MARGIN, PAD = 28.0, 2.0
SPACER = 10.0  # the empty paragraph between the two tables (fixed line height)
HEAD1, HEAD2 = 14.0, 30.0
SYMBOL_Y = 24.0  # a symbol's centre below its row's top (a row opening a page: lower, under the connector)
SIZES = {"terminator": (50, 18), "process": (50, 20), "decision": (36, 26), "off-page-connector": (14, 14)}
GLUE = {"top": 0, "right": 1, "bottom": 2, "left": 3}
PLACED = 'style:wrap="run-through" style:run-through="foreground" style:flow-with-text="false" ' \
         'style:vertical-pos="from-top" style:vertical-rel="paragraph" style:horizontal-pos="from-left" ' \
         'style:horizontal-rel="paragraph"'

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
 draw:shadow="hidden" draw:textarea-vertical-align="middle" {PLACED}/></style:style>
<style:style style:name="Flow" style:family="graphic"><style:graphic-properties draw:stroke="solid"
 svg:stroke-color="#000000" svg:stroke-width="0.75pt" draw:fill="none" draw:marker-end="Arrow"
 draw:marker-end-width="5pt" draw:shadow="hidden" {PLACED}/></style:style>
<style:style style:name="Label" style:family="graphic"><style:graphic-properties draw:stroke="none"
 draw:fill="none" fo:border="none" fo:padding="0pt" draw:shadow="hidden" {PLACED}/></style:style>
{{columns}}
</office:automatic-styles>
<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="PM1"/></office:master-styles>
<office:body><office:text>
"""


@dataclass
class _Symbol:
    id: str
    row: int  # the body row it is anchored in
    x: float  # left edge, relative to the row's lane-cell paragraph frame of ``lane``
    y: float  # top edge, relative to the row's top
    w: float
    h: float


@dataclass
class _Doc:
    sop: GenSop
    widths: list[float]  # flowchart columns
    row_h: float  # every step row's fixed height
    first_page_rows: int
    anchored: dict[tuple[int, int], list[str]] = field(default_factory=dict)  # (row, column) -> drawing XML
    ids: int = 0

    def lane_width(self, lane: int) -> float:
        return self.widths[2 + lane]

    def place(self, row: int, lane: int, element: str) -> None:
        self.anchored.setdefault((row, 2 + lane), []).append(element)

    def shape(self, kind: str, row: int, lane: int, cy: float, dx: float = 0.0, letter: str = "") -> _Symbol:
        """A flowchart shape centred ``dx`` right of its lane cell's middle, ``cy`` below the row's top."""
        self.ids += 1
        w, h = SIZES[kind]
        symbol = _Symbol(f"s{self.ids}", row, self.lane_width(lane) / 2 - PAD + dx - w / 2, cy - PAD - h / 2, w, h)
        inner = f'<text:p text:style-name="Small">{letter}</text:p>' if letter else ""
        self.place(row, lane, f'<draw:custom-shape draw:style-name="Symbol" draw:id="{symbol.id}" '
                   f'text:anchor-type="paragraph" svg:x="{symbol.x:.2f}pt" svg:y="{symbol.y:.2f}pt" '
                   f'svg:width="{w}pt" svg:height="{h}pt">{inner}<draw:enhanced-geometry '
                   f'svg:viewBox="0 0 21600 21600" draw:type="flowchart-{kind}"/></draw:custom-shape>')
        return symbol

    def connect(self, row: int, lane: int, start: _Symbol, start_side: str, end: _Symbol, end_side: str) -> None:
        """A connector glued to both shapes: LibreOffice routes it (square elbows)."""
        self.place(row, lane, f'<draw:connector draw:style-name="Flow" text:anchor-type="paragraph" '
                   f'draw:type="standard" draw:start-shape="{start.id}" draw:start-glue-point="{GLUE[start_side]}" '
                   f'draw:end-shape="{end.id}" draw:end-glue-point="{GLUE[end_side]}" svg:x1="0pt" svg:y1="0pt" '
                   'svg:x2="0pt" svg:y2="0pt"/>')

    def line(self, row: int, lane: int, x1: float, y1: float, x2: float, y2: float) -> None:
        """A plain line with an arrow marker, in the frame of ``row``'s ``lane`` cell paragraph."""
        self.place(row, lane, f'<draw:line draw:style-name="Flow" text:anchor-type="paragraph" '
                   f'svg:x1="{x1:.2f}pt" svg:y1="{y1:.2f}pt" svg:x2="{x2:.2f}pt" svg:y2="{y2:.2f}pt"/>')

    def label(self, row: int, lane: int, x: float, y: float, word: str) -> None:
        self.place(row, lane, f'<draw:frame draw:style-name="Label" text:anchor-type="paragraph" svg:x="{x:.2f}pt" '
                   f'svg:y="{y:.2f}pt" svg:width="22pt" svg:height="9pt"><draw:text-box><text:p>{word}</text:p>'
                   '</draw:text-box></draw:frame>')


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


def _table_styles(name: str, widths: list[float], heights: list[float]) -> str:
    styles = [f'<style:style style:name="{name}" style:family="table"><style:table-properties '
              f'style:width="{sum(widths):.2f}pt" table:align="left"/></style:style>']
    styles += [f'<style:style style:name="{name}.{i}" style:family="table-column"><style:table-column-properties '
               f'style:column-width="{w:.2f}pt"/></style:style>' for i, w in enumerate(widths)]
    styles += [f'<style:style style:name="{name}.h{h:g}" style:family="table-row"><style:table-row-properties '
               f'style:row-height="{h:g}pt" fo:keep-together="always"/></style:style>' for h in sorted(set(heights))]
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


def _body_row(doc: _Doc, index: int) -> tuple[str, float]:
    step, n = doc.sop.steps[index], len(doc.sop.lanes)
    cells = _cell(_p(str(index + 1), "Centre")) + _cell(_p(step.kegiatan))
    for lane in range(n):
        cells += _cell(f"<text:p>{''.join(doc.anchored.get((index, 2 + lane), []))}</text:p>")
    for value in (step.kelengkapan, step.waktu, step.output, step.ket):
        cells += _cell(_p(value) if value else "")
    return cells, doc.row_h


# ---------------------------------------------------------------- the drawing

def _draw(doc: _Doc) -> None:
    """Every step's symbol, the flows between them, the page-break and loop connectors, the labels."""
    steps, split = doc.sop.steps, doc.first_page_rows
    symbols: list[_Symbol] = []
    for index, step in enumerate(steps):
        kind = "decision" if step.decision else "terminator" if index in (0, len(steps) - 1) else "process"
        opens_page = index == split
        symbols.append(doc.shape(kind, index, step.lane, SYMBOL_Y + (16 if opens_page else 0)))
        if opens_page:
            _across_break(doc, index, symbols)
        elif index:
            _flow(doc, index, symbols)
    letters = iter("BCDEFG")
    for index, step in enumerate(steps):
        if step.decision and step.no_target is not None:
            _tidak(doc, index, symbols, letters)


def _across_break(doc: _Doc, index: int, symbols: list[_Symbol]) -> None:
    """The last symbol of page 1 flows into a lettered off-page connector; its twin opens page 2."""
    steps = doc.sop.steps
    before, after = symbols[index - 1], symbols[index]
    lane_before, lane_after = steps[index - 1].lane, steps[index].lane
    out = doc.shape("off-page-connector", index - 1, lane_before, doc.row_h - 12, letter="A")
    doc.connect(index - 1, lane_before, before, "bottom", out, "top")
    into = doc.shape("off-page-connector", index, lane_after, 11, letter="A")
    doc.connect(index, lane_after, into, "bottom", after, "top")
    if steps[index - 1].decision:
        doc.label(index - 1, lane_before, before.x + before.w / 2 + 3, before.y + before.h, "Ya")


def _flow(doc: _Doc, index: int, symbols: list[_Symbol]) -> None:
    """Same lane: a straight line with an arrow marker down across the row rule; else a glued connector."""
    steps = doc.sop.steps
    before, after = symbols[index - 1], symbols[index]
    lane = steps[index - 1].lane
    if steps[index].lane == lane:
        cx = before.x + before.w / 2
        doc.line(index - 1, lane, cx, before.y + before.h, cx, doc.row_h + after.y)
    else:
        doc.connect(index, steps[index].lane, before, "bottom", after, "top")
    if steps[index - 1].decision:
        doc.label(index - 1, lane, before.x + before.w / 2 + 3, before.y + before.h, "Ya")


def _tidak(doc: _Doc, index: int, symbols: list[_Symbol], letters) -> None:
    """Tidak: a connector from the diamond's side to the target's side, or, target on the page before,
    a lettered off-page connector beside the diamond and its twin beside the target."""
    steps, split = doc.sop.steps, doc.first_page_rows
    step, target = steps[index], steps[index].no_target
    diamond = symbols[index]
    doc.label(index, step.lane, diamond.x - 22, diamond.y - 8, "Tidak")
    if (target < split) == (index < split):
        side = "left" if steps[target].lane <= step.lane else "right"
        doc.connect(index, step.lane, diamond, side, symbols[target], side)
        return
    letter = next(letters)
    away = doc.shape("off-page-connector", index, step.lane, diamond.y + PAD + diamond.h / 2, dx=-diamond.w / 2 - 14,
                     letter=letter)
    doc.connect(index, step.lane, diamond, "left", away, "right")
    goal = symbols[target]
    back = doc.shape("off-page-connector", target, steps[target].lane, goal.y + PAD + goal.h / 2,
                     dx=goal.w / 2 + 14, letter=letter)
    doc.connect(target, steps[target].lane, back, "left", goal, "right")


# ---------------------------------------------------------------- the document

def _flow_widths(sop: GenSop, width: float) -> list[float]:
    fixed = [22, 150, 0, 80, 50, 80, 70]
    lane_w = (width - sum(fixed)) / len(sop.lanes)
    return fixed[:2] + [lane_w] * len(sop.lanes) + fixed[3:]


def _rows_on_first_page(page_h: float, identity_h: float, row_h: float) -> int:
    """How many fixed-height step rows Writer fits under the identity table and the flowchart header."""
    room = page_h - 2 * MARGIN - identity_h - SPACER - HEAD1 - HEAD2
    rows, slack = divmod(room, row_h)
    if rows < 1 or slack < 8 or row_h - slack < 8:
        raise ValueError(f"the first page's break is ambiguous ({room:.1f} pt of room for {row_h} pt rows)")
    return int(rows)


def write_fodt(path: Path, sop: GenSop, page: tuple[float, float] = A4_LANDSCAPE, row_h: float = 70.0) -> Path:
    """The SOP as a flat ODF text document: identity table, flowchart table, anchored drawing shapes."""
    width = page[0] - 2 * MARGIN
    identity = _identity_rows(sop)
    identity_w = [width * 0.38, width * 0.12, width * 0.13, width * 0.37]
    doc = _Doc(sop, _flow_widths(sop, width), row_h, _rows_on_first_page(page[1], sum(h for _, h in identity), row_h))
    if doc.first_page_rows >= len(sop.steps):
        raise ValueError("the flowchart fits on one page; the document is meant to continue on a second")
    _draw(doc)
    header = _flow_header(sop)
    body = [_body_row(doc, index) for index in range(len(sop.steps))]
    rows = lambda name, items: "".join(_row(cells, f"{name}.h{h:g}") for cells, h in items)
    text = (_table("Identitas", identity_w, rows("Identitas", identity))
            + _p("", "Spacer")
            + _table("Alur", doc.widths, rows("Alur", body), header=rows("Alur", header)))
    styles = (_table_styles("Identitas", identity_w, [h for _, h in identity])
              + _table_styles("Alur", doc.widths, [h for _, h in header + body]))
    head = _HEAD.replace("{width}", f"{page[0]:g}").replace("{height}", f"{page[1]:g}").replace("{columns}", styles)
    path.write_text(head + text + "</office:text></office:body></office:document>", encoding="utf-8")
    return path


MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")
DATE_FIELDS = ("tanggal_pembuatan", "tanggal_revisi", "tanggal_efektif")

# name -> (the sample SOP's layout, the Writer page, the dates of DATE_FIELDS)
WRITER_DOCUMENTS = {
    "a4-3-lanes": (dict(lanes=3), {}, (date(2024, 8, 12), date(2025, 1, 2), date(2025, 3, 17))),
    "f4-5-lanes-pendukung-ket-pengesahan": (
        dict(lanes=5, mutu_label="Pendukung", ket_label="Ket", efektif_label="Tanggal Pengesahan"),
        dict(page=(F4[1], F4[0]), row_h=80), (date(2023, 10, 3), date(2025, 2, 28), date(2025, 6, 1))),
}


def indonesian(day: date) -> str:
    """A date as an SOP prints it: "12 Agustus 2024"."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"

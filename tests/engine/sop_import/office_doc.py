"""An SOP written as a flat ODF drawing (.fodg) and printed to PDF by LibreOffice.

The symbols are LibreOffice's own flowchart shapes (draw:custom-shape flowchart-terminator,
-process, -decision, -off-page-connector) and the arrows its connectors with an arrow marker,
glued to the shapes: LibreOffice routes them and draws the shapes, the heads and the curves.
The importer has not been shaped around this drawing, so it stands in for an office-made SOP.
"""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from tests.engine.sop_import.pdf_factory import GenSop

PAGE_W, PAGE_H, MARGIN = 842.0, 595.0, 30.0
ROW_H, HEAD1, HEAD2 = 50.0, 14.0, 24.0
GLUE = {"top": 0, "right": 1, "bottom": 2, "left": 3}


def odf_root(kind: str) -> str:
    """The opening of a flat ODF document of ``kind`` (graphics, text) with the namespaces both generators use."""
    spaces = {"office": "office:1.0", "style": "style:1.0", "text": "text:1.0", "table": "table:1.0",
              "draw": "drawing:1.0", "fo": "xsl-fo-compatible:1.0", "svg": "svg-compatible:1.0"}
    declared = " ".join(f'xmlns:{prefix}="urn:oasis:names:tc:opendocument:xmlns:{name}"'
                        for prefix, name in spaces.items())
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document {declared} office:version="1.3" '
            f'office:mimetype="application/vnd.oasis.opendocument.{kind}">\n')


_HEAD = odf_root("graphics") + """<office:styles>
<draw:marker draw:name="Arrow" svg:viewBox="0 0 20 30" svg:d="M10 0l-10 30h20z"/></office:styles>
<office:automatic-styles>
<style:page-layout style:name="PM1"><style:page-layout-properties fo:margin-top="0pt" fo:margin-bottom="0pt"
 fo:margin-left="0pt" fo:margin-right="0pt" fo:page-width="842pt" fo:page-height="595pt"
 style:print-orientation="landscape"/></style:page-layout>
<style:style style:name="dp1" style:family="drawing-page"/>
<style:style style:name="rule" style:family="graphic"><style:graphic-properties draw:stroke="solid"
 svg:stroke-color="#000000" svg:stroke-width="0.6pt" draw:fill="none" draw:shadow="hidden"/></style:style>
<style:style style:name="symbol" style:family="graphic"><style:graphic-properties draw:stroke="solid"
 svg:stroke-color="#000000" svg:stroke-width="0.75pt" draw:fill="solid" draw:fill-color="#ffffff"
 draw:shadow="hidden" draw:textarea-vertical-align="middle"/></style:style>
<style:style style:name="flow" style:family="graphic"><style:graphic-properties draw:stroke="solid"
 svg:stroke-color="#000000" svg:stroke-width="0.75pt" draw:fill="none" draw:marker-end="Arrow"
 draw:marker-end-width="5pt" draw:shadow="hidden"/></style:style>
<style:style style:name="label" style:family="graphic"><style:graphic-properties draw:stroke="none"
 draw:fill="none" fo:padding-top="0pt" fo:padding-bottom="0pt" fo:padding-left="2pt" fo:padding-right="2pt"
 draw:textarea-vertical-align="top" draw:auto-grow-height="false" draw:shadow="hidden"/></style:style>
<style:style style:name="P1" style:family="paragraph"><style:text-properties fo:font-size="7pt"
 style:font-name="Liberation Sans" fo:font-family="'Liberation Sans'"/></style:style>
<style:style style:name="P2" style:family="paragraph"><style:paragraph-properties fo:text-align="center"/>
 <style:text-properties fo:font-size="7pt" fo:font-weight="bold" fo:font-family="'Liberation Sans'"/></style:style>
<style:style style:name="P3" style:family="paragraph"><style:paragraph-properties fo:text-align="center"/>
 <style:text-properties fo:font-size="6pt" fo:font-family="'Liberation Sans'"/></style:style>
</office:automatic-styles>
<office:master-styles><style:master-page style:name="Default" style:page-layout-name="PM1"
 draw:style-name="dp1"/></office:master-styles>
<office:body><office:drawing>
"""


@dataclass
class _Doc:
    sop: GenSop
    xs: list[float]
    pages: list[list[str]] = field(default_factory=list)
    ids: int = 0
    page: int = -1  # the page elements go to (-1: the last)

    def add(self, element: str) -> None:
        self.pages[self.page].append(element)

    def line(self, x1, y1, x2, y2):
        self.add(f'<draw:line draw:style-name="rule" svg:x1="{x1:.2f}pt" svg:y1="{y1:.2f}pt" '
                 f'svg:x2="{x2:.2f}pt" svg:y2="{y2:.2f}pt"/>')

    def text(self, x, y, w, h, lines, style="P1"):
        paragraphs = "".join(f'<text:p text:style-name="{style}">{escape(line)}</text:p>' for line in lines)
        self.add(f'<draw:frame draw:style-name="label" svg:x="{x:.2f}pt" svg:y="{y:.2f}pt" svg:width="{w:.2f}pt" '
                 f'svg:height="{h:.2f}pt"><draw:text-box>{paragraphs}</draw:text-box></draw:frame>')

    def shape(self, kind: str, cx, cy, w, h, letter: str = "") -> str:
        self.ids += 1
        name = f"s{self.ids}"
        inner = f'<text:p text:style-name="P3">{letter}</text:p>' if letter else ""
        self.add(f'<draw:custom-shape draw:style-name="symbol" draw:id="{name}" svg:x="{cx - w / 2:.2f}pt" '
                 f'svg:y="{cy - h / 2:.2f}pt" svg:width="{w:.2f}pt" svg:height="{h:.2f}pt">{inner}'
                 f'<draw:enhanced-geometry svg:viewBox="0 0 21600 21600" draw:type="flowchart-{kind}"/>'
                 '</draw:custom-shape>')
        return name

    def connect(self, start: str, start_side: str, end: str, end_side: str, curve: bool = False):
        kind = "curve" if curve else "standard"
        self.add(f'<draw:connector draw:style-name="flow" draw:type="{kind}" draw:start-shape="{start}" '
                 f'draw:start-glue-point="{GLUE[start_side]}" draw:end-shape="{end}" '
                 f'draw:end-glue-point="{GLUE[end_side]}" svg:x1="0pt" svg:y1="0pt" svg:x2="0pt" svg:y2="0pt"/>')


def _columns(sop: GenSop) -> list[float]:
    widths = [22, 150] + [0] * len(sop.lanes) + [80, 55, 80, 70]
    lane_w = (PAGE_W - 2 * MARGIN - sum(widths)) / len(sop.lanes)
    xs = [MARGIN]
    for width in widths:
        xs.append(xs[-1] + (width or lane_w))
    return xs


def _identity(doc: _Doc) -> float:
    sop, left, right = doc.sop, MARGIN, PAGE_W - MARGIN
    mid, label_w = left + (right - left) * 0.4, 90
    rows = [("Nomor SOP", sop.nomor), ("Tanggal Pembuatan", sop.tanggal_pembuatan),
            ("Tanggal Revisi", sop.tanggal_revisi), (sop.efektif_label, sop.tanggal_efektif),
            ("Disahkan oleh", " ".join(sop.signer)), ("Nama SOP", sop.nama)]
    doc.text(left, MARGIN + 4, mid - left, 40, ["PEMERINTAH PROVINSI KALIMANTAN TENGAH", sop.unit], "P2")
    y = MARGIN
    for label, value in rows:
        doc.line(mid, y, right, y)
        doc.text(mid, y + 2, label_w, 12, [label])
        doc.text(mid + label_w, y + 2, right - mid - label_w, 12, [value])
        doc.line(mid + label_w, y, mid + label_w, y + 14)
        y += 14
    for x in (left, mid, right):
        doc.line(x, MARGIN, x, y)
    doc.line(left, MARGIN, mid, MARGIN)
    half = (right - left) / 2
    doc.line(left, y, right, y)
    doc.text(left, y + 2, half, 12, ["Dasar Hukum"])
    doc.text(left + half, y + 2, half, 12, ["Kualifikasi Pelaksana"])
    doc.line(left, y + 14, right, y + 14)
    items = max(len(sop.dasar_hukum), len(sop.kualifikasi)) * 9 + 4
    doc.text(left, y + 16, half, items, [f"{i + 1}. {v}" for i, v in enumerate(sop.dasar_hukum)])
    doc.text(left + half, y + 16, half, items, [f"{i + 1}. {v}" for i, v in enumerate(sop.kualifikasi)])
    for x in (left, left + half, right):
        doc.line(x, y, x, y + 16 + items)
    doc.line(left, y + 16 + items, right, y + 16 + items)
    return y + 16 + items + 14


def _header(doc: _Doc, top: float) -> float:
    xs, sop = doc.xs, doc.sop
    n = len(sop.lanes)
    bottom = top + HEAD1 + HEAD2
    for i, name in ((0, "No"), (1, "Kegiatan"), (n + 5, sop.ket_label)):
        doc.text(xs[i], top + HEAD1, xs[i + 1] - xs[i], 12, [name], "P2")
    doc.text(xs[2], top + 2, xs[2 + n] - xs[2], 12, ["Pelaksana"], "P2")
    doc.text(xs[2 + n], top + 2, xs[5 + n] - xs[2 + n], 12, [sop.mutu_label], "P2")
    for i, name in enumerate(list(sop.lanes) + ["Kelengkapan", "Waktu", "Output"]):
        doc.text(xs[2 + i], top + HEAD1 + 2, xs[3 + i] - xs[2 + i], HEAD2, [name], "P2")
    doc.line(xs[0], top, xs[-1], top)
    doc.line(xs[2], top + HEAD1, xs[5 + n], top + HEAD1)
    for i, x in enumerate(xs):
        inner = 3 <= i <= 1 + n or i in (3 + n, 4 + n)
        doc.line(x, top + (HEAD1 if inner else 0), x, bottom)
    return bottom


def _grid(doc: _Doc, top: float, bottom: float) -> None:
    y = top
    while y <= bottom + 0.1:
        doc.line(doc.xs[0], y, doc.xs[-1], y)
        y += ROW_H
    for x in doc.xs:
        doc.line(x, top, x, bottom)


def _row(doc: _Doc, index: int, top: float) -> None:
    step, xs, n = doc.sop.steps[index], doc.xs, len(doc.sop.lanes)
    doc.text(xs[0], top + 3, xs[1] - xs[0], 12, [str(index + 1)], "P2")
    doc.text(xs[1], top + 3, xs[2] - xs[1], ROW_H - 6, [step.kegiatan])
    for offset, value in enumerate((step.kelengkapan, step.waktu, step.output, step.ket)):
        if value:
            doc.text(xs[2 + n + offset], top + 3, xs[3 + n + offset] - xs[2 + n + offset], ROW_H - 6, [value])


def _lane_cx(doc: _Doc, lane: int) -> float:
    return (doc.xs[2 + lane] + doc.xs[3 + lane]) / 2


def write_fodg(path: Path, sop: GenSop) -> Path:
    """The SOP as a flat ODF drawing: ruled table, text frames, flowchart shapes glued by connectors."""
    doc = _Doc(sop, _columns(sop), [[]])
    split = sop.rows_per_page or len(sop.steps)
    top = _header(doc, _identity(doc))
    symbols: dict[int, tuple[str, float, float]] = {}  # step -> (shape id, cx, cy)
    letters = iter("BCDEFG")
    carry: str | None = None
    for index, step in enumerate(sop.steps):
        if index and index % split == 0:
            bottom = top + split * ROW_H
            _grid(doc, top, bottom)
            out = doc.shape("off-page-connector", _lane_cx(doc, sop.steps[index - 1].lane), bottom + 16, 16, 16, "A")
            doc.connect(symbols[index - 1][0], "bottom", out, "top")
            doc.pages.append([])
            top = _header(doc, MARGIN)
            carry = doc.shape("off-page-connector", _lane_cx(doc, step.lane), top + 14, 16, 16, "A")
            top += 28
            doc.line(doc.xs[0], top, doc.xs[-1], top)
            doc.line(doc.xs[0], top - 28, doc.xs[-1], top - 28)
            for x in doc.xs:
                doc.line(x, top - 28, x, top)
        row_top = top + (index % split) * ROW_H
        _row(doc, index, row_top)
        cx, cy = _lane_cx(doc, step.lane), row_top + ROW_H / 2
        kind = "decision" if step.decision else "terminator" if index in (0, len(sop.steps) - 1) else "process"
        shape = doc.shape(kind, cx, cy, 36 if step.decision else 46, 26 if step.decision else 18)
        symbols[index] = (shape, cx, cy)
        if carry is not None:
            doc.connect(carry, "bottom", shape, "top")
            carry = None
        elif index:
            doc.connect(symbols[index - 1][0], "bottom", shape, "top")
            if sop.steps[index - 1].decision:
                doc.text(_lane_cx(doc, sop.steps[index - 1].lane) + 2, row_top - 12, 20, 10, ["Ya"], "P1")
        if step.decision and step.no_target is not None:
            _tidak(doc, index, symbols, split, letters)
    _grid(doc, top, top + (len(sop.steps) - 1) % split * ROW_H + ROW_H)
    body = "".join(f'<draw:page draw:name="page{i + 1}" draw:master-page-name="Default">{"".join(p)}</draw:page>'
                   for i, p in enumerate(doc.pages))
    path.write_text(_HEAD + body + "</office:drawing></office:body></office:document>", encoding="utf-8")
    return path


def _tidak(doc: _Doc, index: int, symbols: dict, split: int, letters) -> None:
    """Tidak: a curved connector back to the target, or (target on an earlier page) a pair of off-page
    connectors with the same letter, one beside the diamond and one beside the target."""
    step, target = doc.sop.steps[index], doc.sop.steps[index].no_target
    shape, cx, cy = symbols[index]
    doc.text(cx - 44, cy - 14, 26, 10, ["Tidak"])
    if target // split == index // split:
        side = "left" if doc.sop.steps[target].lane <= step.lane else "right"
        doc.connect(shape, side, symbols[target][0], side, curve=True)
        return
    letter = next(letters)
    out = doc.shape("off-page-connector", cx - 42, cy, 14, 14, letter)
    doc.connect(shape, "left", out, "right")
    target_shape, tx, ty = symbols[target]
    doc.page = target // split
    back = doc.shape("off-page-connector", tx + 46, ty, 14, 14, letter)
    doc.connect(back, "left", target_shape, "right")
    doc.page = -1


def soffice_pdf(source: Path) -> Path:
    """LibreOffice's PDF export of ``source`` beside it (a private profile: parallel runs do not collide)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RuntimeError("LibreOffice (soffice) is not installed: install libreoffice-draw-nogui and "
                           "libreoffice-writer-nogui (make test installs TEST_DEBS)")
    profile = source.parent / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(source.parent), str(source)], check=True, capture_output=True, timeout=180)
    result = source.with_suffix(".pdf")
    if not result.exists():
        raise RuntimeError(f"LibreOffice wrote no PDF for {source.name}")
    return result

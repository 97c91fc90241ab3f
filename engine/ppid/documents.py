"""Generated documents: the written notice (pemberitahuan tertulis) as a PDF letter, and the DIP
and the registers as PDF, XLSX and CSV.

The notice follows the form of Perki 1/2021 (Pemberitahuan Tertulis): number and date of the
request, the applicant, the information asked for, the decision with its reasons, the cost and
how the information is delivered. Everything is drawn from the register row; nothing is stored.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Iterable, Sequence
from zoneinfo import ZoneInfo

from engine.calendar_format import format_tanggal
from engine.ppid.models import CARA_MEMPEROLEH, CARA_MENYAMPAIKAN, InformationRequest

WIB = ZoneInfo("Asia/Jakarta")


def _tanggal(value: datetime | date | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        value = value.astimezone(WIB).date()
    return format_tanggal(value)


def notice_pdf(request: InformationRequest, unit_name: str) -> bytes:
    """The written notice of a decided request (or the registration receipt while it is undecided)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    from xml.sax.saxutils import escape

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=2.5 * cm, rightMargin=2 * cm, topMargin=2 * cm,
                            bottomMargin=2 * cm, title=f"Pemberitahuan Tertulis {request.nomor}",
                            author=f"PPID {unit_name}")
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    decided = request.keputusan in ("diterima", "ditolak")
    title = "PEMBERITAHUAN TERTULIS" if decided else "TANDA BUKTI PENERIMAAN PERMOHONAN INFORMASI"
    story = [Paragraph(escape(f"PPID {unit_name}"), styles["Heading2"]),
             Paragraph("Pemerintah Provinsi Kalimantan Tengah", body), Spacer(1, 12),
             Paragraph(title, styles["Title"]),
             Paragraph(escape(f"Berdasarkan permohonan informasi nomor pendaftaran {request.nomor} "
                              f"tanggal {_tanggal(request.received_at)}:"), body), Spacer(1, 6)]
    rows = [("Nomor pendaftaran", request.nomor), ("Nama", request.nama), ("Alamat", request.alamat),
            ("Nomor telepon / e-mail", " / ".join(x for x in (request.telepon, request.email) if x)),
            ("Rincian informasi", request.rincian), ("Tujuan penggunaan", request.tujuan),
            ("Cara memperoleh", CARA_MEMPEROLEH.get(request.cara_memperoleh, request.cara_memperoleh)),
            ("Cara mendapatkan salinan", CARA_MENYAMPAIKAN.get(request.cara_menyampaikan, request.cara_menyampaikan))]
    if decided:
        rows.append(("Keputusan", "Permohonan DITERIMA" if request.keputusan == "diterima" else "Permohonan DITOLAK"))
        if request.keputusan == "ditolak":
            rows.append(("Alasan penolakan", request.alasan_penolakan or "-"))
        rows.append(("Biaya", request.biaya or "Tidak dipungut biaya"))
        if request.diperpanjang:
            rows.append(("Perpanjangan", f"Diperpanjang 7 hari kerja: {request.alasan_perpanjangan}"))
    else:
        rows.append(("Pemberitahuan tertulis paling lambat", _tanggal(request.due_at)))
    table = Table([[Paragraph(escape(k), body), Paragraph(escape(v or "-"), body)] for k, v in rows],
                  colWidths=[5 * cm, 11 * cm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("GRID", (0, 0), (-1, -1), 0.25, "#888888")]))
    story += [table, Spacer(1, 12)]
    if request.keputusan == "ditolak":
        story.append(Paragraph("Apabila Saudara tidak puas dengan keputusan ini, Saudara dapat mengajukan keberatan "
                               "kepada Atasan PPID paling lambat 30 hari kerja sejak menerima pemberitahuan ini "
                               "(UU 14/2008 Pasal 35 dan 36).", body))
    signed = request.notice_at or request.received_at
    story += [Spacer(1, 18), Paragraph(escape(f"Palangka Raya, {_tanggal(signed)}"), body),
              Paragraph(escape(f"Pejabat Pengelola Informasi dan Dokumentasi, {request.notice_by or 'PPID'}"), body)]
    doc.build(story)
    return buffer.getvalue()


def table_pdf(title: str, subtitle: str, headers: Sequence[str], rows: Iterable[Sequence], landscape: bool = True) -> bytes:
    """A printable table (the DIP, a register), repeated header row on each page."""
    from reportlab.lib.pagesizes import A4, landscape as turn
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    from xml.sax.saxutils import escape

    buffer = io.BytesIO()
    size = turn(A4) if landscape else A4
    doc = SimpleDocTemplate(buffer, pagesize=size, leftMargin=1.2 * cm, rightMargin=1.2 * cm, topMargin=1.5 * cm,
                            bottomMargin=1.5 * cm, title=title)
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7.5, leading=9)
    data = [[Paragraph(f"<b>{escape(h)}</b>", small) for h in headers]]
    data += [[Paragraph(escape("" if v is None else str(v)), small) for v in row] for row in rows]
    width = size[0] - 2.4 * cm
    table = Table(data, repeatRows=1, colWidths=[width / len(headers)] * len(headers))
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, "#666666"), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BACKGROUND", (0, 0), (-1, 0), "#dde6f0")]))
    doc.build([Paragraph(escape(title), styles["Heading2"]), Paragraph(escape(subtitle), styles["BodyText"]),
               Spacer(1, 8), table])
    return buffer.getvalue()


def table_xlsx(title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_safe_cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def table_csv(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_safe_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: spreadsheet programs read UTF-8 then


def _safe_cell(value):
    """Text that a spreadsheet would run as a formula (=, +, -, @) is prefixed with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text

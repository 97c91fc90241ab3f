"""Real files for the archive tests, generated: text PDFs, scanned pages (PNG, image-only PDF), office files."""
from __future__ import annotations

import io
import zipfile

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def text_pdf(*lines: str, pages: int = 1) -> bytes:
    """A PDF with a real text layer (Helvetica), written by hand: objects, xref, trailer. Every one of
    ``pages`` pages shows the same lines."""
    body = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({_pdf_escape(line)}) '" for line in lines) + " ET"
    kids = " ".join(f"{5 + n} 0 R" for n in range(pages))
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>",
        f"<< /Length {len(body)} >>\nstream\n{body}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ] + ["<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
         "/Resources << /Font << /F1 4 0 R >> >> >>"] * pages
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{obj}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def _pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def scanned_page(*lines: str) -> Image.Image:
    """A page of black text on white at about 200 dpi, as a scanner would give it."""
    page = Image.new("L", (1654, 1000), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 44)
    for row, line in enumerate(lines):
        draw.text((120, 120 + row * 90), line, fill=0, font=font)
    return page


def image_bytes(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "PDF":
        image.save(out, "PDF", resolution=200.0)
    else:
        image.save(out, fmt)
    return out.getvalue()


def _member(name: str) -> zipfile.ZipInfo:
    """A fixed date in the zip entry: the same text gives the same bytes, whenever it is made."""
    return zipfile.ZipInfo(name, date_time=(2025, 1, 2, 8, 0, 0))


def docx(text: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(_member("[Content_Types].xml"),
                         '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                         'content-types"><Override PartName="/word/document.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        archive.writestr(_member("word/document.xml"), f"<w:document><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p>"
                                              "</w:body></w:document>")
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a.txt", "isi")
    return out.getvalue()

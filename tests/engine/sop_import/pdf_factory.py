"""Generated Permenpan-format SOP PDFs (reportlab): identity table, flowchart table, real vector symbols.

Layouts vary by page size (A4, F4/folio), orientation, column widths, number of Pelaksana
columns, labels (Mutu Baku / Pendukung, Keterangan / Ket), pages (table continued with a
pentagon off-page connector, header repeated or not) and decisions with Tidak loops.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape as to_landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from tests.engine.sop_import.drawing import DrawStyle, Pen

F4 = (215 * mm, 330 * mm)
FONT, BOLD, SIZE, LEAD = "Helvetica", "Helvetica-Bold", 7, 8.5


@dataclass
class GenStep:
    kegiatan: str
    lane: int
    decision: bool = False
    no_target: int | None = None  # index of the step the Tidak arrow returns to
    kelengkapan: str = "Dokumen"
    waktu: str = "1 jam"
    output: str = "Dokumen"
    ket: str = ""


@dataclass
class GenSop:
    lanes: list[str]
    steps: list[GenStep]
    nomor: str = "045/123/PPID/2025"
    nama: str = "Pelayanan Permohonan Informasi Publik"
    unit: str = "DINAS KOMUNIKASI, INFORMATIKA, PERSANDIAN DAN STATISTIK"
    seksi: str = "BIDANG INFORMASI DAN KOMUNIKASI PUBLIK"
    tanggal_pembuatan: str = "6 Februari 2025"
    tanggal_revisi: str = "-"
    tanggal_efektif: str = "1-Apr-25"
    efektif_label: str = "Tanggal Efektif"
    signer: tuple[str, ...] = ("Kepala Dinas Komunikasi dan Informatika", "AGUS SANTOSO, S.Kom., M.Si",
                               "NIP. 197501012000031002")
    dasar_hukum: tuple[str, ...] = (
        "Undang-Undang Nomor 14 Tahun 2008 tentang Keterbukaan Informasi Publik",
        "Peraturan Pemerintah Nomor 61 Tahun 2010 tentang Pelaksanaan UU 14/2008",
        "Peraturan Komisi Informasi Nomor 1 Tahun 2021 tentang Standar Layanan Informasi Publik")
    kualifikasi: tuple[str, ...] = ("Minimal SMA/sederajat", "Memahami pelayanan informasi")
    keterkaitan: tuple[str, ...] = ("SOP Pengajuan Keberatan",)
    peralatan: tuple[str, ...] = ("Komputer", "Jaringan internet")
    peringatan: str = "Bila SOP tidak dilaksanakan, pemohon tidak terlayani."
    pencatatan: str = "Disimpan dalam bentuk softcopy dan hardcopy"
    page: tuple[float, float] = A4
    landscape: bool = False
    lane_widths: list[float] | None = None  # relative widths of the pelaksana columns
    kegiatan_weight: float = 3.0
    rows_per_page: int | None = None  # split the table: rows on the first page
    repeat_header: bool = True
    identity_own_page: bool = False
    mutu_label: str = "Mutu Baku"
    ket_label: str = "Keterangan"
    symbols: bool = True
    with_header_only: bool = False
    style: DrawStyle = DrawStyle()
    connector_letters: bool = True  # off-page connectors carry their letter
    tidak_lift: float = 0.0  # how far above its loop the Tidak label is printed (far: no label reaches it)
    undrawn_flows: tuple[int, ...] = ()  # steps whose arrow from the row before is left out (a drafting slip)


def wrap(text: str, width: float, font: str = FONT, size: float = SIZE) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        trial = (line + " " + word).strip()
        if stringWidth(trial, font, size) <= width - 4 or not line:
            line = trial
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines or [""]


class _Pdf:
    def __init__(self, path: Path, sop: GenSop, encrypt: str | None = None):
        size = to_landscape(sop.page) if sop.landscape else sop.page
        self.c = canvas.Canvas(str(path), pagesize=size, encrypt=encrypt)
        self.w, self.h = size
        self.sop = sop
        self.margin = 15 * mm
        self.pen = Pen(self.c, self.h, sop.style)

    def y(self, top: float) -> float:  # top-based to reportlab's bottom-based
        return self.h - top

    def text(self, x: float, top: float, lines: list[str], font=FONT, size=SIZE, center_w: float | None = None):
        self.c.setFont(font, size)
        for i, line in enumerate(lines):
            baseline = top + (i + 1) * LEAD - 1.5
            if center_w is not None:
                self.c.drawCentredString(x + center_w / 2, self.y(baseline), line)
            else:
                self.c.drawString(x + 2, self.y(baseline), line)

    def hline(self, x0, x1, top):
        self.c.line(x0, self.y(top), x1, self.y(top))

    def vline(self, x, top, bottom):
        self.c.line(x, self.y(top), x, self.y(bottom))


def _identity(pdf: _Pdf, top: float) -> float:
    sop, c = pdf.sop, pdf.c
    x0, x1 = pdf.margin, pdf.w - pdf.margin
    left_w = (x1 - x0) * 0.38
    mid = x0 + left_w
    label_w = 80
    c.setLineWidth(0.6)
    rows = [("Nomor SOP", [sop.nomor]), ("Tanggal Pembuatan", [sop.tanggal_pembuatan]),
            ("Tanggal Revisi", [sop.tanggal_revisi]), (sop.efektif_label, [sop.tanggal_efektif]),
            ("Disahkan oleh", list(sop.signer)), ("Nama SOP", [sop.nama])]
    y = top
    for label, values in rows:
        lines = [line for value in values for line in wrap(value, x1 - mid - label_w)]
        h = len(lines) * LEAD + 6
        pdf.text(mid, y + 3, [label], BOLD)
        pdf.text(mid + label_w, y + 3, lines)
        pdf.hline(mid, x1, y)
        pdf.vline(mid + label_w, y, y + h)
        y += h
    pdf.text(x0, top + 3, wrap("PEMERINTAH PROVINSI KALIMANTAN TENGAH", left_w) + wrap(sop.unit, left_w), BOLD)
    pdf.text(x0, y - 3 * LEAD - 4, wrap(sop.seksi, left_w), BOLD)
    pdf.c.rect(x0, pdf.y(y), x1 - x0, y - top)
    pdf.vline(mid, top, y)
    half = (x1 - x0) / 2
    for (l1, v1), (l2, v2) in ((("Dasar Hukum", sop.dasar_hukum), ("Kualifikasi Pelaksana", sop.kualifikasi)),
                               (("Keterkaitan", sop.keterkaitan), ("Peralatan/Perlengkapan", sop.peralatan)),
                               (("Peringatan", (sop.peringatan,)), ("Pencatatan dan Pendataan", (sop.pencatatan,)))):
        pdf.hline(x0, x1, y)
        pdf.text(x0, y + 2, [l1], BOLD)
        pdf.text(x0 + half, y + 2, [l2], BOLD)
        y += LEAD + 4
        pdf.hline(x0, x1, y)
        numbered = l1 != "Peringatan"
        left = [line for i, v in enumerate(v1) for line in wrap((f"{i + 1}. " if numbered else "") + v, half)]
        right = [line for i, v in enumerate(v2) for line in wrap((f"{i + 1}. " if numbered else "") + v, half)]
        pdf.text(x0, y + 2, left)
        pdf.text(x0 + half, y + 2, right)
        h = max(len(left), len(right)) * LEAD + 6
        pdf.vline(x0, y - LEAD - 4, y + h)
        pdf.vline(x0 + half, y - LEAD - 4, y + h)
        pdf.vline(x1, y - LEAD - 4, y + h)
        y += h
    pdf.hline(x0, x1, y)
    return y + 12


@dataclass
class _Table:
    xs: list[float]  # column boundaries
    lane_first: int  # index of the first pelaksana column
    rows: list[tuple[int, float, float, int]] = field(default_factory=list)  # (step index or -1, top, bottom, page)


def _columns(pdf: _Pdf) -> _Table:
    sop = pdf.sop
    lanes = sop.lane_widths or [1.0] * len(sop.lanes)
    weights = [0.45, sop.kegiatan_weight] + [w * 0.9 for w in lanes] + [1.3, 0.9, 1.2, 1.0]
    total = pdf.w - 2 * pdf.margin
    xs = [pdf.margin]
    for weight in weights:
        xs.append(xs[-1] + total * weight / sum(weights))
    return _Table(xs, 2)


def _header(pdf: _Pdf, table: _Table, top: float) -> float:
    sop, xs = pdf.sop, table.xs
    n = len(sop.lanes)
    lane_cols = range(2, 2 + n)
    mutu0 = 2 + n
    names = [wrap(name, xs[i + 3] - xs[i + 2]) for i, name in enumerate(sop.lanes)]
    h1, h2 = LEAD + 6, max(len(lines) for lines in names) * LEAD + 6
    bottom = top + h1 + h2
    pdf.text(xs[0], top + (h1 + h2) / 2 - LEAD / 2, ["No"], BOLD, center_w=xs[1] - xs[0])
    pdf.text(xs[1], top + (h1 + h2) / 2 - LEAD / 2, ["Kegiatan"], BOLD, center_w=xs[2] - xs[1])
    pdf.text(xs[2], top + 3, ["Pelaksana"], BOLD, center_w=xs[mutu0] - xs[2])
    pdf.text(xs[mutu0], top + 3, [sop.mutu_label], BOLD, center_w=xs[mutu0 + 3] - xs[mutu0])
    pdf.text(xs[mutu0 + 3], top + (h1 + h2) / 2 - LEAD / 2, [sop.ket_label], BOLD, center_w=xs[-1] - xs[mutu0 + 3])
    for i, lines in zip(lane_cols, names):
        pdf.text(xs[i], top + h1 + 3, lines, BOLD, center_w=xs[i + 1] - xs[i])
    for i, label in enumerate(("Kelengkapan", "Waktu", "Output")):
        pdf.text(xs[mutu0 + i], top + h1 + 3, [label], BOLD, center_w=xs[mutu0 + i + 1] - xs[mutu0 + i])
    pdf.hline(xs[0], xs[-1], top)
    pdf.hline(xs[2], xs[mutu0 + 3], top + h1)
    pdf.hline(xs[0], xs[-1], bottom)
    for i, x in enumerate(xs):
        inner_top = i in range(3, 2 + n) or i in (mutu0 + 1, mutu0 + 2)
        pdf.vline(x, top + (h1 if inner_top else 0), bottom)
    return bottom


def _cells(pdf: _Pdf, table: _Table, step: GenStep, number: int, top: float) -> float:
    xs, n = table.xs, len(pdf.sop.lanes)
    mutu0 = 2 + n
    texts = {0: [str(number)], 1: wrap(step.kegiatan, xs[2] - xs[1]),
             mutu0: wrap(step.kelengkapan, xs[mutu0 + 1] - xs[mutu0]),
             mutu0 + 1: wrap(step.waktu, xs[mutu0 + 2] - xs[mutu0 + 1]),
             mutu0 + 2: wrap(step.output, xs[mutu0 + 3] - xs[mutu0 + 2]),
             mutu0 + 3: wrap(step.ket, xs[mutu0 + 4] - xs[mutu0 + 3]) if step.ket else []}
    height = max(46, max(len(v) for v in texts.values()) * LEAD + 8)
    for col, lines in texts.items():
        pdf.text(xs[col], top + 4, lines, center_w=(xs[1] - xs[0]) if col == 0 else None)
    return top + height


def _grid(pdf: _Pdf, table: _Table, top: float, bottoms: list[float]) -> None:
    for b in bottoms:
        pdf.hline(table.xs[0], table.xs[-1], b)
    for x in table.xs:
        pdf.vline(x, top, bottoms[-1])


def write_sop_pdf(path: Path, sop: GenSop, encrypt: str | None = None) -> Path:
    pdf = _Pdf(path, sop, encrypt)
    table = _columns(pdf)
    top = _identity(pdf, pdf.margin)
    if sop.identity_own_page:
        pdf.c.showPage()
        top = pdf.margin
    split = sop.rows_per_page or len(sop.steps)
    letters = _loop_letters(sop, split)
    boxes: dict[int, tuple[float, float, float, float, int]] = {}  # step -> (cx, cy, w, h, page)
    page = 0
    body_top = _header(pdf, table, top)
    row_top = body_top
    bottoms: list[float] = []
    connector_in: tuple[float, float] | None = None
    if sop.with_header_only:
        pdf.c.save()
        return path
    for index, step in enumerate(sop.steps):
        if index and index % split == 0:
            _grid(pdf, table, top, [body_top] + bottoms)
            # off-page connector under the table, in the lane of the last step on this page
            last = boxes[index - 1]
            pcx, pcy = last[0], bottoms[-1] + 14
            pdf.pen.shape("pentagon", pcx, pcy, 16, 16, "A" if sop.connector_letters else "")
            pdf.pen.arrow([(last[0], last[1] + last[3] / 2), (pcx, pcy - 8)])
            pdf.c.showPage()
            page += 1
            top = pdf.margin
            body_top = _header(pdf, table, top) if sop.repeat_header else top
            pdf.hline(table.xs[0], table.xs[-1], body_top)
            ccx = _lane_cx(table, step.lane)
            pdf.pen.shape("pentagon", ccx, body_top + 14, 16, 16, "A" if sop.connector_letters else "")
            connector_in = (ccx, body_top + 22)
            bottoms = [body_top + 28]
            row_top = body_top + 28
        bottom = _cells(pdf, table, step, index + 1, row_top)
        bottoms.append(bottom)
        box = _symbol_box(table, sop, index, (row_top + bottom) / 2) + (page,)
        boxes[index] = box
        if sop.symbols:
            kind = "diamond" if step.decision else "capsule" if index in (0, len(sop.steps) - 1) else "rect"
            pdf.pen.shape(kind, *box[:4])
            if connector_in is not None:
                pdf.pen.arrow([connector_in, (box[0], box[1] - box[3] / 2)])
                connector_in = None
            elif index > 0 and boxes[index - 1][4] == page and index not in sop.undrawn_flows:
                _flow(pdf, boxes[index - 1], box, row_top, sop.steps[index - 1].decision)
            for source, letter in letters.items():
                if sop.steps[source].no_target == index:  # the far end of a Tidak loop from a later page
                    _side_connector(pdf, table, step.lane, box, letter, incoming=True)
            if step.decision and step.no_target is not None:
                if index in letters:
                    _side_connector(pdf, table, step.lane, box, letters[index], incoming=False)
                else:
                    _loop(pdf, box, boxes[step.no_target])
        row_top = bottom
    _grid(pdf, table, top, [body_top] + bottoms)
    pdf.c.save()
    return path


def _loop_letters(sop: GenSop, split: int) -> dict[int, str]:
    """Letters of the off-page connector pairs that carry Tidak loops back to an earlier page."""
    crossing = [i for i, s in enumerate(sop.steps) if s.decision and s.no_target is not None
                and s.no_target // split != i // split]
    return {i: chr(ord("B") + n) for n, i in enumerate(crossing)}


def _symbol_box(table: _Table, sop: GenSop, index: int, cy: float) -> tuple[float, float, float, float]:
    step = sop.steps[index]
    lane_w = table.xs[3 + step.lane] - table.xs[2 + step.lane]
    if step.decision:
        return _lane_cx(table, step.lane), cy, min(lane_w * 0.5, 30), 24
    return _lane_cx(table, step.lane), cy, min(lane_w * 0.6, 46), 18


def _flow(pdf: _Pdf, previous, box, row_top: float, from_decision: bool) -> None:
    (px, py, _, ph, _), (cx, cy, _, h, _) = previous, box
    start, end = (px, py + ph / 2), (cx, cy - h / 2)
    if abs(px - cx) < 0.1:
        points = [start, end]
    else:
        turn = row_top - 7
        points = [start, (px, turn), (cx, turn), end]
    pdf.pen.arrow(points)
    if from_decision:
        pdf.c.setFont(FONT, 6)
        pdf.c.drawString(px + 3, pdf.y(py + ph / 2 + 7), "Ya")


def _loop(pdf: _Pdf, box, target) -> None:
    """The Tidak flow from a diamond back to an earlier step on the same page, beside both."""
    (cx, cy, w, _, _), (tx, ty, tw, _, _) = box, target
    if tx <= cx:
        start, channel, end = (cx - w / 2, cy), min(cx - w / 2, tx - tw / 2) - 7, (tx - tw / 2, ty)
        label_x = cx - w / 2 - 20
    else:
        start, channel, end = (cx + w / 2, cy), max(cx + w / 2, tx + tw / 2) + 7, (tx + tw / 2, ty)
        label_x = cx + w / 2 + 3
    pdf.pen.loop(start, channel, end)
    pdf.c.setFont(FONT, 6)
    pdf.c.drawString(label_x, pdf.y(cy - 3 - pdf.sop.tidak_lift), "Tidak")


def _side_connector(pdf: _Pdf, table: _Table, lane: int, box, letter: str, incoming: bool) -> None:
    """An off-page connector beside a symbol: Tidak leaves a diamond into it, or it leads into the target."""
    cx, cy, w, _, _ = box
    side = -1 if lane == len(pdf.sop.lanes) - 1 else 1
    edge = (cx + side * w / 2, cy)
    ccx = cx + side * (w / 2 + 17)
    pdf.pen.shape("pentagon", ccx, cy, 14, 14, letter if pdf.sop.connector_letters else "")
    near = (ccx - side * 7, cy)
    pdf.pen.arrow([near, edge] if incoming else [edge, near])
    if not incoming:
        pdf.c.setFont(FONT, 6)
        pdf.c.drawString(min(edge[0], near[0]), pdf.y(cy - 9), "Tidak")


def _lane_cx(table: _Table, lane: int) -> float:
    return (table.xs[2 + lane] + table.xs[3 + lane]) / 2


def scanned_copy(source: Path, target: Path, resolution: int = 150) -> Path:
    """A PDF holding only page images of ``source``: no text layer, no vectors."""
    import pdfplumber
    with pdfplumber.open(str(source)) as pdf:
        first = pdf.pages[0]
        c = canvas.Canvas(str(target), pagesize=(first.width, first.height))
        for index, page in enumerate(pdf.pages):
            image = target.with_suffix(f".{index}.png")
            page.to_image(resolution=resolution).save(str(image))
            c.setPageSize((page.width, page.height))
            c.drawImage(str(image), 0, 0, page.width, page.height)
            c.showPage()
            image.unlink()
        c.save()
    return target


DETAIL = ("dengan memeriksa identitas pemohon, nomor pendaftaran, rincian informasi yang dibutuhkan, tujuan "
          "penggunaan informasi, cara memperoleh informasi dan cara mendapatkan salinannya, lalu mencocokkan "
          "permohonan dengan Daftar Informasi Publik dan Daftar Informasi yang Dikecualikan, menelusuri arsip "
          "aktif dan inaktif pada unit pengolah, mencatat hasil penelusuran pada lembar kendali, menyusun "
          "ringkasan bagi pejabat yang berwenang, dan memastikan seluruh berkas telah lengkap sebelum "
          "diteruskan ke tahap berikutnya sesuai jangka waktu pelayanan")


def sample_sop(lanes: int = 3, decisions: bool = True, detailed: int | None = None, **layout) -> GenSop:
    """A typical information-request SOP over 2 to 5 pelaksana columns; step ``detailed`` (an index) has a
    Kegiatan of many lines, as a row that breaks across a page has."""
    names = ["Petugas Pelayanan Informasi", "PPID Pelaksana", "Atasan PPID", "Kepala Bidang", "Sekretaris Dinas"][:lanes]
    steps = [
        GenStep("Menerima permohonan informasi dari pemohon dan mencatat dalam register", 0,
                kelengkapan="Formulir permohonan", waktu="15 menit", output="Register permohonan"),
        GenStep("Memeriksa kelengkapan permohonan dan meneruskan kepada PPID Pelaksana", min(1, lanes - 1),
                decision=decisions, no_target=0 if decisions else None, kelengkapan="Register permohonan",
                waktu="1 jam", output="Permohonan lengkap"),
        GenStep("Menyiapkan informasi yang diminta", min(1, lanes - 1), kelengkapan="Permohonan lengkap",
                waktu="3 hari kerja", output="Draf jawaban"),
        GenStep("Menyetujui jawaban atas permohonan informasi", min(2, lanes - 1), decision=decisions,
                no_target=2 if decisions else None, kelengkapan="Draf jawaban", waktu="1 hari kerja",
                output="Jawaban disetujui"),
    ]
    if lanes >= 4:
        steps.append(GenStep("Menandatangani surat pemberitahuan tertulis", 3, kelengkapan="Jawaban disetujui",
                             waktu="30 menit", output="Surat pemberitahuan"))
    if lanes >= 5:
        steps.append(GenStep("Mengarsipkan surat pemberitahuan", 4, kelengkapan="Surat", waktu="Setiap saat",
                             output="Arsip"))
    steps.append(GenStep("Menyampaikan informasi kepada pemohon", 0, kelengkapan="Surat pemberitahuan",
                         waktu="2 hari", output="Informasi diterima pemohon", ket="Melalui email atau langsung"))
    if detailed is not None:
        steps[detailed].kegiatan += " " + DETAIL
    return GenSop(lanes=names, steps=steps, **layout)

"""The identity part of a Permenpan-RB 35/2012 SOP: labels and their values.

The input is a grid of text cells (rows of cells with an x-range), built from PDF words or from
the tab-separated lines of a text export. A label's value is either the rest of its cell
("Nomor SOP : 800/626"), the next cell of the same row ("Nomor SOP | 800/626", continuing on
the lines below in that column), or, when the label stands alone with other labels beside it
("Dasar Hukum | Kualifikasi Pelaksana"), the cells below it in its column until the next label.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date

from engine.sop_definition import SopIdentity

# field -> pattern matching the label at the start of a cell (case-insensitive)
LABELS: list[tuple[str, str]] = [
    ("nomor", r"(?:nomor|no\.?)\s*(?:sop|prosedur)|nomor"),
    ("tanggal_pembuatan", r"(?:tanggal|tgl\.?)\s*(?:pembuatan|dibuat)"),
    ("tanggal_revisi", r"(?:tanggal|tgl\.?)\s*revisi"),
    ("tanggal_efektif", r"(?:tanggal|tgl\.?)\s*(?:efektif|pengesahan|berlaku|penetapan)"),
    ("disahkan_oleh", r"disa?y?hkan\s*oleh|ditetapkan\s*oleh"),
    ("nama", r"(?:nama|judul)\s*(?:sop|prosedur)|judul"),
    ("dasar_hukum", r"dasar\s*hukum"),
    ("kualifikasi", r"kualifikasi(?:\s*pelaksana)?"),
    ("keterkaitan", r"keterkaitan(?:\s*(?:dengan\s*)?(?:sop|prosedur)(?:\s*lain)?)?"),
    ("peralatan", r"peralatan(?:\s*/?\s*perle\w*)?|perlengkapan"),
    ("peringatan", r"peringatan"),
    ("pencatatan", r"pencatatan(?:\s*(?:dan|&)\s*pendataan)?|pendataan"),
]
_LABEL_RES = [(name, re.compile(rf"^\s*(?:{pattern})\b\s*:?\s*", re.I)) for name, pattern in LABELS]
LIST_FIELDS = ("dasar_hukum", "kualifikasi", "keterkaitan", "peralatan")

MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "pebruari": 2, "feb": 2, "peb": 2, "maret": 3, "mar": 3,
    "april": 4, "apr": 4, "mei": 5, "may": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7,
    "agustus": 8, "agu": 8, "agt": 8, "ags": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "oct": 10, "november": 11, "nop": 11, "nov": 11, "desember": 12, "des": 12, "dec": 12,
}
_DATE = re.compile(r"(\d{1,2})\s*[-/. ]\s*([A-Za-z]{3,9}|\d{1,2})\s*[-/. ]\s*(\d{4}|\d{2})\b")


@dataclass
class Cell:
    text: str
    x0: float
    x1: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2


def clean_html(text: str) -> str:
    """HTML residue of text exports to plain text; list items and <br> become line breaks."""
    text = re.sub(r"<\s*(li|br|p|div|tr)\b[^>]*>", "\n", text, flags=re.I)
    text = re.sub(r"<[^>]+>", " ", text)
    text = html.unescape(text).replace("**", " ")
    return re.sub(r"[ \t\u00a0]+", " ", text).strip()


def label_of(text: str) -> tuple[str, str] | None:
    """(field, rest of the cell) when the cell starts with an identity label."""
    plain = clean_html(text)
    for name, pattern in _LABEL_RES:
        match = pattern.match(plain)
        if match:
            rest = plain[match.end():]
            if name == "nomor" and re.match(r"^\d+\s+tahun", rest, re.I):
                return None  # "Nomor 14 Tahun 2008": a law, not the label
            return name, rest.lstrip(":").strip()
    return None


def _split_labels(cell: Cell) -> list[Cell]:
    """A cell starting with a label that holds further labels ("Dasar Hukum : Kualifikasi :")."""
    text = clean_html(cell.text)
    first = label_of(text)
    if not first:
        return [cell]
    first_end = len(text) - len(first[1])
    cuts = [0]
    for name, pattern in LABELS:
        if name == "nomor":
            continue
        for match in re.finditer(rf"(?<=[\s:])(?:{pattern})\b", text, re.I):
            if match.start() >= first_end and (text[match.start() - 1] in ": ") and _looks_like_label_here(text, match):
                cuts.append(match.start())
    cuts = sorted(set(cuts))
    if len(cuts) == 1:
        return [cell]
    width = (cell.x1 - cell.x0) / max(len(text), 1)
    parts = []
    for start, end in zip(cuts, cuts[1:] + [len(text)]):
        parts.append(Cell(text[start:end].strip(), cell.x0 + start * width, cell.x0 + end * width))
    return parts


def _looks_like_label_here(text: str, match: re.Match) -> bool:
    before = text[:match.start()].rstrip()
    after = text[match.end():match.end() + 3]
    return before.endswith(":") or after.lstrip().startswith(":") or not after.strip()


CONT = "\u2063"  # marks a line that came from a line break of the source, not from an item marker


def split_items(text: str) -> list[str]:
    """A list value as items: HTML list items, "1. ... 2. ...", "- ..." or one item per line."""
    original = text
    text = "\n".join(CONT + line if i else line for i, line in enumerate(text.split("\n")))
    text = re.sub(r"<\s*li\b[^>]*>", "\n", text, flags=re.I)
    text = clean_html(re.sub(r"\n", " \n ", text)) if "<" in text else text
    text = re.sub(r"(?:^|(?<=[\s.;:,\u2063]))(\d{1,2})\s*[.)]\s*(?=[A-Za-z(])", "\n", text)
    text = re.sub(r"(?<=[a-z>])(\d{1,2})\.\s*(?=[A-Z<])", "\n", text)  # "1. Komputer2. Printer"
    text = re.sub(r"(?m)^[\s\u2063]*[-•·▪o*]\s+", "\n", text)
    marked = bool(re.search(r"(?m)(?:^|(?<=[\s.;:,]))\d{1,2}\s*[.)]\s*(?=[A-Za-z(])|^\s*[-•·▪*]\s+|<\s*li", original))
    lines = [re.sub(r"\s+", " ", line).strip(" ;,") for line in text.split("\n")]
    if marked:  # a wrapped line continues the item above it
        items = []
        for line, raw in zip(lines, text.split("\n")):
            if items and raw.lstrip().startswith(CONT) and line:
                items[-1] = (items[-1] + " " + line).strip()
            elif line:
                items.append(line)
        lines = items
    items = [line.replace(CONT, "").strip() for line in lines]
    return [item for item in items if item and not re.fullmatch(r"[\W\d]*", item)]


def parse_date(text: str) -> str | None:
    """An Indonesian date ("1 Agustus 2024", "20-Jan-25", "1-Apr-24", "06/02/2025") as ISO."""
    match = _DATE.search(text or "")
    if not match:
        return None
    day, month, year = match.groups()
    month_no = int(month) if month.isdigit() else MONTHS.get(month.lower())
    if month_no is None:
        return None
    year_no = int(year) + (2000 if len(year) == 2 else 0)
    try:
        return date(year_no, month_no, int(day)).isoformat()
    except ValueError:
        return None


def parse_date_range(text: str) -> tuple[str | None, str | None]:
    """("6 Februari 2025 - 31 Desember 2025") -> (start, end); a single date -> (date, None)."""
    dates = [parse_date(m.group(0)) for m in _DATE.finditer(text or "")]
    dates = [d for d in dates if d]
    if not dates:
        return None, None
    return dates[0], (dates[1] if len(dates) > 1 else None)


_NIP = re.compile(r"NIP\.?\s*:?\s*((?:\d\s?){18})", re.I)
_RANK = re.compile(r"\b(Pembina(?:\s+Utama)?(?:\s+(?:Muda|Madya|Tingkat\s+I))?|Penata(?:\s+Muda)?(?:\s+Tingkat\s+I)?"
                   r"|Pengatur(?:\s+Muda)?(?:\s+Tingkat\s+I)?)\b.*?(?=NIP|$)", re.I)


def parse_signer(text: str) -> dict:
    """Disahkan oleh as {title, name, nip, pangkat, electronic}."""
    text = re.sub(r"[ \t]{2,}", " | ", text.replace("\n", " | "))  # wide gaps and line breaks separate parts
    text = clean_html(text)
    result = {"title": "", "name": "", "nip": "", "pangkat": "", "electronic": False}
    nip = _NIP.search(text)
    if nip:
        result["nip"] = re.sub(r"\s", "", nip.group(1))
        text_wo = text[:nip.start()]
    else:
        text_wo = text
    electronic = re.search(r"(telah\s+)?ditandatangani\s+secara\s+elektronik(\s+oleh)?\s*:?", text_wo, re.I)
    if electronic:
        result["electronic"] = True
        text_wo = text_wo[:electronic.start()] + " | " + text_wo[electronic.end():]
    rank = _RANK.search(text_wo)
    if rank:
        result["pangkat"] = rank.group(0).strip(" ,/")
        text_wo = text_wo[:rank.start()]
    text_wo = text_wo.strip(" ,|")
    # the name: the last run of words written in capitals, with its degrees (", S.Sos", ", M.Si")
    name = re.search(r"((?:[A-Z][A-Z'.]+\s+){0,4}[A-Z][A-Z'.]+(?:\s*,\s*[A-Za-z.]+\.?[A-Za-z.]*)*)[\s|,]*$", text_wo)
    if name and name.start() > 0:
        result["name"] = name.group(1).strip(" ,|")
        result["title"] = text_wo[:name.start()].strip(" ,|")
    else:
        result["title"] = text_wo
    result["title"] = re.sub(r"\s*\|\s*", " ", result["title"]).strip(" ,")
    return result


def _rows_with_split_labels(rows: list[list[Cell]]) -> list[list[Cell]]:
    return [[part for cell in row for part in _split_labels(cell)] for row in rows]


def read_fields(rows: list[list[Cell]]) -> dict[str, list[str]]:
    """Label -> list of value pieces (one per cell / line, in reading order)."""
    rows = _rows_with_split_labels(rows)
    values: dict[str, list[str]] = {}
    open_cols: list[tuple[str, float, float]] = []  # (field, x from, x to) waiting for values below
    for r, row in enumerate(rows):
        labels = [(i, label_of(cell.text)) for i, cell in enumerate(row)]
        labelled = [(i, found) for i, found in labels if found]
        if labelled:
            open_cols = []
        for position, (i, (name, rest)) in enumerate(labelled):
            cell = row[i]
            next_label_x = row[labelled[position + 1][0]].x0 if position + 1 < len(labelled) else float("inf")
            if name in values:  # the label again (seed 003 prints "Nama SOP" twice): keep both readings
                name = name + "_extra"
            values.setdefault(name, [])
            if rest:
                values[name].append(rest)
                open_cols.append((name, cell.x0 - 0.01, next_label_x))
                continue
            following = [c for c in row[i + 1:] if c.x0 < next_label_x and c.text.strip()]
            if following:
                values[name].extend(c.text for c in following)
                open_cols.append((name, following[0].x0 - 0.01, next_label_x))
            else:
                open_cols.append((name, cell.x0 - 0.01, next_label_x))
        if labelled:
            continue
        for name, x_from, x_to in open_cols:
            pieces = [c.text for c in row if x_from <= c.cx < x_to and c.text.strip()]
            values[name].extend(pieces)
    return values


_UNIT = re.compile(r"(BADAN|DINAS|BIRO|SEKRETARIAT|INSPEKTORAT|RUMAH\s+SAKIT|SATUAN|KANTOR)\b[A-Z ,./&()-]*", re.I)


def parse_identity(rows: list[list[Cell]], preamble: str = "") -> tuple[SopIdentity, dict]:
    """The identity and the extras for the report (ISO dates, signer parts, notes)."""
    fields = read_fields(rows)
    identity, extras = SopIdentity(), {"notes": []}

    def text_of(name: str) -> str:
        return re.sub(r"\s+", " ", " ".join(clean_html(v) for v in fields.get(name, []))).strip(" :-")

    nama = text_of("nama") or text_of("nama_extra")
    identity.nomor = text_of("nomor")
    # a number printed under "Nama SOP" (seed 003): the first Nama SOP is the number
    if _looks_like_number(nama):
        if not identity.nomor:
            identity.nomor = nama
        extras["notes"].append(f"the number {nama!r} is printed under 'Nama SOP'")
        nama = text_of("nama_extra")
    extras["nama"] = nama
    for name in ("tanggal_pembuatan", "tanggal_revisi", "tanggal_efektif"):
        value = text_of(name)
        if value in {"-", "–"}:
            value = ""
        setattr(identity, name, value)
        start, end = parse_date_range(value)
        extras[name] = {"text": value, "date": start, "until": end}
    identity.disahkan_oleh = text_of("disahkan_oleh")
    extras["disahkan_oleh"] = parse_signer(" | ".join(fields["disahkan_oleh"])) if identity.disahkan_oleh else {}
    for name in LIST_FIELDS:
        raw = "\n".join(fields.get(name, []))
        setattr(identity, name, split_items(raw))
    identity.peringatan = " ".join(split_items("\n".join(fields.get("peringatan", []))))
    identity.pencatatan = " ".join(split_items("\n".join(fields.get("pencatatan", []))))
    capitals = [clean_html(c.text) for row in rows[:14] for c in row
                if not label_of(c.text) and _mostly_capitals(clean_html(c.text))]
    unit_text = " ".join(capitals) + " " + clean_html(preamble)
    unit_text = re.sub(r"(?i)standar\s+operasional\s+prosedur|standar\s+operating\s+procedures?|\(SOP\)", " ", unit_text)
    unit = _UNIT.search(unit_text)
    if unit:
        text = re.split(r"\b(?:SUB\s*)?(?:BIDANG|BAGIAN|SEKSI|SUBBAG\w*|SUBBID\w*)\b", unit.group(0))[0]
        identity.unit = re.sub(r"\s+", " ", text).strip(" ,.-").title()
    for text in capitals + clean_html(preamble).splitlines():
        seksi = re.search(r"\b((?:SUB\s*)?(?:BIDANG|BAGIAN|SEKSI|SUBBAG\w*|SUBBID\w*)\s+[A-Z ,&/-]{4,})", text)
        if seksi:
            identity.seksi = re.sub(r"\s+", " ", seksi.group(1)).strip(" ,").title()
            break
    return identity, extras


def _mostly_capitals(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 4 and sum(ch.isupper() for ch in letters) >= 0.85 * len(letters)


def _looks_like_number(text: str) -> bool:
    return bool(text) and bool(re.fullmatch(r"[\dA-Za-z.\s]*\d[\dA-Za-z.\s]*(/\s*[\w.\s-]+){1,6}", text)) \
        and sum(ch.isdigit() for ch in text) >= 2 and len(text.split()) <= 8


def rows_from_text(text: str) -> list[list[Cell]]:
    """Tab-separated lines as rows of cells; the cell's x-range is its column index."""
    rows = []
    for line in text.splitlines():
        row = []
        for i, cell in enumerate(line.split("\t")):
            parts = [p for p in re.split(r"(?<=\S) {2,}(?=\S)", cell.strip()) if p.strip()] if "<" not in cell else [cell]
            for k, part in enumerate(parts):  # a wide gap inside a cell separates parts (title  NAME)
                x = i + k * 0.9 / len(parts)
                row.append(Cell(clean_html(part) if "<li" not in part.lower() else part, x, x + 0.9 / len(parts)))
        rows.append(row)
    return [row for row in rows if row]

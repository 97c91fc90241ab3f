"""The flowchart table of a Permenpan-format SOP PDF: header, column x-ranges, rows per step.

The header is found by its words (No, Kegiatan, Pelaksana, Mutu Baku / Pendukung, Kelengkapan,
Waktu, Output, Keterangan / Ket), not by position. Column x-ranges come from the vertical rules
that cross the header's lower row; a borderless table falls back to the gaps between the header
words. Rows come from the horizontal rules that cross the Kegiatan column (symbols never stand
there) or, without rules, from the numbers in the No column. A page without a header continues
the previous page's table with the same columns.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.sop_import.identity import Cell

MERGE = 2.0

_KIND_WORDS = {
    "kegiatan": r"kegiatan|aktivitas|uraian",
    "kelengkapan": r"kelengkapan|persyaratan|syarat|perlengkapan",
    "waktu": r"waktu",
    "output": r"output|keluaran|hasil",
    "keterangan": r"keterangan|ket\.?",
    "no": r"no\.?|nomor",
    "pelaksana": r"pelaksana",
    "mutu": r"mutu|pendukung",
}
_RES = {kind: re.compile(rf"^(?:{pattern})[:.]?$", re.I) for kind, pattern in _KIND_WORDS.items()}
MUTU_KINDS = ("kelengkapan", "waktu", "output")


@dataclass
class Column:
    kind: str  # no | kegiatan | pelaksana | kelengkapan | waktu | output | keterangan | other
    x0: float
    x1: float
    name: str = ""

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class Row:
    page: int
    top: float
    bottom: float
    cells: dict[str, str] = field(default_factory=dict)  # kind -> text (non-pelaksana columns)
    pelaksana_text: dict[int, str] = field(default_factory=dict)  # pelaksana index -> text in that cell

    @property
    def number(self) -> str:
        match = re.match(r"^\s*(\d{1,3}[a-z]?)\b", self.cells.get("no", ""))
        return match.group(1) if match else ""


@dataclass
class PageTable:
    page: int
    columns: list[Column]
    top: float  # header top (or body top on a continuation page)
    body_top: float
    bottom: float
    header_found: bool
    rows: list[Row] = field(default_factory=list)

    @property
    def pelaksana(self) -> list[Column]:
        return [c for c in self.columns if c.kind == "pelaksana"]

    def pelaksana_span(self) -> tuple[float, float]:
        cols = self.pelaksana
        return cols[0].x0, cols[-1].x1


def _word_kind(word: dict) -> str | None:
    text = word["text"].strip()
    for kind, pattern in _RES.items():
        if pattern.match(text):
            return kind
    return None


def _merge(values: list[float]) -> list[float]:
    result: list[float] = []
    for value in sorted(values):
        if not result or value - result[-1] > MERGE:
            result.append(value)
    return result


def find_header(words: list[dict]) -> dict | None:
    """The header's anchor words on a page, or None: Kegiatan plus Waktu and a Mutu Baku sibling."""
    by_kind: dict[str, list[dict]] = {}
    for word in words:
        kind = _word_kind(word)
        if kind:
            by_kind.setdefault(kind, []).append(word)
    for kegiatan in by_kind.get("kegiatan", []):
        near = lambda w: -15 <= w["top"] - kegiatan["top"] <= 80 or -80 <= w["top"] - kegiatan["top"] <= 15
        waktu = [w for w in by_kind.get("waktu", []) if near(w) and w["x0"] > kegiatan["x1"]]
        if not waktu:
            continue
        waktu_word = waktu[0]
        same_row = lambda w: abs(w["top"] - waktu_word["top"]) < 14
        found = {"kegiatan": kegiatan, "waktu": waktu_word}
        for kind in ("kelengkapan", "output", "keterangan"):
            candidates = [w for w in by_kind.get(kind, []) if near(w) and w["x0"] > kegiatan["x1"]]
            if kind != "keterangan":
                candidates = [w for w in candidates if same_row(w)] or candidates
            if candidates:
                found[kind] = min(candidates, key=lambda w: abs(w["top"] - waktu_word["top"]))
        if "kelengkapan" not in found and "output" not in found:
            continue
        for kind in ("no", "pelaksana", "mutu"):
            candidates = [w for w in by_kind.get(kind, []) if near(w)]
            if kind == "no":
                candidates = [w for w in candidates if w["x1"] <= kegiatan["x0"] + 2]
            if candidates and kind == "no":
                found[kind] = min(candidates, key=lambda w: abs(w["top"] - kegiatan["top"]))
                continue
            # a group title stands above the sub-header row ("PPID Pelaksana" in that row is a lane name),
            # and is the closest such word ("Kualifikasi Pelaksana" higher up is the identity part)
            above = [w for w in candidates if w["bottom"] <= waktu_word["top"] + 1]
            if above:
                found[kind] = max(above, key=lambda w: w["top"])
        return found
    return None


def _vertical_edges(edges: list[dict], y: float) -> list[float]:
    return _merge([e["x0"] for e in edges if e["orientation"] == "v" and e["top"] - 1 <= y <= e["bottom"] + 1])


def _horizontal_edges(edges: list[dict], x: float, below: float) -> list[float]:
    return _merge([e["top"] for e in edges if e["orientation"] == "h" and e["x0"] - 1 <= x <= e["x1"] + 1
                   and e["top"] > below])


def columns_from_header(found: dict, words: list[dict], edges: list[dict]) -> tuple[list[Column], float, float]:
    """(columns, header top, header bottom)."""
    waktu = found["waktu"]
    sub_y = (waktu["top"] + waktu["bottom"]) / 2
    header_top = min(w["top"] for w in found.values())
    kegiatan = found["kegiatan"]
    k_cx = (kegiatan["x0"] + kegiatan["x1"]) / 2
    below = max(w["bottom"] for k, w in found.items() if k in MUTU_KINDS or k == "waktu") - 1
    rules = _horizontal_edges(edges, k_cx, below)
    header_bottom = rules[0] if rules else below + 3
    xs = _vertical_edges(edges, sub_y)
    first_mutu = min(found[k]["x0"] for k in MUTU_KINDS if k in found)
    header_words = [w for w in words if header_top - 2 <= w["top"] and w["bottom"] <= header_bottom + 1]
    if len(xs) >= 5:
        columns = [Column("other", a, b) for a, b in zip(xs, xs[1:]) if b - a > 3]
    else:
        columns = _columns_without_rules(found, header_words, first_mutu)
    for column in columns:
        for kind in ("no", "kegiatan", "kelengkapan", "waktu", "output", "keterangan"):
            word = found.get(kind)
            if word is not None and column.x0 - 1 <= (word["x0"] + word["x1"]) / 2 <= column.x1 + 1:
                column.kind = kind
    k_index = next((i for i, c in enumerate(columns) if c.kind == "kegiatan"), None)
    m_index = next((i for i, c in enumerate(columns) if c.kind in MUTU_KINDS), None)
    if k_index is None or m_index is None:
        return [], header_top, header_bottom
    if not any(c.kind == "no" for c in columns) and k_index > 0:
        columns[k_index - 1].kind = "no"
    title = found.get("pelaksana")
    pelaksana_top = title["bottom"] if title else header_top
    for column in columns[k_index + 1:m_index]:
        column.kind = "pelaksana"
        inside = [w for w in header_words if column.x0 - 1 <= (w["x0"] + w["x1"]) / 2 <= column.x1 + 1
                  and w["top"] >= pelaksana_top - 1 and w is not title and w is not found.get("mutu")]
        column.name = _reading_order(inside)
    if columns[-1].kind == "other" and "keterangan" not in found:
        columns[-1].kind = "keterangan"
    return columns, header_top, header_bottom


def _columns_without_rules(found: dict, header_words: list[dict], first_mutu: float) -> list[Column]:
    """A borderless table: boundaries halfway between the header words of neighbouring columns."""
    kegiatan = found["kegiatan"]
    title = found.get("pelaksana")
    below = title["bottom"] - 1 if title else 0
    pel_words = [w for w in header_words if w["x0"] > kegiatan["x1"] and w["x1"] < first_mutu
                 and w is not title and w is not found.get("mutu") and w["top"] >= below]
    groups: list[list[float]] = []  # x-extents of pelaksana names, words overlapping in x merged
    for w in sorted(pel_words, key=lambda w: w["x0"]):
        if groups and w["x0"] <= groups[-1][1] + 6:
            groups[-1][1] = max(groups[-1][1], w["x1"])
        else:
            groups.append([w["x0"], w["x1"]])
    anchors = [("no", found["no"]["x0"], found["no"]["x1"])] if "no" in found else []
    anchors.append(("kegiatan", kegiatan["x0"], kegiatan["x1"]))
    anchors += [("pelaksana", a, b) for a, b in groups]
    anchors += [(k, found[k]["x0"], found[k]["x1"]) for k in ("kelengkapan", "waktu", "output", "keterangan")
                if k in found]
    anchors.sort(key=lambda a: a[1])
    columns = []
    for i, (kind, a, b) in enumerate(anchors):
        left = 0 if i == 0 else (anchors[i - 1][2] + a) / 2
        right = 10_000 if i == len(anchors) - 1 else (b + anchors[i + 1][1]) / 2
        columns.append(Column("other" if kind == "pelaksana" else kind, left, right))
    return columns


def _reading_order(words: list[dict]) -> str:
    lines: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if lines and abs(lines[-1][0]["top"] - word["top"]) < 3:
            lines[-1].append(word)
        else:
            lines.append([word])
    text = " ".join(" ".join(w["text"] for w in sorted(line, key=lambda w: w["x0"])) for line in lines)
    text = re.sub(r"\s*/\s*", "/", text)
    return re.sub(r"(\w)- (\w)", r"\1\2", text).strip()


def read_rows(table: PageTable, words: list[dict], edges: list[dict]) -> None:
    """Fill ``table.rows`` from the rules crossing the Kegiatan column, or from the row numbers."""
    kegiatan = next(c for c in table.columns if c.kind == "kegiatan")
    xs = [table.columns[0].x0, table.columns[-1].x1]
    body_words = [w for w in words if w["top"] >= table.body_top - 1 and xs[0] - 2 <= w["x0"] <= xs[1] + 2]
    rules = [y for y in _horizontal_edges(edges, kegiatan.cx, table.body_top - 1)]
    if table.header_found:
        rules = [y for y in rules if y > table.body_top + 1]
        bounds = [table.body_top] + rules
    else:
        bounds = rules
    if len(bounds) < 2:
        no = next((c for c in table.columns if c.kind == "no"), None)
        numbers = [w for w in body_words if no and no.x0 - 1 <= w["x0"] and w["x1"] <= no.x1 + 1
                   and re.match(r"^\d{1,3}\.?$", w["text"])]
        if not numbers:
            table.rows = []
            return
        end = max(w["bottom"] for w in body_words) + 2
        bounds = [min(table.body_top, numbers[0]["top"] - 2)] + [w["top"] - 2 for w in numbers[1:]] + [end]
    table.bottom = bounds[-1]
    for top, bottom in zip(bounds, bounds[1:]):
        if bottom - top < 4:
            continue
        row = Row(table.page, top, bottom)
        inside = [w for w in body_words if top - 1 <= (w["top"] + w["bottom"]) / 2 <= bottom + 1]
        for column in table.columns:
            cell = [w for w in inside if column.x0 <= (w["x0"] + w["x1"]) / 2 < column.x1]
            if not cell:
                continue
            text = _reading_order(cell)
            if column.kind == "pelaksana":
                row.pelaksana_text[table.pelaksana.index(column)] = text
            elif column.kind != "other":
                row.cells[column.kind] = (row.cells.get(column.kind, "") + " " + text).strip()
        table.rows.append(row)


def text_rows(words: list[dict], edges: list[dict], top: float = 0, bottom: float = 1e9) -> list[list[Cell]]:
    """Words between ``top`` and ``bottom`` as lines of cells, split at vertical rules or wide gaps."""
    chosen = sorted((w for w in words if top <= w["top"] and w["bottom"] <= bottom),
                    key=lambda w: (round(w["top"]), w["x0"]))
    lines: list[list[dict]] = []
    for word in chosen:
        if lines and abs(lines[-1][0]["top"] - word["top"]) < 3:
            lines[-1].append(word)
        else:
            lines.append([word])
    rows = []
    for line in lines:
        line.sort(key=lambda w: w["x0"])
        y = (line[0]["top"] + line[0]["bottom"]) / 2
        rules = _vertical_edges(edges, y)
        cells: list[list[dict]] = []
        for word in line:
            if cells:
                prev = cells[-1][-1]
                split = word["x0"] - prev["x1"] > max(12.0, 2.5 * (word["bottom"] - word["top"])) or any(
                    prev["x1"] - 1 <= x <= word["x0"] + 1 for x in rules)
                if not split:
                    cells[-1].append(word)
                    continue
            cells.append([word])
        rows.append([Cell(" ".join(w["text"] for w in cell), cell[0]["x0"], cell[-1]["x1"]) for cell in cells])
    return rows

"""A plain model of one SOP (Permenpan-RB 35/2012 format), the input of the BPMN writer.

It mirrors the paper document: the identity part (nomor, dates, signer, dasar hukum, ...) and the
flowchart table (one row per step: Kegiatan, the pelaksana column holding the symbol, Mutu Baku).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

BASES = ("minutes", "hours", "working_days", "none")


@dataclass
class SopIdentity:
    nomor: str = ""
    unit: str = ""
    seksi: str = ""  # bidang / bagian that owns the SOP
    tanggal_pembuatan: str = ""
    tanggal_revisi: str = ""
    tanggal_efektif: str = ""  # also printed as "Tanggal Pengesahan"; once a range
    disahkan_oleh: str = ""
    dasar_hukum: list[str] = field(default_factory=list)
    kualifikasi: list[str] = field(default_factory=list)
    keterkaitan: list[str] = field(default_factory=list)
    peralatan: list[str] = field(default_factory=list)
    peringatan: str = ""
    pencatatan: str = ""


@dataclass
class SopStep:
    number: str  # as numbered in the SOP; implicit steps get a suffix ("1a")
    name: str  # short Indonesian verb phrase
    documentation: str  # the full Kegiatan text (plus notes on how it was read)
    lane: str  # the pelaksana whose column holds the symbol
    kelengkapan: str = ""
    waktu: str = ""  # as written
    durasi: str | None = None  # ISO 8601, see parse_waktu
    basis: str = "none"  # one of BASES
    output: str = ""
    keterangan: str = ""
    decision: bool = False  # a diamond: the step is followed by a Ya / Tidak gateway
    no_target: str | None = None  # number of the step the "Tidak" flow returns to
    question: str = ""  # the gateway's label; defaults to "<name>?"


@dataclass
class SopDefinition:
    key: str  # process id and file stem
    name: str
    unit: str
    identity: SopIdentity
    lanes: list[str]
    steps: list[SopStep]
    documentation: str = ""  # process-level notes (how the text was read, what is missing)


def step_id(number: str) -> str:
    """The BPMN id of a step's user task: Langkah_<n>, non-alphanumerics replaced by _."""
    return "Langkah_" + _id_part(number)


def gateway_id(number: str) -> str:
    """The BPMN id of a decision step's gateway: Keputusan_<n>."""
    return "Keputusan_" + _id_part(number)


def _id_part(number: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "_", number)


# "<n> menit", "<n> jam", "<n> hari kerja", "<n> hari"; the number may be followed by its
# spelling in brackets, as in "2 (dua) hari".
_WAKTU = re.compile(r"(\d+)\s*(?:\([^)]*\)\s*)?(menit|jam|hari)\b", re.IGNORECASE)
_KERJA_AFTER_HARI = re.compile(r"^\s*(?:pada\s+)?(?:hari\s+)?(?:jam\s+)?kerja\b", re.IGNORECASE)


def parse_waktu(text: str | None) -> tuple[str | None, str, bool]:
    """The Mutu Baku "Waktu" as (ISO 8601 duration, basis, flagged).

    domain.md, "The SOP document": n menit -> PTnM, n jam -> PTnH, n hari kerja -> PnD on
    working days, n hari -> PnD treated as working days but flagged for review. Anything that
    is not a duration ("Setiap saat", "Tentatif", "Pada hari jam kerja", "Secara berkala",
    empty) -> (None, "none", False). "2 (dua) hari Pada hari jam kerja" names working days
    explicitly, so it is not flagged.
    """
    match = _WAKTU.search(text or "")
    if not match:
        return None, "none", False
    amount, unit = int(match.group(1)), match.group(2).lower()
    if unit == "menit":
        return f"PT{amount}M", "minutes", False
    if unit == "jam":
        return f"PT{amount}H", "hours", False
    working = bool(_KERJA_AFTER_HARI.match(text[match.end():]))
    return f"P{amount}D", "working_days", not working

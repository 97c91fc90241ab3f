"""Names the importer makes up: the process key (a file stem / XML id) and short step names."""
from __future__ import annotations

import re
import unicodedata

# where a Kegiatan's first clause ends: the short name is the text before these
_CUT = re.compile(r"[,.;:(]|\s(?:dan\s+selanjutnya|selanjutnya|kemudian|yang\s+(?:sudah|telah|akan)|untuk|sesuai|"
                  r"setelah|apabila|jika|bila|melalui|agar|sebagai)\s", re.I)


def step_name(kegiatan: str, limit: int = 60) -> str:
    """The first clause of the Kegiatan, at most ``limit`` characters, cut at a word boundary."""
    text = re.sub(r"\s+", " ", kegiatan or "").strip()
    match = _CUT.search(text, 8)
    if match:
        text = text[:match.start()]
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0]
    return text.strip(" ,.;:-")


def slug(text: str, limit: int = 50) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return text[:limit].rstrip("_")


def process_key(name: str, nomor: str = "") -> str:
    """``sop_<slug of the name>``: a valid XML id and file stem."""
    base = slug(re.sub(r"(?i)^sop\s+", "", name or "")) or slug(nomor) or "impor"
    return "sop_" + base

"""SOP text exports (tab-separated table rows, HTML lists) and OCR text: no drawing survives.

Without the symbols the lane of a step must be inferred. The cues (domain.md, "The five seed
SOPs"), strongest first, each recorded in the report with its confidence and reason:
- label residue in a Pelaksana column: a diamond ("\\Diamond", "◇") is the step's own symbol (high);
  an arrow ("→") points to the column of the next step (medium); "Tidak" / "ya" mark a decision
  in this / the previous row, but stand beside the symbol, not in its column;
- the Kegiatan names its subject ("Sub bidang pelayanan informasi berkoordinasi ...") (high);
- the step before hands over: "diserahkan ke X", "menyerahkan kembali ke X", "disampaikan kepada X" (medium);
- an authority verb (menetapkan, menyetujui, mengesahkan, menandatangani) goes to the most senior lane (medium);
- after an approval the work returns to whoever sent it (low); otherwise the step stays in the lane
  of the step before (low).
"melaporkan kepada X" and "berkoordinasi dengan X" name someone who is not the performer. Two
implicit steps are added, both low confidence: a review by X after "melaporkan kepada X ... untuk
(memperoleh) perbaikan/koreksi" (a decision whose Tidak returns to the step before the report), and
"setelah proses X" naming work no earlier step did (placed in a Pelaksana column no step uses).
"""
from __future__ import annotations

import re

from engine.sop_definition import SopDefinition, SopStep, parse_waktu
from engine.sop_import.identity import Cell, clean_html, parse_identity, rows_from_text
from engine.sop_import.naming import process_key, step_name
from engine.sop_import.report import ImportReport, SopImportError, check_definition

DIAMOND = re.compile(r"\\diamond|[◇◆⋄♢]", re.I)
ARROW = re.compile(r"→|->|⟶|➔|➜|►|▶")
HANDOVER = re.compile(r"\b(?:di)?(?:serahkan|menyerahkan|sampaikan|menyampaikan|disampaikan|teruskan|meneruskan|"
                      r"diteruskan|kirim|mengirim|dikirim|kembalikan)\s+(?:kembali\s+)?(?:ke|kepada)\s+(.{3,80})", re.I)
NOT_PERFORMER = re.compile(r"\b(?:melaporkan|melapor|dilaporkan)\s+(?:kepada|ke)\s+(.{3,60})|"
                           r"\b(?:berkoordinasi|koordinasi)\s+dengan\s+(.{3,60})", re.I)
AUTHORITY = re.compile(r"^\s*(menetapkan|menyetujui|mengesahkan|menandatangani|memutuskan|memberikan\s+persetujuan|"
                       r"memberi\s+disposisi|mendisposisi)\b", re.I)
REVIEW_AFTER_REPORT = re.compile(r"\b(?:melaporkan|menyampaikan)\s+(?:kepada|ke)\s+(.{3,60}?)\s+.*\buntuk\s+"
                                 r"(?:memperoleh\s+|mendapatkan\s+)?(?:perbaikan|koreksi|diperiksa|dikoreksi|persetujuan)",
                                 re.I)
AFTER_PROCESS = re.compile(r"\bsetelah\s+(?:proses\s+|dilakukan\s+)?((?:uji|verifikasi|validasi|pemeriksaan|"
                           r"penelitian|rapat|klarifikasi)\s+\w+)", re.I)
RECEIVED_FROM = re.compile(r"\b(?:menerima|terima)\b.{0,160}?\b(?:dari|(?:yang\s+)?(?:telah\s+|sudah\s+)?"
                           r"(?:dikumpulkan|disusun|disiapkan|dibuat|diajukan|dikirim)(?:\s+oleh)?)\s+(.{3,60})",
                           re.I)
QUESTION = re.compile(r"\bapakah\b|\b(?:di)?(?:setujui|sesuai|lengkap|benar|valid|memenuhi\s+syarat)\s*\?", re.I)
NEGATIVE = re.compile(r"\b(apabila|jika|bila)\s+(belum|tidak)\b|\btidak\s+disetujui\b|dikembalikan\s+untuk", re.I)
SENIORITY = [r"gubernur", r"sekretaris\s+daerah|sekda", r"kepala\s+(badan|dinas|biro|kantor)|kaban|kadis|karo",
             r"atasan", r"sekretaris", r"kepala\s+(bidang|bagian)|kabid|kabag", r"pimpinan",
             r"kepala\s+(seksi|sub\w*)|kasubbag|kasubbid|kasi", r"ppid"]
ABBREVIATIONS = [(r"\bsub\s*bidang\b", "subbid"), (r"\bsub\s*bagian\b", "subbag"), (r"\bkabid\b", "kepala bidang"),
                 (r"\bkaban\b", "kepala badan"), (r"\bkabag\b", "kepala bagian"), (r"\bkaro\b", "kepala biro"),
                 (r"\bkadis\b", "kepala dinas"), (r"\bkasubbag\b", "kasubbag"), (r"\bpimpinan\b", " ")]
STOP = {"dan", "atau", "yang", "di", "ke", "pada", "dari", "untuk", "the", "/", "-"}


def _tokens(text: str) -> set[str]:
    text = text.lower()
    for pattern, replacement in ABBREVIATIONS:
        text = re.sub(pattern, replacement, text)
    return {t for t in re.findall(r"[a-z0-9]+", text) if t not in STOP}


def match_lane(phrase: str, lanes: list[str]) -> str | None:
    """The lane a phrase names: all the lane's words among the phrase's first words (best overlap wins)."""
    words = _tokens(" ".join(phrase.split()[:8]))
    best, best_score = None, 0.0
    for lane in lanes:
        lane_words = _tokens(lane)
        if not lane_words:
            continue
        common = lane_words & words
        score = len(common) / len(lane_words)
        if score >= 0.99 or (score >= 0.5 and len(common) >= 2):
            if score > best_score or (score == best_score and best and len(lane_words) > len(_tokens(best))):
                best, best_score = lane, score
    return best


def _not_performers(text: str, lanes: list[str]) -> set[str]:
    """Lanes the wording names as someone else: reported to, coordinated with, or received from."""
    named = [m.group(1) or m.group(2) for m in NOT_PERFORMER.finditer(text)]
    named += [m.group(1) for m in RECEIVED_FROM.finditer(text)]
    return {match_lane(phrase, lanes) for phrase in named} - {None}


def _next_column(lane: str, lanes: list[str], excluded: set[str]) -> str:
    """The first Pelaksana column right of ``lane`` that the wording does not exclude (else the first one)."""
    after = [other for other in lanes[lanes.index(lane) + 1:] if other not in excluded]
    return (after or [other for other in lanes if other not in excluded] or lanes)[0]


def _seniority(lane: str) -> int:
    for rank, pattern in enumerate(SENIORITY):
        if re.search(pattern, lane, re.I):
            return len(SENIORITY) - rank
    return 0


# --------------------------------------------------------------------------- reading the table

def _find_header(lines: list[list[str]]) -> tuple[int, int, int, int] | None:
    """(sub-header line, kegiatan column, first pelaksana column, kelengkapan column) of a tabbed table."""
    for index, cells in enumerate(lines):
        lowered = [c.strip().lower() for c in cells]
        if not any(re.match(r"^(kelengkapan|persyaratan)", c) for c in lowered):
            continue
        if not any(c.startswith("waktu") for c in lowered):
            continue
        kel = next(i for i, c in enumerate(lowered) if re.match(r"^(kelengkapan|persyaratan)", c))
        for back in (index, index - 1, index - 2):
            if back < 0:
                continue
            row = [c.strip().lower() for c in lines[back]]
            if any(re.match(r"^(kegiatan|uraian|aktivitas)", c) for c in row):
                keg = next(i for i, c in enumerate(row) if re.match(r"^(kegiatan|uraian|aktivitas)", c))
                return index, keg, keg + 1, kel
    return None


def _tabbed_rows(text: str):
    raw_lines = text.splitlines()
    lines = [line.split("\t") for line in raw_lines]
    header = _find_header(lines)
    if header is None:
        return None
    sub, keg, first, kel = header
    lanes = [clean_html(c).strip() for c in lines[sub][first:kel]]
    rows = []
    for cells in lines[sub + 1:]:
        if not cells or not re.match(r"^\s*\d{1,3}\.?\s*$", cells[0]):
            if rows and len(cells) > keg and cells[0].strip() == "" and cells[keg].strip():
                rows[-1]["kegiatan"] += " " + clean_html(cells[keg])
            continue
        get = lambda i: clean_html(cells[i]) if i < len(cells) else ""
        rows.append({
            "number": cells[0].strip().rstrip("."), "kegiatan": get(keg),
            "residue": {i: get(first + i) for i in range(len(lanes)) if get(first + i)},
            "kelengkapan": get(kel), "waktu": get(kel + 1), "output": get(kel + 2), "keterangan": get(kel + 3),
        })
    identity_lines = "\n".join(raw_lines[:max(0, sub - 1)])
    return lanes, rows, identity_lines, header


HEADER_AGAIN = re.compile(r"\bpelaksana\b.*\b(?:mutu|pendukung)\b", re.I)
COLUMN_START = re.compile(r"\s{2,}|\s\d{1,2}\s?[.']\s?(?=[A-Z])|\s\[|\s\||\s\d\.\s")  # a wide gap, "| ", "2. UU"
STEP_LINE = re.compile(r"^\s*(\d{1,2})\s*[\[|(]?\s*((?:Me|Di|Ber|Ter|Pe|Ke|Hasil|Dokumen)[a-z]+\b.*)$")
WAKTU_TEXT = re.compile(r"\d+\s*(?:\([^)]*\)\s*)?(?:menit|jam|hari(?:\s+kerja)?)|secara\s+berkala[\w ,]*|setiap\s+saat|"
                        r"tentatif|pada\s+hari\s+jam\s+kerja", re.I)


def _untabbed_rows(text: str):
    """OCR-like text with no tabs: steps are lines "n Verb ..."; columns cannot be separated."""
    raw = text.splitlines()
    header_at = next((i for i, line in enumerate(raw) if re.search(r"\bpelaksana\b", line, re.I)
                      and re.search(r"mutu|pendukung|kelengkapan", line + " ".join(raw[i + 1:i + 3]), re.I)), None)
    if header_at is None:
        return None
    rows, block = [], []
    for line in raw[header_at + 1:]:
        match = STEP_LINE.match(line)
        if match and (not rows or int(match.group(1)) == int(rows[-1]["number"]) + 1):
            rows.append({"number": match.group(1), "kegiatan": match.group(2), "residue": {}, "kelengkapan": "",
                         "waktu": "", "output": "", "keterangan": "", "block": [line]})
        elif rows and HEADER_AGAIN.search(line):
            rows[-1]["block"].append(None)  # the header repeated on the next page: not this step's text
        elif rows:
            rows[-1]["block"].append(line)
    context = ""
    for row in rows:
        lines = row.pop("block")
        lines = lines[:lines.index(None)] if None in lines else lines
        block = " ".join(lines)
        context += " " + block
        # the Kegiatan column is the first in each line, before the next column's start: the wording cues' text
        lines[0] = row["kegiatan"]  # the step line without its number
        row["context"] = " ".join(COLUMN_START.split(line.strip())[0] for line in lines if line.strip())
        waktu = WAKTU_TEXT.search(block)
        row["waktu"] = waktu.group(0).strip() if waktu else ""
        row["kegiatan"] = re.split(r"\s{2,}|\s\d\.\s|\s\[|\s\|", row["kegiatan"])[0].strip(" [|")
    header_text = " ".join(raw[header_at:header_at + 6])
    lanes = _roles_in(header_text + " " + context)
    return lanes, rows, "\n".join(raw[:header_at]), None


ROLE = re.compile(r"\b(Kasubbag(?:/\s*Kepala\s+Seksi)?|Kepala\s+Seksi|Sekretaris(?:\s*/\s*Kepala\s+Bidang)?|"
                  r"Kepala\s+(?:Bidang|Bagian|Badan|Dinas|Biro)(?:\s+[A-Z][a-z]+)?|Atasan\s+PPID|"
                  r"PPID\s+(?:Pembantu|Pelaksana|Utama)|PPID|JFU|Petugas(?:\s+[A-Z][a-z]+){0,3})")


def _roles_in(text: str) -> list[str]:
    found = []
    for match in ROLE.finditer(text):
        name = re.sub(r"\s+", " ", match.group(1)).replace(" /", "/").replace("/ ", "/")
        if not any(name.lower() in f.lower() or f.lower() in name.lower() for f in found):
            found.append(name)
    return found


# --------------------------------------------------------------------------- lanes from wording

def infer(rows: list[dict], lanes: list[str], report: ImportReport, force_low: bool = False) -> list[SopStep]:
    steps: list[SopStep] = []
    implicit: set[str] = set()
    approvals: set[str] = set()  # steps after which the work returns to the sender
    senior = max(lanes, key=_seniority) if lanes else None

    def note(step: SopStep, lane: str, confidence: str, reason: str) -> None:
        step.lane = lane
        report.infer(f"lane of step {step.number}", lane, "low" if force_low else confidence, reason, step.number)

    for index, row in enumerate(rows):
        kegiatan = re.sub(r"\s+", " ", row["kegiatan"]).strip()
        step = SopStep(number=row["number"], name=step_name(kegiatan) or f"Langkah {row['number']}",
                       documentation=kegiatan, lane="", kelengkapan=row["kelengkapan"], waktu=row["waktu"],
                       output=row["output"], keterangan=row["keterangan"])
        step.durasi, step.basis, _ = parse_waktu(step.waktu)
        residue = row["residue"]
        cues = row.get("context") or kegiatan
        excluded = _not_performers(cues, lanes)
        previous = steps[-1] if steps else None
        previous_row = rows[index - 1] if index else None
        diamond = [i for i, text in residue.items() if DIAMOND.search(text)]
        # the subject: the words before the first verb or preposition ("Sub bidang X berkoordinasi ...")
        head = re.split(r"\s(?=(?:me|ber|di|ter)[a-z]{3,}\b|(?:dari|kepada|dengan|oleh|ke|pada)\s)",
                        " " + kegiatan, maxsplit=1, flags=re.I)[0].strip()
        subject = match_lane(head, lanes) if head else None
        handover = None
        if previous is not None:
            for match in HANDOVER.finditer(previous_row.get("context") or previous.documentation):
                handover = match_lane(match.group(1), lanes) or handover
        arrow = [i for i, text in (previous_row or {}).get("residue", {}).items() if ARROW.search(text)]
        if diamond:
            note(step, lanes[diamond[0]], "high", f"a diamond survives in the {lanes[diamond[0]]!r} column")
            step.decision = True
        elif subject and subject not in excluded:
            note(step, subject, "high", f"the Kegiatan names its subject ({subject})")
        elif handover and handover not in excluded:
            note(step, handover, "medium", f"step {previous.number} hands over to {handover}")
        elif arrow:
            note(step, lanes[arrow[0]], "medium", f"an arrow in step {previous.number}'s row points to the "
                 f"{lanes[arrow[0]]!r} column")
        elif AUTHORITY.match(kegiatan) and senior:
            note(step, senior, "medium", f"authority verb '{AUTHORITY.match(kegiatan).group(1)}': the most senior "
                 f"lane ({senior})")
        elif previous is not None and previous.number in approvals and len(steps) >= 2:
            back = steps[-2].lane
            note(step, back, "low", f"after step {previous.number} the work returns to whoever sent it ({back})")
        elif previous is not None and previous.lane not in excluded:
            note(step, previous.lane, "low", "no cue in the wording: the lane of the step before")
        elif previous is not None:
            lane = _next_column(previous.lane, lanes, excluded)
            note(step, lane, "low", f"the work comes from {previous.lane} (step {previous.number}): the next "
                 "Pelaksana column, the order the table's columns follow")
        else:
            candidates = [lane for lane in lanes if lane not in excluded] or lanes
            note(step, candidates[0], "low", "no cue in the wording: the first Pelaksana column")
        if AUTHORITY.match(kegiatan):
            approvals.add(step.number)
        # a decision: residue or wording
        if not step.decision:
            if any(re.fullmatch(r"\s*tidak\s*", t, re.I) for t in residue.values()):
                step.decision = True
                report.infer(f"decision at step {step.number}", "yes", "medium", "'Tidak' label residue in its row",
                             step.number)
            elif NEGATIVE.search(cues):
                step.decision = True
                report.infer(f"decision at step {step.number}", "yes", "medium",
                             "the Kegiatan says what happens when it is not approved", step.number)
            elif QUESTION.search(cues):
                step.decision = True
                report.infer(f"decision at step {step.number}", "yes", "medium",
                             f"the Kegiatan is worded as a question ({QUESTION.search(cues).group(0)!r})", step.number)
        if previous is not None and not previous.decision and any(
                re.fullmatch(r"\s*ya\s*", t, re.I) for t in residue.values()) and previous.number not in implicit:
            previous.decision = True
            report.infer(f"decision at step {previous.number}", "yes", "medium",
                         f"'ya' label residue in step {step.number}'s row", previous.number)
        # "setelah proses X": implicit work before this step, in a column no step uses yet
        after = AFTER_PROCESS.search(kegiatan)
        if after and not any(after.group(1).lower() in s.documentation.lower() for s in steps):
            used = {s.lane for s in steps} | {step.lane}
            partners = {match_lane(m.group(2) or "", lanes) for s in steps for m in NOT_PERFORMER.finditer(s.documentation)}
            free = [lane for lane in lanes if lane not in used and lane not in partners]
            lane = free[0] if free else (previous.lane if previous else step.lane)
            number = (previous.number if previous else "0") + "a"
            name = after.group(1)[0].upper() + after.group(1)[1:]
            extra = SopStep(number=number, name=name, documentation=f"{name} (langkah tersirat: langkah {step.number} "
                            f"terjadi 'setelah {after.group(0)[8:]}', tanpa baris sendiri di tabel).", lane=lane)
            steps.append(extra)
            implicit.add(number)
            report.infer(f"step {number}", name, "low", f"implied by step {step.number}: '{after.group(0)}'", number)
            report.infer(f"lane of step {number}", lane, "low", "a Pelaksana column that no step uses", number)
        steps.append(step)
        review = REVIEW_AFTER_REPORT.search(kegiatan)
        reviewer = match_lane(" ".join(kegiatan[review.start(1):].split()[:4]), lanes) if review else None
        if reviewer and reviewer != step.lane:
            number = step.number + "a"
            extra = SopStep(number=number, name="Periksa dan koreksi", lane=reviewer, decision=True,
                            documentation=f"{review.group(1).strip().capitalize()} memeriksa dan mengoreksi hasil "
                                          f"langkah {step.number} (langkah tersirat: langkah {step.number} melapor "
                                          "untuk memperoleh perbaikan atau koreksi).")
            before = [s for s in steps[:-1] if s.number not in implicit]
            extra.no_target = before[-1].number if before else step.number
            steps.append(extra)
            implicit.add(number)
            approvals.add(number)
            report.infer(f"step {number}", "review by " + reviewer, "low",
                         f"implied by step {step.number}: reports to {review.group(1).strip()} for correction", number)
            report.infer(f"lane of step {number}", reviewer, "low", "the one reported to", number)
            report.infer(f"Tidak target of step {number}", extra.no_target, "low",
                         "correction redoes the step before the report", number)
    for position, step in enumerate(steps):
        if step.decision and step.no_target is None:
            earlier = [s for s in steps[:position] if s.lane != step.lane and s.number not in implicit]
            earlier = earlier or [s for s in steps[:position] if s.number not in implicit]
            if earlier:
                step.no_target = earlier[-1].number
                report.infer(f"Tidak target of step {step.number}", step.no_target, "low",
                             "no arrow survives: the nearest earlier step in another lane", step.number)
            else:
                report.warn("decision-without-tidak", f"step {step.number} looks like a decision but has no "
                            "earlier step to return to; imported as a plain step", step=step.number)
                step.decision = False
    return steps


def import_text(text: str, source: str = "text", ocr: bool = False) -> tuple[SopDefinition, ImportReport]:
    report = ImportReport(source=source, kind="ocr-text" if ocr else "text")
    parsed = _tabbed_rows(text) or _untabbed_rows(text)
    if parsed is None:
        raise SopImportError(f"{source}: no SOP flowchart table found (No, Kegiatan, Pelaksana, Mutu Baku): "
                             "not a Permenpan-format SOP")
    lanes, rows, identity_text, header = parsed
    if not rows:
        raise SopImportError(f"{source}: the flowchart table is empty: no numbered step rows")
    if not lanes:
        raise SopImportError(f"{source}: the flowchart table names no Pelaksana columns")
    if header is None:
        report.warn("lanes-from-wording", "the Pelaksana header could not be read as columns; lanes are the roles "
                    f"named in the text: {lanes}")
        report.infer("lanes", ", ".join(lanes), "low", "roles named in the header and steps (no column layout)")
    seen: dict[str, int] = {}
    unique = []
    for lane in lanes:
        lane = lane or "Pelaksana"
        seen[lane] = seen.get(lane, 0) + 1
        unique.append(lane if seen[lane] == 1 else f"{lane} ({seen[lane]})")
    lanes = unique
    identity_rows = rows_from_text(identity_text)
    identity, extras = parse_identity(identity_rows, identity_text)
    report.identity = extras
    for note in extras.get("notes", []):
        report.warn("identity-layout", note)
    steps = infer(rows, lanes, report, force_low=ocr)
    used = [lane for lane in lanes if any(s.lane == lane for s in steps)]
    name = extras.get("nama") or _title_from(text) or source
    definition = SopDefinition(key=process_key(name, identity.nomor), name=name, unit=identity.unit,
                               identity=identity, lanes=used, steps=steps)
    check_definition(definition, report, lanes)
    from engine.sop_import.importer import _check_lane_headers, _process_notes
    _check_lane_headers(steps, used, report)
    definition.documentation = _process_notes(report) + " Lane dibaca dari kata-kata teks (tanpa gambar bagan alir)."
    return definition, report


def _title_from(text: str) -> str:
    match = re.search(r"(?im)^\s*(?:#+\s*)?(?:nama\s+sop|prosedur)\s*:?\s*(.+)$", text)
    return clean_html(match.group(1)).strip() if match else ""

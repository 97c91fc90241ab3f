"""The import report: what was read, how sure the reading is, and what a reviewer must check.

Everything here is JSON-serialisable through :meth:`ImportReport.to_dict`. A warning has a
stable ``code`` (for tests and the web app) and an Indonesian-free English ``message`` naming
the step or lane; an inference records one reading the importer had to guess (a lane, a
decision, a Tidak target, an implicit step) with its confidence and the reason.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from engine.errors import EngineError
from engine.sop_definition import SopDefinition, parse_waktu

CONFIDENCES = ("high", "medium", "low")


class SopImportError(EngineError):
    """The input cannot be imported as an SOP; nothing was written. The message says why."""


@dataclass
class Warning_:
    code: str
    message: str
    step: str | None = None
    lane: str | None = None


@dataclass
class Inference:
    subject: str  # "lane of step 3", "decision at step 2", "Tidak target of step 2", "step 1a", "lanes"
    value: str
    confidence: str  # high | medium | low
    reason: str
    step: str | None = None


@dataclass
class ImportReport:
    source: str
    kind: str = ""  # pdf | scanned-pdf | text
    pages: int = 0
    warnings: list[Warning_] = field(default_factory=list)
    inferences: list[Inference] = field(default_factory=list)
    unrecovered: list[str] = field(default_factory=list)  # parts that could not be read at all
    identity: dict = field(default_factory=dict)  # parsed extras: dates as ISO, signer parts
    model_differences: list[str] = field(default_factory=list)  # vs a reviewed model (--compare)

    def warn(self, code: str, message: str, step: str | None = None, lane: str | None = None) -> None:
        if not any(w.code == code and w.message == message for w in self.warnings):
            self.warnings.append(Warning_(code, message, step, lane))

    def infer(self, subject: str, value: str, confidence: str, reason: str, step: str | None = None) -> None:
        if confidence not in CONFIDENCES:
            raise ValueError(f"confidence {confidence!r} is not one of {CONFIDENCES}")
        self.inferences.append(Inference(subject, value, confidence, reason, step))

    @property
    def low_confidence(self) -> list[Inference]:
        return [i for i in self.inferences if i.confidence == "low"]

    def codes(self) -> list[str]:
        return [w.code for w in self.warnings]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["low_confidence"] = [asdict(i) for i in self.low_confidence]
        return data


_PERKI_2010 = re.compile(
    r"(perki|peraturan\s+komisi\s+informasi)[^;\n]{0,60}?\b(no\.?|nomor)\s*1\s+(tahun|th\.?)\s*2010", re.I)


def check_definition(sop: SopDefinition, report: ImportReport, header_lanes: list[str] | None = None) -> None:
    """The warnings domain.md asks for that can be read off the finished definition."""
    identity = sop.identity
    for item in identity.dasar_hukum:
        if _PERKI_2010.search(item):
            report.warn("perki-2010", "Dasar Hukum cites Perki 1/2010, replaced by Perki 1/2021 "
                        f"(Standar Layanan Informasi Publik): {item[:120]}")
            break
    if not identity.nomor.strip():
        report.warn("missing-nomor", "the SOP has no Nomor SOP")
    for step in sop.steps:
        text = (step.waktu or "").strip()
        durasi, basis, flagged = parse_waktu(text)
        if text and durasi is None:
            report.warn("waktu-not-duration", f"step {step.number}: Waktu {text!r} is not a duration; no deadline set",
                        step=step.number)
        if flagged:
            report.warn("hari-as-working-days", f"step {step.number}: Waktu {text!r} says 'hari' without 'kerja'; "
                        "treated as working days", step=step.number)
    lanes_used = {step.lane for step in sop.steps}
    for lane in header_lanes or []:
        if lane not in lanes_used:
            report.warn("empty-lane", f"the Pelaksana column {lane!r} holds no step; it is left out of the BPMN",
                        lane=lane)

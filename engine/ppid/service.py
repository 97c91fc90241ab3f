"""Information requests and objections: the public forms' services and the case hooks.

A request gets its nomor pendaftaran at once (UU 14/2008 Pasal 22 ayat 4) from a yearly sequence
per unit, allocated under a row lock, and starts a case of ``ppid_permohonan_informasi``. The
written notice is due 10 working days after receipt, +7 with an extension (Pasal 22 ayat 7-8);
an objection (Pasal 35) starts ``ppid_keberatan_informasi`` and the Atasan PPID answers within 30
working days (Pasal 36). Those clocks run from receipt, not from when a step became ready, so the
completion hook here sets the due time of the steps that carry them. The lengths and the number
patterns are settings (``PpidSettings.from_env``) with the law as default.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import audit
from engine.calendar_format import format_tanggal
from engine.closures import calendar_from_db
from engine.db import Database
from engine.deployment import latest_model
from engine.errors import EngineError, NotFound
from engine.models import HumanTask, Unit, User
from engine.organization import create_user
from engine.ppid.models import (
    CARA_MEMPEROLEH, CARA_MENYAMPAIKAN, PASAL35, FormSubmission, InformationRequest, Objection, PpidCounter,
    RateEvent,
)
from engine.ppid.letters import queue_letter
from engine.ppid.process_models import OBJECTION_KEY, REQUEST_KEY
from engine.runtime import ProcessService, StepCompleted, register_completion_hook
from engine.timeutil import utcnow

WIB = ZoneInfo("Asia/Jakarta")
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
REFUSAL_GROUNDS = {**{f"pasal17_{letter}": f"Dikecualikan, UU 14/2008 Pasal 17 huruf {letter}" for letter in "abcdefghij"},
                   "tidak_dikuasai": "Informasi tidak dikuasai", "badan_lain": "Dikuasai badan publik lain",
                   "belum_didokumentasikan": "Informasi belum didokumentasikan", "lainnya": "Alasan lain"}
STATUS_INFORMASI = {"dikuasai": "Dikuasai badan publik ini", "badan_lain": "Dikuasai badan publik lain",
                    "tidak_dikuasai": "Tidak dikuasai"}
# The steps whose due time is the legal clock of the case, not their own Waktu.
REQUEST_CLOCK_STEPS = ("Langkah_2", "Langkah_2a", "Langkah_3")
OBJECTION_CLOCK_STEPS = ("Langkah_2",)
# What a browser would parse as markup: "<" directly followed by a letter, "/", "!" or "?"
# ("anggaran < Rp 5 juta" is text).
_TAG = re.compile(r"<[a-zA-Z/!?]")
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_NIK = re.compile(r"^\d{16}$")
_PHONE = re.compile(r"^[0-9+()\-. ]{6,20}$")


@dataclass(frozen=True)
class PpidSettings:
    """Legal clocks and number formats; every value can be set in the environment."""

    nomor_permohonan: str = "{seq:03d}/PPID-{unit}/{bulan}/{tahun}"  # domain.md: not prescribed by law
    nomor_keberatan: str = "{seq:03d}/KEB-{unit}/{bulan}/{tahun}"
    notice_days: int = 10  # UU 14/2008 Pasal 22 ayat 7
    extension_days: int = 7  # UU 14/2008 Pasal 22 ayat 8
    objection_filing_days: int = 30  # UU 14/2008 Pasal 36 ayat 1
    objection_answer_days: int = 30  # UU 14/2008 Pasal 36 ayat 2
    portal_user: str = "portal.publik"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "PpidSettings":
        env = os.environ if env is None else env
        defaults = cls()
        return cls(
            nomor_permohonan=env.get("ALUR_PPID_NOMOR_PERMOHONAN", defaults.nomor_permohonan),
            nomor_keberatan=env.get("ALUR_PPID_NOMOR_KEBERATAN", defaults.nomor_keberatan),
            notice_days=int(env.get("ALUR_PPID_NOTICE_DAYS", defaults.notice_days)),
            extension_days=int(env.get("ALUR_PPID_EXTENSION_DAYS", defaults.extension_days)),
            objection_filing_days=int(env.get("ALUR_PPID_OBJECTION_FILING_DAYS", defaults.objection_filing_days)),
            objection_answer_days=int(env.get("ALUR_PPID_OBJECTION_DAYS", defaults.objection_answer_days)),
            portal_user=env.get("ALUR_PPID_PORTAL_USER", defaults.portal_user),
        )


def _ground_known(request: InformationRequest, ground: str, now: datetime) -> datetime | None:
    """When the applicant learnt of a Pasal 35 ayat 1 ground; None while it can still arise or go on (an
    accepted request not yet delivered can still go unfulfilled, late, or cost an unreasonable fee)."""
    refused = request.notice_at if request.keputusan == "ditolak" else None
    if ground == "a":  # refused under Pasal 17
        return refused
    if ground == "c":  # not answered: known when the notice's due date passed
        return request.due_at if request.due_at and request.due_at < now else None
    if ground == "d":  # answered not as asked
        return request.delivered_at or request.notice_at
    if ground == "e":  # not fulfilled
        return request.delivered_at or refused
    if ground in ("f", "g"):  # fee, delivery late: known when the information was delivered
        return request.delivered_at
    return None  # b: periodic information not provided, a continuing failure


class InvalidForm(EngineError):
    """A public form with wrong or missing fields; ``fields`` maps field names to Indonesian messages."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))


# -- numbers --------------------------------------------------------------------------------------

def format_number(pattern: str, seq: int, unit_code: str, moment: datetime) -> str:
    local = moment.astimezone(WIB)
    return pattern.format(seq=seq, unit=unit_code, bulan=ROMAN[local.month - 1], tahun=local.year)


def next_sequence(session: Session, kind: str, unit_id: int, year: int) -> int:
    """The next number of the year, under the counter row's lock: concurrent callers get distinct numbers.

    The counter row must exist (:func:`ensure_counter`, in a transaction of its own): the bump is
    then this transaction's first write, so SQLite serializes it and PostgreSQL locks the row.
    """
    bumped = session.execute(
        update(PpidCounter).where(PpidCounter.kind == kind, PpidCounter.unit_id == unit_id, PpidCounter.year == year)
        .values(last=PpidCounter.last + 1).returning(PpidCounter.last)).scalar()
    if bumped is None:
        raise EngineError(f"no {kind} counter for unit {unit_id} in {year}; call ensure_counter first")
    return bumped


def ensure_counter(db: Database, kind: str, unit_id: int, year: int) -> None:
    """Create the year's counter row once; a concurrent creator winning the race is fine."""
    with db.session() as session:
        if session.scalar(select(PpidCounter.id).where(PpidCounter.kind == kind, PpidCounter.unit_id == unit_id,
                                                       PpidCounter.year == year)) is not None:
            return
    try:
        with db.session() as session:
            session.add(PpidCounter(kind=kind, unit_id=unit_id, year=year, last=0))
    except IntegrityError:
        pass


def allocate_number(session: Session, kind: str, unit: Unit, moment: datetime, pattern: str) -> str:
    year = moment.astimezone(WIB).year
    return format_number(pattern, next_sequence(session, kind, unit.id, year), unit.code, moment)


# -- validation ------------------------------------------------------------------------------------

@dataclass
class RequestForm:
    unit: str
    nama: str
    alamat: str
    nik: str
    email: str
    telepon: str
    pekerjaan: str
    rincian: str
    tujuan: str
    cara_memperoleh: str
    cara_menyampaikan: str

    @classmethod
    def from_mapping(cls, form) -> "RequestForm":
        return cls(**{name: str(form.get(name, "") or "").strip() for name in cls.__dataclass_fields__})


_LIMITS = {"nama": 200, "alamat": 500, "pekerjaan": 200, "rincian": 5000, "tujuan": 2000, "uraian": 5000}
_REQUIRED = {"nama": "Nama wajib diisi.", "alamat": "Alamat wajib diisi.",
             "rincian": "Rincian informasi yang dibutuhkan wajib diisi.",
             "tujuan": "Tujuan penggunaan informasi wajib diisi."}


_ONE_LINE = {"nama", "pekerjaan", "telepon"}  # they go into registers, notices and e-mail headers
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab, CR and LF aside (browsers send CRLF)


def _check_text(errors: dict, name: str, value: str) -> None:
    if _CONTROL.search(value) or (name in _ONE_LINE and ("\n" in value or "\r" in value)):
        errors[name] = "Isian tidak boleh memuat baris baru atau karakter kendali."
    elif _TAG.search(value):
        errors[name] = "Isian tidak boleh memuat tag HTML atau skrip (tanda < diikuti huruf)."
    elif len(value) > _LIMITS.get(name, 300):
        errors[name] = f"Isian terlalu panjang (paling banyak {_LIMITS.get(name, 300)} karakter)."


def check_email(value: str) -> str | None:
    if not value:
        return "E-mail wajib diisi: status permohonan dilihat dengan nomor pendaftaran dan e-mail ini."
    if len(value) > 254 or not _EMAIL.match(value):
        return "Alamat e-mail tidak valid (contoh: nama@contoh.id)."
    return None


def validate_request(session: Session, form: RequestForm) -> tuple[Unit | None, dict[str, str]]:
    """Every problem of the form at once, in Indonesian; the unit it is addressed to."""
    errors: dict[str, str] = {}
    for name, message in _REQUIRED.items():
        if not getattr(form, name):
            errors[name] = message
    for name in ("nama", "alamat", "pekerjaan", "rincian", "tujuan", "telepon"):
        if name not in errors:
            _check_text(errors, name, getattr(form, name))
    if not form.nik:
        errors["nik"] = "NIK wajib diisi (16 digit angka sesuai KTP)."
    elif not _NIK.match(form.nik):
        errors["nik"] = "NIK harus terdiri dari tepat 16 digit angka."
    problem = check_email(form.email)
    if problem:
        errors["email"] = problem
    if form.telepon and "telepon" not in errors and not _PHONE.match(form.telepon):
        errors["telepon"] = "Nomor telepon hanya boleh berisi angka, spasi, +, - dan tanda kurung."
    if form.cara_memperoleh not in CARA_MEMPEROLEH:
        errors["cara_memperoleh"] = "Pilih cara memperoleh informasi."
    if form.cara_menyampaikan not in CARA_MENYAMPAIKAN:
        errors["cara_menyampaikan"] = "Pilih cara mendapatkan salinan informasi."
    unit = session.scalar(select(Unit).where(Unit.code == form.unit)) if form.unit else None
    if unit is None:
        errors["unit"] = "Pilih badan publik (perangkat daerah) yang dituju."
    return unit, errors


# -- the service -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Submitted:
    id: int
    nomor: str
    duplicate: bool  # the same form sent again: nothing new was stored


class PpidService:
    def __init__(self, db: Database, processes: ProcessService, settings: PpidSettings | None = None,
                 clock: Callable[[], datetime] = utcnow):
        self.db, self.processes = db, processes
        self.settings = settings or PpidSettings.from_env()
        self.clock = clock

    def new_form_token(self) -> str:
        return secrets.token_urlsafe(24)

    # -- requests ---------------------------------------------------------------------------------
    def submit_request(self, form: RequestForm, token: str) -> Submitted:
        """Register the request (number at once) and start its case; the same token twice stores once."""
        now = self.clock()
        with self.db.session() as session:
            found = self._submitted(session, "permohonan", token)
            if found is not None:
                return self._request_submitted(found)
            unit, errors = validate_request(session, form)
            if errors:
                raise InvalidForm(errors)
            latest_model(session, REQUEST_KEY)  # NotFound when the process is not deployed: nothing stored
            unit_id, unit_code = unit.id, unit.code
        self.ensure_portal_user()
        ensure_counter(self.db, "permohonan", unit_id, now.astimezone(WIB).year)
        try:
            with self.db.session() as session:
                unit = session.get(Unit, unit_id)
                nomor = allocate_number(session, "permohonan", unit, now, self.settings.nomor_permohonan)
                row = InformationRequest(
                    nomor=nomor, unit_id=unit.id, received_at=now, nama=form.nama, alamat=form.alamat,
                    nik=form.nik, telepon=form.telepon, email=form.email, pekerjaan=form.pekerjaan,
                    rincian=form.rincian, tujuan=form.tujuan, cara_memperoleh=form.cara_memperoleh,
                    cara_menyampaikan=form.cara_menyampaikan,
                    due_at=calendar_from_db(session).due_at(now, f"P{self.settings.notice_days}D", "working_days"))
                session.add(row)
                session.flush()
                session.add(FormSubmission(token=token, kind="permohonan", result_id=row.id))
                session.flush()
                audit.record(session, self.settings.portal_user, "ppid.request_received", "ppid_request", row.id,
                             nomor=nomor, unit=unit_code)
                queue_letter(session, "permohonan_diterima", row)
                request_id = row.id
        except IntegrityError:  # the same form, sent twice at the same moment: the other one stored it
            with self.db.session() as session:
                found = self._submitted(session, "permohonan", token)
            if found is None:
                raise
            return self._request_submitted(found)
        instance = self.processes.start(REQUEST_KEY, self.settings.portal_user, unit_code,
                                        data={"nomor_pendaftaran": nomor, "permohonan_id": request_id},
                                        title=f"Permohonan informasi {nomor}")
        with self.db.session() as session:
            session.get(InformationRequest, request_id).instance_id = instance.id
        return Submitted(request_id, nomor, False)

    def _request_submitted(self, request_id: int) -> Submitted:
        with self.db.session() as session:
            row = session.get(InformationRequest, request_id)
            return Submitted(row.id, row.nomor, True)

    @staticmethod
    def _submitted(session: Session, kind: str, token: str) -> int | None:
        return session.scalar(select(FormSubmission.result_id).where(FormSubmission.token == token,
                                                                     FormSubmission.kind == kind))

    def ensure_portal_user(self) -> None:
        """Cases filed from the portal are started by this account (no roles, no usable password)."""
        with self.db.session() as session:
            if session.scalar(select(User.id).where(User.username == self.settings.portal_user)) is not None:
                return
        try:
            with self.db.session() as session:
                create_user(session, self.settings.portal_user, secrets.token_urlsafe(32),
                            full_name="Portal Publik PPID")
        except (IntegrityError, EngineError):  # created by a concurrent submission just now
            pass

    def find_request(self, nomor: str, email: str) -> InformationRequest | None:
        """The request with this number, if the e-mail is the applicant's (no account needed)."""
        nomor, email = (nomor or "").strip(), (email or "").strip().casefold()
        if not nomor or not email:
            return None
        with self.db.session() as session:
            row = session.scalar(select(InformationRequest).where(InformationRequest.nomor == nomor))
            if row is None or not hmac.compare_digest(row.email.casefold().encode(), email.encode()):
                return None
            return row

    def get_request(self, request_id: int) -> InformationRequest:
        with self.db.session() as session:
            row = session.get(InformationRequest, request_id)
            if row is None:
                raise NotFound(f"request {request_id} not found")
            row.unit  # noqa: B018 (loaded for the notice)
            return row

    def objections_of(self, request_id: int) -> list[Objection]:
        with self.db.session() as session:
            return list(session.scalars(select(Objection).where(Objection.request_id == request_id)
                                        .order_by(Objection.id)))

    # -- objections -------------------------------------------------------------------------------
    def objection_deadline(self, request: InformationRequest, now: datetime, grounds: list[str]) -> datetime | None:
        """The last moment to object on these grounds (Pasal 36 ayat 1: working days from when the ground
        became known). The objection stands while any of its grounds is still open; None: no limit yet."""
        known = [_ground_known(request, ground, now) for ground in grounds]
        if not known or any(moment is None for moment in known):
            return None
        with self.db.session() as session:
            return calendar_from_db(session).due_at(max(known), f"P{self.settings.objection_filing_days}D",
                                                    "working_days")

    def submit_objection(self, nomor: str, email: str, alasan: list[str], uraian: str, token: str) -> Submitted:
        now = self.clock()
        uraian = (uraian or "").strip()
        with self.db.session() as session:
            found = self._submitted(session, "keberatan", token)
            if found is not None:
                row = session.get(Objection, found)
                return Submitted(row.id, row.nomor, True)
        errors: dict[str, str] = {}
        problem = check_email((email or "").strip())
        if problem:
            errors["email"] = problem
        if not (nomor or "").strip():
            errors["nomor"] = "Nomor pendaftaran permohonan wajib diisi."
        letters = sorted({letter for letter in alasan if letter in PASAL35})
        if not letters or len(letters) != len(set(alasan)):
            errors["alasan"] = "Pilih sedikitnya satu alasan keberatan (UU 14/2008 Pasal 35 huruf a sampai g)."
        _check_text(errors, "uraian", uraian)
        request = None if errors else self.find_request(nomor, email)
        if not errors and request is None:
            errors["nomor"] = "Nomor pendaftaran dan e-mail tidak cocok dengan permohonan mana pun."
        if not errors:
            deadline = self.objection_deadline(request, now, letters)
            if deadline is not None and now > deadline:
                errors["nomor"] = ("Batas waktu pengajuan keberatan atas permohonan ini telah lewat: keberatan "
                                   f"diajukan paling lambat {self.settings.objection_filing_days} hari kerja setelah "
                                   "alasannya diketahui (UU 14/2008 Pasal 36 ayat 1), yaitu "
                                   f"{format_tanggal(deadline.astimezone(WIB).date())}.")
        if errors:
            raise InvalidForm(errors)
        with self.db.session() as session:
            latest_model(session, OBJECTION_KEY)
        self.ensure_portal_user()
        ensure_counter(self.db, "keberatan", request.unit_id, now.astimezone(WIB).year)
        try:
            with self.db.session() as session:
                unit = session.get(Unit, request.unit_id)
                number = allocate_number(session, "keberatan", unit, now, self.settings.nomor_keberatan)
                row = Objection(nomor=number, request_id=request.id, unit_id=unit.id, received_at=now,
                                alasan=",".join(letters), uraian=uraian,
                                due_at=calendar_from_db(session).due_at(
                                    now, f"P{self.settings.objection_answer_days}D", "working_days"))
                session.add(row)
                session.flush()
                session.add(FormSubmission(token=token, kind="keberatan", result_id=row.id))
                session.flush()
                audit.record(session, self.settings.portal_user, "ppid.objection_received", "ppid_objection",
                             row.id, nomor=number, permohonan=request.nomor, alasan=row.alasan)
                queue_letter(session, "keberatan_diterima", session.get(InformationRequest, request.id), row)
                objection_id, unit_code = row.id, unit.code
        except IntegrityError:
            with self.db.session() as session:
                found = self._submitted(session, "keberatan", token)
                if found is None:
                    raise
                first = session.get(Objection, found)
                return Submitted(first.id, first.nomor, True)
        instance = self.processes.start(OBJECTION_KEY, self.settings.portal_user, unit_code,
                                        data={"nomor_keberatan": number, "nomor_pendaftaran": request.nomor},
                                        title=f"Keberatan {number} atas permohonan {request.nomor}")
        with self.db.session() as session:
            session.get(Objection, objection_id).instance_id = instance.id
        return Submitted(objection_id, number, False)


# -- rate limit ------------------------------------------------------------------------------------

class RateLimiter:
    """At most ``limit`` submissions per ``window`` per key (a hashed client address and form),
    counted in the database so that every web worker shares the count."""

    def __init__(self, db: Database, limit: int = 10, window: timedelta = timedelta(minutes=10),
                 clock: Callable[[], datetime] = utcnow):
        self.db, self.limit, self.window, self.clock = db, limit, window, clock

    @staticmethod
    def key(client: str, form: str) -> str:
        return f"{form}:" + hashlib.sha256(client.encode()).hexdigest()[:40]

    def hit(self, client: str, form: str) -> bool:
        """Count one submission; False when the client is over the limit (nothing is counted then)."""
        key, now = self.key(client, form), self.clock()
        with self.db.session() as session:
            session.execute(delete(RateEvent).where(RateEvent.key == key, RateEvent.at < now - self.window))
            count = session.scalar(select(func.count(RateEvent.id)).where(RateEvent.key == key))
            if count >= self.limit:
                return False
            session.add(RateEvent(key=key, at=now))
            return True


# -- the case hooks ----------------------------------------------------------------------------------

def refusal_ground(reason: str) -> str:
    """The ground of a refusal read from its written reason (for the annual report's breakdown)."""
    text = (reason or "").lower()
    match = re.search(r"pasal\s*17\s*(?:ayat\s*\(?\d\)?\s*)?(?:huruf\s*)?\(?([a-j])\b", text)
    if match:
        return f"pasal17_{match.group(1)}"
    if "badan publik lain" in text:
        return "badan_lain"
    if "tidak dikuasai" in text or "belum dikuasai" in text:
        return "tidak_dikuasai"
    if "belum didokumentasikan" in text:
        return "belum_didokumentasikan"
    return "lainnya"


def _full_name(session: Session, username: str) -> str:
    return session.scalar(select(User.full_name).where(User.username == username)) or username


def _set_clock(session: Session, instance_id: int, steps: tuple[str, ...], due: datetime | None) -> None:
    if due is None:
        return
    session.execute(update(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.state == "ready",
                                            HumanTask.bpmn_id.in_(steps))
                    .values(due_at=due).execution_options(synchronize_session=False))


def on_step_completed(session: Session, step: StepCompleted) -> None:
    if step.process_key == REQUEST_KEY:
        _request_step(session, step)
    elif step.process_key == OBJECTION_KEY:
        _objection_step(session, step)


def _request_step(session: Session, step: StepCompleted) -> None:
    row = session.scalar(select(InformationRequest).where(InformationRequest.instance_id == step.instance_id)
                         .with_for_update())
    if row is None:
        return
    decision, note = step.data.get("keputusan"), str(step.data.get("catatan") or "").strip()
    if step.bpmn_id == "Langkah_2" and decision == "tidak" and not row.diperpanjang:
        settings = PpidSettings.from_env()
        calendar = calendar_from_db(session)
        row.diperpanjang, row.alasan_perpanjangan = True, note
        row.due_at = calendar.due_at(row.received_at, f"P{settings.notice_days + settings.extension_days}D",
                                     "working_days")
        audit.record(session, step.actor, "ppid.request_extended", "ppid_request", row.id, step.instance_id,
                     alasan=note, due_at=row.due_at.isoformat())
        queue_letter(session, "permohonan_diperpanjang", row)
    elif step.bpmn_id == "Langkah_3" and decision in ("ya", "tidak"):
        row.keputusan = "diterima" if decision == "ya" else "ditolak"
        row.notice_at, row.notice_by = step.now, _full_name(session, step.actor)
        if decision == "tidak":
            given = str(step.data.get("dasar_penolakan") or "")
            row.alasan_penolakan = note
            row.dasar_penolakan = given if given in REFUSAL_GROUNDS else refusal_ground(note)
        ground = row.dasar_penolakan
        row.status_informasi = ground if ground in ("badan_lain", "tidak_dikuasai") else "dikuasai"
        audit.record(session, step.actor, "ppid.notice_issued", "ppid_request", row.id, step.instance_id,
                     keputusan=row.keputusan, dasar=row.dasar_penolakan or None)
        queue_letter(session, "pemberitahuan_tertulis", row)
    elif step.bpmn_id in ("Langkah_4", "Langkah_5"):
        row.delivered_at = step.now
    _set_clock(session, step.instance_id, REQUEST_CLOCK_STEPS, row.due_at)


def _objection_step(session: Session, step: StepCompleted) -> None:
    row = session.scalar(select(Objection).where(Objection.instance_id == step.instance_id).with_for_update())
    if row is None:
        return
    decision = step.data.get("keputusan")
    if step.bpmn_id == "Langkah_2" and decision in ("ya", "tidak"):
        row.keputusan = "diterima" if decision == "ya" else "ditolak"
        row.tanggapan = str(step.data.get("catatan") or "").strip()
        row.response_at = step.now
        row.atasan_nama, row.atasan_jabatan = _full_name(session, step.actor), "Atasan PPID"
        audit.record(session, step.actor, "ppid.objection_answered", "ppid_objection", row.id, step.instance_id,
                     keputusan=row.keputusan)
        queue_letter(session, "keberatan_ditanggapi", row.request, row)
    _set_clock(session, step.instance_id, OBJECTION_CLOCK_STEPS, row.due_at)


register_completion_hook(on_step_completed)

"""The public portal (no login, Bahasa Indonesia): the DIP of each agency, published documents,
the maklumat pelayanan, the SOPs, information requests, their status, and objections.

Everything shown here is read as ``storage.access.Viewer.public()``: only published documents
of a public class. The forms are guarded by a per-client rate limit, a honeypot field and a
minimum fill time, and carry an idempotency token so that a double submit stores once.
``register`` also registers the PPID staff pages (``web.ppid_staff``).
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import (Blueprint, Flask, Response, abort, current_app, jsonify, redirect, render_template, request,
                   session, url_for)
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from engine.deployment import latest_models
from engine.errors import NotFound
from engine.models import Unit
from engine.ppid.documents import notice_pdf, table_csv, table_pdf, table_xlsx
from engine.ppid.letters import letters_of
from engine.ppid.models import CARA_MEMPEROLEH, CARA_MENYAMPAIKAN, PASAL35, InformationRequest
from engine.ppid.registers import CLASS_LABELS, DIP_HEADERS, dip, dip_table
from engine.ppid.service import InvalidForm, PpidService, RateLimiter, RequestForm, STATUS_INFORMASI
from engine.timeutil import as_utc, utcnow
from storage.access import Viewer
from storage.errors import ChecksumMismatch, StoreError
import storage.publication  # noqa: F401  (registers the publishing hook)
from web.app import services
from web.archive_forms import disposition

log = logging.getLogger(__name__)
bp = Blueprint("public", __name__, url_prefix="/publik")
RECEIPTS, VERIFIED = "ppid_receipts", "ppid_verified"
HONEYPOT = "situs_web"
MAKLUMAT_SOP_PREFIX = "sop_002"


def register(app: Flask) -> None:
    alur = app.extensions["alur"]
    app.extensions["alur_ppid"] = PpidService(alur.db, alur.processes)
    limit = app.config.get("ALUR_PUBLIC_RATE_LIMIT", (10, 600))
    app.extensions["alur_public_limiter"] = RateLimiter(alur.db, int(limit[0]), timedelta(seconds=int(limit[1])))
    app.register_blueprint(bp)
    from web import ppid_staff
    ppid_staff.register(app)


def ppid() -> PpidService:
    return current_app.extensions["alur_ppid"]


def _archive():
    archive = current_app.extensions.get("alur_archive")
    if archive is None:  # the archive's pages are not installed: open the store ourselves
        from storage.archive import ArchiveService
        from storage.config import open_store
        archive = ArchiveService(services().db, open_store(services().settings.archive_url))
        current_app.extensions["alur_archive"] = archive
    return archive


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    return response


@bp.errorhandler(NotFound)
@bp.errorhandler(404)
def _not_found(_error):
    return render_template("public/message.html", title="Tidak ditemukan",
                           message="Halaman atau dokumen yang Anda cari tidak ada atau tidak terbuka untuk umum."), 404


def _units() -> list[Unit]:
    with services().db.session() as db_session:
        return list(db_session.scalars(select(Unit).order_by(Unit.name)))


# -- the portal -----------------------------------------------------------------------------------

@bp.route("/")
def index():
    return render_template("public/index.html", units=_units())


def _dip_rows():
    unit = request.args.get("unit", "").strip() or None
    text = request.args.get("q", "").strip()[:200]
    with services().db.session() as db_session:
        rows = dip(db_session, unit, text)
        unit_row = db_session.scalar(select(Unit).where(Unit.code == unit)) if unit else None
    return rows, unit, unit_row, text


@bp.route("/dip")
def dip_page():
    rows, unit, unit_row, text = _dip_rows()
    groups = [(name, label, [r for r in rows if r.klasifikasi == name]) for name, label in CLASS_LABELS.items()]
    return render_template("public/dip.html", groups=groups, units=_units(), unit=unit, unit_row=unit_row,
                           text=text, total=len(rows))


@bp.route("/dip.<fmt>")
def dip_export(fmt: str):
    rows, unit, unit_row, _text = _dip_rows()
    table = dip_table(rows)
    title = "Daftar Informasi Publik" + (f" {unit_row.name}" if unit_row else " Pemerintah Provinsi Kalimantan Tengah")
    stem = f"dip-{unit.lower()}" if unit else "dip"
    if fmt == "pdf":
        data, mimetype = table_pdf(title, f"Dicetak {utcnow().date().isoformat()}", DIP_HEADERS, table), "application/pdf"
    elif fmt == "xlsx":
        data = table_xlsx("DIP", DIP_HEADERS, table)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "csv":
        data, mimetype = table_csv(DIP_HEADERS, table), "text/csv; charset=utf-8"
    else:
        abort(404)
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'})


@bp.route("/api/dip")
def dip_api():
    rows, _unit, _unit_row, _text = _dip_rows()
    return jsonify([{"id": r.id, "judul": r.title, "ringkasan": r.ringkasan, "unit": r.unit_code,
                     "unit_nama": r.unit_name, "penanggung_jawab": r.penanggung_jawab,
                     "waktu_tempat": r.waktu_tempat, "bentuk": r.bentuk, "retensi": r.retensi,
                     "klasifikasi": r.klasifikasi, "unduh": url_for("public.download", document_id=r.id)}
                    for r in rows])


@bp.route("/dokumen/<int:document_id>")
def download(document_id: int):
    """A published document's bytes, SHA-256 verified while they are read (NotFound for anything else)."""
    archive = _archive()
    try:
        content = archive.open_content(Viewer.public(), document_id)
    except ChecksumMismatch:
        return render_template("public/message.html", title="Berkas tidak dapat dikirim",
                               message="Isi berkas tidak cocok dengan checksum yang tercatat; berkas tidak dikirim "
                                       "dan kejadian ini sudah dilaporkan."), 500
    except StoreError:
        return render_template("public/message.html", title="Penyimpanan tidak tersedia",
                               message="Penyimpanan dokumen sedang tidak dapat dihubungi. Coba lagi nanti."), 503
    try:
        data = content.read()  # read fully: a checksum failure must not reach the visitor half-sent
    except ChecksumMismatch:
        return render_template("public/message.html", title="Berkas tidak dapat dikirim",
                               message="Isi berkas tidak cocok dengan checksum yang tercatat."), 500
    finally:
        content.stream.close()
    return Response(data, mimetype=content.version.content_type,
                    headers={"Content-Disposition": disposition(content.version.original_filename, inline=False),
                             "X-Checksum-SHA256": content.version.sha256})


@bp.route("/maklumat")
def maklumat():
    with services().db.session() as db_session:
        rows = [r for r in dip(db_session) if (r.sop_key or "").startswith(MAKLUMAT_SOP_PREFIX)]
    return render_template("public/maklumat.html", rows=rows, settings=ppid().settings)


@bp.route("/sop")
def sops():
    specs = services().processes.specs
    with services().db.session() as db_session:
        models = [(m, specs.get(m)) for m in latest_models(db_session)]
    return render_template("public/sops.html", models=models)


def _sop(key: str):
    with services().db.session() as db_session:
        model = next((m for m in latest_models(db_session) if m.key == key), None)
    if model is None:
        abort(404)
    return model, services().processes.specs.get(model)


@bp.route("/sop/<key>")
def sop(key: str):
    model, parsed = _sop(key)
    steps = [t for t in parsed.tasks.values()]
    return render_template("public/sop.html", model=model, parsed=parsed, steps=steps)


@bp.route("/sop/<key>.bpmn")
def sop_xml(key: str):
    model, _parsed = _sop(key)
    return Response(model.bpmn_xml, mimetype="application/xml")


# -- spam guards ----------------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="alur-public-form")


def _form_guard() -> dict:
    """Hidden fields of a fresh form: the idempotency token and the signed time it was shown."""
    return {"form_token": ppid().new_form_token(), "dimulai": _serializer().dumps(utcnow().timestamp())}


def _spam_problem(kind: str) -> tuple[str, int] | None:
    """None when the submission may be processed; else (message, status)."""
    limiter: RateLimiter = current_app.extensions["alur_public_limiter"]
    if not limiter.hit(request.remote_addr or "unknown", kind):
        return ("Terlalu banyak pengiriman dari alamat Anda dalam waktu singkat. Silakan coba lagi beberapa menit "
                "lagi.", 429)
    if request.form.get(HONEYPOT):
        return "Pengiriman ditolak: formulir terdeteksi diisi oleh program otomatis.", 400
    try:
        shown = _serializer().loads(request.form.get("dimulai", ""), max_age=24 * 3600)
    except SignatureExpired:
        return "Formulir sudah kedaluwarsa. Muat ulang halaman dan kirim kembali.", 400
    except BadSignature:
        return "Formulir tidak lengkap atau telah diubah. Muat ulang halaman dan kirim kembali.", 400
    minimum = float(current_app.config.get("ALUR_PUBLIC_MIN_FILL_SECONDS", 3))
    if utcnow().timestamp() - float(shown) < minimum:
        return "Formulir dikirim terlalu cepat. Periksa kembali isian Anda lalu kirim lagi.", 400
    if not request.form.get("form_token") or len(request.form["form_token"]) > 64:
        return "Formulir tidak lengkap. Muat ulang halaman dan kirim kembali.", 400
    return None


# -- requests -------------------------------------------------------------------------------------

@bp.route("/permohonan", methods=["GET", "POST"])
def request_form():
    if request.method == "GET":
        return _render_request_form({}, request.args.get("unit", ""), _form_guard())
    problem = _spam_problem("permohonan")
    if problem:
        return _render_request_form({}, request.form.get("unit", ""), _form_guard(), message=problem[0],
                                    status=problem[1], form=request.form)
    form = RequestForm.from_mapping(request.form)
    try:
        submitted = ppid().submit_request(form, request.form["form_token"])
    except InvalidForm as invalid:
        guard = {"form_token": request.form["form_token"], "dimulai": request.form.get("dimulai", "")}
        return _render_request_form(invalid.fields, form.unit, guard, status=422, form=request.form,
                                    message="Permohonan belum dapat dikirim: periksa isian yang ditandai.")
    except NotFound:
        return render_template("public/message.html", title="Layanan belum tersedia",
                               message="Layanan permohonan informasi belum diaktifkan. Hubungi PPID."), 503
    receipts = session.get(RECEIPTS, [])[-9:]
    session[RECEIPTS] = receipts + [submitted.id]
    return redirect(url_for("public.receipt", permohonan=submitted.id), 303)


def _render_request_form(errors: dict, unit: str, guard: dict, message: str = "", status: int = 200, form=None):
    return render_template("public/request_form.html", errors=errors, unit=unit, guard=guard, message=message,
                           form=form or {}, units=_units(), cara_memperoleh=CARA_MEMPEROLEH,
                           cara_menyampaikan=CARA_MENYAMPAIKAN, honeypot=HONEYPOT), status


@bp.route("/permohonan/bukti/<int:permohonan>")
def receipt(permohonan: int):
    """The receipt with the nomor pendaftaran: only in the browser session that filed the request."""
    if permohonan not in session.get(RECEIPTS, []):
        abort(404)
    row = ppid().get_request(permohonan)
    return render_template("public/receipt.html", row=row)


# -- status ---------------------------------------------------------------------------------------

def _status_of(row: InformationRequest) -> tuple[str, str]:
    if row.keputusan == "ditolak":
        return "ditolak", "Ditolak"
    if row.keputusan == "diterima":
        return ("selesai", "Diterima, informasi telah diserahkan") if row.delivered_at else \
            ("diterima", "Diterima, informasi sedang disiapkan untuk diserahkan")
    if row.diperpanjang:
        return "diperpanjang", "Sedang diproses (jangka waktu diperpanjang 7 hari kerja)"
    return "diproses", "Sedang diproses"


@bp.route("/status", methods=["GET", "POST"])
def status():
    if request.method == "GET":
        verified = session.get(VERIFIED, [])
        wanted = request.args.get("permohonan", type=int)
        if wanted and wanted in verified:
            return _render_status(ppid().get_request(wanted))
        return render_template("public/status_form.html", errors={}, form={})
    limiter: RateLimiter = current_app.extensions["alur_public_limiter"]
    if not limiter.hit(request.remote_addr or "unknown", "status"):
        return render_template("public/status_form.html", errors={}, form=request.form,
                               message="Terlalu banyak percobaan. Coba lagi beberapa menit lagi."), 429
    row = ppid().find_request(request.form.get("nomor", ""), request.form.get("email", ""))
    if row is None:
        return render_template("public/status_form.html", form=request.form, errors={},
                               message="Nomor pendaftaran dan e-mail tidak cocok dengan permohonan mana pun."), 404
    session[VERIFIED] = session.get(VERIFIED, [])[-9:] + [row.id]
    return redirect(url_for("public.status", permohonan=row.id), 303)


def _may_object(row: InformationRequest) -> bool:
    """Whether a Pasal 35 ground can have arisen: a decision (refused, or given late, partly or at a
    cost), an extension, or a due date passed without an answer. Before that the link would only
    invite objections with nothing to object to; the form itself accepts any ground at any time."""
    return bool(row.keputusan or row.diperpanjang or (row.due_at and as_utc(row.due_at) < ppid().clock()))


def _render_status(row: InformationRequest):
    code, label = _status_of(row)
    objections = ppid().objections_of(row.id)
    return render_template("public/status.html", row=row, code=code, label=label, objections=objections,
                           may_object=_may_object(row), email_on=services().settings.smtp_enabled,
                           letters=letters_of(ppid().db, row.id),
                           status_informasi=STATUS_INFORMASI, pasal35=PASAL35)


@bp.route("/status/<int:permohonan>/pemberitahuan.pdf")
def notice(permohonan: int):
    if permohonan not in session.get(VERIFIED, []) and permohonan not in session.get(RECEIPTS, []):
        abort(404)
    row = ppid().get_request(permohonan)
    return Response(notice_pdf(row, row.unit.name), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="pemberitahuan-{row.id}.pdf"'})


# -- objections -----------------------------------------------------------------------------------

@bp.route("/keberatan", methods=["GET", "POST"])
def objection_form():
    if request.method == "GET":
        return _render_objection({}, _form_guard(), form={"nomor": request.args.get("nomor", "")})
    problem = _spam_problem("keberatan")
    if problem:
        return _render_objection({}, _form_guard(), message=problem[0], status=problem[1], form=request.form)
    try:
        submitted = ppid().submit_objection(request.form.get("nomor", ""), request.form.get("email", ""),
                                            request.form.getlist("alasan"), request.form.get("uraian", ""),
                                            request.form["form_token"])
    except InvalidForm as invalid:
        guard = {"form_token": request.form["form_token"], "dimulai": request.form.get("dimulai", "")}
        return _render_objection(invalid.fields, guard, status=422, form=request.form,
                                 message="Keberatan belum dapat dikirim: periksa isian yang ditandai.")
    except NotFound:
        return render_template("public/message.html", title="Layanan belum tersedia",
                               message="Layanan keberatan belum diaktifkan. Hubungi PPID."), 503
    return render_template("public/objection_receipt.html", nomor=submitted.nomor)


def _render_objection(errors: dict, guard: dict, message: str = "", status: int = 200, form=None):
    chosen = form.getlist("alasan") if hasattr(form, "getlist") else []
    return render_template("public/objection_form.html", errors=errors, guard=guard, message=message,
                           form=form or {}, chosen=chosen, pasal35=PASAL35, honeypot=HONEYPOT), status


def public_urls(app: Flask) -> list[str]:
    """Every GET page and API of the portal without parameters (for tests and link checks)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("public.") and "GET" in rule.methods and not rule.arguments:
            urls.append(rule.rule)
    return sorted(urls)


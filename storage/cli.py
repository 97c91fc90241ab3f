"""`alur archive`: file documents, search, reconcile the archive, report on retention.

Registered by the root CLI (``cli.add_command(archive)`` in alur/cli.py), which provides the
database in ``ctx.obj["db"]``; the object store comes from ``ctx.obj["store"]`` or ALUR_ARCHIVE_URL.
Commands act as the user named by ``--as`` (or ALUR_USER), under the same access rule as the web.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from engine.errors import EngineError
from storage.access import load_viewer
from storage.archive import ArchiveService
from storage.catalog import DocumentMetadata, Exemption
from storage.errors import StoreError
from storage.models import BENTUK, CLASSES, PASAL17_GROUNDS
from storage.search import ORDERS, UNCLASSIFIED, SearchQuery
from storage.validation import validate_upload

AS_USER = click.option("--as", "username", envvar="ALUR_USER", required=True, help="Acting user (or ALUR_USER).")


class ArchiveGroup(click.Group):
    """Errors of the services and the store become one clear line and exit status 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (EngineError, StoreError) as error:
            raise click.ClickException(str(error)) from None


def _date(_ctx, _param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write it as YYYY-MM-DD") from None


def _service(create_buckets: bool = False) -> ArchiveService:
    from alur.cli import database, settings
    from storage.config import open_store
    obj = click.get_current_context().find_root().obj
    if obj.get("store") is None:
        obj["store"] = open_store(settings().archive_url)
    if create_buckets:
        obj["store"].ensure_buckets()
    return ArchiveService(database(), obj["store"])


def _viewer(service: ArchiveService, username: str):
    with service.db.session() as session:
        return load_viewer(session, username)


@click.group("archive", cls=ArchiveGroup)
def archive() -> None:
    """Arsip dokumen: simpan, cari, periksa, dan retensi."""


def _exemption(pasal17, konsekuensi, pertimbangan, jangka_waktu, dasar_hukum, penetap, nomor_sk,
               ditetapkan_pada, ditetapkan_di) -> Exemption | None:
    if pasal17 is None:
        return None
    until = None
    try:
        until = date.fromisoformat(jangka_waktu) if jangka_waktu else None
    except ValueError:
        pass  # "sampai <peristiwa>", "tidak terbatas": kept as words
    return Exemption(pasal17, konsekuensi or "", pertimbangan or "", until,
                     "" if until else (jangka_waktu or ""), dasar_hukum or "", penetap or "",
                     ditetapkan_pada, ditetapkan_di or "", nomor_sk or "")


@archive.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--class", "klasifikasi", required=True, type=click.Choice((*CLASSES, UNCLASSIFIED)),
              help="Klasifikasi (UU 14/2008); 'belum' for an attachment not yet classified.")
@click.option("--title", help="Judul (default: the file name without extension).")
@click.option("--unit", "unit_code", help="Unit code of the holding unit (default: the user's unit).")
@click.option("--ringkasan", default="", help="Ringkasan isi informasi.")
@click.option("--penanggung-jawab", default="")
@click.option("--dibuat-pada", callback=_date, help="Waktu pembuatan, YYYY-MM-DD.")
@click.option("--tempat", "tempat_pembuatan", default="", help="Tempat pembuatan.")
@click.option("--bentuk", type=click.Choice(BENTUK), default="softcopy")
@click.option("--retention-class", help="JRA retention class code.")
@click.option("--case", "source_case_id", type=int, help="SOP case the document came from.")
@click.option("--task", "source_task_id", type=int, help="Task the document came from.")
@click.option("--published", is_flag=True, help="Publish in the DIP at once (public classes only).")
@click.option("--pasal17", type=click.Choice(PASAL17_GROUNDS), help="Exemption ground, UU 14/2008 Pasal 17 huruf a-j.")
@click.option("--konsekuensi", help="Konsekuensi bila dibuka.")
@click.option("--pertimbangan", help="Pertimbangan bila ditutup.")
@click.option("--jangka-waktu", help="Until YYYY-MM-DD, or words ('sampai ...', 'tidak terbatas').")
@click.option("--dasar-hukum", help="Sectoral law besides Pasal 17.")
@click.option("--penetap", help="PPID official who set the exemption.")
@click.option("--nomor-sk", help="Decree number.")
@click.option("--ditetapkan-pada", callback=_date, help="Date set, YYYY-MM-DD.")
@click.option("--ditetapkan-di", help="Place set.")
@AS_USER
def add(files, klasifikasi, title, unit_code, username, pasal17, konsekuensi, pertimbangan, jangka_waktu,
        dasar_hukum, penetap, nomor_sk, ditetapkan_pada, ditetapkan_di, **fields) -> None:
    """Simpan berkas ke arsip. All files are checked first: one bad file stores none. A file that then
    fails in the store or the catalog is reported (exit status 1); the others are stored."""
    for path in files:
        with path.open("rb") as stream, validate_upload(stream, path.name):
            pass
    service = _service(create_buckets=True)
    viewer = _viewer(service, username)
    unit_code = unit_code or _unit_code(service, viewer.unit_id)
    exemption = _exemption(pasal17, konsekuensi, pertimbangan, jangka_waktu, dasar_hukum, penetap, nomor_sk,
                           ditetapkan_pada, ditetapkan_di)

    def metadata_of(path: Path) -> DocumentMetadata:
        return DocumentMetadata(title=title or path.stem, unit_code=unit_code, exemption=exemption,
                                klasifikasi=None if klasifikasi == UNCLASSIFIED else klasifikasi, **fields)

    failed, done = [], 0
    for path, outcome in zip(files, service.add_many(viewer, _opened(files, metadata_of))):
        done += 1
        if isinstance(outcome, Exception):
            first_line = (str(outcome).splitlines() or [type(outcome).__name__])[0]
            failed.append(f"{path.name}: {first_line}")
            click.echo(f"not stored: {path.name}: {first_line}", err=True)
            continue
        click.echo(f"stored: document {outcome.id} '{outcome.title}' ({outcome.klasifikasi or UNCLASSIFIED}, "
                   f"{outcome.current.size} bytes, sha256 {outcome.current.sha256[:12]}…) from {path.name}")
    failed.extend(f"{path.name}: not attempted (the batch stopped before it)" for path in files[done:])
    if failed:
        raise click.ClickException(f"{len(failed)} of {len(files)} files not stored:\n" + "\n".join(failed))


def _opened(files, metadata_of):
    """Each file open only while the archive reads it (it spools it before asking for the next)."""
    for path in files:
        with path.open("rb") as stream:
            yield stream, path.name, metadata_of(path)


def _unit_code(service: ArchiveService, unit_id: int | None) -> str:
    from engine.models import Unit
    with service.db.session() as session:
        unit = session.get(Unit, unit_id) if unit_id else None
    if unit is None:
        raise click.ClickException("the user belongs to no unit: give --unit")
    return unit.code


@archive.command("search")
@click.argument("query", default="")
@click.option("--class", "klasifikasi", type=click.Choice((*CLASSES, UNCLASSIFIED)))
@click.option("--unit", help="Unit code.")
@click.option("--year", type=int)
@click.option("--sop", help="Process key of the SOP.")
@click.option("--bentuk", type=click.Choice(BENTUK))
@click.option("--order", type=click.Choice(ORDERS), default="relevance")
@click.option("--page", type=click.IntRange(min=1), default=1)
@AS_USER
def search_command(query, username, **criteria) -> None:
    """Cari dokumen (teks penuh dan facet) yang boleh dilihat pengguna."""
    service = _service()
    results = service.search(_viewer(service, username), SearchQuery(text=query, **criteria))
    click.echo(f"{results.total} documents (page {results.page} of {results.pages})")
    for hit in results.hits:
        document = hit.document
        click.echo(f"[{document.id}] {document.title} · {document.klasifikasi or UNCLASSIFIED} · "
                   f"{document.unit.code} · {document.year}")
        click.echo(f"    {hit.snippet.plain()}")
    for name, values in results.facets.items():
        if values:
            click.echo(f"{name}: " + ", ".join(f"{v.label} ({v.count})" for v in values))


@archive.command("check")
@click.option("--quick", is_flag=True, help="Compare checksums recorded in the store, without reading the bytes.")
@click.option("--repair", is_flag=True, help="First remove the objects of interrupted uploads and finish moving "
                                              "exempt content into the exempt bucket.")
def check(quick: bool, repair: bool) -> None:
    """Reconcile catalog and buckets; exit status 1 if anything is wrong."""
    service = _service()
    if repair:
        for repaired in service.recover():
            click.echo(f"repaired: {repaired}")
    report = service.check(deep=not quick)
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        raise SystemExit(1)


@archive.command("retention-report")
@click.option("--as-of", callback=_date, help="Report as of this date (default: today).")
def retention_report(as_of: date | None) -> None:
    """Documents whose JRA period has ended (not on legal hold): to destroy or to re-assess."""
    from datetime import datetime, time, timezone
    service = _service()
    moment = datetime.combine(as_of, time(23, 59), tzinfo=timezone.utc) if as_of else None
    due = service.due_for_review(moment)
    click.echo(f"{len(due)} documents due for review")
    for document in due:
        click.echo(f"[{document.id}] {document.title} · {document.unit.code} · {document.retention_class.code} "
                   f"({document.retention_class.final_disposition}) · retained until "
                   f"{document.retain_until.date().isoformat()}")


@archive.command("expire-exemptions")
def expire_exemptions() -> None:
    """Make public the exempt documents whose exemption period has passed (audited)."""
    for document_id in _service().expire_exemptions():
        click.echo(f"exemption expired, now public: document {document_id}")

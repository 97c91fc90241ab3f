"""The engine's commands: schema, deployment, cases and tasks, users, simulation."""
from __future__ import annotations

import signal
from pathlib import Path

import click

from alur.cli import cli, database, parse_json, process_service, settings


@cli.group("db")
def db_group() -> None:
    """Skema basis data."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema to the newest version (Alembic)."""
    from alur.migrate import upgrade
    current = settings()
    current.ensure_data_dir()
    upgrade(current.database_url)
    click.echo("database schema is up to date")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", default="system", help="Who deploys (recorded in the audit trail).")
def deploy(files: tuple[Path, ...], by: str) -> None:
    """Deploy BPMN files as new versions of their processes."""
    from engine.deployment import deploy as deploy_file
    from engine.bpmn_model import parse_model
    for path in files:  # validate all first: a bad file deploys nothing
        parse_model(path.read_bytes(), path.name)
    with database().session() as session:
        for path in files:
            result = deploy_file(session, path.read_bytes(), path.name, by=by)
            state = "deployed" if result.created else "unchanged"
            click.echo(f"{state}: {result.model.key} v{result.model.version} ({path.name})")


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def validate(file: Path) -> None:
    """Check a BPMN file without deploying it."""
    from engine.bpmn_model import parse_model
    parsed = parse_model(file.read_bytes(), file.name)
    decisions = sum(1 for task in parsed.tasks.values() if task.is_decision)
    click.echo(f"valid: {parsed.key} '{parsed.name}': {len(parsed.lanes)} lanes, "
               f"{len(parsed.tasks)} tasks, {decisions} decisions")


@cli.command()
@click.argument("process")
@click.option("--as", "username", envvar="ALUR_USER", required=True, help="The user who starts the case.")
@click.option("--unit", help="Unit code of the case (default: the user's unit).")
@click.option("--data", help="Initial case data as a JSON object.")
def start(process: str, username: str, unit: str | None, data: str | None) -> None:
    """Start a case of a deployed process."""
    instance = process_service().start(process, username, unit_code=unit, data=parse_json(data))
    click.echo(f"started case {instance.id} of {process}")
    _print_tasks(process_service().ready_tasks())


@cli.command()
@click.option("--lane", help="Only tasks of this lane.")
@click.option("--as", "username", envvar="ALUR_USER", help="Only the tasks this user may do.")
def tasks(lane: str | None, username: str | None) -> None:
    """List ready human tasks."""
    _print_tasks(process_service().ready_tasks(username=username, lane=lane))


def _print_tasks(rows) -> None:
    if not rows:
        click.echo("no ready tasks")
    for task in rows:
        due = task.due_at.isoformat(timespec="minutes") if task.due_at else "-"
        kind = " [keputusan]" if task.is_decision else ""
        click.echo(f"{task.id:>6}  case {task.instance_id:<5} langkah {task.step or '-':<4} "
                   f"[{task.lane}] {task.name}{kind}  due {due}")


@cli.command()
@click.argument("task_id", type=int)
@click.option("--data", help="Form data as a JSON object, e.g. '{\"keputusan\": \"tidak\", \"catatan\": \"...\"}'.")
@click.option("--as", "username", envvar="ALUR_USER", required=True, help="The user completing the task.")
def complete(task_id: int, data: str | None, username: str) -> None:
    """Complete a ready task of one of your lanes."""
    result = process_service().complete(task_id, username, parse_json(data))
    click.echo(f"completed task {task_id}; case {result.instance_id} is {result.status}")
    if result.ready_task_ids:
        click.echo("now ready: " + ", ".join(str(i) for i in result.ready_task_ids))


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def simulate(file: Path) -> None:
    """Run one case of a BPMN file to its end (each decision: Tidak once, then Ya)."""
    from engine.simulation import simulate as run_simulation
    result = run_simulation(file.read_bytes(), file.name, emit=click.echo)
    if not result.completed:
        raise click.ClickException(f"{file.name}: the case did not reach an end event after {len(result.steps)} steps")
    click.echo(f"completed: {len(result.steps)} steps, {len(result.lanes)} lanes")


@cli.group("user")
def user_group() -> None:
    """Pengguna."""


@user_group.command("add")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--unit", "unit_code", help="Unit code; created if it does not exist.")
@click.option("--unit-name", help="Full name of a new unit.")
@click.option("--role", "roles", multiple=True, help="Role in the unit; a new role serves the lane of the same name.")
@click.option("--lane", "lanes", multiple=True, help="Extra lanes for the roles given.")
@click.option("--admin", is_flag=True)
@click.option("--designer", is_flag=True)
def user_add(username, password, unit_code, unit_name, roles, lanes, admin, designer) -> None:
    """Add a user with roles in a unit."""
    from engine.organization import create_user, get_or_create_role, get_or_create_unit
    if roles and not unit_code:
        raise click.UsageError("--role needs --unit: roles belong to a unit")
    with database().session() as session:
        unit = get_or_create_unit(session, unit_code, unit_name) if unit_code else None
        role_rows = [get_or_create_role(session, unit, name, [name, *lanes]) for name in roles]
        create_user(session, username, password, unit, role_rows, is_admin=admin, is_designer=designer)
    click.echo(f"user {username} added" + (f" to {unit_code} as {', '.join(roles)}" if roles else ""))


@cli.command()
def demo() -> None:
    """Create the demo units, roles and officers for the deployed seed SOPs; print the logins."""
    from engine.demo import DEMO_PASSWORD, seed_demo_organization
    with database().session() as session:
        logins = seed_demo_organization(session)
    click.echo(f"demo logins (password for all: {DEMO_PASSWORD}):")
    for login in logins:
        click.echo(f"  {login.username:<42} {login.unit:<6} {', '.join(login.lanes)}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--with-worker", is_flag=True, help="Also run a Celery worker with beat beside the web server "
                                                   "(the single-machine setup of `make run`).")
def serve(host: str, port: int, with_worker: bool) -> None:
    """Run the web app (embedded server; production runs gunicorn, see docker-compose.yml)."""
    import subprocess
    import sys
    from werkzeug.serving import run_simple
    from web.app import create_app
    options = {}
    if with_worker:  # the worker beside the server OCRs the scans, not the request
        from storage.tasks import queue_ocr
        options["ALUR_ARCHIVE_OCR_RUNNER"] = queue_ocr
    app = create_app(settings(), database(), **options)
    worker = None
    if with_worker:
        worker = subprocess.Popen([sys.executable, "-c", "from alur.cli import main; main()", "worker", "--beat"],
                                  preexec_fn=_die_with_parent)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # run the finally below on `kill`
    click.echo(f"Alur berjalan di http://{host}:{port}/  (Ctrl+C untuk berhenti)")
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)


def _die_with_parent() -> None:
    """Linux: the worker gets SIGTERM when the web server dies, however it dies."""
    import ctypes
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@cli.command()
@click.option("--beat", is_flag=True, help="Run the periodic jobs (timers, deadlines, digest) in this worker too.")
@click.option("--concurrency", default=1, show_default=True, type=int)
def worker(beat: bool, concurrency: int) -> None:
    """Run a Celery worker (timers, deadline watch, OCR and other background work)."""
    from engine.worker import celery_app
    argv = ["worker", "--loglevel=INFO", f"--concurrency={concurrency}"]
    if beat:
        argv += ["--beat", f"--schedule={settings().data_dir / 'beat-schedule'}"]
    celery_app.worker_main(argv)


@cli.command("check-config")
def check_config() -> None:
    """Validate the configuration (ALUR_* variables) and print it, secrets masked."""
    current = settings()  # from_env has validated it: a problem exits 1 with the list
    for name, value in current.describe():
        click.echo(f"{name}={value}")
    click.echo("configuration is valid (" + ("development" if current.dev_mode else "production") + " mode)")


@cli.group("store")
def store_group() -> None:
    """Penyimpanan arsip (ALUR_ARCHIVE_URL)."""


@store_group.command("init")
def store_init() -> None:
    """Create the archive's buckets if missing: versioned, with object lock where the store supports it."""
    from storage.config import open_store
    from storage.errors import StoreError
    try:
        store = open_store(settings().archive_url)
        store.ensure_buckets()
        store.ping()
    except StoreError as error:
        raise click.ClickException(f"archive store: {error}") from None
    click.echo("archive store is ready")


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def backup(directory: Path) -> None:
    """Back up the database and every version of every archive object into DIRECTORY."""
    from alur.backup import backup as run_backup
    from storage.errors import StoreError
    try:
        result = run_backup(settings(), directory, emit=click.echo)
    except StoreError as error:
        raise click.ClickException(f"archive store: {error}") from None
    click.echo(f"backup complete: {result.database_file}, {result.versions} object versions "
               f"({result.written} written, {result.reused} already there) in {directory}")


@cli.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Restore into a database or store that is not empty "
                                            "(the database is replaced; objects already there are kept).")
def restore(directory: Path, force: bool) -> None:
    """Restore a backup made by `alur backup` into the configured database and archive store."""
    from alur.backup import restore as run_restore
    from storage.errors import StoreError
    try:
        result = run_restore(settings(), directory, force=force, emit=click.echo)
    except StoreError as error:
        raise click.ClickException(f"archive store: {error}") from None
    click.echo(f"restore complete: database from {result.database_file}, {result.versions} object versions "
               f"({result.restored} put back, {result.skipped} already there), every checksum verified")

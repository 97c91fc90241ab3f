"""`alur`: the one command-line entry point. Each command parses, calls a service, prints."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from alur.config import ConfigError, Settings
from engine.errors import EngineError


class AlurGroup(click.Group):
    """Turns the errors services raise into one clear line and exit status 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (EngineError, ConfigError) as error:
            raise click.ClickException(str(error)) from None


@click.group(cls=AlurGroup)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Alur: SOP PPID sebagai proses BPMN yang berjalan, dan arsip dokumennya."""
    ctx.ensure_object(dict)
    ctx.obj.setdefault("settings", None)
    if ctx.invoked_subcommand == "calendar":
        ctx.obj["db"] = database()  # the calendar group takes the admin's closures from it


def settings() -> Settings:
    ctx = click.get_current_context().find_root()
    if ctx.obj.get("settings") is None:
        ctx.obj["settings"] = Settings.from_env()
    return ctx.obj["settings"]


def database():
    from engine.db import Database
    ctx = click.get_current_context().find_root()
    if ctx.obj.get("db") is None:
        current = settings()
        current.ensure_data_dir()
        ctx.obj["db"] = Database(current.database_url)
    return ctx.obj["db"]


def process_service():
    from engine.runtime import ProcessService
    ctx = click.get_current_context().find_root()
    if ctx.obj.get("service") is None:
        ctx.obj["service"] = ProcessService(database())
    return ctx.obj["service"]


def parse_json(value: str | None) -> dict:
    if not value:
        return {}
    try:
        data = json.loads(value)
    except json.JSONDecodeError as error:
        raise click.BadParameter(f"not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise click.BadParameter("must be a JSON object, e.g. '{\"keputusan\": \"ya\"}'")
    return data


def main() -> None:
    from alur import commands, wiring  # noqa: F401  (registers the commands)
    wiring.install()
    from engine.calendar_cli import calendar
    from engine.sop_import.cli import import_sop_command
    from storage.cli import archive
    for command in (calendar, import_sop_command, archive):
        cli.add_command(command)
    cli(obj={}, prog_name="alur")


if __name__ == "__main__":
    main()

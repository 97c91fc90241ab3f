"""What both archive benchmarks share: a catalog database on SQLite with the units and an archivist."""
from __future__ import annotations

from engine.db import Base, Database
from engine.organization import create_user, get_or_create_role, get_or_create_unit
from storage import search_index
from storage.access import Viewer, load_viewer

import alur.schema  # noqa: F401  (every table on the metadata)

UNITS = ("BKD", "BPOD", "ADPIM", "ORG", "DISKOMINFO")


def catalog_db(workdir: str) -> tuple[Database, Viewer]:
    db = Database(f"sqlite:///{workdir}/bench.db")
    Base.metadata.create_all(db.engine)
    search_index.install(db.engine)
    with db.session() as session:
        unit = None
        for code in UNITS:
            unit = get_or_create_unit(session, code, f"Unit {code}")
        role = get_or_create_role(session, unit, "PPID", ["PPID"])
        create_user(session, "arsiparis", "bench-password", unit, [role])
    with db.session() as session:
        return db, load_viewer(session, "arsiparis")

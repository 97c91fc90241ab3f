"""Full-text search over the catalog, one interface over two databases.

* SQLite: an FTS5 table with *external content* (``documents``) kept up to date by triggers, so
  the database maintains the index inside the same transaction as the catalog write: no Python
  code writes index rows, and a rolled-back ingest leaves no index entry behind.
* PostgreSQL: a GIN index on the expression ``to_tsvector('simple', title || ringkasan ||
  body_text)``; queries use the same expression (:func:`pg_vector`) so the planner uses it.

The ``simple`` configuration (and FTS5's ``unicode61``) lowercases without stemming: there is no
Indonesian stemmer in PostgreSQL, and a wrong stem would hide a word an archivist typed exactly.

Neither structure can be declared on the SQLAlchemy metadata, so ``create_all`` does not make them:
call :func:`install` after it (tests, the embedded default). The Alembic migrations (0004, 0006,
0007) hold their own frozen copies of these statements: a change here needs a new migration, and
``tests/alur/test_migrations.py`` fails until the migrated schema matches :func:`install`'s again.
:func:`include_object` keeps Alembic's autogenerate from proposing to drop them.
"""
from __future__ import annotations

import re

from sqlalchemy import Connection, Engine, column, func, literal_column, table, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Alias
from sqlalchemy.sql.util import ClauseAdapter

from storage.models import Document

FTS_TABLE = "documents_fts"
GIN_INDEX = "ix_documents_fulltext"
MARK_START, MARK_END = "\ue000", "\ue001"  # private-use: cannot occur in extracted text by accident
_WORD = re.compile(r"\w+", re.UNICODE)

_FTS_COLUMNS = "title, ringkasan, body_text"
_OLD = "old.title, old.ringkasan, old.body_text"
_NEW = "new.title, new.ringkasan, new.body_text"

SQLITE_DDL: tuple[str, ...] = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5({_FTS_COLUMNS}, "
    "content='documents', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER IF NOT EXISTS documents_fts_insert AFTER INSERT ON documents BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, {_FTS_COLUMNS}) VALUES (new.id, {_NEW}); END",
    f"CREATE TRIGGER IF NOT EXISTS documents_fts_delete AFTER DELETE ON documents BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_FTS_COLUMNS}) VALUES ('delete', old.id, {_OLD}); END",
    f"CREATE TRIGGER IF NOT EXISTS documents_fts_update AFTER UPDATE OF {_FTS_COLUMNS} ON documents BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_FTS_COLUMNS}) VALUES ('delete', old.id, {_OLD}); "
    f"INSERT INTO {FTS_TABLE}(rowid, {_FTS_COLUMNS}) VALUES (new.id, {_NEW}); END",
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
)
SQLITE_DROP: tuple[str, ...] = (
    "DROP TRIGGER IF EXISTS documents_fts_insert",
    "DROP TRIGGER IF EXISTS documents_fts_delete",
    "DROP TRIGGER IF EXISTS documents_fts_update",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
)
_PG_EXPRESSION = ("to_tsvector('simple'::regconfig, coalesce(title, '') || ' ' || coalesce(ringkasan, '') "
                  "|| ' ' || coalesce(body_text, ''))")
POSTGRES_DDL: tuple[str, ...] = (
    f"CREATE INDEX IF NOT EXISTS {GIN_INDEX} ON documents USING gin ({_PG_EXPRESSION})",
)
POSTGRES_DROP: tuple[str, ...] = (f"DROP INDEX IF EXISTS {GIN_INDEX}",)
# Indexes for the search (storage.search), plain DDL on both databases, made by install() and (a
# frozen copy) by migration 0006 like the structures above:
# * FACET_INDEX: the five facet columns in the order the search groups them (storage.search._CUBE),
#   so the facet counts of a search without words are one index-only scan, the access columns
#   (klasifikasi, unit_id) included;
# * one (facet, created_at) index per selective facet: a filtered list newest first reads the
#   first page off the index instead of sorting every matching row.
FACET_INDEX = "ix_documents_facet_cube"
DATE_INDEXES = {"klasifikasi": "ix_documents_klasifikasi_date", "unit_id": "ix_documents_unit_date",
                "year": "ix_documents_year_date", "sop_key": "ix_documents_sop_date"}
SEARCH_INDEXES = {FACET_INDEX: "klasifikasi, unit_id, year, sop_key, bentuk",
                  **{name: f"{column}, created_at" for column, name in DATE_INDEXES.items()}}
FACET_DDL: tuple[str, ...] = tuple(f"CREATE INDEX IF NOT EXISTS {name} ON documents ({columns})"
                                   for name, columns in SEARCH_INDEXES.items())
FACET_DROP: tuple[str, ...] = tuple(f"DROP INDEX IF EXISTS {name}" for name in SEARCH_INDEXES)
# SQLite only (migration 0007): COVER_INDEX holds, in id order, every column a search with words reads
# from a matched document (the access rule's, the facets', the date order's). FTS5 yields matching
# rowids; looking each up in the table reads a whole row (title, ringkasan and body inline, ~1 KB), and a
# common word matches 12% of the catalog, so the lookups dominated the search. The index is ~40 bytes a
# row. SQLite prefers the rowid for ``id = ?`` whatever the cost, so :func:`covered` names the index
# with INDEXED BY. PostgreSQL matches through the GIN bitmap and reads the heap anyway: no use there.
COVER_INDEX = "ix_documents_search_cover"
_COVER_COLUMNS = "id, klasifikasi, unit_id, published, year, sop_key, bentuk, created_at"
SQLITE_COVER_DDL: tuple[str, ...] = (f"CREATE INDEX IF NOT EXISTS {COVER_INDEX} ON documents ({_COVER_COLUMNS})",)
SQLITE_COVER_DROP: tuple[str, ...] = (f"DROP INDEX IF EXISTS {COVER_INDEX}",)


def is_sqlite(bind: Connection | Engine) -> bool:
    return bind.dialect.name == "sqlite"


def install(bind: Connection | Engine) -> None:
    """Create the index structures if missing (idempotent); on SQLite also re-index existing rows."""
    statements = (SQLITE_DDL + SQLITE_COVER_DDL if is_sqlite(bind) else POSTGRES_DDL) + FACET_DDL
    if isinstance(bind, Engine):
        with bind.begin() as connection:
            _run(connection, statements)
    else:
        _run(bind, statements)


def _run(connection: Connection, statements) -> None:
    for statement in statements:
        connection.execute(text(statement))


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """For Alembic's ``include_object``: the FTS5 table (and its shadow tables) and the GIN index are
    made by raw SQL (and the search indexes), so autogenerate must neither drop them nor create them."""
    if type_ == "table" and name and name.startswith(FTS_TABLE):
        return False
    if type_ == "index" and (name in (GIN_INDEX, COVER_INDEX) or name in SEARCH_INDEXES):
        return False
    return True


def words(query: str) -> list[str]:
    """The words of a user's query, lowercased; punctuation and operators are dropped on purpose
    (a stray quote or ``NEAR`` must not become FTS syntax)."""
    return [w.lower() for w in _WORD.findall(query or "")]


def fts5_query(query_words: list[str]) -> str:
    """Every word must occur (AND); each quoted, so it is a plain term to FTS5."""
    return " ".join(f'"{w}"' for w in query_words)


def pg_vector() -> ColumnElement:
    """The exact indexed expression (the planner matches it textually)."""
    return literal_column(_PG_EXPRESSION)


def pg_query(query_words: list[str]) -> ColumnElement:
    return func.plainto_tsquery(literal_column("'simple'::regconfig"), " ".join(query_words))


fts = table(FTS_TABLE, column("rowid"))  # to join; FTS5's functions take the table name itself


def fts_table() -> ColumnElement:
    return literal_column(FTS_TABLE)


def sqlite_match(query_words: list[str]) -> ColumnElement:
    return fts_table().op("MATCH")(fts5_query(query_words))


def sqlite_join_on() -> ColumnElement:
    return fts.c.rowid == Document.id


def sqlite_among(ids: list[int]) -> ColumnElement:
    """FTS rows among ``ids``, filtered after the MATCH: given ``rowid IN (...)`` as a constraint,
    FTS5 re-runs the MATCH once per id (a seek into the doclist each), slower than one read of it."""
    return (fts.c.rowid + 0).in_(ids)


class _Covered(Alias):
    """``documents AS covered INDEXED BY ix_documents_search_cover`` on SQLite (see COVER_INDEX)."""

    inherit_cache = True


@compiles(_Covered, "sqlite")
def _covered_sql(element, compiler, **kw) -> str:
    sql = compiler.visit_alias(element, **kw)
    return f"{sql} INDEXED BY {COVER_INDEX}" if kw.get("asfrom") else sql


covered = _Covered._construct(Document.__table__, name="covered")


def on_covered(condition: ColumnElement) -> ColumnElement:
    """A condition on Document's columns (the access rule, a facet filter) restated on :data:`covered`."""
    return ClauseAdapter(covered).traverse(condition)


def sqlite_rank() -> ColumnElement:
    """bm25: smaller is better; title counts most, then ringkasan, then body."""
    return func.bm25(fts_table(), 10.0, 4.0, 1.0)


def pg_rank(query_words: list[str]) -> ColumnElement:
    return func.ts_rank(pg_vector(), pg_query(query_words))


def sqlite_snippet(tokens: int = 16) -> ColumnElement:
    return func.snippet(fts_table(), -1, MARK_START, MARK_END, "…", tokens)


def pg_snippet(query_words: list[str]) -> ColumnElement:
    document = (func.coalesce(Document.title, "") + " " + func.coalesce(Document.ringkasan, "") + " "
                + func.coalesce(Document.body_text, ""))
    options = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=24, MinWords=8, MaxFragments=2"
    return func.ts_headline(literal_column("'simple'::regconfig"), document, pg_query(query_words), options)

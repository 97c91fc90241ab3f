"""Catalog search: full text, facets, snippets with the matched words marked, paging.

The access rule (:func:`storage.access.visible`) is a condition of every query here: the hit list,
the total, each facet count and each snippet are computed only over documents the viewer may see,
so an exempt document cannot be inferred from a count or a highlighted word.

Facet counts follow the usual drill-down rule: each facet is counted with every filter applied
except its own, so the other values of a chosen facet stay visible as alternatives.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field

from sqlalchemy import Select, desc, false, func, select
from sqlalchemy.orm import Session, defer, joinedload

from engine.db import Database
from engine.models import Unit
from storage import search_index as index
from storage.access import Viewer, visible
from storage.models import BENTUK, CLASSES, Document

MAX_PER_PAGE = 100
SNIPPET_CHARS = 240
UNCLASSIFIED = "belum"  # the facet value (and filter) for documents not yet classified
FACETS = ("klasifikasi", "unit", "year", "sop", "bentuk")
ORDERS = ("relevance", "date")


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    klasifikasi: str | None = None  # a class, or "belum"
    unit: str | None = None         # unit code
    year: int | None = None
    sop: str | None = None          # process key of the SOP case it came from
    bentuk: str | None = None
    order: str = "relevance"        # "relevance" (when there are words) or "date" (newest first)
    page: int = 1
    per_page: int = 20

    def check(self) -> None:
        if self.order not in ORDERS:
            raise ValueError(f"order must be one of {', '.join(ORDERS)}")
        if self.klasifikasi not in (None, UNCLASSIFIED, *CLASSES):
            raise ValueError(f"klasifikasi must be one of {', '.join((UNCLASSIFIED, *CLASSES))}")
        if self.bentuk not in (None, *BENTUK):
            raise ValueError(f"bentuk must be one of {', '.join(BENTUK)}")
        if self.page < 1 or not 1 <= self.per_page <= MAX_PER_PAGE:
            raise ValueError(f"page must be at least 1 and per_page between 1 and {MAX_PER_PAGE}")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True)
class Snippet:
    """Text around the matches as (text, matched) parts: the caller escapes and marks as it needs."""

    parts: tuple[tuple[str, bool], ...]

    @classmethod
    def parse(cls, marked: str | None) -> "Snippet":
        parts: list[tuple[str, bool]] = []
        rest = marked or ""
        while rest:
            before, start, after = rest.partition(index.MARK_START)
            if before:
                parts.append((before, False))
            if not start:
                break
            word, _end, rest = after.partition(index.MARK_END)
            parts.append((word, True))
        return cls(tuple(parts))

    def html(self) -> str:
        return "".join(f"<mark>{html.escape(t)}</mark>" if hit else html.escape(t) for t, hit in self.parts)

    def plain(self, start: str = "«", end: str = "»") -> str:
        return "".join(f"{start}{t}{end}" if hit else t for t, hit in self.parts)

    @property
    def matched(self) -> list[str]:
        return [t for t, hit in self.parts if hit]


@dataclass
class Hit:
    document: Document  # detached; ``body_text`` is not loaded
    snippet: Snippet
    rank: float | None


@dataclass(frozen=True)
class FacetValue:
    value: object
    label: str
    count: int


@dataclass
class SearchResults:
    total: int
    page: int
    per_page: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def search(db: Database, viewer: Viewer, query: SearchQuery) -> SearchResults:
    query.check()
    words = index.words(query.text)
    with db.session() as session:
        sqlite = session.bind.dialect.name == "sqlite"
        unit_id = _unit_id(session, query.unit) if query.unit else None
        # One grouped query over the viewer's matching documents gives the total and all five facets.
        total, counts = _drill_down(_cube(session, sqlite, words, viewer), _tests(query, unit_id))
        facets = {name: _facet(session, sqlite, name, counts[name]) for name in FACETS}
        hits = _hits(session, sqlite, words, viewer, _filters(query, unit_id), query) if total else []
    return SearchResults(total, query.page, query.per_page, hits, facets)


# The facet columns, in the order of the composite index ``search_index.FACET_INDEX`` (so the
# grouping of all documents is an index-only scan) and of the tuples of :func:`_cube`.
_CUBE = (Document.klasifikasi, Document.unit_id, Document.year, Document.sop_key, Document.bentuk)
_POSITION = {"klasifikasi": 0, "unit": 1, "year": 2, "sop": 3, "bentuk": 4}


def _unit_id(session: Session, code: str) -> int | None:
    return session.scalar(select(Unit.id).where(Unit.code == code))


def _filters(query: SearchQuery, unit_id: int | None) -> list:
    """The facet filters as SQL conditions (for the hit page)."""
    found = []
    if query.klasifikasi == UNCLASSIFIED:
        found.append(Document.klasifikasi.is_(None))
    elif query.klasifikasi:
        found.append(Document.klasifikasi == query.klasifikasi)
    if query.unit:
        found.append(Document.unit_id == unit_id if unit_id is not None else false())
    if query.year is not None:
        found.append(Document.year == query.year)
    if query.sop:
        found.append(Document.sop_key == query.sop)
    if query.bentuk:
        found.append(Document.bentuk == query.bentuk)
    return found


def _tests(query: SearchQuery, unit_id: int | None) -> dict:
    """The same filters as tests on a row of :func:`_cube` (klasifikasi, unit_id, year, sop, bentuk)."""
    found = {}
    if query.klasifikasi == UNCLASSIFIED:
        found["klasifikasi"] = lambda row: row[0] is None
    elif query.klasifikasi:
        found["klasifikasi"] = lambda row: row[0] == query.klasifikasi
    if query.unit:
        found["unit"] = lambda row: unit_id is not None and row[1] == unit_id
    if query.year is not None:
        found["year"] = lambda row: row[2] == query.year
    if query.sop:
        found["sop"] = lambda row: row[3] == query.sop
    if query.bentuk:
        found["bentuk"] = lambda row: row[4] == query.bentuk
    return found


def _opaque(sqlite: bool, condition):
    """SQLite only: the access rule as a plain filter, so the planner does not OR two indexes for it
    (and sort their union) but scans the index that fits the grouping or the order."""
    return func.ifnull(condition, 0) if sqlite else condition


def _pg_matches(words: list[str]):
    """PostgreSQL: documents matching every word, through the GIN expression index."""
    return index.pg_vector().op("@@")(index.pg_query(words))


def _cube(session: Session, sqlite: bool, words: list[str], viewer: Viewer) -> list[tuple]:
    """Counts of the documents the viewer may see that match the words, per combination of facet
    values, before any facet filter: the drill-down counts and the total all derive from it."""
    if words and sqlite:
        columns = [index.covered.c[column.key] for column in _CUBE]
        statement = _sqlite_matches(select(*columns, func.count()), words, [visible(viewer)])
    elif words:
        columns, statement = _CUBE, select(*_CUBE, func.count()).where(visible(viewer), _pg_matches(words))
    else:
        # An index-only scan (else SQLite may OR two indexes for the access rule and sort the union).
        columns, statement = _CUBE, select(*_CUBE, func.count()).where(_opaque(sqlite, visible(viewer)))
    return [tuple(row) for row in session.execute(statement.group_by(*columns)).all()]


def _sqlite_matches(statement: Select, words: list[str], conditions: list) -> Select:
    """SQLite: ``statement`` over the FTS matches joined to the covering index, where ``conditions``
    (on Document's columns) hold: one MATCH, and no table row read."""
    covered = index.covered
    return (statement.select_from(index.fts).join(covered, index.fts.c.rowid == covered.c.id)
            .where(index.sqlite_match(words), *map(index.on_covered, conditions)))


_PAGE_OPTIONS = (defer(Document.body_text), joinedload(Document.unit, innerjoin=True))


def _by_date(table=Document.__table__) -> tuple:
    return desc(table.c.created_at), desc(table.c.id)


def _hits(session: Session, sqlite: bool, words: list[str], viewer: Viewer, filters: list,
          query: SearchQuery) -> list[Hit]:
    if not words:
        return _date_page(session, sqlite, viewer, filters, query)
    if sqlite:
        return _sqlite_page(session, words, viewer, filters, query)
    return _pg_page(session, words, viewer, filters, query)


def _date_page(session: Session, sqlite: bool, viewer: Viewer, filters: list, query: SearchQuery) -> list[Hit]:
    """Newest first off a (facet, created_at) index or the created_at index, filtering as it reads."""
    statement = (select(Document).where(_opaque(sqlite, visible(viewer)), *filters).options(*_PAGE_OPTIONS)
                 .order_by(*_by_date()).limit(query.per_page).offset(query.offset))
    return [Hit(document, _opening(document), None) for document in session.scalars(statement)]


def _pg_page(session: Session, words: list[str], viewer: Viewer, filters: list, query: SearchQuery) -> list[Hit]:
    rank, snippet = index.pg_rank(words), index.pg_snippet(words)
    statement = (select(Document, rank, snippet).where(visible(viewer), *filters, _pg_matches(words))
                 .options(*_PAGE_OPTIONS))
    order = (desc(rank), *_by_date()) if query.order == "relevance" else _by_date()
    rows = session.execute(statement.order_by(*order).limit(query.per_page).offset(query.offset)).all()
    return [Hit(document, Snippet.parse(marked), score) for document, score, marked in rows]


def _sqlite_page(session: Session, words: list[str], viewer: Viewer, filters: list,
                 query: SearchQuery) -> list[Hit]:
    """Rank the matches (no table row is read), then read the page's documents with their snippets:
    snippet() re-reads and re-tokenizes the text of a row, so it is made for the rows of the page only."""
    rank, covered = index.sqlite_rank(), index.covered
    statement = _sqlite_matches(select(covered.c.id, rank), words, [visible(viewer), *filters])
    order = (rank, *_by_date(covered)) if query.order == "relevance" else _by_date(covered)
    page = session.execute(statement.order_by(*order).limit(query.per_page).offset(query.offset)).all()
    found = _sqlite_documents(session, words, [document_id for document_id, _score in page], viewer)
    # a document changed between the two statements (reclassified, deleted, reworded) is left out
    return [Hit(*found[document_id], score) for document_id, score in page if document_id in found]


def _sqlite_documents(session: Session, words: list[str], ids: list[int],
                      viewer: Viewer) -> dict[int, tuple[Document, Snippet]]:
    """The page's documents (with their units) and snippets, in one statement, under the access rule
    again: each SELECT sees its own snapshot, so the rule of the ranking statement is not enough."""
    if not ids:
        return {}
    statement = (select(Document, index.sqlite_snippet()).select_from(index.fts)
                 .join(Document, index.sqlite_join_on())
                 .where(index.sqlite_match(words), index.sqlite_among(ids), visible(viewer))
                 .options(*_PAGE_OPTIONS))
    return {document.id: (document, Snippet.parse(marked)) for document, marked in session.execute(statement)}


def _opening(document: Document) -> Snippet:
    """Without search words, the ringkasan (or the title) stands in for a snippet."""
    return Snippet((((document.ringkasan or document.title)[:SNIPPET_CHARS], False),))


def _drill_down(cube: list[tuple], tests: dict) -> tuple[int, dict[str, dict]]:
    """One pass over the cube: the total (combinations meeting every filter) and each facet's counts
    per value (combinations meeting every filter except the facet's own)."""
    total, counts = 0, {name: {} for name in FACETS}
    for *values, count in cube:
        failed = [name for name, test in tests.items() if not test(values)]
        if len(failed) > 1:
            continue
        total += 0 if failed else count
        for name in failed or FACETS:
            value = values[_POSITION[name]]
            counts[name][value] = counts[name].get(value, 0) + count
    return total, counts


def _facet(session: Session, sqlite: bool, name: str, counts: dict) -> list[FacetValue]:
    """One facet's values with their counts and labels, in the order of the facet's column."""
    if name == "unit":
        units = session.execute(select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(list(counts)))).all() \
            if counts else []
        return [FacetValue(code, f"{code} — {label}", counts[unit_id])
                for unit_id, code, label in sorted(units, key=lambda unit: unit.code)]
    # As ORDER BY the column did: NULL sorts first on SQLite and last on PostgreSQL.
    present = sorted(value for value in counts if value is not None)
    ordered = ([None] if sqlite else []) + present + ([] if sqlite else [None]) if None in counts else present
    values = []
    for value in ordered:
        if name == "sop" and value is None:
            continue
        label_value = UNCLASSIFIED if name == "klasifikasi" and value is None else value
        values.append(FacetValue(label_value, str(label_value), counts[value]))
    return values

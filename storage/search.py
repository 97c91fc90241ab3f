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

from sqlalchemy import Select, desc, func, null, select
from sqlalchemy.orm import Session, defer, selectinload

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
        filters = _filters(query)
        matching = _matching(sqlite, words, viewer, list(filters.values()))
        total = session.scalar(matching.with_only_columns(func.count(Document.id)))
        hits = _hits(session, sqlite, words, matching, query)
        facets = {name: _facet(session, name, _matching(sqlite, words, viewer,
                                                        [c for f, c in filters.items() if f != name]))
                  for name in FACETS}
    return SearchResults(total or 0, query.page, query.per_page, hits, facets)


def _filters(query: SearchQuery) -> dict:
    found = {}
    if query.klasifikasi == UNCLASSIFIED:
        found["klasifikasi"] = Document.klasifikasi.is_(None)
    elif query.klasifikasi:
        found["klasifikasi"] = Document.klasifikasi == query.klasifikasi
    if query.unit:
        found["unit"] = Document.unit_id == select(Unit.id).where(Unit.code == query.unit).scalar_subquery()
    if query.year is not None:
        found["year"] = Document.year == query.year
    if query.sop:
        found["sop"] = Document.sop_key == query.sop
    if query.bentuk:
        found["bentuk"] = Document.bentuk == query.bentuk
    return found


def _matching(sqlite: bool, words: list[str], viewer: Viewer, conditions: list) -> Select:
    """Documents the viewer may see that match the words and the conditions."""
    statement = select(Document).where(visible(viewer), *conditions)
    if not words:
        return statement
    if sqlite:
        return statement.join(index.fts, index.sqlite_join_on()).where(index.sqlite_match(words))
    return statement.where(index.pg_vector().op("@@")(index.pg_query(words)))


def _hits(session: Session, sqlite: bool, words: list[str], matching: Select, query: SearchQuery) -> list[Hit]:
    if words:
        rank = index.sqlite_rank() if sqlite else index.pg_rank(words)
        snippet = index.sqlite_snippet() if sqlite else index.pg_snippet(words)
    else:
        rank, snippet = None, None
    columns = [Document, rank if rank is not None else null(), snippet if snippet is not None else null()]
    statement = matching.with_only_columns(*columns).options(defer(Document.body_text), selectinload(Document.unit))
    by_date = (desc(Document.created_at), desc(Document.id))
    if words and query.order == "relevance":
        statement = statement.order_by(rank if sqlite else desc(rank), *by_date)
    else:
        statement = statement.order_by(*by_date)
    statement = statement.limit(query.per_page).offset((query.page - 1) * query.per_page)
    rows = session.execute(statement).all()
    return [Hit(document, Snippet.parse(marked) if words else _opening(document), score)
            for document, score, marked in rows]


def _opening(document: Document) -> Snippet:
    """Without search words, the ringkasan (or the title) stands in for a snippet."""
    return Snippet((((document.ringkasan or document.title)[:SNIPPET_CHARS], False),))


def _facet(session: Session, name: str, matching: Select) -> list[FacetValue]:
    if name == "unit":
        statement = (matching.join(Unit, Unit.id == Document.unit_id)
                     .with_only_columns(Unit.code, Unit.name, func.count(Document.id))
                     .group_by(Unit.code, Unit.name).order_by(Unit.code))
        return [FacetValue(code, f"{code} — {label}", count) for code, label, count in session.execute(statement)]
    column = {"klasifikasi": Document.klasifikasi, "year": Document.year, "sop": Document.sop_key,
              "bentuk": Document.bentuk}[name]
    statement = matching.with_only_columns(column, func.count(Document.id)).group_by(column).order_by(column)
    values = []
    for value, count in session.execute(statement):
        if name == "sop" and value is None:
            continue
        if name == "klasifikasi" and value is None:
            value = UNCLASSIFIED
        values.append(FacetValue(value, str(value), count))
    return values

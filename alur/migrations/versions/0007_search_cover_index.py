"""covering index of the search columns by id (SQLite)

Revision ID: 7c3e5a1b2d48
Revises: 6a1f0c2d9b37
Create Date: 2026-11-21 08:00:00

SQLite only: a search with words looks up each document FTS5 matched; this index answers those
lookups without reading the table rows (see storage.search_index.COVER_INDEX). PostgreSQL has no
use for it, so nothing is made there. The statements are written out as this revision ran them: a
migration must not change when storage.search_index does (tests/alur/test_migrations.py).
"""
from alembic import op

revision = '7c3e5a1b2d48'
down_revision = '6a1f0c2d9b37'
branch_labels = None
depends_on = None

SQLITE_COVER_DDL: tuple[str, ...] = (
    "CREATE INDEX IF NOT EXISTS ix_documents_search_cover ON documents "
    "(id, klasifikasi, unit_id, published, year, sop_key, bentuk, created_at)",
)
SQLITE_COVER_DROP: tuple[str, ...] = ("DROP INDEX IF EXISTS ix_documents_search_cover",)


def _run(statements: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in statements:
            op.execute(statement)


def upgrade() -> None:
    _run(SQLITE_COVER_DDL)


def downgrade() -> None:
    _run(SQLITE_COVER_DROP)

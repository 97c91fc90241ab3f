"""search indexes on documents: facet cube and (facet, created_at)

Revision ID: 6a1f0c2d9b37
Revises: 41ee3cfea3fa
Create Date: 2026-11-21 06:35:00
"""
from alembic import op

revision = '6a1f0c2d9b37'
down_revision = '41ee3cfea3fa'
branch_labels = None
depends_on = None

# The statements as this revision ran them, written out: a migration must not change when
# storage.search_index does (a change there needs a new migration, see tests/alur/test_migrations.py).
FACET_DDL: tuple[str, ...] = (
    "CREATE INDEX IF NOT EXISTS ix_documents_facet_cube ON documents "
    "(klasifikasi, unit_id, year, sop_key, bentuk)",
    "CREATE INDEX IF NOT EXISTS ix_documents_klasifikasi_date ON documents (klasifikasi, created_at)",
    "CREATE INDEX IF NOT EXISTS ix_documents_unit_date ON documents (unit_id, created_at)",
    "CREATE INDEX IF NOT EXISTS ix_documents_year_date ON documents (year, created_at)",
    "CREATE INDEX IF NOT EXISTS ix_documents_sop_date ON documents (sop_key, created_at)",
)
FACET_DROP: tuple[str, ...] = (
    "DROP INDEX IF EXISTS ix_documents_facet_cube",
    "DROP INDEX IF EXISTS ix_documents_klasifikasi_date",
    "DROP INDEX IF EXISTS ix_documents_unit_date",
    "DROP INDEX IF EXISTS ix_documents_year_date",
    "DROP INDEX IF EXISTS ix_documents_sop_date",
)


def upgrade() -> None:
    for statement in FACET_DDL:
        op.execute(statement)


def downgrade() -> None:
    for statement in FACET_DROP:
        op.execute(statement)

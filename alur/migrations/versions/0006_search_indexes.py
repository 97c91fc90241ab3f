"""search indexes on documents: facet cube and (facet, created_at)

Revision ID: 6a1f0c2d9b37
Revises: 41ee3cfea3fa
Create Date: 2026-11-21 06:35:00
"""
from alembic import op

from storage.search_index import FACET_DDL, FACET_DROP

revision = '6a1f0c2d9b37'
down_revision = '41ee3cfea3fa'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in FACET_DDL:
        op.execute(statement)


def downgrade() -> None:
    for statement in FACET_DROP:
        op.execute(statement)

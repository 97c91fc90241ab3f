"""the OCR sweep's bookkeeping on document versions: when it last queued a job, how many times

Revision ID: 9f3a6c2e1b07
Revises: 8d2b6f0e4a15
Create Date: 2026-11-24 09:00:00

Plain ADD COLUMNs (no batch recreation): only ``document_versions`` changes, so the FTS5 table and
triggers on ``documents`` (storage.search_index) are untouched on SQLite.
"""
import sqlalchemy as sa
from alembic import op

revision = '9f3a6c2e1b07'
down_revision = '8d2b6f0e4a15'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('document_versions', sa.Column('ocr_queued_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('document_versions', sa.Column('ocr_attempts', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('document_versions', schema=None) as batch_op:
        batch_op.drop_column('ocr_attempts')
        batch_op.drop_column('ocr_queued_at')

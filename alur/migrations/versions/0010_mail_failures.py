"""e-mails the mail server refused for good: when, and its reply, on letters and notifications

Revision ID: a4c7e2d9b310
Revises: 9f3a6c2e1b07
Create Date: 2026-11-21 11:05:00

Plain ADD COLUMNs (no batch recreation on upgrade), as in 0009. A letter or notification already
marked as sent keeps that mark: which of them the server refused was never recorded.
"""
import sqlalchemy as sa
from alembic import op

revision = 'a4c7e2d9b310'
down_revision = '9f3a6c2e1b07'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('ppid_applicant_emails', sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('ppid_applicant_emails', sa.Column('failure', sa.String(length=200), nullable=True))
    op.add_column('notifications', sa.Column('email_failed_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('notifications', sa.Column('email_failure', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('email_failure')
        batch_op.drop_column('email_failed_at')
    with op.batch_alter_table('ppid_applicant_emails', schema=None) as batch_op:
        batch_op.drop_column('failure')
        batch_op.drop_column('failed_at')

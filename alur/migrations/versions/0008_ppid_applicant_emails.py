"""letters to applicants: the PPID's outbox of e-mails about requests and objections

Revision ID: 8d2b6f0e4a15
Revises: 7c3e5a1b2d48
Create Date: 2026-11-21 08:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '8d2b6f0e4a15'
down_revision = '7c3e5a1b2d48'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ppid_applicant_emails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('to', sa.String(length=254), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['ppid_requests.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ppid_applicant_emails', schema=None) as batch_op:
        batch_op.create_index('ix_ppid_applicant_emails_unsent', ['emailed_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ppid_applicant_emails_request_id'), ['request_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ppid_applicant_emails', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ppid_applicant_emails_request_id'))
        batch_op.drop_index('ix_ppid_applicant_emails_unsent')
    op.drop_table('ppid_applicant_emails')

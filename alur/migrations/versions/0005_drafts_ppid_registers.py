"""modeler drafts and PPID registers: requests, objections, counters, form submissions, rate events

Revision ID: 41ee3cfea3fa
Revises: 057dd7259548
Create Date: 2026-11-21 06:00:35.253370
"""
from alembic import op
import sqlalchemy as sa


revision = '41ee3cfea3fa'
down_revision = '057dd7259548'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ppid_form_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token')
    )
    op.create_table('ppid_rate_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ppid_rate_events', schema=None) as batch_op:
        batch_op.create_index('ix_ppid_rate_events_key_at', ['key', 'at'], unique=False)

    op.create_table('process_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('xml', sa.Text(), nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=True),
    sa.Column('updated_by', sa.String(length=80), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_table('ppid_counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'unit_id', 'year')
    )
    op.create_table('ppid_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nomor', sa.String(length=120), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('nama', sa.String(length=200), nullable=False),
    sa.Column('alamat', sa.Text(), nullable=False),
    sa.Column('nik', sa.String(length=16), nullable=False),
    sa.Column('telepon', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('pekerjaan', sa.String(length=200), nullable=False),
    sa.Column('rincian', sa.Text(), nullable=False),
    sa.Column('tujuan', sa.Text(), nullable=False),
    sa.Column('cara_memperoleh', sa.String(length=30), nullable=False),
    sa.Column('cara_menyampaikan', sa.String(length=30), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('status_informasi', sa.String(length=20), nullable=False),
    sa.Column('keputusan', sa.String(length=10), nullable=True),
    sa.Column('alasan_penolakan', sa.Text(), nullable=False),
    sa.Column('dasar_penolakan', sa.String(length=30), nullable=False),
    sa.Column('diperpanjang', sa.Boolean(), nullable=False),
    sa.Column('alasan_perpanjangan', sa.Text(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notice_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notice_by', sa.String(length=200), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('biaya', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('nomor')
    )
    with op.batch_alter_table('ppid_requests', schema=None) as batch_op:
        batch_op.create_index('ix_ppid_requests_unit_received', ['unit_id', 'received_at'], unique=False)

    op.create_table('ppid_objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nomor', sa.String(length=120), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('alasan', sa.String(length=20), nullable=False),
    sa.Column('uraian', sa.Text(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('keputusan', sa.String(length=10), nullable=True),
    sa.Column('tanggapan', sa.Text(), nullable=False),
    sa.Column('response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('atasan_nama', sa.String(length=200), nullable=False),
    sa.Column('atasan_jabatan', sa.String(length=200), nullable=False),
    sa.Column('tanggapan_pemohon', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['ppid_requests.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('nomor')
    )
    with op.batch_alter_table('ppid_objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ppid_objections_request_id'), ['request_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ppid_objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ppid_objections_request_id'))

    op.drop_table('ppid_objections')
    with op.batch_alter_table('ppid_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_ppid_requests_unit_received')

    op.drop_table('ppid_requests')
    op.drop_table('ppid_counters')
    op.drop_table('process_drafts')
    with op.batch_alter_table('ppid_rate_events', schema=None) as batch_op:
        batch_op.drop_index('ix_ppid_rate_events_key_at')

    op.drop_table('ppid_rate_events')
    op.drop_table('ppid_form_submissions')

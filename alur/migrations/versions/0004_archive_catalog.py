"""archive catalog: documents, versions, retention classes, pending uploads, full-text index

Revision ID: 057dd7259548
Revises: 6a49d35919ed
Create Date: 2026-11-21 05:35:31.233600
"""
from alembic import op
import sqlalchemy as sa

revision = '057dd7259548'
down_revision = '6a49d35919ed'
branch_labels = None
depends_on = None

# The full-text structures as this revision made them, written out: a migration must not change when
# storage.search_index does (a change there needs a new migration, see tests/alur/test_migrations.py).
SQLITE_DDL: tuple[str, ...] = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5(title, ringkasan, body_text, "
    "content='documents', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS documents_fts_insert AFTER INSERT ON documents BEGIN "
    "INSERT INTO documents_fts(rowid, title, ringkasan, body_text) "
    "VALUES (new.id, new.title, new.ringkasan, new.body_text); END",
    "CREATE TRIGGER IF NOT EXISTS documents_fts_delete AFTER DELETE ON documents BEGIN "
    "INSERT INTO documents_fts(documents_fts, rowid, title, ringkasan, body_text) "
    "VALUES ('delete', old.id, old.title, old.ringkasan, old.body_text); END",
    "CREATE TRIGGER IF NOT EXISTS documents_fts_update AFTER UPDATE OF title, ringkasan, body_text "
    "ON documents BEGIN "
    "INSERT INTO documents_fts(documents_fts, rowid, title, ringkasan, body_text) "
    "VALUES ('delete', old.id, old.title, old.ringkasan, old.body_text); "
    "INSERT INTO documents_fts(rowid, title, ringkasan, body_text) "
    "VALUES (new.id, new.title, new.ringkasan, new.body_text); END",
    "INSERT INTO documents_fts(documents_fts) VALUES ('rebuild')",
)
SQLITE_DROP: tuple[str, ...] = (
    "DROP TRIGGER IF EXISTS documents_fts_insert",
    "DROP TRIGGER IF EXISTS documents_fts_delete",
    "DROP TRIGGER IF EXISTS documents_fts_update",
    "DROP TABLE IF EXISTS documents_fts",
)
POSTGRES_DDL: tuple[str, ...] = (
    "CREATE INDEX IF NOT EXISTS ix_documents_fulltext ON documents USING gin (to_tsvector('simple'::regconfig, "
    "coalesce(title, '') || ' ' || coalesce(ringkasan, '') || ' ' || coalesce(body_text, '')))",
)
POSTGRES_DROP: tuple[str, ...] = ("DROP INDEX IF EXISTS ix_documents_fulltext",)


def upgrade() -> None:
    op.create_table('archive_pending_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bucket', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('retention_classes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('active_years', sa.Integer(), nullable=False),
    sa.Column('inactive_years', sa.Integer(), nullable=False),
    sa.Column('final_disposition', sa.String(length=20), nullable=False),
    sa.CheckConstraint("final_disposition IN ('musnah', 'dinilai_kembali', 'permanen')", name='ck_retention_classes_final_disposition'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('ringkasan', sa.Text(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('penanggung_jawab', sa.String(length=300), nullable=False),
    sa.Column('dibuat_pada', sa.Date(), nullable=True),
    sa.Column('tempat_pembuatan', sa.String(length=200), nullable=False),
    sa.Column('bentuk', sa.String(length=10), nullable=False),
    sa.Column('retensi', sa.String(length=300), nullable=False),
    sa.Column('retention_class_id', sa.Integer(), nullable=True),
    sa.Column('klasifikasi', sa.String(length=20), nullable=True),
    sa.Column('pasal17', sa.String(length=1), nullable=True),
    sa.Column('dasar_hukum_sektoral', sa.Text(), nullable=False),
    sa.Column('konsekuensi_dibuka', sa.Text(), nullable=False),
    sa.Column('pertimbangan_ditutup', sa.Text(), nullable=False),
    sa.Column('jangka_waktu_sampai', sa.Date(), nullable=True),
    sa.Column('jangka_waktu_keterangan', sa.String(length=300), nullable=False),
    sa.Column('penetap', sa.String(length=300), nullable=False),
    sa.Column('ditetapkan_pada', sa.Date(), nullable=True),
    sa.Column('ditetapkan_di', sa.String(length=200), nullable=False),
    sa.Column('nomor_sk', sa.String(length=200), nullable=False),
    sa.Column('source_case_id', sa.Integer(), nullable=True),
    sa.Column('source_task_id', sa.Integer(), nullable=True),
    sa.Column('sop_key', sa.String(length=120), nullable=True),
    sa.Column('legal_hold', sa.Boolean(), nullable=False),
    sa.Column('retain_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("bentuk IN ('softcopy', 'hardcopy', 'both')", name='ck_documents_bentuk'),
    sa.CheckConstraint("klasifikasi IN ('berkala', 'serta_merta', 'setiap_saat', 'dikecualikan') OR klasifikasi IS NULL", name='ck_documents_klasifikasi'),
    sa.CheckConstraint("pasal17 IN ('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j') OR pasal17 IS NULL", name='ck_documents_pasal17'),
    sa.ForeignKeyConstraint(['retention_class_id'], ['retention_classes.id'], ),
    sa.ForeignKeyConstraint(['source_case_id'], ['process_instances.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_task_id'], ['human_tasks.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('uid')
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index('ix_documents_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_documents_facets', ['klasifikasi', 'unit_id', 'year'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_jangka_waktu_sampai'), ['jangka_waktu_sampai'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_retain_until'), ['retain_until'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_sop_key'), ['sop_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_unit_id'), ['unit_id'], unique=False)

    op.create_table('document_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('bucket', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('store_version_id', sa.String(length=100), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('original_filename', sa.String(length=255), nullable=False),
    sa.Column('klasifikasi', sa.String(length=20), nullable=True),
    sa.Column('extracted_text', sa.Text(), nullable=False),
    sa.Column('text_source', sa.String(length=10), nullable=False),
    sa.Column('ocr_status', sa.String(length=10), nullable=True),
    sa.Column('ocr_error', sa.String(length=500), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("ocr_status IN ('pending', 'done', 'failed') OR ocr_status IS NULL", name='ck_document_versions_ocr_status'),
    sa.CheckConstraint("text_source IN ('pdf_text', 'ocr', 'plain', 'none')", name='ck_document_versions_text_source'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('bucket', 'key', 'store_version_id', name='uq_document_versions_object'),
    sa.UniqueConstraint('document_id', 'number')
    )
    with op.batch_alter_table('document_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_versions_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_versions_ocr_status'), ['ocr_status'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))

    _run(SQLITE_DDL, POSTGRES_DDL)


def _run(sqlite_statements, postgres_statements) -> None:
    """The full-text structures: FTS5 + triggers on SQLite, a GIN expression index on PostgreSQL."""
    statements = sqlite_statements if op.get_bind().dialect.name == "sqlite" else postgres_statements
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    _run(SQLITE_DROP, POSTGRES_DROP)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email')

    with op.batch_alter_table('document_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_versions_ocr_status'))
        batch_op.drop_index(batch_op.f('ix_document_versions_document_id'))

    op.drop_table('document_versions')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_unit_id'))
        batch_op.drop_index(batch_op.f('ix_documents_sop_key'))
        batch_op.drop_index(batch_op.f('ix_documents_retain_until'))
        batch_op.drop_index(batch_op.f('ix_documents_jangka_waktu_sampai'))
        batch_op.drop_index('ix_documents_facets')
        batch_op.drop_index('ix_documents_created_at')

    op.drop_table('documents')
    op.drop_table('retention_classes')
    op.drop_table('archive_pending_uploads')

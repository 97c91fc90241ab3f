"""The Alembic history builds exactly the schema the models describe, on SQLite and PostgreSQL, and the
raw-SQL search structures storage.search_index installs."""
from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text

from alur.migrate import alembic_config, upgrade
from alur.schema import metadata
from storage import search_index
from storage.search_index import include_object
from tests.conftest import fresh_postgres_database

# Every object of the schema with its definition: sqlite_master's text on SQLite; on PostgreSQL the
# definitions the server writes back (tables by name only: the check above compares their columns).
_SQLITE_SCHEMA = "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"
_POSTGRES_SCHEMA = """
    SELECT 'table', tablename, NULL FROM pg_tables WHERE schemaname = current_schema()
    UNION ALL SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()
    UNION ALL SELECT 'trigger', tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
"""


def test_migrations_match_the_models(database_url):
    upgrade(database_url)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False,
                                                                "include_object": include_object})
        differences = compare_metadata(context, metadata)
    engine.dispose()
    assert differences == [], "models and migrations differ: run `alur db revision` (alur.migrate.revision)"


def _columns(database_url: str, table: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        return {column["name"] for column in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def test_the_mail_failure_columns_go_with_a_downgrade_and_come_back(database_url):
    upgrade(database_url)
    command.downgrade(alembic_config(database_url), "9f3a6c2e1b07")  # 0010 -> 0009
    assert not {"failed_at", "failure"} & _columns(database_url, "ppid_applicant_emails")
    assert not {"email_failed_at", "email_failure"} & _columns(database_url, "notifications")
    upgrade(database_url)
    assert {"failed_at", "failure"} <= _columns(database_url, "ppid_applicant_emails")
    assert {"email_failed_at", "email_failure"} <= _columns(database_url, "notifications")


@pytest.fixture
def other_database_url(database_url, request, tmp_path):
    """A second empty database of the same kind as ``database_url``, dropped after the test."""
    url, drop = ((f"sqlite:///{tmp_path / 'other.db'}", lambda: None) if database_url.startswith("sqlite")
                 else fresh_postgres_database(request.getfixturevalue("postgres")))
    yield url
    drop()


def _schema(engine: Engine) -> dict[tuple[str, str], str | None]:
    query = _SQLITE_SCHEMA if search_index.is_sqlite(engine) else _POSTGRES_SCHEMA
    with engine.connect() as connection:
        return {(kind, name): sql and " ".join(sql.split()) for kind, name, sql in connection.execute(text(query))}


def test_migrations_make_the_search_structures_install_makes(database_url, other_database_url):
    """The FTS5 table and triggers, the GIN and search indexes are raw SQL, not on the models, so the
    check above cannot see them. The migrations write their statements out (a migration must not change
    later), so an edit of storage.search_index needs a new migration: this test fails until it has one."""
    migrated_engine = create_engine(database_url)
    upgrade(database_url)
    migrated = _schema(migrated_engine)
    migrated_engine.dispose()
    installed_engine = create_engine(other_database_url)
    metadata.create_all(installed_engine)
    of_the_models = _schema(installed_engine)
    search_index.install(installed_engine)
    installed = _schema(installed_engine)
    installed_engine.dispose()

    def raw(schema):
        return {key: sql for key, sql in schema.items()
                if key not in of_the_models and not key[1].startswith("alembic_version")}

    assert raw(installed), "install() made nothing the models do not: this comparison would prove nothing"
    assert raw(migrated) == raw(installed), (
        "storage.search_index installs other structures than the migrations make: write a migration for "
        "the change (`alur db revision`, then op.execute the new statements, written out in the migration)")

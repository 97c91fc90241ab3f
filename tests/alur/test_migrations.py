"""The Alembic history builds exactly the schema the models describe, on SQLite and PostgreSQL."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from alur.migrate import upgrade
from alur.schema import metadata
from storage.search_index import include_object


def test_migrations_match_the_models(database_url):
    upgrade(database_url)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False,
                                                                "include_object": include_object})
        differences = compare_metadata(context, metadata)
    engine.dispose()
    assert differences == [], "models and migrations differ: run `alur db revision` (alur.migrate.revision)"

"""Alembic environment: one migration history for every package's tables."""
from alembic import context

from alur.schema import metadata
from engine.db import UtcDateTime
from storage.search_index import include_object

config = context.config


def render_item(type_, obj, autogen_context):
    """Migrations spell Alur's UTC column type as the plain type it stores."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        from sqlalchemy import create_engine
        connectable = create_engine(config.get_main_option("sqlalchemy.url"))
        with connectable.connect() as connection:
            _run(connection)
    else:
        _run(connectable)


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_item=render_item,
                      include_object=include_object,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()

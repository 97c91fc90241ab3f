"""Every table of every package, imported so the metadata is complete for Alembic and tests."""
from engine.db import Base
import engine.closures  # noqa: F401
import engine.models  # noqa: F401
import engine.api_tokens  # noqa: F401
import engine.models.draft  # noqa: F401
import engine.ppid.models  # noqa: F401
import storage.models  # noqa: F401

metadata = Base.metadata

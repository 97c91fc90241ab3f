"""Alur: the composition root that ties engine, storage and web together (config, CLI, migrations)."""

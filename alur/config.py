"""Configuration from the environment, with embedded defaults for a single-machine install.

Every setting has an ``ALUR_`` variable so that docker-compose, the test run and ``make run``
configure the app the same way; nothing is read from files the operator cannot see.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    broker_url: str
    archive_url: str
    secret_key: str
    dev_mode: bool

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        data_dir = Path(env.get("ALUR_DATA_DIR") or Path.cwd() / "data").resolve()
        database_url = env.get("ALUR_DATABASE_URL") or f"sqlite:///{data_dir / 'alur.db'}"
        broker_url = env.get("ALUR_BROKER_URL") or f"sqla+sqlite:///{data_dir / 'broker.db'}"
        archive_url = env.get("ALUR_ARCHIVE_URL") or (data_dir / "archive").as_uri()
        dev_mode = env.get("ALUR_ENV", "development") == "development"
        secret_key = env.get("ALUR_SECRET_KEY", "")
        if not secret_key:
            if not dev_mode:
                raise ConfigError("ALUR_SECRET_KEY must be set outside development mode (ALUR_ENV)")
            secret_key = "alur-development-only-secret"
        if not database_url.startswith(("sqlite:", "postgresql")):
            raise ConfigError(f"ALUR_DATABASE_URL must be a sqlite:// or postgresql:// URL, got {database_url!r}")
        return cls(data_dir, database_url, broker_url, archive_url, secret_key, dev_mode)

    def ensure_data_dir(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)

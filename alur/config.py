"""Configuration from the environment, with embedded defaults for a single-machine install.

Every setting has an ``ALUR_`` variable so that docker-compose, the test run and ``make run``
configure the app the same way; nothing is read from files the operator cannot see.

``Settings.from_env`` validates everything at start and reports every problem at once, one line
per variable, in a :class:`ConfigError`. Outside development mode (``ALUR_ENV`` other than
``development``) no secret has a default: ``ALUR_SECRET_KEY`` and ``ALUR_BASE_URL`` must be set,
and the database, broker and archive must be given explicitly (the embedded SQLite defaults are
for one machine, not for several web processes behind a load balancer).

SMTP is off unless ``ALUR_SMTP_HOST`` is set; then ``ALUR_SMTP_FROM`` is required, the port
defaults to 587, ``ALUR_SMTP_STARTTLS`` to on for port 587 (off otherwise: 465 speaks TLS from the
start), and user and password go together.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEV_SECRET_KEY = "alur-development-only-secret"
DEV_BASE_URL = "http://127.0.0.1:8080"
MIN_SECRET_KEY_LENGTH = 32
PLACEHOLDER = "change-me"  # what .env.example puts where a secret goes
SECRET_FIELDS = {"secret_key", "smtp_password"}
URL_FIELDS = {"database_url", "broker_url", "archive_url"}  # may carry credentials
_BROKER_SCHEMES = ("redis", "rediss", "sqla+sqlite", "sqla+postgresql", "amqp", "amqps", "memory")
_FLAGS = {"1": True, "true": True, "yes": True, "ya": True, "on": True,
          "0": False, "false": False, "no": False, "tidak": False, "off": False}
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


MAX_TRUSTED_PROXIES = 5


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
    base_url: str = DEV_BASE_URL
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    smtp_starttls: bool = True
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host it believes: the
    # public forms' rate limit counts per client address, which is the proxy's unless trusted.
    trusted_proxies: int = 0

    @property
    def smtp_enabled(self) -> bool:
        return bool(self.smtp_host)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        problems: list[str] = []
        dev_mode = env.get("ALUR_ENV", "development") == "development"
        data_dir = Path(env.get("ALUR_DATA_DIR") or Path.cwd() / "data").resolve()

        def required(name: str, default: str) -> str:
            value = env.get(name, "").strip()
            if value:
                return value
            if not dev_mode:
                problems.append(f"{name} must be set outside development mode (ALUR_ENV={env.get('ALUR_ENV')})")
            return default

        database_url = required("ALUR_DATABASE_URL", f"sqlite:///{data_dir / 'alur.db'}")
        broker_url = required("ALUR_BROKER_URL", f"sqla+sqlite:///{data_dir / 'broker.db'}")
        archive_url = required("ALUR_ARCHIVE_URL", (data_dir / "archive").as_uri())
        secret_key = required("ALUR_SECRET_KEY", DEV_SECRET_KEY)
        base_url = required("ALUR_BASE_URL", DEV_BASE_URL).rstrip("/")

        if not database_url.startswith(("sqlite:", "postgresql")):
            problems.append("ALUR_DATABASE_URL must be a sqlite:///path or postgresql+psycopg://user:pass@host:port/db "
                            f"URL, got {mask_url(database_url)!r}")
        if not broker_url.startswith(tuple(scheme + "://" for scheme in _BROKER_SCHEMES)):
            problems.append("ALUR_BROKER_URL must be a redis://[:password@]host:port/db URL (or sqla+sqlite:///path "
                            f"for the embedded broker), got {mask_url(broker_url)!r}")
        problems.extend(_archive_problems(archive_url))
        secret_given = bool(env.get("ALUR_SECRET_KEY", "").strip())
        if not dev_mode and secret_given and secret_key == DEV_SECRET_KEY:
            problems.append("ALUR_SECRET_KEY is the development key; set a secret of your own")
        elif not dev_mode and secret_given and len(secret_key) < MIN_SECRET_KEY_LENGTH:
            problems.append(f"ALUR_SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters outside development "
                            "mode (e.g. the output of: python3 -c 'import secrets; print(secrets.token_hex(32))')")
        base = urlsplit(base_url)
        if base.scheme not in ("http", "https") or not base.hostname or base.query or base.fragment:
            problems.append(f"ALUR_BASE_URL must be the public http(s)://host[:port][/path] of the app, got {base_url!r}")

        if not dev_mode:
            problems.extend(f"{name} still holds a placeholder from .env.example ({PLACEHOLDER!r}): set a real value"
                            for name, value in sorted(env.items())
                            if name.startswith("ALUR_") and PLACEHOLDER in value.lower())
        smtp = _smtp(env, problems)
        proxies = env.get("ALUR_TRUSTED_PROXIES", "0").strip() or "0"
        if not proxies.isdigit() or int(proxies) > MAX_TRUSTED_PROXIES:
            problems.append(f"ALUR_TRUSTED_PROXIES must be the number of reverse proxies in front of the app "
                            f"(0 to {MAX_TRUSTED_PROXIES}), got {proxies!r}")
            proxies = "0"
        if problems:
            raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))
        return cls(data_dir, database_url, broker_url, archive_url, secret_key, dev_mode, base_url, **smtp,
                   trusted_proxies=int(proxies))

    def validate(self) -> "Settings":
        """Check settings built by hand (e.g. with ``dataclasses.replace``) the way ``from_env`` does."""
        Settings.from_env(self.as_env())
        return self

    def as_env(self) -> dict[str, str]:
        """The variables that configure exactly these settings."""
        env = {"ALUR_ENV": "development" if self.dev_mode else "production", "ALUR_DATA_DIR": str(self.data_dir),
               "ALUR_DATABASE_URL": self.database_url, "ALUR_BROKER_URL": self.broker_url,
               "ALUR_ARCHIVE_URL": self.archive_url, "ALUR_SECRET_KEY": self.secret_key,
               "ALUR_BASE_URL": self.base_url, "ALUR_TRUSTED_PROXIES": str(self.trusted_proxies)}
        if self.smtp_host:
            env.update(ALUR_SMTP_HOST=self.smtp_host, ALUR_SMTP_PORT=str(self.smtp_port),
                       ALUR_SMTP_USER=self.smtp_user, ALUR_SMTP_PASSWORD=self.smtp_password,
                       ALUR_SMTP_FROM=self.smtp_from, ALUR_SMTP_STARTTLS=str(self.smtp_starttls).lower())
        return env

    def describe(self) -> list[tuple[str, str]]:
        """(variable, effective value) pairs with every secret masked: what `alur check-config` prints."""
        rows = []
        for name, value in self.as_env().items():
            key = name[len("ALUR_"):].lower()
            if key in SECRET_FIELDS:
                value = "***" if value else "(not set)"
            elif key in URL_FIELDS:
                value = mask_url(value)
            rows.append((name, value))
        if not self.smtp_host:
            rows.append(("ALUR_SMTP_HOST", "(not set: e-mail is off)"))
        return rows

    def ensure_data_dir(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)


def mask_url(url: str) -> str:
    """The URL with its password (or S3 secret key) replaced by ``***``."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        user = parts.username or ""
        host = parts.netloc.rsplit("@", 1)[1]
        return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))
    except ValueError:
        return re.sub(r"://[^@/]*@", "://***@", url)


def _archive_problems(archive_url: str) -> list[str]:
    from storage.config import open_store  # builds the store object only: no network, no disk
    try:
        open_store(archive_url)
    except ValueError as error:
        return [str(error).replace(archive_url, mask_url(archive_url))]
    return []


def _smtp(env: dict[str, str], problems: list[str]) -> dict:
    host = env.get("ALUR_SMTP_HOST", "").strip()
    values = {"smtp_host": host, "smtp_port": 587, "smtp_user": env.get("ALUR_SMTP_USER", "").strip(),
              "smtp_password": env.get("ALUR_SMTP_PASSWORD", ""), "smtp_from": env.get("ALUR_SMTP_FROM", "").strip(),
              "smtp_starttls": True}
    if not host:
        return values
    port = env.get("ALUR_SMTP_PORT", "").strip() or "587"
    if not port.isdigit() or not 0 < int(port) < 65536:
        problems.append(f"ALUR_SMTP_PORT must be a port number (587 for STARTTLS, 465 for TLS), got {port!r}")
    else:
        values["smtp_port"] = int(port)
    starttls = env.get("ALUR_SMTP_STARTTLS", "").strip().lower()
    if starttls and starttls not in _FLAGS:
        problems.append(f"ALUR_SMTP_STARTTLS must be true or false (empty: on for port 587), got {starttls!r}")
    values["smtp_starttls"] = _FLAGS.get(starttls, values["smtp_port"] == 587)
    if not _EMAIL.match(values["smtp_from"]):
        problems.append("ALUR_SMTP_FROM must be the sender address (e.g. ppid@kalteng.go.id) when ALUR_SMTP_HOST is set")
    if bool(values["smtp_user"]) != bool(values["smtp_password"]):
        problems.append("ALUR_SMTP_USER and ALUR_SMTP_PASSWORD go together: set both or neither")
    return values


def setting_names() -> list[str]:
    """Every variable Settings reads, in the order of ``as_env``."""
    return ["ALUR_ENV", "ALUR_DATA_DIR", *(f"ALUR_{f.name.upper()}" for f in fields(Settings) if f.name not in
                                          ("data_dir", "dev_mode"))]

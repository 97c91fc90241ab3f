"""Configuration is validated at start, every problem named, and printed with secrets masked."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from alur.config import ConfigError, Settings, mask_url
from tests.production.stack import process_env, production_env

ALUR = str(Path(sys.executable).parent / "alur")


@pytest.fixture
def env(tmp_path):
    return production_env(database_url="postgresql+psycopg://alur:pg-secret@db:5432/alur",
                          broker_url="redis://:redis-secret@redis:6379/0",
                          archive_url="s3://archive:s3-secret@minio:9000/?secure=false&region=us-east-1",
                          data_dir=tmp_path, base_url="https://alur.kalteng.go.id")


def test_the_production_variables_make_valid_settings(env):
    settings = Settings.from_env(env)
    assert not settings.dev_mode and not settings.smtp_enabled
    assert settings.base_url == "https://alur.kalteng.go.id"
    assert settings.validate() is settings


def test_production_has_no_defaults_and_names_every_missing_variable(tmp_path):
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"ALUR_ENV": "production"})
    for name in ("ALUR_DATABASE_URL", "ALUR_BROKER_URL", "ALUR_ARCHIVE_URL", "ALUR_SECRET_KEY", "ALUR_BASE_URL"):
        assert f"{name} must be set outside development mode" in str(refused.value)


def test_development_mode_keeps_the_embedded_defaults(tmp_path):
    settings = Settings.from_env({"ALUR_DATA_DIR": str(tmp_path)})
    assert settings.dev_mode and settings.database_url.startswith("sqlite:///")
    assert settings.broker_url.startswith("sqla+sqlite:///") and settings.archive_url.startswith("file:///")


@pytest.mark.parametrize("change, message", [
    ({"ALUR_SECRET_KEY": "kurang-panjang"}, "ALUR_SECRET_KEY must be at least 32 characters"),
    ({"ALUR_DATABASE_URL": "mysql://x@y/z"}, "ALUR_DATABASE_URL must be a sqlite"),
    ({"ALUR_BROKER_URL": "http://redis:6379"}, "ALUR_BROKER_URL must be a redis://"),
    ({"ALUR_ARCHIVE_URL": "s3://minio:9000/"}, "ALUR_ARCHIVE_URL lacks ACCESS:SECRET credentials"),
    ({"ALUR_BASE_URL": "alur.kalteng.go.id"}, "ALUR_BASE_URL must be the public http(s)://"),
    ({"ALUR_SMTP_HOST": "mail.kalteng.go.id"}, "ALUR_SMTP_FROM must be the sender address"),
    ({"ALUR_SMTP_HOST": "mail", "ALUR_SMTP_FROM": "ppid@kalteng.go.id", "ALUR_SMTP_PORT": "lima"},
     "ALUR_SMTP_PORT must be a port number"),
    ({"ALUR_SMTP_HOST": "mail", "ALUR_SMTP_FROM": "ppid@kalteng.go.id", "ALUR_SMTP_USER": "ppid"},
     "ALUR_SMTP_USER and ALUR_SMTP_PASSWORD go together"),
    ({"ALUR_SMTP_HOST": "mail", "ALUR_SMTP_FROM": "ppid@kalteng.go.id", "ALUR_SMTP_STARTTLS": "mungkin"},
     "ALUR_SMTP_STARTTLS must be true or false"),
    ({"ALUR_SECRET_KEY": "change-me-to-64-hex-characters-from-secrets-token-hex-32"}, "placeholder"),
])
def test_each_bad_setting_is_reported_with_its_variable(env, change, message):
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({**env, **change})
    assert message in str(refused.value)


def test_several_problems_are_reported_at_once(env):
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({**env, "ALUR_BROKER_URL": "ftp://x", "ALUR_BASE_URL": "nope"})
    assert "ALUR_BROKER_URL" in str(refused.value) and "ALUR_BASE_URL" in str(refused.value)


def test_smtp_is_off_by_default_and_on_with_its_settings(env):
    settings = Settings.from_env({**env, "ALUR_SMTP_HOST": "mail.kalteng.go.id", "ALUR_SMTP_PORT": "465",
                                  "ALUR_SMTP_USER": "ppid", "ALUR_SMTP_PASSWORD": "smtp-secret",
                                  "ALUR_SMTP_FROM": "ppid@kalteng.go.id"})
    assert settings.smtp_enabled and settings.smtp_port == 465 and settings.smtp_from == "ppid@kalteng.go.id"
    assert not settings.smtp_starttls  # 465 is TLS from the start
    assert Settings.from_env({**env, "ALUR_SMTP_HOST": "mail", "ALUR_SMTP_FROM": "ppid@kalteng.go.id"}).smtp_starttls


def test_mask_url_hides_only_the_password():
    assert mask_url("postgresql+psycopg://alur:pg-secret@db:5432/alur") == "postgresql+psycopg://alur:***@db:5432/alur"
    assert mask_url("redis://:redis-secret@redis:6379/0") == "redis://:***@redis:6379/0"
    assert mask_url("redis://redis:6379/0") == "redis://redis:6379/0"


def run_check_config(env):
    return subprocess.run([ALUR, "check-config"], env=process_env(env), capture_output=True, text=True)


def test_check_config_prints_the_effective_configuration_with_secrets_masked(env):
    env = {**env, "ALUR_SMTP_HOST": "mail.kalteng.go.id", "ALUR_SMTP_USER": "ppid",
           "ALUR_SMTP_PASSWORD": "smtp-secret", "ALUR_SMTP_FROM": "ppid@kalteng.go.id"}
    result = run_check_config(env)
    assert result.returncode == 0, result.stderr
    for secret in ("pg-secret", "redis-secret", "s3-secret", "smtp-secret", env["ALUR_SECRET_KEY"]):
        assert secret not in result.stdout
    assert "ALUR_DATABASE_URL=postgresql+psycopg://alur:***@db:5432/alur" in result.stdout
    assert "ALUR_SECRET_KEY=***" in result.stdout and "ALUR_SMTP_PASSWORD=***" in result.stdout
    assert "ALUR_SMTP_HOST=mail.kalteng.go.id" in result.stdout
    assert "configuration is valid (production mode)" in result.stdout


def test_check_config_exits_1_with_the_list_of_problems(env):
    result = run_check_config({**env, "ALUR_SECRET_KEY": "", "ALUR_BROKER_URL": "ftp://x"})
    assert result.returncode == 1
    assert "ALUR_SECRET_KEY must be set" in result.stderr and "ALUR_BROKER_URL must be" in result.stderr
    assert "pg-secret" not in result.stderr

"""docker-compose.yml validates, and its variables and commands are the ones the tests run with."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from alur.config import ConfigError, Settings
from tests.engine.test_worker import Stack
from tests.production.stack import (
    APP_SERVICES, ENV_EXAMPLE, REPO, WEB_ONLY, compose_config, docker_compose, migrate_commands, production_env,
    service, web_command,
)


def test_the_compose_file_validates_with_the_example_env_file():
    result = docker_compose("config", "-q")
    assert result.returncode == 0, result.stderr


def test_a_missing_secret_stops_compose_with_the_variable_named(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("".join(line + "\n" for line in ENV_EXAMPLE.read_text().splitlines()
                                if not line.startswith("ALUR_SECRET_KEY=")))
    result = docker_compose("config", "-q", env_file=env_file)
    assert result.returncode != 0
    assert "ALUR_SECRET_KEY" in result.stderr


@pytest.mark.parametrize("name", APP_SERVICES)
def test_every_app_service_gets_exactly_the_variables_the_tests_set(name, tmp_path):
    expected = set(production_env(database_url="x", broker_url="x", archive_url="x", data_dir=tmp_path))
    if name == "web":
        expected |= set(WEB_ONLY)
    assert set(service(name)["environment"]) == expected


def test_the_app_services_run_one_image_built_from_the_dockerfile():
    images = {service(name)["image"] for name in APP_SERVICES}
    assert len(images) == 1
    assert all(service(name)["build"]["context"] == str(REPO) for name in APP_SERVICES)


def test_the_commands_are_the_ones_the_tests_start():
    assert migrate_commands() == [["alur", "check-config"], ["alur", "db", "upgrade"], ["alur", "store", "init"]]
    web = service("web")["command"]
    assert web[0] == "gunicorn" and web[-1] == "web.wsgi:app"
    assert web_command(1234)[1:] == [*web[1:web.index("--bind") + 1], "127.0.0.1:1234", *web[web.index("--bind") + 2:]]
    # The worker and beat of tests/engine/test_worker.py take the same arguments as compose's.
    started = SimpleNamespace(start=lambda *args: list(args), workdir=Path("/schedule-dir"))
    celery = ["celery", "-A", "engine.worker:celery_app"]
    assert service("worker")["command"] == [*celery, *Stack.worker(started)]
    beat = [*celery, *Stack.beat(started)]
    beat[beat.index("--schedule") + 1] = "/var/lib/alur/beat/celerybeat-schedule"
    assert service("beat")["command"] == beat


def test_only_the_web_port_is_published_and_data_lives_in_named_volumes():
    config = compose_config()
    published = {name for name, spec in config["services"].items() if spec.get("ports")}
    assert published == {"web"}
    assert [port["target"] if isinstance(port, dict) else port.split(":")[-1].split("/")[0]
            for port in service("web")["ports"]] in ([8000], ["8000"])
    mounts = {name: [v.split(":")[0] if isinstance(v, str) else v["source"] for v in spec.get("volumes", [])]
              for name, spec in config["services"].items()}
    for name, volume in (("postgres", "pgdata"), ("redis", "redisdata"), ("minio", "miniodata"), ("beat", "beat")):
        assert volume in mounts[name] and volume in config["volumes"]


def test_healthchecks_replicas_and_pinned_images():
    config = compose_config()
    for name in ("postgres", "redis", "minio", "web", "worker"):
        assert config["services"][name]["healthcheck"]["test"], name
    assert "/healthz" in " ".join(service("web")["healthcheck"]["test"])
    assert int(service("worker")["deploy"]["replicas"]) >= 1
    assert int(service("beat")["deploy"]["replicas"]) == 1
    assert re.fullmatch(r"postgres:1[56][.\w-]*", service("postgres")["image"])
    assert re.fullmatch(r"minio/minio:RELEASE\.[0-9T-]+Z", service("minio")["image"])
    assert not any(spec["image"].endswith(":latest") for name, spec in config["services"].items()
                   if name not in APP_SERVICES)
    for name in APP_SERVICES[1:4]:
        assert service(name)["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_the_example_env_file_is_refused_until_its_placeholders_are_replaced():
    with pytest.raises(ConfigError) as refused:
        Settings.from_env(service("web")["environment"])
    assert "ALUR_SECRET_KEY still holds a placeholder" in str(refused.value)
    assert "ALUR_DATABASE_URL still holds a placeholder" in str(refused.value)


def test_the_image_installs_the_locked_versions_as_a_non_root_user():
    dockerfile = (REPO / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.M)
    assert "pip install --no-deps -r requirements.lock" in dockerfile
    assert re.search(r"^USER alur$", dockerfile, re.M)
    assert "tesseract-ocr-ind" in dockerfile and "postgresql-client" in dockerfile
    pins = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    for line in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: run scripts/lock_requirements.py"
        assert requirement.specifier.contains(pins[name], prereleases=True), (name, pins[name])

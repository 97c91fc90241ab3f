"""The production stack as docker-compose.yml defines it, started from real processes on 127.0.0.1.

Everything comes from the compose file as docker-compose resolves it with .env.example: the
variables every app service gets (the test run sets exactly those names, with its own servers'
addresses as values) and the commands of migrate, web, worker and beat (run as written; only the
bind address and the beat schedule path are changed for the test).
"""
from __future__ import annotations

import contextlib
import functools
import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import yaml

from tests.services import free_port, stop_process, wait_for_port

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"
BIN = Path(sys.executable).parent
APP_SERVICES = ("migrate", "web", "worker", "beat", "backup")


def docker_compose(*args: str, env_file: Path = ENV_EXAMPLE) -> subprocess.CompletedProcess:
    binary = shutil.which("docker-compose")
    if binary is None:
        raise RuntimeError("docker-compose not found: run 'make test' (it installs docker-compose from Debian)")
    return subprocess.run([binary, "--project-directory", str(REPO), "-f", str(COMPOSE_FILE),
                           "--env-file", str(env_file), *args], capture_output=True, text=True, cwd=REPO)


@functools.lru_cache(maxsize=1)
def compose_config() -> dict:
    """The configuration docker-compose computes from the file and .env.example."""
    result = docker_compose("config")
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def service(name: str) -> dict:
    return compose_config()["services"][name]


def production_env(*, database_url: str, broker_url: str, archive_url: str, data_dir: Path,
                   base_url: str = "http://127.0.0.1:8000") -> dict[str, str]:
    """The variables of the compose file's app services, with this test run's servers as values."""
    alur = {
        "ALUR_ENV": "production",
        "ALUR_DATA_DIR": str(data_dir),
        "ALUR_DATABASE_URL": database_url,
        "ALUR_BROKER_URL": broker_url,
        "ALUR_ARCHIVE_URL": archive_url,
        "ALUR_SECRET_KEY": secrets.token_hex(32),
        "ALUR_BASE_URL": base_url,
        "ALUR_SMTP_HOST": "",
        "ALUR_SMTP_PORT": "587",
        "ALUR_SMTP_USER": "",
        "ALUR_SMTP_PASSWORD": "",
        "ALUR_SMTP_FROM": "",
        "ALUR_SMTP_STARTTLS": "",
        "ALUR_TIMER_INTERVAL_SECONDS": "60",
        "ALUR_ESCALATE_AFTER_HOURS": "24",
        "ALUR_OFFICE_HOURS": "07:30-16:00",
        "ALUR_SKIP_CUTI_BERSAMA": "false",
    }
    return alur


# gunicorn's own variable (its number of worker processes), and the proxy in front that the web trusts
WEB_ONLY = {"WEB_CONCURRENCY": "2", "ALUR_TRUSTED_PROXIES": "1"}


def process_env(alur: dict[str, str], extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a child process: this one's (PATH, ...) without any ALUR_ of the caller's shell."""
    base = {name: value for name, value in os.environ.items() if not name.startswith("ALUR_")}
    return {**base, **alur, **(extra or {})}


def _local(command: list[str]) -> list[str]:
    """The venv's executable for the command's program (the image has them on PATH)."""
    program = BIN / command[0]
    return [str(program) if program.exists() else command[0], *command[1:]]


def _replace_option(command: list[str], option: str, value: str) -> list[str]:
    index = command.index(option)
    return [*command[:index + 1], value, *command[index + 2:]]


def migrate_commands() -> list[list[str]]:
    """The migrate service's `sh -c "a && b && c"`, as its separate commands."""
    shell, flag, script = service("migrate")["command"]
    assert (shell, flag) == ("sh", "-c")
    return [shlex.split(part) for part in script.split("&&")]


def web_command(port: int) -> list[str]:
    return _local(_replace_option(service("web")["command"], "--bind", f"127.0.0.1:{port}"))


def worker_command() -> list[str]:
    return _local(service("worker")["command"])


def beat_command(schedule: Path) -> list[str]:
    return _local(_replace_option(service("beat")["command"], "--schedule", str(schedule)))


class ProductionStack:
    """Processes of the stack against one database, one broker and one store."""

    def __init__(self, alur_env: dict[str, str], workdir: Path):
        self.alur_env, self.workdir = alur_env, workdir
        self.processes: list[subprocess.Popen] = []

    def run(self, command: list[str], extra: dict | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run(_local(command), env=process_env(self.alur_env, extra), capture_output=True,
                                text=True, cwd=self.workdir, timeout=300)
        assert result.returncode == 0, f"{command}: {result.stdout}\n{result.stderr}"
        return result

    def migrate(self) -> None:
        for command in migrate_commands():
            self.run(command)

    def _start(self, command: list[str], extra: dict | None = None) -> subprocess.Popen:
        log = open(self.workdir / f"process-{len(self.processes)}-{Path(command[0]).name}.log", "w")
        process = subprocess.Popen(command, env=process_env(self.alur_env, extra), cwd=REPO, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        return process

    def web(self) -> str:
        port = free_port()
        process = self._start(web_command(port), WEB_ONLY)
        wait_for_port(port, timeout=60, process=process)
        return f"http://127.0.0.1:{port}"

    def worker(self) -> subprocess.Popen:
        return self._start(worker_command())

    def beat(self) -> subprocess.Popen:
        return self._start(beat_command(self.workdir / "celerybeat-schedule"))

    def logs(self) -> str:
        return "\n".join(f"--- {path.name}\n{path.read_text()[-4000:]}" for path in sorted(self.workdir.glob("process-*.log")))

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)  # the process group this stack started
            stop_process(process)


def http(method: str, url: str, body: dict | None = None, token: str | None = None,
         timeout: float = 30) -> tuple[int, dict]:
    """One JSON request; (status, body) for every status."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        payload = error.read()
        try:
            return error.code, json.loads(payload or b"{}")
        except ValueError:
            return error.code, {"raw": payload.decode(errors="replace")}

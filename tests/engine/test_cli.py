"""The `alur` command as an operator uses it: separate processes sharing one database."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SEED_FILES
from tests.engine.helpers import REVIEW_LOOP, review_loop_xml

ALUR = str(Path(sys.executable).parent / "alur")


@pytest.fixture
def run(tmp_path, database_url):
    env = {**os.environ, "ALUR_DATA_DIR": str(tmp_path / "data"), "ALUR_DATABASE_URL": database_url}
    env.pop("ALUR_USER", None)

    def alur(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([ALUR, *args], env=env, capture_output=True, text=True, timeout=120)
        if ok:
            assert result.returncode == 0, result.stderr + result.stdout
        return result

    alur("db", "upgrade")
    return alur


def task_ids(output: str) -> list[int]:
    return [int(line.split()[0]) for line in output.splitlines() if line.strip()[:1].isdigit()]


def test_a_case_continues_across_separate_processes(run):
    run("deploy", str(REVIEW_LOOP))
    run("user", "add", "staf", "--password", "kata-sandi-1", "--unit", "A", "--role", "Staf")
    run("user", "add", "kepala", "--password", "kata-sandi-2", "--unit", "A", "--role", "Kepala")
    assert "started case 1" in run("start", "uji_tinjauan", "--as", "staf").stdout

    [first] = task_ids(run("tasks", "--as", "staf").stdout)
    run("complete", str(first), "--as", "staf")
    assert task_ids(run("tasks", "--as", "staf").stdout) == []
    [review] = task_ids(run("tasks", "--as", "kepala").stdout)

    refused = run("complete", str(review), "--as", "kepala", "--data", '{"keputusan": "tidak"}', ok=False)
    assert refused.returncode == 1 and "catatan" in refused.stderr
    wrong_lane = run("complete", str(review), "--as", "staf", ok=False)
    assert wrong_lane.returncode == 1 and "not found" in wrong_lane.stderr

    run("complete", str(review), "--as", "kepala", "--data", '{"keputusan": "ya"}')
    [last] = task_ids(run("tasks", "--lane", "Staf").stdout)
    assert "case 1 is completed" in run("complete", str(last), "--as", "staf").stdout


def test_deploy_is_all_or_nothing_and_versions_only_changed_content(run, tmp_path):
    broken = tmp_path / "rusak.bpmn"
    broken.write_bytes(review_loop_xml(**{"<bpmn:flowNodeRef>Langkah_3</bpmn:flowNodeRef>": ""}))
    result = run("deploy", str(REVIEW_LOOP), str(broken), ok=False)
    assert result.returncode == 1
    assert "rusak.bpmn: element 'Langkah_3 (Arsipkan)': this element stands outside every lane" in result.stderr
    assert "no ready tasks" in run("tasks").stdout
    assert "deployed: uji_tinjauan v1" in run("deploy", str(REVIEW_LOOP)).stdout
    assert "unchanged: uji_tinjauan v1" in run("deploy", str(REVIEW_LOOP)).stdout
    changed = tmp_path / "review_loop.bpmn"
    changed.write_bytes(review_loop_xml(**{'name="Arsipkan"': 'name="Simpan arsip"'}))
    assert "deployed: uji_tinjauan v2" in run("deploy", str(changed)).stdout


def test_validate_and_simulate_report_on_a_file(run):
    assert "valid: uji_tinjauan 'Uji Tinjauan': 2 lanes, 3 tasks, 1 decisions" in run("validate", str(REVIEW_LOOP)).stdout
    lines = run("simulate", str(REVIEW_LOOP)).stdout.strip().splitlines()
    assert lines[-1] == "completed: 5 steps, 2 lanes"
    assert "[Kepala] Setujui konsep -> Tidak" in lines[1]


SEED_SIMULATIONS = {  # (steps, lanes): each decision walks its Tidak branch once, then Ya
    "sop_000": (5, 3), "sop_001": (7, 3), "sop_002": (5, 2), "sop_003": (12, 2), "sop_004": (10, 4),
}


@pytest.mark.parametrize("path", sorted(SEED_FILES[0].parent.glob("sop_*.bpmn")), ids=lambda path: path.stem[:7])
def test_each_seed_sop_validates_and_simulates_to_its_end(path, tmp_path):
    env = {**os.environ, "ALUR_DATA_DIR": str(tmp_path)}
    validated = subprocess.run([ALUR, "validate", str(path)], env=env, capture_output=True, text=True, timeout=120)
    assert validated.returncode == 0 and validated.stdout.startswith("valid: "), validated.stderr
    simulated = subprocess.run([ALUR, "simulate", str(path)], env=env, capture_output=True, text=True, timeout=120)
    assert simulated.returncode == 0, simulated.stderr
    steps, lanes = SEED_SIMULATIONS[path.stem[:7]]
    assert simulated.stdout.strip().splitlines()[-1] == f"completed: {steps} steps, {lanes} lanes"

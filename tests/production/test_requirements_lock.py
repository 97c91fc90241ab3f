"""The image installs from requirements.lock: it must pin every runtime dependency of pyproject."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_lock_file_matches_the_dependencies():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "lock_requirements.py"), "--check"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr

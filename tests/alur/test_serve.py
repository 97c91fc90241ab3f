"""`make run`'s server: `alur serve --with-worker` on the embedded default (SQLite, local archive,
SQLite broker), run as `make run` runs it. A scan uploaded to it is OCR'd by the worker beside it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import requests

from engine.demo import DEMO_PASSWORD
from tests.conftest import SEED_FILES
from tests.engine.test_worker import wait_until
from tests.services import free_port, stop_process, wait_for_port
from tests.storage.archive.files import image_bytes, scanned_page
from tests.storage.archive.test_retention_ocr_cli import LINES

ALUR = str(Path(sys.executable).parent / "alur")


def test_make_runs_server_ocrs_an_uploaded_scan_in_its_worker(tmp_path):
    env = {name: value for name, value in os.environ.items() if not name.startswith("ALUR_")}
    env["ALUR_DATA_DIR"] = str(tmp_path / "data")
    for command in (["db", "upgrade"], ["deploy", *map(str, SEED_FILES)], ["demo"]):
        subprocess.run([ALUR, *command], env=env, check=True, capture_output=True, timeout=300)
    port = free_port()
    server = subprocess.Popen([ALUR, "serve", "--with-worker", "--host", "127.0.0.1", "--port", str(port)], env=env,
                              stdout=open(tmp_path / "serve.log", "w"), stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, timeout=60, process=server)
        base = f"http://127.0.0.1:{port}"
        login = requests.post(f"{base}/api/v1/auth/token", json={"username": "bkd.jfu", "password": DEMO_PASSWORD},
                              timeout=30)
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        upload = requests.post(f"{base}/api/v1/documents", headers=headers, timeout=120,
                               files={"file": ("pindaian.png", image_bytes(scanned_page(*LINES), "PNG"), "image/png")},
                               data={"title": "Pindaian", "klasifikasi": "setiap_saat"})
        assert upload.status_code == 201, upload.text

        def total(word: str) -> int:
            return requests.get(f"{base}/api/v1/documents", params={"q": word}, headers=headers, timeout=30).json()["total"]

        assert wait_until(lambda: total("jembatan") == 1, timeout=120), (tmp_path / "serve.log").read_text()[-3000:]
        log = (tmp_path / "serve.log").read_text()
        assert "Task alur.archive.ocr[" in log and "succeeded" in log  # by the worker, not in the request
    finally:
        server.terminate()
        stop_process(server)

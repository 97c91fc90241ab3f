"""OCR on the production stack: the gunicorn web process queues it, a Celery worker does it, and the
sweep on beat's schedule queues again a job the broker lost."""
from __future__ import annotations

from datetime import timedelta

import redis
import requests

from alur.config import Settings
from engine.db import Database
from engine.timeutil import utcnow
from engine.worker import make_celery
from tests.engine.helpers import setup_review_loop
from tests.engine.test_worker import wait_until
from tests.production.test_scale_out import token
from tests.storage.archive.files import image_bytes, scanned_page
from tests.storage.archive.test_retention_ocr_cli import LINES


def found(base: str, bearer: str, word: str) -> int:
    response = requests.get(f"{base}/api/v1/documents", params={"q": word},
                            headers={"Authorization": f"Bearer {bearer}"}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["total"]


def test_the_web_queues_ocr_for_a_worker_and_the_sweep_requeues_a_lost_job(production):
    production.migrate()
    env = production.alur_env
    db = Database(env["ALUR_DATABASE_URL"])
    broker = redis.Redis.from_url(env["ALUR_BROKER_URL"])
    try:
        setup_review_loop(db)
        base = production.web()
        bearer = token(base, "staf")
        scan = image_bytes(scanned_page(*LINES), "PNG")
        response = requests.post(f"{base}/api/v1/documents", headers={"Authorization": f"Bearer {bearer}"},
                                 files={"file": ("pindaian.png", scan, "image/png")},
                                 data={"title": "Pindaian", "klasifikasi": "setiap_saat"}, timeout=60)
        assert response.status_code == 201, response.text
        # No worker runs yet: the upload did not OCR in the request; the job waits on the broker.
        assert found(base, bearer, "jembatan") == 0
        assert broker.llen("celery") == 1
        broker.delete("celery")  # the job is lost (a broker restarted without its data)
        production.worker()
        celery = make_celery(Settings.from_env(env))
        celery.send_task("alur.archive.ocr_sweep", kwargs={"now": (utcnow() + timedelta(minutes=20)).isoformat()})
        assert wait_until(lambda: found(base, bearer, "jembatan") == 1, timeout=120), production.logs()
        assert found(base, bearer, "barito") == 1
    finally:
        broker.close()
        db.dispose()

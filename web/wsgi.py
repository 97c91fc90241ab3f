"""The WSGI entry point for gunicorn (``gunicorn web.wsgi:app``, see docker-compose.yml).

Configuration comes from the environment and is validated here, so a process with a bad
setting stops at start with the list of problems instead of failing on its first request.
The production entry always serves ``/healthz`` (load balancers and compose healthchecks use it),
and hands OCR to the Celery workers (compose always runs them) instead of doing it in the request.
"""
from storage.tasks import queue_ocr
from web import health
from web.app import create_app

app = create_app(ALUR_ARCHIVE_OCR_RUNNER=queue_ocr)
if "health" not in app.blueprints:
    health.register(app)

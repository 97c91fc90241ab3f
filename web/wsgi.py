"""The WSGI entry point for gunicorn (``gunicorn web.wsgi:app``, see docker-compose.yml).

Configuration comes from the environment and is validated here, so a process with a bad
setting stops at start with the list of problems instead of failing on its first request.
The production entry always serves ``/healthz`` (load balancers and compose healthchecks use it).
"""
from web import health
from web.app import create_app

app = create_app()
if "health" not in app.blueprints:
    health.register(app)

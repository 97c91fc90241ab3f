# The Alur application image: web (gunicorn), worker and beat (Celery), migrations and backups.
# Build: docker compose build    (see docs/operations.md)
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ALUR_DATA_DIR=/var/lib/alur

# OCR for scanned archive documents (Indonesian); pg_dump/pg_restore for `alur backup`/`alur restore`.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-ind postgresql-client \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 alur \
 && useradd --system --uid 10001 --gid alur --home-dir /home/alur --create-home --shell /usr/sbin/nologin alur \
 && mkdir -p /var/lib/alur/beat /backup \
 && chown -R alur:alur /var/lib/alur /backup

WORKDIR /app
# Dependencies first (exact versions, see scripts/lock_requirements.py), so code changes reuse the layer.
COPY requirements.lock ./
RUN pip install --no-deps -r requirements.lock && pip check

COPY pyproject.toml README.md ./
COPY alur ./alur
COPY engine ./engine
COPY storage ./storage
COPY web ./web
COPY bpmn ./bpmn
# The app itself, not editable; --no-deps with `pip check`: nothing beyond the lock is installed.
RUN pip install --no-deps . && pip check && rm -rf build *.egg-info

USER alur
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "web.wsgi:app"]

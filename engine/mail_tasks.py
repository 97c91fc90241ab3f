"""The Celery task that e-mails notifications, and its place in beat's schedule.

engine.worker imports this module at its end, so workers and beat know the task.
"""
from __future__ import annotations

import os

from engine.mailer import SmtpConfig, send_unsent
from engine.ppid.letters import send_letters
from engine.worker import _moment, _services, celery_app

celery_app.conf.beat_schedule.setdefault("mail", {
    "task": "alur.notifications.send_email",
    "schedule": float(os.environ.get("ALUR_MAIL_INTERVAL_SECONDS", "60")),
})


@celery_app.task(name="alur.notifications.send_email", autoretry_for=(ConnectionError, OSError),
                 retry_backoff=True, max_retries=5, time_limit=120, soft_time_limit=100)
def send_email(now: str | None = None) -> int:
    """Send every pending notification and letter to applicants by e-mail (:func:`send_all`)."""
    return send_all(_services()[0], SmtpConfig.from_env(), _moment(now))


def send_all(db, config: SmtpConfig, now=None) -> int:
    """Both outboxes; nothing when ALUR_SMTP_HOST is not set. Idempotent: a message is marked before it
    is sent, so a retry sends only the rest."""
    if not config.enabled:
        return 0
    sent, failure = 0, None
    for send in (send_unsent, send_letters):  # one outbox failing must not hold up the other
        try:
            sent += send(db, config, now)
        except (ConnectionError, OSError) as error:
            failure = error
    if failure is not None:
        raise failure  # retried by Celery; what was sent is marked and not sent again
    return sent

"""E-mailed notifications against a real SMTP server (aiosmtpd on 127.0.0.1), once each."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import mail_tasks
from engine.mailer import SmtpConfig, send_unsent
from engine.models import HumanTask, Notification, User
from engine.notifications import notify
from engine.runtime import ProcessService
from engine.timeutil import utcnow
from tests.engine.helpers import setup_review_loop
from tests.services import free_port
from tests.smtp_fixtures import authenticate, config, smtp_server, subject  # noqa: F401  (smtp_server: a fixture)


@pytest.fixture
def notified(db):
    """staf (with e-mail) has an overdue notice for a real task; staf2 has none address; kepala read theirs."""
    setup_review_loop(db)
    instance = ProcessService(db).start("uji_tinjauan", "staf")
    with db.session() as session:
        task = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)).one()
        users = {user.username: user for user in session.scalars(select(User))}
        users["staf"].email, users["kepala"].email = "staf@kalteng.go.id", "kepala@kalteng.go.id"
        notify(session, users["staf"], "overdue", "Tugas 'Susun konsep' melewati batas waktu.", task)
        notify(session, users["staf2"], "overdue", "Tugas 'Susun konsep' melewati batas waktu.", task)
        notify(session, users["kepala"], "digest", "Ringkasan harian.").read_at = utcnow()
    return task


def test_each_notification_is_mailed_once_to_its_user(db, notified, smtp_server):
    mailbox, port = smtp_server()
    assert send_unsent(db, config(port)) == 1
    [(sender, recipients, message)] = mailbox.messages
    assert sender == "ppid@kalteng.go.id" and recipients == ["staf@kalteng.go.id"]
    assert subject(message) == "[Alur] Tugas terlambat"
    body = message.get_payload(decode=True).decode("utf-8")
    assert "melewati batas waktu" in body and f"https://alur.kalteng.go.id/tugas/{notified.id}" in body
    assert send_unsent(db, config(port)) == 0 and len(mailbox.messages) == 1  # a second run sends nothing again
    with db.session() as session:
        emailed = dict(session.execute(select(User.username, Notification.emailed_at).join(User)).all())
    assert emailed["staf"] is not None and emailed["staf2"] is None and emailed["kepala"] is None


def test_smtp_off_by_default_sends_nothing(db, notified, smtp_server):
    mailbox, _ = smtp_server()
    assert not SmtpConfig.from_env({}).enabled
    assert send_unsent(db, SmtpConfig.from_env({})) == 0 and mailbox.messages == []


def test_login_with_the_configuration_the_celery_task_reads(db, notified, smtp_server, monkeypatch):
    mailbox, port = smtp_server(authenticator=authenticate, auth_require_tls=False)
    for name, value in {"ALUR_SMTP_HOST": "127.0.0.1", "ALUR_SMTP_PORT": str(port), "ALUR_SMTP_STARTTLS": "no",
                        "ALUR_SMTP_FROM": "ppid@kalteng.go.id", "ALUR_SMTP_USER": "alur",
                        "ALUR_SMTP_PASSWORD": "rahasia-smtp"}.items():
        monkeypatch.setenv(name, value)
    assert mail_tasks.send_email.name == "alur.notifications.send_email"
    # What the task runs, with the configuration it reads from the environment.
    assert mail_tasks.send_all(db, SmtpConfig.from_env()) == 1 and mail_tasks.send_all(db, SmtpConfig.from_env()) == 0
    assert [recipients for _, recipients, _ in mailbox.messages] == [["staf@kalteng.go.id"]]


def test_a_server_down_keeps_the_notification_due_and_a_refused_address_is_not_retried(db, notified, smtp_server):
    with pytest.raises(OSError):
        send_unsent(db, config(free_port()))
    with db.session() as session:
        assert session.scalar(select(Notification.emailed_at).join(User).where(User.username == "staf")) is None
    mailbox, port = smtp_server(refuse="staf@kalteng.go.id")
    assert send_unsent(db, config(port)) == 0 and mailbox.messages == []
    assert send_unsent(db, config(port)) == 0  # marked: a bad address is not tried every minute


def test_a_refused_address_fails_that_notification_only_and_a_deferred_one_is_sent_later(db, notified, smtp_server):
    with db.session() as session:  # three unread notifications: staf's address is wrong, staf2's greylisted
        users = {user.username: user for user in session.scalars(select(User))}
        users["staf2"].email = "staf2@kalteng.go.id"
        session.scalars(select(Notification).where(Notification.user_id == users["kepala"].id)).one().read_at = None
    mailbox, port = smtp_server(refuse="staf@kalteng.go.id", defer="staf2@kalteng.go.id")
    first, later = utcnow(), utcnow() + timedelta(minutes=1)
    assert send_unsent(db, config(port), first) == 1
    assert [recipients for _, recipients, _ in mailbox.messages] == [["kepala@kalteng.go.id"]]
    mailbox.defer = ""
    assert send_unsent(db, config(port), later) == 1 and send_unsent(db, config(port), later) == 0
    assert [recipients for _, recipients, _ in mailbox.messages] == [["kepala@kalteng.go.id"], ["staf2@kalteng.go.id"]]
    with db.session() as session:
        rows = session.execute(select(User.username, Notification.emailed_at, Notification.email_failed_at,
                                      Notification.email_failure).join(User))
        mailed = {username: (emailed, failed, failure) for username, emailed, failed, failure in rows}
    assert mailed == {"staf": (None, first, "550 5.1.1 mailbox unavailable"), "staf2": (later, None, None),
                      "kepala": (first, None, None)}

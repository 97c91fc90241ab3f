"""E-mail for notifications: each unread notification is sent once through SMTP, when SMTP is set.

Off unless ALUR_SMTP_HOST is set. ALUR_SMTP_PORT (587), ALUR_SMTP_USER and ALUR_SMTP_PASSWORD
(both or neither), ALUR_SMTP_FROM (required with a host), ALUR_SMTP_STARTTLS (on by default on
port 587, off otherwise; port 465 speaks TLS from the start). ALUR_BASE_URL makes task links.

A notification is marked ``emailed_at`` in its own committed transaction before it is sent, so two
senders never send it both, and a run after a successful one sends nothing again. A failed send
(server down, login or sender refused, or a temporary 4xx refusal of the message) clears the mark so
the next run tries again. A message the server refuses for good (a 5xx reply: a wrong address) or that
cannot be written at all is recorded as failed with the reason, and never counted as sent nor retried.
"""
from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr
from typing import Callable, Generic, TypeVar

from sqlalchemy.orm import Session

from alur.config import Settings
from engine.db import Database
from engine.notifications import (KIND_LABELS, PendingEmail, claim_for_email, pending_emails, record_email_failure,
                                  release_email_claim)
from engine.timeutil import utcnow

SMTP_TIMEOUT = 30
FAILURE_LENGTH = 200  # of the reason kept on a failed message: the server's reply, shortened
log = logging.getLogger(__name__)
Item = TypeVar("Item")


@dataclass(frozen=True)
class SmtpConfig:
    host: str = ""
    port: int = 587
    user: str = ""
    password: str = ""
    sender: str = ""
    starttls: bool = True
    base_url: str = "http://127.0.0.1:8080"

    @property
    def enabled(self) -> bool:
        return bool(self.host)

    @classmethod
    def from_settings(cls, settings: Settings) -> "SmtpConfig":
        return cls(settings.smtp_host, settings.smtp_port, settings.smtp_user, settings.smtp_password,
                   settings.smtp_from, settings.smtp_starttls, settings.base_url)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "SmtpConfig":
        """The SMTP settings as alur.config reads and checks them."""
        return cls.from_settings(Settings.from_env(env))


def compose(pending: PendingEmail, config: SmtpConfig) -> EmailMessage:
    label = KIND_LABELS.get(pending.kind, "Pemberitahuan")
    message = EmailMessage()
    message["From"] = formataddr(("Alur PPID Kalteng", config.sender))
    message["To"] = formataddr((pending.full_name, pending.to))
    message["Subject"] = f"[Alur] {label}"
    lines = [f"Yth. {pending.full_name},", "", pending.message, ""]
    if pending.task_id:
        lines += [f"Buka tugas: {config.base_url}/tugas/{pending.task_id}", ""]
    lines += [f"Semua pemberitahuan: {config.base_url}/notifikasi", "",
              "Pesan ini dikirim otomatis oleh Alur, PPID Provinsi Kalimantan Tengah."]
    message.set_content("\n".join(lines))
    return message


def connect(config: SmtpConfig) -> smtplib.SMTP:
    if config.port == 465:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(config.host, config.port, timeout=SMTP_TIMEOUT)
    else:
        smtp = smtplib.SMTP(config.host, config.port, timeout=SMTP_TIMEOUT)
        if config.starttls:
            smtp.starttls()
    if config.user:
        smtp.login(config.user, config.password)
    return smtp


@dataclass(frozen=True)
class Outbox(Generic[Item]):
    """How one kind of queued message is claimed, released, recorded as failed and written: notifications
    to staff, letters to applicants. Every kind is sent by the same claim-then-send loop."""

    claim: Callable[[Session, int, datetime], bool]
    release: Callable[[Session, int], None]
    fail: Callable[[Session, int, datetime, str], None]  # (its id, when, the reason shortened to FAILURE_LENGTH)
    compose: Callable[[Item, SmtpConfig], EmailMessage]
    ident: Callable[[Item], int]


def _reply(error: smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError) -> tuple[int, str]:
    """The code of the server's refusal and its reply as one short line (``550 5.1.1 mailbox unavailable``)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = min(error.recipients.values())  # one recipient per message; of several, a 4xx means retry
    else:
        code, text = error.smtp_code, error.smtp_error
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return code, _short(f"{code} {text}")


def _short(text: str) -> str:
    return " ".join(text.split())[:FAILURE_LENGTH]


def _write(db: Database, change: Callable, *args) -> None:
    with db.session() as session:
        change(session, *args)


def send_claimed(db: Database, config: SmtpConfig, outbox: Outbox, pending: list, now: datetime | None = None) -> int:
    """Send each pending item once: claimed in its own transaction first, released if the connection
    fails (raised: the next run retries it) or the server refuses it for now (4xx: the rest are still sent),
    recorded as failed if the server refuses it for good (5xx) or it cannot be written at all (a wrong
    address or a broken message must not block the queue behind it, nor be retried every minute)."""
    if not pending:
        return 0
    sent = 0
    with connect(config) as smtp:
        for item in pending:
            ident = outbox.ident(item)
            with db.session() as session:
                if not outbox.claim(session, ident, now or utcnow()):
                    continue  # another sender has it
            try:
                smtp.send_message(outbox.compose(item, config))
            except (ValueError, smtplib.SMTPNotSupportedError) as error:  # UnicodeError is a ValueError
                log.error("message %s cannot be written or sent as it is (%s); not retried", ident, error)
                _write(db, outbox.fail, ident, now or utcnow(), _short(f"not sent: {error}"))
                continue
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as error:
                code, reply = _reply(error)
                if code >= 500:
                    log.warning("message %s refused by the server (%s); recorded as failed, not retried", ident, reply)
                    _write(db, outbox.fail, ident, now or utcnow(), reply)
                else:
                    log.warning("message %s refused for now by the server (%s); retried on the next run", ident, reply)
                    _write(db, outbox.release, ident)
                continue
            except BaseException:
                _write(db, outbox.release, ident)
                raise
            sent += 1
    return sent


NOTIFICATIONS = Outbox(claim_for_email, release_email_claim, record_email_failure, compose,
                       lambda item: item.notification_id)


def send_unsent(db: Database, config: SmtpConfig, now: datetime | None = None, limit: int = 200) -> int:
    """Send the pending notifications by e-mail; returns how many were sent. Nothing when SMTP is off."""
    if not config.enabled:
        return 0
    with db.session() as session:
        pending = pending_emails(session, limit)
    return send_claimed(db, config, NOTIFICATIONS, pending, now)

"""E-mail for notifications: each unread notification is sent once through SMTP, when SMTP is set.

Off unless ALUR_SMTP_HOST is set. ALUR_SMTP_PORT (587), ALUR_SMTP_USER and ALUR_SMTP_PASSWORD
(both or neither), ALUR_SMTP_FROM (required with a host), ALUR_SMTP_STARTTLS (on by default on
port 587, off otherwise; port 465 speaks TLS from the start). ALUR_BASE_URL makes task links.

A notification is marked ``emailed_at`` in its own committed transaction before it is sent, so two
senders never send it both, and a run after a successful one sends nothing again. A failed send
(server down, login refused) clears the mark so the next run tries again; an address the server
refuses keeps it, so a wrong address is not retried every minute.
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
from engine.notifications import KIND_LABELS, PendingEmail, claim_for_email, pending_emails, release_email_claim
from engine.timeutil import utcnow

SMTP_TIMEOUT = 30
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
    """How one kind of queued message is claimed, released and written: notifications to staff,
    letters to applicants. Every kind is sent by the same claim-then-send loop."""

    claim: Callable[[Session, int, datetime], bool]
    release: Callable[[Session, int], None]
    compose: Callable[[Item, SmtpConfig], EmailMessage]
    ident: Callable[[Item], int]


def send_claimed(db: Database, config: SmtpConfig, outbox: Outbox, pending: list, now: datetime | None = None) -> int:
    """Send each pending item once: claimed in its own transaction first, released if the connection
    fails (the next run retries it), kept if the server refuses this one message or it cannot be written
    at all (a wrong address or a broken message must not block the queue behind it)."""
    if not pending:
        return 0
    sent = 0
    with connect(config) as smtp:
        for item in pending:
            with db.session() as session:
                if not outbox.claim(session, outbox.ident(item), now or utcnow()):
                    continue  # another sender has it
            try:
                message = outbox.compose(item, config)
            except (ValueError, UnicodeError) as error:  # this message cannot be written: skip it, send the rest
                log.error("message %s cannot be composed (%s); not retried", outbox.ident(item), error)
                continue
            try:
                smtp.send_message(message)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused,
                    UnicodeError) as error:
                log.warning("message %s refused by the server (%s); not retried", outbox.ident(item), error)
                continue
            except BaseException:
                with db.session() as session:
                    outbox.release(session, outbox.ident(item))
                raise
            sent += 1
    return sent


NOTIFICATIONS = Outbox(claim_for_email, release_email_claim, compose, lambda item: item.notification_id)


def send_unsent(db: Database, config: SmtpConfig, now: datetime | None = None, limit: int = 200) -> int:
    """Send the pending notifications by e-mail; returns how many were sent. Nothing when SMTP is off."""
    if not config.enabled:
        return 0
    with db.session() as session:
        pending = pending_emails(session, limit)
    return send_claimed(db, config, NOTIFICATIONS, pending, now)

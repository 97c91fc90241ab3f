"""A real SMTP server for e-mail tests (aiosmtpd on 127.0.0.1) and the SMTP settings that reach it.

Import the fixture into a test module: ``from tests.smtp_fixtures import smtp_server``.
"""
from __future__ import annotations

from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from engine.mailer import SmtpConfig
from tests.services import free_port


class Mailbox:
    """An aiosmtpd handler keeping what it received; refuses the recipient ``refuse`` for good (550) and
    ``defer`` for now (451, as a greylisting server does); set ``defer = ""`` to accept it later."""

    def __init__(self, refuse: str = "", defer: str = ""):
        self.messages: list = []
        self.refuse = refuse
        self.defer = defer

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.refuse:
            return "550 5.1.1 mailbox unavailable"
        if address == self.defer:
            return "451 4.7.1 greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted"


def authenticate(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=auth_data.login == b"alur" and auth_data.password == b"rahasia-smtp")


@pytest.fixture
def smtp_server():
    servers = []

    def start(**kwargs):
        mailbox = Mailbox(kwargs.pop("refuse", ""), kwargs.pop("defer", ""))
        controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), **kwargs)
        controller.start()
        servers.append(controller)
        return mailbox, controller.port

    yield start
    for controller in servers:
        controller.stop()


def config(port: int, **overrides) -> SmtpConfig:
    values = {"ALUR_SMTP_HOST": "127.0.0.1", "ALUR_SMTP_PORT": str(port), "ALUR_SMTP_FROM": "ppid@kalteng.go.id",
              "ALUR_SMTP_STARTTLS": "0", "ALUR_BASE_URL": "https://alur.kalteng.go.id/"}
    values.update(overrides)
    return SmtpConfig.from_env(values)


def subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))

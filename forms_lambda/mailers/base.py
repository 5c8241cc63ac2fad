"""The Mailer port: `send(msg)` delivers one EmailMessage or raises a MailerError."""

from email.message import EmailMessage
from typing import Protocol


class MailerError(Exception):
    """Delivery failed; the submission stays pending and `retry` tries again."""


class Mailer(Protocol):
    name: str

    def send(self, msg: EmailMessage) -> None: ...

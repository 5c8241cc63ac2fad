"""The Mailer port: `send(msg)` delivers one EmailMessage or raises a MailerError."""

from email.message import EmailMessage
from typing import Protocol


class MailerError(Exception):
    """Delivery failed; the submission stays pending and `retry` tries again."""


def message_bytes(msg):
    """The bytes of an email as sent: those emails.checked() read back when it has (the same as_bytes() would write
    again, a third of the cost of building the email)."""
    return getattr(msg, "checked_bytes", None) or msg.as_bytes()


class Mailer(Protocol):
    name: str

    def send(self, msg: EmailMessage) -> None: ...

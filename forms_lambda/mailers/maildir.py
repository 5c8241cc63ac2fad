"""MaildirMailer: the embedded default; every email lands in var/mail, readable by any mail client."""

import mailbox
from pathlib import Path

from .base import MailerError, message_bytes


class MaildirMailer:
    name = "maildir"

    def __init__(self, path):
        self.path = Path(path)

    def send(self, msg):
        try:
            mailbox.Maildir(self.path, create=True).add(message_bytes(msg))
        except OSError as e:
            raise MailerError(f"Maildir: {e.strerror or e}") from e

"""SmtpMailer: any SMTP relay, plain, STARTTLS or SSL, with optional AUTH."""

import smtplib
import ssl as ssl_module

from .base import MailerError


class SmtpMailer:
    name = "smtp"

    def __init__(self, host, port=None, *, ssl=False, starttls=False, username=None, password=None, timeout=15):
        self.host = host
        self.port = port or (465 if ssl else 587 if starttls else 25)
        self.ssl = ssl
        self.starttls = starttls
        self.username = username
        self.password = password
        self.timeout = timeout

    def send(self, msg):
        # Loading the CA store costs ~40 ms: only when TLS is used.
        context = ssl_module.create_default_context() if self.ssl or self.starttls else None
        try:
            if self.ssl:
                conn = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            else:
                conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with conn:
                if self.starttls:
                    conn.starttls(context=context)
                if self.username:
                    conn.login(self.username, self.password or "")
                conn.send_message(msg)
        except (smtplib.SMTPException, OSError) as e:
            # The class name and code only: SMTP replies can echo recipient addresses.
            raise MailerError(f"SMTP: {type(e).__name__} {getattr(e, 'smtp_code', '')}".strip()) from e

"""Mailer backends, chosen by FORMS_MAILER; boto3 is imported only for SES."""

from urllib.parse import parse_qs, unquote, urlsplit

from .base import Mailer, MailerError


def make_mailer(url, ses_configuration_set=None):
    if url.startswith("maildir:"):
        from .maildir import MaildirMailer

        return MaildirMailer(url[len("maildir:") :])
    if url == "ses":
        from .ses import SesMailer

        return SesMailer(configuration_set=ses_configuration_set)
    parts = urlsplit(url)
    if parts.scheme in ("smtp", "smtps"):
        from .smtp import SmtpMailer

        query = parse_qs(parts.query)
        return SmtpMailer(
            host=parts.hostname,
            port=parts.port,
            ssl=parts.scheme == "smtps",
            starttls=query.get("starttls", ["0"])[0] in ("1", "true", "yes"),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )
    raise ValueError("unknown mailer (see FORMS_MAILER)")


__all__ = ["Mailer", "MailerError", "make_mailer"]

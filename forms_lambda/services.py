"""The service's parts wired from Settings, and delivery of stored submissions.

Views and the CLI share `deliver`, so a submission is forwarded the same way the first
time and on every `retry`.
"""
import logging
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import current_app

from . import emails
from .config import Settings
from .mailers import Mailer, MailerError, make_mailer
from .stores import Store, make_store
from .tokens import Tokens

log = logging.getLogger("forms_lambda")


@dataclass
class Services:
    settings: Settings
    store: Store
    mailer: Mailer
    tokens: Tokens

    @classmethod
    def from_settings(cls, settings):
        return cls(settings=settings, store=make_store(settings.store_url),
                   mailer=make_mailer(settings.mailer_url, settings.ses_configuration_set),
                   tokens=Tokens(settings.secret_key, settings.confirm_max_age))

    def url(self, path, **query):
        return f"{self.settings.site_url}{path}" + (f"?{urlencode(query)}" if query else "")

    def confirm_url(self, subscriber):
        return self.url("/api/subscribe/confirm", token=self.tokens.confirm_token(subscriber.id))

    def unsubscribe_url(self, subscriber):
        return self.url("/api/unsubscribe", token=self.tokens.unsubscribe_token(subscriber.id))

    def build_email(self, submission):
        """The email a submission is forwarded as, or None when there is nothing left to send."""
        if submission.kind == "contact":
            return emails.contact_email(self.settings, submission)
        if submission.kind == "subscribe":
            subscriber = self.store.get_subscriber_by_id(submission.payload["subscriber_id"])
            if subscriber is None or subscriber.status != "pending":
                return None  # confirmed, unsubscribed or deleted meanwhile: no confirmation needed
            return emails.confirmation_email(self.settings, submission, subscriber,
                                             self.confirm_url(subscriber), self.unsubscribe_url(subscriber))
        raise ValueError(f"unknown submission kind {submission.kind!r}")

    def deliver(self, submission):
        """Forward a stored submission; on failure keep it pending for `retry`. True if delivered."""
        msg = self.build_email(submission)
        try:
            if msg is not None:
                self.mailer.send(msg)
        except MailerError as e:
            self.store.mark_failed(submission.id, str(e))
            log.warning("delivery failed submission=%s kind=%s error=%s", submission.id, submission.kind, e)
            return False
        self.store.mark_delivered(submission.id)
        log.info("delivered submission=%s kind=%s", submission.id, submission.kind)
        return True


def current_services() -> Services:
    return current_app.extensions["forms_lambda"]

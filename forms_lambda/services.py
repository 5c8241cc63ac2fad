"""The service's parts wired from Settings, and delivery of stored submissions.

Views and the CLI share `deliver`, so a submission is forwarded the same way the first
time and on every `retry`.
"""
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

from flask import current_app

from . import emails, signing_keys
from .captcha import CaptchaVerifier, make_verifier
from .config import Settings
from .logs import log_event, log_exception
from .mailers import Mailer, MailerError, make_mailer
from .stores import Store, Submission, make_store
from .tokens import Tokens

log = logging.getLogger("forms_lambda")
# How long one delivery may hold a submission (longer than any mailer's timeout and retries).
LEASE_SECONDS = 600


@dataclass
class Services:
    settings: Settings
    store: Store
    mailer: Mailer
    tokens: Tokens
    captcha: CaptchaVerifier | None = None

    @classmethod
    def from_settings(cls, settings):
        keys = signing_keys.from_secret(settings.secret_arn) if settings.secret_arn else settings.secret_key
        return cls(settings=settings, store=make_store(settings.store_url, settings.retention_days),
                   mailer=make_mailer(settings.mailer_url, settings.ses_configuration_set),
                   tokens=Tokens(keys, settings.confirm_max_age),
                   captcha=make_verifier(settings.captcha, settings.captcha_secret, settings.captcha_verify_url))

    def url(self, path, **query):
        return f"{self.settings.site_url}{path}" + (f"?{urlencode(query)}" if query else "")

    def confirm_url(self, subscriber):
        return self.url("/api/subscribe/confirm", token=self.tokens.confirm_token(subscriber.id))

    def unsubscribe_url(self, subscriber):
        return self.url("/api/unsubscribe", token=self.tokens.unsubscribe_token(subscriber.id))

    def build_email(self, submission):
        """The email a submission is forwarded as, or None when there is nothing left to send."""
        return EMAIL_BUILDERS[submission.kind](self, submission)

    def welcome(self, subscriber_id):
        """After a confirmation: the welcome email, stored first like any submission so `retry` can resend it."""
        if not self.settings.welcome_email:
            return
        submission = Submission(kind="welcome", payload={"subscriber_id": subscriber_id})
        self.store.add_submission(submission)
        self.deliver(submission)

    def deliver(self, submission):
        """Forward a stored submission; on failure keep it pending for `retry`. True if delivered.

        The claim makes delivery happen once even when a visitor's request and `retry` runs
        overlap; the Message-ID derived from the submission id lets mail systems drop the copy
        that a crash between sending and recording could still cause.
        """
        if not self.store.claim_submission(submission.id, LEASE_SECONDS):
            log_event("delivery.skipped", submission_id=submission.id, kind=submission.kind,
                      reason="delivered or being delivered")
            return False
        try:
            msg = self.build_email(submission)
            if msg is not None:
                self.mailer.send(msg)
        except MailerError as e:
            self.store.mark_failed(submission.id, str(e))
            log_event("delivery.failed", level=logging.WARNING, submission_id=submission.id,
                      kind=submission.kind, attempts=submission.attempts + 1, error=str(e))
            return False
        except Exception as e:
            # A bug in building or sending: the submission is stored, so the visitor still gets
            # their answer and `retry` tries again once it is fixed.
            self.store.mark_failed(submission.id, f"unexpected {type(e).__name__}")
            log_exception("delivery.error", e, submission_id=submission.id, kind=submission.kind)
            return False
        self.store.mark_delivered(submission.id)
        log_event("delivery.sent", submission_id=submission.id, kind=submission.kind, outcome="delivered")
        return True

    def retry_pending(self, limit=500):
        """Deliver what is still pending (the `retry` command and Lambda's schedule): (tried, delivered)."""
        pending = self.store.pending_submissions(limit=limit)
        delivered = sum(self.deliver(s) for s in pending)
        log_event("retry.finished", count=len(pending), delivered=delivered, failed=len(pending) - delivered)
        return len(pending), delivered

    def purge(self, days=None):
        """Delete submissions delivered (or held as spam) more than `days` ago; return how many."""
        days = self.settings.retention_days if days is None else days
        before = (datetime.now(timezone.utc) - timedelta(days=days)).isoformat(timespec="seconds")
        deleted = self.store.purge_submissions(before)
        log_event("purge.finished", deleted=deleted, command="purge")
        return deleted


def contact_email(services, submission):
    return emails.contact_email(services.settings, submission)


def confirmation_email(services, submission):
    subscriber = services.store.get_subscriber_by_id(submission.payload["subscriber_id"])
    if subscriber is None or subscriber.status != "pending":
        return None  # confirmed, unsubscribed or deleted meanwhile: no confirmation needed
    return emails.confirmation_email(services.settings, submission, subscriber,
                                     services.confirm_url(subscriber), services.unsubscribe_url(subscriber))


def welcome_email(services, submission):
    from .newsletter import latest_posts
    subscriber = services.store.get_subscriber_by_id(submission.payload["subscriber_id"])
    if subscriber is None or subscriber.status != "confirmed":
        return None  # unsubscribed or suppressed meanwhile
    token = services.tokens.unsubscribe_token(subscriber.id)
    posts = latest_posts(services.store, services.settings.welcome_articles)
    return emails.welcome_email(services.settings, subscriber, posts,
                                services.url("/api/unsubscribe", token=token), token)


# submission kind -> function(services, submission) -> EmailMessage or None; new kinds register here.
EMAIL_BUILDERS = {"contact": contact_email, "subscribe": confirmation_email, "welcome": welcome_email}


def current_services() -> Services:
    return current_app.extensions["forms_lambda"]

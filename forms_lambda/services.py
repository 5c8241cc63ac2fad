"""The service's parts wired from Settings, and the delivery engine every stored submission goes through.

A request only validates, stores and hands the submission over (`accept`); the answer never waits for a
mail server. `deliver` is one attempt: claim the submission, build its email, send it, record the outcome.
Anything raised while building or sending is a failed attempt of that submission only: it is due again after
an exponential backoff, and after FORMS_MAX_ATTEMPTS it is `failed`, kept for a person (`status`, `failed
--requeue`). `deliver_due` (the local worker's sweep, `retry`, the schedule on AWS) takes what is due,
longest due first, so a submission that keeps failing is pushed back and never holds up the others.
Who calls `deliver` for a new submission depends on FORMS_DELIVERY: see `hand_over`.
"""

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from flask import current_app

from . import emails, signing_keys, subscribers
from .captcha import Altcha, make_captcha
from .config import Settings
from .forms import mailbox
from .logs import log_event, log_exception
from .mailers import Mailer, MailerError, make_mailer
from .stores import FAILED, PENDING, Store, Submission, make_store
from .stores.base import iso_time
from .tokens import Tokens

if TYPE_CHECKING:
    from .delivery import DeliveryWorker

# How long one delivery may hold a submission (longer than any mailer's timeout and retries).
LEASE_SECONDS = 600
# A person is told (`status` exits 1, the alarm on AWS) when a submission waits longer than this.
PENDING_ALERT_SECONDS = 30 * 60
CONFIRMATIONS_PER_DAY = (86400, 3)  # per mailbox: (window in seconds, emails)
# As `now` for deliver_due: later than any next attempt, so every pending submission is due.
ANY_TIME = "9999-12-31T23:59:59+00:00"


@dataclass
class Services:
    settings: Settings
    store: Store
    mailer: Mailer
    tokens: Tokens
    captcha: Altcha | None = None  # the spam check when FORMS_CAPTCHA is on
    # The server process's delivery thread when FORMS_DELIVERY=worker (created by create_app).
    worker: "DeliveryWorker | None" = None
    # Epoch seconds, for the rate limits: tests set their own clock, so none depends on the wall clock.
    clock: Callable[[], float] = time.time
    # The values CloudFront's origin header may have, when FORMS_ORIGIN_SECRET_ARN is set (cloudfront.py).
    origin_keys: signing_keys.SigningKeys | None = None

    @classmethod
    def from_settings(cls, settings):
        keys = signing_keys.from_secret(settings.secret_arn) if settings.secret_arn else settings.secret_key
        origin_keys = None
        if settings.origin_secret_arn:
            origin_keys = signing_keys.from_secret(settings.origin_secret_arn, setting="FORMS_ORIGIN_SECRET_ARN")
        store, tokens = make_store(settings.store_url, settings.retention_days), Tokens(keys, settings.confirm_max_age)
        return cls(
            settings=settings,
            store=store,
            tokens=tokens,
            mailer=make_mailer(settings.mailer_url, settings.ses_configuration_set),
            captcha=make_captcha(settings, tokens.keys, store),
            origin_keys=origin_keys,
        )

    def url(self, path, **query):
        return f"{self.settings.site_url}{path}" + (f"?{urlencode(query)}" if query else "")

    def confirm_url(self, subscriber):
        return self.url("/api/subscribe/confirm", token=self.tokens.confirm_token(subscriber.id, subscriber.opt_in_id))

    def unsubscribe_url(self, subscriber):
        return self.url("/api/unsubscribe", token=self.tokens.unsubscribe_token(subscriber.id))

    def build_email(self, submission):
        """The email a submission is forwarded as, or None when there is nothing left to send."""
        return EMAIL_BUILDERS[submission.kind](self, submission)

    def accept(self, kind, payload, priority=0):
        """Store a submission (nothing accepted is lost) and hand it over for delivery."""
        submission = Submission(kind=kind, payload=payload, priority=priority)
        self.store.add_submission(submission)
        log_event(
            "submission.accepted",
            submission_id=submission.id,
            kind=kind,
            outcome="stored",
            urgent=submission.urgent or None,
        )
        self.hand_over(submission)
        return submission

    def hand_over(self, submission):
        """Start delivering a submission just stored, as FORMS_DELIVERY says; its answer never waits for it."""
        if self.settings.delivery == "worker":
            self.worker.submit(submission.id)  # after the answer has gone, see DeliveryWorker
        elif self.settings.delivery == "inline":
            self.deliver(submission.id)  # tests: one thread, emails there as soon as the request returns
        # "stream": the new item on the table's stream invokes the function (deploy/template.yaml).

    def welcome(self, subscriber_id):
        """After a confirmation: the welcome email, stored and delivered like any submission."""
        if self.settings.welcome_email:
            self.accept("welcome", {"subscriber_id": subscriber_id})

    def deliver(self, submission_id):
        """One delivery attempt of a stored submission; True when this call delivered it.

        The claim makes delivery happen once even when the worker, the stream, a sweep or `retry` run
        overlap; the Message-ID derived from the submission id lets mail systems drop the copy that a
        crash between sending and recording could still cause.
        """
        submission = self.store.claim_submission(submission_id, LEASE_SECONDS)
        if submission is None:
            log_event("delivery.skipped", submission_id=submission_id, reason="not pending or being delivered")
            return False
        try:
            msg = self.build_email(submission)
            if msg is not None:
                self.mailer.send(msg)
        except Exception as e:  # the mail server, or a bug this submission's content triggers: its own attempt
            self._attempt_failed(submission, e)
            return False
        self.store.mark_delivered(submission.id)
        log_event(
            "delivery.sent",
            submission_id=submission.id,
            kind=submission.kind,
            attempts=submission.attempts + 1,
            outcome="delivered" if msg is not None else "nothing to send",
            urgent=submission.urgent or None,
        )
        return True

    def backoff_seconds(self, attempts):
        """How long to wait after the `attempts`-th failed attempt: doubling from the base, capped."""
        return min(self.settings.retry_base_seconds * 2 ** (attempts - 1), self.settings.retry_max_seconds)

    def _attempt_failed(self, submission, error):
        attempts = submission.attempts + 1
        # A mailer's error and UnsafeEmail say what went wrong without data; any other exception's message may
        # quote the submission, so only its type is kept.
        reason = (
            str(error) if isinstance(error, (MailerError, emails.UnsafeEmail)) else f"unexpected {type(error).__name__}"
        )
        if not isinstance(error, MailerError):
            log_exception("delivery.error", error, submission_id=submission.id, kind=submission.kind)
        # An email our own checks refuse (UnsafeEmail) is refused again on every attempt: failed at once, so
        # staff hear of it now rather than after the backoff; `failed --requeue` after a fix sends it.
        gave_up = attempts >= self.settings.max_attempts or isinstance(error, emails.UnsafeEmail)
        retry_at = "" if gave_up else iso_time(time.time() + self.backoff_seconds(attempts))
        self.store.mark_failed(submission.id, reason, retry_at)
        log_event(
            "delivery.gave_up" if gave_up else "delivery.failed",
            level=logging.ERROR if gave_up else logging.WARNING,
            submission_id=submission.id,
            kind=submission.kind,
            attempts=attempts,
            error=reason,
            outcome=FAILED if gave_up else None,
            next_attempt_at=retry_at or None,
            urgent=submission.urgent or None,
        )

    def deliver_due(self, limit=100, now=None, deadline=None):
        """Deliver what is due at `now` (default: now), stopping at the monotonic `deadline`: (tried, delivered).

        The local worker's sweep, `retry` and the schedule on AWS all come here.
        """
        due = self.store.due_submissions(now or iso_time(time.time()), limit)
        tried = delivered = 0
        for submission in due:
            if deadline is not None and time.monotonic() > deadline:
                break
            tried += 1
            delivered += self.deliver(submission.id)
        if tried:
            log_event("retry.finished", count=tried, delivered=delivered, failed=tried - delivered)
        return tried, delivered

    def reopen(self, submission_id, status):
        """Staff's second chance for a submission `failed` (requeue) or held as `spam` (release): pending
        again with its attempts counted from zero, and delivered now. None if it was not in that state,
        else whether it was delivered (if not, it is pending and retried like any other)."""
        if not self.store.reopen_submission(submission_id, status, iso_time(time.time())):
            return None
        log_event("submission.reopened", submission_id=submission_id, status=status, outcome=PENDING)
        return self.deliver(submission_id)

    def delivery_status(self):
        """What `status` prints and the AWS alarms read (logged as `delivery.status` by each sweep there):
        counts by (kind, status), the pending submission waiting longest and its age, the failed ones."""
        counts = self.store.count_submissions()
        pending = self.store.list_submissions(PENDING, limit=1)
        oldest = 0
        if pending:
            oldest = (datetime.now(UTC) - datetime.fromisoformat(pending[0].created_at)).total_seconds()
        failed = self.store.list_submissions(FAILED)
        return DeliveryStatus(counts=counts, oldest_pending_seconds=max(0, round(oldest)), failed=failed)

    def purge(self, days=None):
        """Delete submissions delivered (or held as spam) more than `days` ago, and forget the subscribers who
        unsubscribed (or never confirmed) as long ago: {"deleted": submissions, "forgotten": subscribers}."""
        from .forget import forget_lapsed_subscribers

        days = self.settings.retention_days if days is None else days
        before = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
        deleted = self.store.purge_submissions(before)
        forgotten = forget_lapsed_subscribers(self, days)
        log_event("purge.finished", deleted=deleted, forgotten=forgotten, command="purge")
        return {"deleted": deleted, "forgotten": forgotten}


def contact_email(services, submission):
    return emails.contact_email(services.settings, submission)


def subscribe_email(services, submission):
    """The subscribe form's decision, taken here rather than in the request so that neither the answer nor
    its time depends on the address's past: a confirmation email to a new, pending or unsubscribed address
    (a few a day at most), nothing to a confirmed or suppressed one; with single opt-in, a welcome instead."""
    from .forget import stays_unmailed

    store, data = services.store, submission.payload
    if "email" in data and stays_unmailed(services, data["email"]):
        log_event("subscribe.suppressed", submission_id=submission.id, outcome="not sent")
        return None  # forgotten while suppressed: never mailed again, and not known again either
    subscriber = subscriber_for(store, submission)
    if subscriber is None or subscriber.status != subscribers.State.PENDING:
        return None  # confirmed, suppressed, or gone: no confirmation needed
    if not services.settings.double_opt_in:
        if subscribers.confirm(store, subscriber.id, subscriber.opt_in_id, submission.created_at, data.get("page", "")):
            log_event("subscriber.confirmed", subscriber_id=subscriber.id, reason="single opt-in")
            services.welcome(subscriber.id)
        return None
    # Anyone can type anyone's address, from many addresses: a few confirmation emails a day per mailbox
    # (victim+1@, victim+2@... are one), so the form cannot be used to flood a stranger's inbox (the rate
    # limiter also caps subscriptions per client and day). Counted at the first attempt only; the key is a
    # hash, so the limits table holds no address.
    if submission.attempts == 0:
        key = hashlib.sha256(mailbox(subscriber.email).encode()).hexdigest()
        allowed, _ = store.hit_rate_limit(f"confirmation|{key}", *CONFIRMATIONS_PER_DAY, now=services.clock())
        if not allowed:
            log_event("subscribe.confirmation_limited", subscriber_id=subscriber.id, outcome="not sent")
            return None
    return emails.confirmation_email(
        services.settings,
        submission,
        subscriber,
        services.confirm_url(subscriber),
        services.unsubscribe_url(subscriber),
    )


def subscriber_for(store, submission):
    """The subscriber a subscribe submission is about, after its opt-in (subscribers.opt_in)."""
    data = submission.payload
    if "email" not in data:  # stored by a version that decided in the request: the subscriber exists
        return store.get_subscriber_by_id(data["subscriber_id"])
    return subscribers.opt_in(store, data["email"], submission.created_at, data.get("page", ""))


def welcome_email(services, submission):
    from .newsletter import latest_posts

    subscriber = services.store.get_subscriber_by_id(submission.payload["subscriber_id"])
    if subscriber is None or subscriber.status != subscribers.State.CONFIRMED:
        return None  # unsubscribed or suppressed meanwhile
    token = services.tokens.unsubscribe_token(subscriber.id)
    posts = latest_posts(services.store, services.settings.welcome_articles)
    return emails.welcome_email(
        services.settings, subscriber, posts, services.url("/api/unsubscribe", token=token), token
    )


# submission kind -> function(services, submission) -> EmailMessage or None; new kinds register here.
EMAIL_BUILDERS = {"contact": contact_email, "subscribe": subscribe_email, "welcome": welcome_email}


@dataclass
class DeliveryStatus:
    counts: dict
    oldest_pending_seconds: int
    failed: list

    @property
    def needs_a_person(self):
        return bool(self.failed) or self.oldest_pending_seconds > PENDING_ALERT_SECONDS


def current_services() -> Services:
    return current_app.extensions["forms_lambda"]

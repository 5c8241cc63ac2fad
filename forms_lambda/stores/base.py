"""The Store port: what the service keeps, whatever the backend (SqliteStore, DynamoStore)."""

import math
import uuid
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Protocol

PENDING, DELIVERED = "pending", "delivered"
# Caught by the honeypot or the minimum time: kept for review (a person may have been caught), never sent
# unless staff release it (`spam --release`).
SPAM = "spam"
# A post is "archived" when it was on the site before the newsletter's first run (never announced),
# "announcing" from when a run finds it until every confirmed subscriber has been sent it, then "announced".
POST_STATUSES = ("archived", "announcing", "announced")
# A send record's states; FAILED is also a submission's state once FORMS_MAX_ATTEMPTS deliveries failed
# (kept, and never tried again unless staff requeue it).
SENDING, SENT, FAILED = "sending", "sent", "failed"
# The priority of an urgent submission: a contact message in crisis language (forms_lambda/crisis.py), delivered
# before everything else that is due and emailed as URGENT.
URGENT = 1


def utcnow():
    """Timestamps are stored as ISO 8601 UTC strings: sortable, and the same in both backends."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def iso_time(epoch_seconds):
    """A delivery time (next_attempt_at) to the millisecond, so short test backoffs still order.

    It sorts correctly against utcnow()'s whole seconds too: "10:00:00+00:00" < "10:00:00.5+00:00"
    since "+" sorts before ".".
    """
    return datetime.fromtimestamp(epoch_seconds, UTC).isoformat(timespec="milliseconds")


def retry_after(tat, now, window_seconds, limit):
    """Whole seconds until a refused rate-limit hit would be allowed, given its bucket's stored TAT (the epoch time it
    is full again; forms_lambda/ratelimit.py explains the algorithm)."""
    return max(1, math.ceil(tat + window_seconds / limit - window_seconds - now))


def new_id():
    return uuid.uuid4().hex


@dataclass
class Submission:
    """One accepted form post; `payload` holds the cleaned fields its delivery needs."""

    kind: str
    payload: dict
    id: str = field(default_factory=new_id)
    created_at: str = field(default_factory=utcnow)
    status: str = PENDING
    attempts: int = 0
    last_error: str = ""
    delivered_at: str = ""
    # Due for delivery from this time (ISO UTC; at first its created_at). Each failed attempt pushes it back.
    next_attempt_at: str = ""
    # Higher is delivered first among what is due: URGENT for a message in crisis language, else 0.
    priority: int = 0

    def __post_init__(self):
        self.next_attempt_at = self.next_attempt_at or self.created_at

    @property
    def urgent(self):
        return self.priority >= URGENT


@dataclass
class Subscriber:
    """A blog subscriber, known by the normalised email, with the record of their consent.

    `status` is a forms_lambda.subscribers.State, changed only by that module's transitions."""

    email: str
    id: str = field(default_factory=new_id)
    status: str = "pending"
    # The opt-in the subscriber is pending (or confirmed) in: a confirm link is good for this one only.
    opt_in_id: str = ""
    created_at: str = field(default_factory=utcnow)
    updated_at: str = field(default_factory=utcnow)
    opt_in_at: str = ""
    opt_in_page: str = ""
    confirmed_at: str = ""
    confirm_page: str = ""
    unsubscribed_at: str = ""


def changeable_subscriber_fields(*names):
    """The field names a change_subscriber may set or match on (never id or email); ValueError for any other."""
    allowed = {f.name for f in fields(Subscriber)} - {"id", "email"}
    if not set(names) <= allowed:
        raise ValueError(f"not a changeable subscriber field: {sorted(set(names) - allowed)}")


@dataclass
class Post:
    """An article of the site as the newsletter knows it, keyed by its path (/blog/<slug>/)."""

    path: str
    title: str = ""
    link: str = ""
    summary: str = ""
    published: str = ""
    status: str = "announcing"
    created_at: str = field(default_factory=utcnow)


def is_about(submission, email, subscriber_id=""):
    """Whether a submission holds a person's data: their address (a contact message, a subscription; `email`
    normalised, see forms.normalize_email) or their subscriber id (a welcome email, older subscriptions)."""
    payload = submission.payload
    address = payload.get("email")
    return (isinstance(address, str) and address.lower() == email) or bool(
        subscriber_id and payload.get("subscriber_id") == subscriber_id
    )


class StoreError(Exception):
    """The backend failed (disk, network); the request cannot be accepted safely."""


class Store(Protocol):
    name: str

    def init(self) -> None:
        """Create tables if missing (idempotent)."""

    def add_submission(self, submission: Submission) -> None: ...
    def get_submission(self, submission_id: str) -> Submission | None: ...
    def mark_delivered(self, submission_id: str) -> None: ...
    def mark_failed(self, submission_id: str, error: str, next_attempt_at: str = "") -> None:
        """Count the attempt, remember why it failed and release the claim: pending again from
        `next_attempt_at`, or, when that is empty, given up (status FAILED, its last due time kept)."""

    def due_submissions(self, now: str, limit: int = 100) -> list[Submission]:
        """Pending submissions due at the ISO time `now` and not held by a delivery: highest priority
        first, then the longest due, so a submission that keeps failing (pushed back each time) never
        holds up the others."""

    def list_submissions(self, status: str, limit: int = 1000) -> list[Submission]:
        """Submissions in one state, oldest first."""

    def count_submissions(self) -> dict[tuple[str, str], int]:
        """{(kind, status): how many}."""

    def claim_submission(self, submission_id: str, seconds: int) -> Submission | None:
        """Atomically take a pending submission for delivery for `seconds`, so that concurrent
        deliveries (the worker's threads, the stream, overlapping `retry` runs) never send it twice.
        The submission as stored, or None when it is not pending or another delivery holds it."""

    def reopen_submission(self, submission_id: str, status: str, now: str) -> bool:
        """Make a submission in `status` (FAILED or SPAM) pending again, due at `now`, with its attempts
        counted from zero. False when it is not in that state."""

    def purge_submissions(self, before: str) -> int:
        """Delete submissions delivered (or held as spam) before the ISO time `before`."""

    def check_writable(self) -> None:
        """Write a small record, so /api/health can say whether submissions could be saved: StoreError if not."""

    def hit_rate_limit(self, key: str, window_seconds: int, limit: int, now: float | None = None) -> tuple[bool, int]:
        """One hit on `key`, at most `limit` per `window_seconds` (GCRA, forms_lambda/ratelimit.py) at the epoch time
        `now` (default: the clock's): (allowed, seconds until one more would be). The check and the write are one
        atomic step, so concurrent processes never both slip under the limit."""

    def use_once(self, key: str, expires_at: int) -> bool:
        """Record `key` as used until the epoch time `expires_at` (atomic): True the first time, False after (a
        solved CAPTCHA challenge sends one form)."""

    def add_subscriber(self, subscriber: Subscriber) -> Subscriber:
        """Insert unless the email is known; return the stored subscriber either way (atomic)."""

    def get_subscriber(self, email: str) -> Subscriber | None: ...
    def get_subscriber_by_id(self, subscriber_id: str) -> Subscriber | None: ...
    def change_subscriber(
        self, subscriber_id: str, sources, changes: dict, match: dict | None = None
    ) -> Subscriber | None:
        """One conditional write: set `changes` (fields, status among them; updated_at too) only while the
        subscriber's status is one of `sources` and its fields equal `match`. The record as written, or None
        when the condition does not hold (or the id is unknown). See forms_lambda/subscribers.py."""

    def list_subscribers(self, status: str | None = None) -> list[Subscriber]:
        """Ordered by created_at."""

    def forget_person(self, email: str, subscriber_id: str = "", suppressed_digest: str = "") -> dict[str, int]:
        """Delete what is held about a person (forms_lambda/forget.py): the subscriber `subscriber_id` (and the
        lookup of `email`), their send records, every submission `is_about` them. With `suppressed_digest`, first
        record it, so the address stays unmailed. {"subscriber": 0 or 1, "submissions": n, "sends": n}."""

    def has_suppressed_digest(self, digests: list[str]) -> bool:
        """Whether one of `digests` was recorded by forget_person (an address forgotten while suppressed)."""

    def add_post(self, post: Post) -> bool:
        """Insert unless the path is known (atomic); True when inserted."""

    def list_posts(self) -> list[Post]:
        """Ordered by published, then path."""

    def set_post_status(self, path: str, status: str) -> None: ...
    def claim_send(self, path: str, subscriber_id: str, stale_before: str = "") -> bool:
        """Atomically record that `path` is being sent to the subscriber (status "sending").

        True when the caller may send: there was no record, or the last attempt failed, or (only when
        `stale_before` is given) an attempt has been "sending" since before that ISO time.
        """

    def finish_send(self, path: str, subscriber_id: str, status: str, error: str = "") -> None:
        """Record the outcome of a claimed send: SENT or FAILED."""

    def list_sends(self, path: str) -> dict[str, str]:
        """subscriber id -> send status, for one post."""

"""The Store port: what the service keeps, whatever the backend (SqliteStore, DynamoStore)."""
import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Protocol

PENDING, DELIVERED = "pending", "delivered"
# Caught by the honeypot or the minimum time: kept for review (a person may have been caught), never sent.
SPAM = "spam"
SUBSCRIBER_STATUSES = ("pending", "confirmed", "unsubscribed", "suppressed")
# A post is "archived" when it was on the site before the newsletter's first run (never announced),
# "announcing" from when a run finds it until every confirmed subscriber has been sent it, then "announced".
POST_STATUSES = ("archived", "announcing", "announced")
SENDING, SENT, FAILED = "sending", "sent", "failed"


def utcnow():
    """Timestamps are stored as ISO 8601 UTC strings: sortable, and the same in both backends."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


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


@dataclass
class Subscriber:
    """A blog subscriber, known by the normalised email, with the record of their consent."""
    email: str
    id: str = field(default_factory=new_id)
    status: str = "pending"
    created_at: str = field(default_factory=utcnow)
    updated_at: str = field(default_factory=utcnow)
    opt_in_at: str = ""
    opt_in_page: str = ""
    confirmed_at: str = ""
    confirm_page: str = ""
    unsubscribed_at: str = ""


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


class StoreError(Exception):
    """The backend failed (disk, network); the request cannot be accepted safely."""


class SubscriberStatus:
    """set_subscriber_status, the same for every backend: built on its get_subscriber_by_id and put_subscriber."""

    def set_subscriber_status(self, subscriber_id, status, **fields):
        if status not in SUBSCRIBER_STATUSES:
            raise ValueError(f"unknown subscriber status {status!r}")
        subscriber = self.get_subscriber_by_id(subscriber_id)
        if subscriber is None:
            return None
        subscriber = dataclasses.replace(subscriber, status=status, **fields)
        self.put_subscriber(subscriber)
        return self.get_subscriber_by_id(subscriber_id)


class Store(Protocol):
    name: str

    def init(self) -> None:
        """Create tables if missing (idempotent)."""

    def add_submission(self, submission: Submission) -> None: ...
    def get_submission(self, submission_id: str) -> Submission | None: ...
    def mark_delivered(self, submission_id: str) -> None: ...
    def mark_failed(self, submission_id: str, error: str) -> None:
        """Keep it pending, count the attempt and remember why it failed."""
    def pending_submissions(self, limit: int = 100) -> list[Submission]:
        """Oldest first."""
    def claim_submission(self, submission_id: str, seconds: int) -> bool:
        """Atomically take a pending submission for delivery for `seconds`, so that concurrent
        deliveries (a visitor's request, overlapping `retry` runs) never send it twice.
        False when it is delivered already or another process holds it."""
    def purge_submissions(self, before: str) -> int:
        """Delete submissions delivered (or held as spam) before the ISO time `before`."""

    def hit_rate_limit(self, key: str, window_seconds: int, limit: int) -> tuple[bool, int]:
        """Count one hit on `key` in the current window: (allowed, seconds until the window ends)."""

    def add_subscriber(self, subscriber: Subscriber) -> Subscriber:
        """Insert unless the email is known; return the stored subscriber either way (atomic)."""
    def put_subscriber(self, subscriber: Subscriber) -> None:
        """Overwrite an existing subscriber's record (same id and email)."""
    def get_subscriber(self, email: str) -> Subscriber | None: ...
    def get_subscriber_by_id(self, subscriber_id: str) -> Subscriber | None: ...
    def set_subscriber_status(self, subscriber_id: str, status: str, **fields) -> Subscriber | None:
        """Change status (and consent fields like confirmed_at); None if the id is unknown."""
    def list_subscribers(self, status: str | None = None) -> list[Subscriber]:
        """Ordered by created_at."""

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

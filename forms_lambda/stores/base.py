"""The Store port: what the service keeps, whatever the backend (SqliteStore, DynamoStore)."""
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Protocol

PENDING, DELIVERED = "pending", "delivered"
# Caught by the honeypot or the minimum time: kept for review (a person may have been caught), never sent.
SPAM = "spam"
SUBSCRIBER_STATUSES = ("pending", "confirmed", "unsubscribed", "suppressed")


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


class StoreError(Exception):
    """The backend failed (disk, network); the request cannot be accepted safely."""


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

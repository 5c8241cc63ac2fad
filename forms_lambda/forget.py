"""Forgetting a person, as the privacy page promises: `python -m forms_lambda forget EMAIL`, and `purge` for the
subscribers who left.

Deleted (Store.forget_person; SQLite overwrites what it deletes): the subscriber record (the address, when and where
they subscribed, confirmed, unsubscribed), the record of each article emailed to them, and every submission about
them: contact messages from the address, subscriptions, welcome emails.

Kept: nothing, unless the address is suppressed (an email to it bounced for good, or its owner marked one as spam).
Such an address must never be mailed again, so a keyed hash of it is kept (HMAC-SHA256 under the newest signing
key: the address cannot be read back from it), and a later subscription to it is answered like any other and sends
nothing. Everyone else leaves no trace: an address that was unsubscribed (or pending, or confirmed) is then as
unknown as one never seen, and a person who subscribes again by themselves gets the confirmation email anyone gets
(double opt-in). The hashes are checked with every signing key still listed, so a key rotation keeps them working;
`rotate-key --forget-previous` (after a leak) drops the older keys and, with them, the hashes made with those.

`purge` forgets the same way the subscribers who unsubscribed, or never confirmed, more than FORMS_RETENTION_DAYS
ago. The backups (DynamoDB's point-in-time recovery) keep deleted items up to 35 days more.
"""

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from .forms import normalize_email
from .logs import log_event

PURPOSE = b"forms-lambda.suppressed-address\0"


def address_digest(key, email):
    """The keyed hash an address forgotten while suppressed is kept as."""
    return hmac.new(key.encode(), PURPOSE + email.encode(), hashlib.sha256).hexdigest()


def forget(services, address):
    """Delete what the store holds about `address` (EmailNotValidError, a ValueError, if it is not one).

    Returns {"subscriber": 0 or 1, "submissions": n, "sends": n, "kept_hash": bool}."""
    email = normalize_email(address.strip())
    return forget_subscriber(services, email, services.store.get_subscriber(email))


def forget_subscriber(services, email, subscriber):
    """forget() for a normalised address and its subscriber record (or None)."""
    suppressed = subscriber is not None and subscriber.status == "suppressed"
    digest = address_digest(services.tokens.keys.keys[-1], email) if suppressed else ""
    counts = services.store.forget_person(email, subscriber.id if subscriber else "", digest)
    log_event("person.forgotten", subscriber_id=subscriber.id if subscriber else "", kept_hash=suppressed, **counts)
    return {**counts, "kept_hash": suppressed}


def stays_unmailed(services, email):
    """Whether `email` (normalised) was forgotten while suppressed."""
    return services.store.has_suppressed_digest([address_digest(key, email) for key in services.tokens.keys.keys])


def forget_lapsed_subscribers(services, days):
    """Forget the subscribers who unsubscribed more than `days` ago, and those who never confirmed within as long
    (or, if longer, the confirmation link's FORMS_CONFIRM_MAX_AGE); returns how many."""
    now = datetime.now(UTC)
    left_before = (now - timedelta(days=days)).isoformat(timespec="seconds")
    unconfirmed_for = max(timedelta(days=days), timedelta(seconds=services.settings.confirm_max_age))
    asked_before = (now - unconfirmed_for).isoformat(timespec="seconds")
    lapsed = [s for s in services.store.list_subscribers("unsubscribed") if s.unsubscribed_at < left_before]
    lapsed += [s for s in services.store.list_subscribers("pending") if (s.opt_in_at or s.created_at) < asked_before]
    for subscriber in lapsed:
        forget_subscriber(services, subscriber.email, subscriber)
    return len(lapsed)

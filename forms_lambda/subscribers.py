"""The subscriber lifecycle: the states a subscriber is in, and the only ways from one to another.

                 subscribe (a new address)
                          |
                          v
    +--- opt in again --> pending ---- confirm ----> confirmed
    |                        |                           |
    |                   unsubscribe                 unsubscribe
    |                        v                           |
    +------------------ unsubscribed <-------------------+

    a hard bounce or a complaint: pending, confirmed or unsubscribed --suppress--> suppressed (final)

Every change is one conditional write in the store (Store.change_subscriber): it happens only while the record
is in one of the transition's source states (and, for confirm, still in the opt-in its link was made for), never
as a read, a check and a write of the whole record. Two requests racing (confirm || unsubscribe, confirm ||
confirm) cannot both win nor lose one's update: one changes the state, the other finds the state it left.
The views, `unsubscribe` on the command line, SES events, the newsletter and delivery all come here.
"""

from dataclasses import dataclass
from enum import StrEnum

from .logs import log_event
from .stores.base import Subscriber, new_id, utcnow


class State(StrEnum):
    PENDING = "pending"  # asked to subscribe; a confirmation email is on its way (double opt-in)
    CONFIRMED = "confirmed"  # the only state that is mailed articles
    UNSUBSCRIBED = "unsubscribed"
    SUPPRESSED = "suppressed"  # bounced for good or complained: never mailed again


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset
    target: State


OPT_IN_AGAIN = Transition("opt in again", frozenset({State.UNSUBSCRIBED}), State.PENDING)
CONFIRM = Transition("confirm", frozenset({State.PENDING}), State.CONFIRMED)
UNSUBSCRIBE = Transition("unsubscribe", frozenset({State.PENDING, State.CONFIRMED}), State.UNSUBSCRIBED)
SUPPRESS = Transition("suppress", frozenset({State.PENDING, State.CONFIRMED, State.UNSUBSCRIBED}), State.SUPPRESSED)
TRANSITIONS = (OPT_IN_AGAIN, CONFIRM, UNSUBSCRIBE, SUPPRESS)


def apply(store, subscriber_id, transition, match=None, **fields):
    """The subscriber after `transition`, or None when it is not in a source state (or `match` differs)."""
    return store.change_subscriber(
        subscriber_id, transition.sources, {"status": transition.target, **fields}, match=match
    )


def opt_in(store, email, at, page):
    """A subscribe form's request for `email`, as delivery handles it: a new address is added pending; an
    unsubscribed one is pending again in a new opt-in (so confirm links of the earlier one no longer work).
    Pending, confirmed and suppressed subscribers are returned unchanged."""
    new = Subscriber(email=email, opt_in_id=new_id(), opt_in_at=at, opt_in_page=page)
    subscriber = store.add_subscriber(new)
    if subscriber.id == new.id or subscriber.status != State.UNSUBSCRIBED:
        return subscriber
    again = apply(
        store,
        subscriber.id,
        OPT_IN_AGAIN,
        opt_in_id=new.opt_in_id,
        opt_in_at=at,
        opt_in_page=page,
        confirmed_at="",
        confirm_page="",
        unsubscribed_at="",
    )
    if again is None:
        return store.get_subscriber_by_id(subscriber.id)  # changed meanwhile: as it is now
    log_event("subscriber.opt_in_again", subscriber_id=subscriber.id, status=State.PENDING)
    return again


def confirm(store, subscriber_id, opt_in_id, at, page):
    """Confirm the opt-in `opt_in_id`; None when the subscriber is not pending in that opt-in any more."""
    return apply(store, subscriber_id, CONFIRM, match={"opt_in_id": opt_in_id}, confirmed_at=at, confirm_page=page)


def unsubscribe(store, subscriber_id):
    """None when there was nothing to do (unknown, already unsubscribed, or suppressed)."""
    return apply(store, subscriber_id, UNSUBSCRIBE, unsubscribed_at=utcnow())


def suppress(store, email):
    """Never mail this address again (hard bounce or complaint), known as a subscriber or not."""
    subscriber = store.add_subscriber(Subscriber(email=email, status=State.SUPPRESSED))
    if subscriber.status == State.SUPPRESSED:
        return subscriber
    return apply(store, subscriber.id, SUPPRESS) or store.get_subscriber_by_id(subscriber.id)

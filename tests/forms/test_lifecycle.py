"""The subscriber lifecycle (forms_lambda/subscribers.py) on both stores: which transitions happen, that each is
one conditional write, and that requests racing each other end in the state their last answer told the person."""

import functools
import threading

import pytest

from forms_lambda import create_app, subscribers
from forms_lambda.stores import Subscriber
from forms_lambda.subscribers import State
from tests.support.forms import JSON

STATES = list(State)


def in_state(store, state, email="reader@example.com"):
    """A subscriber in `state`, in an opt-in of its own."""
    return store.add_subscriber(Subscriber(email=email, status=state, opt_in_id=f"opt-in-of-{email}"))


def test_the_transitions_are_the_diagrams():
    edges = {(source, t.target) for t in subscribers.TRANSITIONS for source in t.sources}
    assert edges == {
        ("unsubscribed", "pending"),
        ("pending", "confirmed"),
        ("pending", "unsubscribed"),
        ("confirmed", "unsubscribed"),
        ("pending", "suppressed"),
        ("confirmed", "suppressed"),
        ("unsubscribed", "suppressed"),
    }
    assert not any(t.target == State.SUPPRESSED for t in subscribers.TRANSITIONS if State.SUPPRESSED in t.sources)


@pytest.mark.parametrize("state", STATES)
def test_each_transition_from_each_state(any_store, state):
    """Every transition is tried from every state: where the diagram has no edge, nothing is written."""
    for transition in subscribers.TRANSITIONS:
        subscriber = in_state(any_store, state, email=f"{transition.name.replace(' ', '-')}@example.com")
        after = subscribers.apply(any_store, subscriber.id, transition)
        if state in transition.sources:
            assert after.status == transition.target, transition.name
        else:
            assert after is None, transition.name
        assert any_store.get_subscriber_by_id(subscriber.id) == (after or subscriber)


def test_a_confirmation_is_good_for_its_own_opt_in_only(any_store):
    first = subscribers.opt_in(any_store, "reader@example.com", "2026-11-01T10:00:00+00:00", "/blog/a/")
    assert first.status == State.PENDING and first.opt_in_id
    assert subscribers.opt_in(any_store, "reader@example.com", "2026-11-01T10:01:00+00:00", "/blog/b/") == first
    assert subscribers.confirm(any_store, first.id, "another opt-in", "t", "/p") is None
    assert subscribers.unsubscribe(any_store, first.id).status == State.UNSUBSCRIBED
    # Subscribed again (by the owner, or by a stranger typing the address): a new opt-in, an empty consent record.
    again = subscribers.opt_in(any_store, "reader@example.com", "2026-11-02T10:00:00+00:00", "/blog/c/")
    assert again.id == first.id and again.status == State.PENDING and again.opt_in_id != first.opt_in_id
    assert (again.opt_in_at, again.opt_in_page, again.confirmed_at, again.unsubscribed_at) == (
        "2026-11-02T10:00:00+00:00",
        "/blog/c/",
        "",
        "",
    )
    assert subscribers.confirm(any_store, first.id, first.opt_in_id, "t", "/p") is None
    confirmed = subscribers.confirm(any_store, first.id, again.opt_in_id, "2026-11-02T10:05:00+00:00", "/p")
    assert confirmed.status == State.CONFIRMED and confirmed.confirmed_at == "2026-11-02T10:05:00+00:00"
    assert subscribers.confirm(any_store, first.id, again.opt_in_id, "later", "/p") is None  # once


@pytest.mark.parametrize("state", STATES)
def test_suppress_from_any_state_and_for_an_unknown_address(any_store, state):
    subscriber = in_state(any_store, state)
    assert subscribers.suppress(any_store, "reader@example.com").status == State.SUPPRESSED
    assert any_store.get_subscriber_by_id(subscriber.id).status == State.SUPPRESSED
    assert subscribers.suppress(any_store, "stranger@example.com").status == State.SUPPRESSED
    # Suppressed is final: nothing brings the address back.
    for transition in subscribers.TRANSITIONS:
        assert subscribers.apply(any_store, subscriber.id, transition) is None
    assert subscribers.opt_in(any_store, "reader@example.com", "t", "/").status == State.SUPPRESSED


# Races: two requests at once, 50 rounds; the old read-modify-write lost one in 5 (confirm || unsubscribe) and
# sent two welcome emails in 7 of 10 (confirm || confirm).
ROUNDS = 50


@pytest.fixture(params=["sqlite", "dynamodb"])
def race_app(request, sqlite_config):
    """The app on each store; welcome emails are stored by the requests and delivered after the race."""
    config = sqlite_config if request.param == "sqlite" else request.getfixturevalue("dynamo_config")
    return create_app({**config, "FORMS_DELIVERY": "stream", "TESTING": True})


def at_once(*calls):
    """Run the calls in threads released together; their results in order."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def links(app, subscriber):
    tokens = app.extensions["forms_lambda"].tokens
    return (
        f"/api/subscribe/confirm?token={tokens.confirm_token(subscriber.id, subscriber.opt_in_id)}",
        f"/api/unsubscribe?token={tokens.unsubscribe_token(subscriber.id)}",
    )


def welcomes(app):
    """subscriber id -> how many welcome emails the requests asked for."""
    counts = {}
    for submission in app.extensions["forms_lambda"].store.list_submissions("pending"):
        if submission.kind == "welcome":
            counts[submission.payload["subscriber_id"]] = counts.get(submission.payload["subscriber_id"], 0) + 1
    return counts


def test_confirm_racing_unsubscribe_ends_unsubscribed_as_the_last_answer_says(race_app):
    store, client = race_app.extensions["forms_lambda"].store, race_app.test_client()
    confirmed_first = 0
    people = []
    for i in range(ROUNDS):
        subscriber = subscribers.opt_in(store, f"reader{i}@example.com", "2026-11-01T10:00:00+00:00", "/")
        confirm, unsubscribe = links(race_app, subscriber)
        confirmed, unsubscribed = at_once(
            functools.partial(client.post, confirm, headers=JSON),
            functools.partial(client.post, unsubscribe, headers=JSON),
        )
        assert unsubscribed.status_code == 200 and unsubscribed.json["message"].startswith("You have been unsubscribed")
        after = store.get_subscriber_by_id(subscriber.id)
        # Unsubscribing always comes last: before it a confirm may have happened (and said so), after it none can.
        assert after.status == State.UNSUBSCRIBED, f"round {i}: told unsubscribed, but {after.status}"
        assert confirmed.status_code in (200, 400)
        assert (confirmed.status_code == 200) == bool(after.confirmed_at), f"round {i}: {confirmed.json}"
        confirmed_first += confirmed.status_code == 200
        people.append((subscriber.id, confirmed.status_code == 200))
    # One welcome asked for per confirmation, none for a confirmation refused; none is sent to the unsubscribed.
    assert welcomes(race_app) == {sid: 1 for sid, confirmed in people if confirmed}
    services = race_app.extensions["forms_lambda"]
    services.deliver_due()
    assert [s.status for s in store.list_submissions("pending")] == []
    assert sum(1 for _ in store.list_subscribers(State.CONFIRMED)) == 0
    print(f"confirm won {confirmed_first} of {ROUNDS} rounds")


def test_confirm_racing_confirm_confirms_once_and_asks_for_one_welcome(race_app):
    store, client = race_app.extensions["forms_lambda"].store, race_app.test_client()
    ids = []
    for i in range(ROUNDS):
        subscriber = subscribers.opt_in(store, f"reader{i}@example.com", "2026-11-01T10:00:00+00:00", "/")
        confirm, _ = links(race_app, subscriber)
        post_confirm = functools.partial(client.post, confirm, headers=JSON)
        answers = at_once(post_confirm, post_confirm)
        assert [r.status_code for r in answers] == [200, 200]
        assert {r.json["message"] for r in answers} == {"You've been subscribed! Watch your inbox for updates!"}
        assert store.get_subscriber_by_id(subscriber.id).status == State.CONFIRMED
        ids.append(subscriber.id)
    assert welcomes(race_app) == dict.fromkeys(ids, 1)


@pytest.mark.parametrize("transition", ["unsubscribe", "suppress"])
def test_a_confirmation_never_undoes_a_change_made_while_it_was_on_its_way(any_store, transition):
    """Between reading the link and writing, the record changed: the conditional write sees it."""
    subscriber = subscribers.opt_in(any_store, "reader@example.com", "t", "/")
    if transition == "unsubscribe":
        subscribers.unsubscribe(any_store, subscriber.id)
    else:
        subscribers.suppress(any_store, "reader@example.com")
    assert subscribers.confirm(any_store, subscriber.id, subscriber.opt_in_id, "t2", "/p") is None
    assert any_store.get_subscriber_by_id(subscriber.id).status != State.CONFIRMED


def test_head_never_changes_state_on_any_route(backend):
    """Every route HEAD reaches, with everything a state change would need (a valid token, a form body)."""
    app, sent = backend
    services = app.extensions["forms_lambda"]
    client = app.test_client()
    pending = subscribers.opt_in(services.store, "pending@example.com", "t", "/")
    confirmed = in_state(services.store, State.CONFIRMED, "confirmed@example.com")
    tokens = {
        "/api/subscribe/confirm": services.tokens.confirm_token(pending.id, pending.opt_in_id),
        "/api/unsubscribe": services.tokens.unsubscribe_token(confirmed.id),
    }
    before = (services.store.list_subscribers(), services.store.count_submissions())
    paths = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")}
    assert paths >= {
        "/api/contact",
        "/api/subscribe",
        "/api/subscribe/confirm",
        "/api/unsubscribe",
        "/api/health",
        "/api/ses-events",
    }
    for path in paths:
        r = client.open(
            path,
            method="HEAD",
            query_string={"token": tokens.get(path, "")},
            data={"email": "head@example.com", "name": "Head", "message": "hi", "List-Unsubscribe": "One-Click"},
        )
        # 200 where GET is answered; the spam check's challenge is 404 while the check is off; 405 elsewhere.
        expected = 200 if path in tokens or path == "/api/health" else 404 if path == "/api/challenge" else 405
        assert r.status_code == expected, path
    assert (services.store.list_subscribers(), services.store.count_submissions()) == before
    assert sent() == []

"""`python -m forms_lambda forget EMAIL` and the retention of subscribers, on both stores, as the privacy page
promises them: everything about the person goes; a suppressed address alone leaves a keyed hash, and stays unmailed."""

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from forms_lambda import create_app
from forms_lambda.forget import address_digest, stays_unmailed
from forms_lambda.signing_keys import SigningKeys
from forms_lambda.stores import SENT, Post, Subscriber
from forms_lambda.stores.base import is_about
from forms_lambda.subscribers import suppress
from forms_lambda.tokens import Tokens
from tests.support.forms import CONTACT, JSON, SECRET, link, run_command, ses_messages

ANN, BOB = "ann.forgotten@example.org", "bob.stays@example.org"
POST = "/blog/first-infusion/"


@pytest.fixture(params=["sqlite", "dynamodb"])
def setup(request, sqlite_config, maildir, monkeypatch):
    """(app, its settings in the environment for the command line, the emails sent so far)."""
    if request.param == "sqlite":
        config, sent = sqlite_config, maildir
    else:
        moto = request.getfixturevalue("moto_server")
        config, sent = request.getfixturevalue("dynamo_config"), lambda: ses_messages(moto)
    for name, value in config.items():
        monkeypatch.setenv(name, value)
    return create_app({"TESTING": True}), request.param, sent


def subscribe(client, sent, address):
    """Subscribe through the form; the confirmation email sent, if any."""
    before = len(sent())
    assert client.post("/api/subscribe", data={"email": address, "page": "/blog/x/"}, headers=JSON).status_code == 200
    return sent()[before] if len(sent()) > before else None


def confirm(client, confirmation):
    path = link(confirmation, "/api/subscribe/confirm")
    page = client.get(path)
    if page.status_code == 200 and b"<form" in page.data:  # a page with a button: confirmed by its POST
        client.post(path)


def store_of(app):
    return app.extensions["forms_lambda"].store


def holds(app, kind, address):
    """Whether the address is anywhere in the store's files (SQLite: the bytes on disk) or tables."""
    store = store_of(app)
    if kind == "sqlite":
        files = [store.path, store.path.with_name(store.path.name + "-wal")]
        return any(address.encode() in f.read_bytes().lower() for f in files if f.exists())
    client = boto3.client("dynamodb")
    return any(
        address in json.dumps(client.scan(TableName=f"{store.prefix}-{table}")["Items"]).lower()
        for table in ("submissions", "subscribers", "sends", "limits")
    )


def forget(address):
    result = run_command("forget", address)
    return result.exit_code, result


def test_forget_deletes_the_subscriber_their_messages_and_send_records_and_nothing_else(setup):
    app, kind, sent = setup
    client, store = app.test_client(), store_of(app)
    for address in (ANN, BOB):
        confirm(client, subscribe(client, sent, address))
        store.add_post(Post(path=POST, title="First Infusion"))
        subscriber = store.get_subscriber(address)
        assert store.claim_send(POST, subscriber.id)
        store.finish_send(POST, subscriber.id, SENT)
    for address in (ANN, ANN.upper(), BOB):  # the contact form keeps the address as typed
        assert client.post("/api/contact", data={**CONTACT, "email": address}, headers=JSON).status_code == 200
    ann, bob = store.get_subscriber(ANN), store.get_subscriber(BOB)
    submissions_before = len(store.list_submissions("delivered"))
    assert holds(app, kind, ANN)

    code, out = forget("  Ann.Forgotten@Example.org ")
    assert code == 0
    # Ann's: a subscription, a welcome email, two contact messages; one article sent
    assert out.stdout.splitlines() == ["deleted: subscriber record 1, submissions 4, send records 1", "kept: nothing"]
    assert store.get_subscriber(ANN) is None and store.get_subscriber_by_id(ann.id) is None
    assert store.list_sends(POST) == {bob.id: SENT}
    left = store.list_submissions("delivered")
    assert len(left) == submissions_before - 4 and not [s for s in left if is_about(s, ANN, ann.id)]
    assert [s.email for s in store.list_subscribers()] == [BOB] and store.get_subscriber(BOB) == bob
    assert not holds(app, kind, ANN), "the address is gone from the store's files too"
    if kind == "sqlite":  # on by default in Debian's SQLite, not in every build: the store turns it on itself
        assert store.connect().execute("PRAGMA secure_delete").fetchone()[0] == 1
    assert not store.has_suppressed_digest([address_digest(SECRET, ANN)])


def test_a_suppressed_address_is_forgotten_but_stays_unmailed(setup):
    app, kind, sent = setup
    client, store = app.test_client(), store_of(app)
    confirm(client, subscribe(client, sent, ANN))
    suppress(store, ANN)  # what an SES bounce or complaint does
    code, out = forget(ANN)
    assert code == 0 and out.stdout.splitlines()[-1].startswith("kept: a keyed hash of the address")
    assert store.get_subscriber(ANN) is None and not holds(app, kind, ANN)
    assert stays_unmailed(app.extensions["forms_lambda"], ANN)

    emails = len(sent())
    answer = client.post("/api/subscribe", data={"email": ANN, "page": "/"}, headers=JSON)
    assert answer.status_code == 200 and answer.json["ok"] is True  # the answer anyone gets
    assert len(sent()) == emails, "nothing is sent to it"
    assert store.get_subscriber(ANN) is None, "nor is it known again"
    assert subscribe(client, sent, BOB) is not None  # others subscribe as ever


def test_someone_who_unsubscribed_and_was_forgotten_can_opt_in_again(setup):
    app, _kind, sent = setup
    client, store = app.test_client(), store_of(app)
    confirmation = subscribe(client, sent, ANN)
    confirm(client, confirmation)
    assert client.post(link(confirmation, "/api/unsubscribe"), headers=JSON).status_code == 200
    assert store.get_subscriber(ANN).status == "unsubscribed"
    code, out = forget(ANN)
    assert code == 0 and out.stdout.splitlines()[-1] == "kept: nothing"
    assert not stays_unmailed(app.extensions["forms_lambda"], ANN)

    again = subscribe(client, sent, ANN)  # double opt-in, as for anyone
    assert again is not None and str(again["To"]) == ANN
    confirm(client, again)
    assert store.get_subscriber(ANN).status == "confirmed"


def test_the_hash_survives_a_key_rotation(setup):
    app, _kind, _sent = setup
    suppress(store_of(app), ANN)
    assert forget(ANN)[0] == 0
    services = app.extensions["forms_lambda"]
    rotated = dataclasses.replace(services, tokens=Tokens(SigningKeys([SECRET, "a-newer-key-0123456789"]), 600))
    assert stays_unmailed(rotated, ANN)
    forgotten_key = dataclasses.replace(services, tokens=Tokens(SigningKeys(["a-newer-key-0123456789"]), 600))
    assert not stays_unmailed(forgotten_key, ANN)  # rotate-key --forget-previous drops it (docs/deploy.md)


@pytest.mark.parametrize(
    "address,code,said",
    [
        ("nobody@example.org", 0, "deleted: subscriber record 0, submissions 0, send records 0"),
        ("not an address", 2, "not an email address"),
    ],
)
def test_unknown_and_invalid_addresses(setup, address, code, said):
    result, out = forget(address)
    assert result == code and said in out.stdout + out.stderr


def days_ago(days):
    return (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")


def test_purge_forgets_who_unsubscribed_or_never_confirmed_a_retention_period_ago(setup):
    app, _kind, _sent = setup
    store = store_of(app)
    people = {
        "left-long-ago@example.org": dict(status="unsubscribed", unsubscribed_at=days_ago(31)),
        "left-yesterday@example.org": dict(status="unsubscribed", unsubscribed_at=days_ago(1)),
        "never-confirmed@example.org": dict(status="pending", opt_in_at=days_ago(31)),
        "still-deciding@example.org": dict(status="pending", opt_in_at=days_ago(1)),
        "reader@example.org": dict(status="confirmed", opt_in_at=days_ago(400)),
        "bounced@example.org": dict(status="suppressed", created_at=days_ago(400)),
    }
    for address, fields in people.items():
        store.add_subscriber(Subscriber(email=address, **fields))
    purge = run_command("purge")
    assert purge.exit_code == 0 and "forgot 2 subscribers" in purge.stdout
    assert sorted(s.email for s in store.list_subscribers()) == [
        "bounced@example.org",
        "left-yesterday@example.org",
        "reader@example.org",
        "still-deciding@example.org",
    ]

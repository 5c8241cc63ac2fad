"""The spam check (FORMS_CAPTCHA=altcha) as the service meets it: challenges out, answers in, each answer used once.

The browser's part is played by the `altcha` library's own solver here; tests/e2e/test_e2e_captcha.py has Chromium
and the real widget do it.
"""

import base64
import itertools
import json
import time

import altcha
import pytest
from bs4 import BeautifulSoup

from forms_lambda import create_app
from forms_lambda.captcha import Altcha
from forms_lambda.clinic import read_clinic
from forms_lambda.signing_keys import SigningKeys
from forms_lambda.stores.sqlite import SqliteStore
from tests.support.forms import CONTACT, JSON, SECRET, sqlite_rows

SUBSCRIBE = {"email": "reader@example.org", "page": "/blog/x/", "elapsed_ms": "46000"}
PHONE = read_clinic()["phone"]


@pytest.fixture(params=["sqlite", "dynamodb"])
def checked_app(request, sqlite_config):
    """The service with the spam check on, on each store (used challenges are kept in the store)."""
    config = sqlite_config if request.param == "sqlite" else request.getfixturevalue("dynamo_config")
    return create_app({**config, "FORMS_CAPTCHA": "altcha", "FORMS_CAPTCHA_DIFFICULTY": "50", "TESTING": True})


def solve(client):
    """What the widget does: fetch a challenge, solve it, send the answer base64-encoded."""
    challenge = altcha.Challenge.from_dict(client.get("/api/challenge").json)
    return altcha.Payload(challenge, altcha.solve_challenge(challenge)).to_base64()


def decoded(payload):
    return json.loads(base64.b64decode(payload))


def encoded(data):
    return base64.b64encode(json.dumps(data).encode()).decode()


def submissions(app):
    return app.extensions["forms_lambda"].store.count_submissions()


def test_off_by_default_no_challenge_and_no_answer_needed(client):
    r = client.get("/api/challenge", headers=JSON)
    assert r.status_code == 404 and "spam check is off" in r.json["message"]
    assert client.post("/api/contact", data=CONTACT, headers=JSON).status_code == 200


def test_a_solved_challenge_sends_one_form_and_only_one(checked_app):
    client = checked_app.test_client()
    answer = solve(client)
    assert client.post("/api/contact", data={**CONTACT, "altcha": answer}, headers=JSON).status_code == 200
    for form, data in (("contact", CONTACT), ("subscribe", SUBSCRIBE)):
        again = client.post(f"/api/{form}", data={**data, "altcha": answer}, headers=JSON)
        assert again.status_code == 400
        assert again.json["errors"] == {
            "altcha": "The check that a person is sending this form did not pass. Please send the form again."
        }
    assert submissions(checked_app) == {("contact", "delivered"): 1}
    subscribed = checked_app.test_client().post(
        "/api/subscribe", data={**SUBSCRIBE, "altcha": solve(client)}, headers=JSON
    )
    assert subscribed.status_code == 200 and ("subscribe", "delivered") in submissions(checked_app)


@pytest.mark.parametrize("form,data", [("contact", CONTACT), ("subscribe", SUBSCRIBE)])
def test_without_an_answer_the_visitor_learns_javascript_is_needed(checked_app, form, data):
    """What a browser without JavaScript sends: the widget never ran, so there is no `altcha` field."""
    client = checked_app.test_client()
    r = client.post(f"/api/{form}", data=data, headers=JSON)
    assert r.status_code == 400 and "JavaScript" in r.json["errors"]["altcha"] and PHONE in r.json["errors"]["altcha"]
    page = client.post(f"/api/{form}", data=data, headers={"Accept": "text/html"})
    assert page.status_code == 400
    item = BeautifulSoup(page.data, "lxml").find("li")
    assert item.get_text(" ", strip=True).startswith("Spam check") and "turn JavaScript on" in item.get_text()
    assert submissions(checked_app) == {}


def another_key_answer(client):
    """A real answer to a challenge signed with a key that is not ours."""
    challenge = altcha.Challenge.from_dict(Altcha(SigningKeys("another-key-0123456789"), None, 50, "").challenge())
    return altcha.Payload(challenge, altcha.solve_challenge(challenge)).to_base64()


def edited(change):
    def edit(client):
        data = decoded(solve(client))
        change(data)
        return encoded(data)

    return edit


def widget_test_mode(client):
    return base64.b64encode(json.dumps({"challenge": None, "solution": None, "test": True}).encode()).decode()


WRONG_ANSWERS = {
    "another key's challenge": another_key_answer,
    "the derived key changed": edited(lambda d: d["solution"].update(derivedKey="00" * 32)),
    "a derived key that is not hex": edited(lambda d: d["solution"].update(derivedKey="zz")),
    "another challenge's solution": lambda client: encoded(
        {"challenge": decoded(solve(client))["challenge"], "solution": decoded(solve(client))["solution"]}
    ),
    "the signature removed": edited(lambda d: d["challenge"].pop("signature")),
    "an easier challenge, same signature": edited(lambda d: d["challenge"]["parameters"].update(keyPrefix="00")),
    "the key signature removed": edited(lambda d: d["challenge"]["parameters"].pop("keySignature")),
    "a later expiry, same signature": edited(lambda d: d["challenge"]["parameters"].update(expiresAt=2**40)),
    "the widget's test mode": widget_test_mode,
    "not base64": lambda client: "not base64!",
    "base64 of text": lambda client: base64.b64encode(b"hello").decode(),
    "a JSON list": lambda client: encoded([1, 2]),
    "deeply nested": lambda client: base64.b64encode(b"[" * 3000).decode(),
    "too long": lambda client: solve(client) + "A" * 5000,
}


@pytest.mark.parametrize("name", WRONG_ANSWERS)
def test_anything_but_a_real_answer_is_refused_and_nothing_stored(checked_app, name):
    client = checked_app.test_client()
    r = client.post("/api/contact", data={**CONTACT, "altcha": WRONG_ANSWERS[name](client)}, headers=JSON)
    assert r.status_code == 400 and "did not pass" in r.json["errors"]["altcha"]
    assert submissions(checked_app) == {}


@pytest.mark.parametrize("value", [12345, ["a"], {"challenge": {}}, None, True])
def test_an_answer_that_is_not_text_is_refused(checked_app, value):
    r = checked_app.test_client().post("/api/contact", json={**CONTACT, "altcha": value}, headers=JSON)
    assert r.status_code == 400 and "altcha" in r.json["errors"]
    assert submissions(checked_app) == {}


def test_an_expired_challenge_is_refused_with_its_own_message(checked_app):
    challenge_secret, key_secret = Altcha._secrets(SECRET)
    challenge = altcha.create_challenge(
        "PBKDF2/SHA-256",
        100,
        counter=10,
        expires_at=int(time.time()) - 1,
        hmac_secret=challenge_secret,
        hmac_key_secret=key_secret,
    )
    answer = altcha.Payload(challenge, altcha.solve_challenge(challenge)).to_base64()
    r = checked_app.test_client().post("/api/subscribe", data={**SUBSCRIBE, "altcha": answer}, headers=JSON)
    assert r.status_code == 400 and "has expired" in r.json["errors"]["altcha"]


def test_bots_caught_by_the_honeypot_are_still_answered_like_people(checked_app):
    r = checked_app.test_client().post("/api/contact", data={**CONTACT, "website": "http://spam.example"}, headers=JSON)
    assert r.status_code == 200 and submissions(checked_app) == {("contact", "spam"): 1}


def test_challenges_are_new_each_time_never_cached_and_count_against_the_rate_limit(sqlite_config):
    app = create_app({**sqlite_config, "FORMS_CAPTCHA": "altcha", "FORMS_RATE_LIMIT": "3/minute", "TESTING": True})
    client = app.test_client()
    answers = [client.get("/api/challenge", headers=JSON) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert answers[0].headers["Cache-Control"] == "no-store"
    assert answers[0].json["signature"] != answers[1].json["signature"]
    parameters = answers[0].json["parameters"]
    assert parameters["algorithm"] == "PBKDF2/SHA-256" and parameters["expiresAt"] > time.time() + 3000


def test_a_challenge_from_before_a_key_rotation_still_counts(tmp_path):
    store = SqliteStore(tmp_path / "forms.sqlite3")
    before = Altcha(SigningKeys(["old-key-0123456789"]), store, 50, PHONE)
    challenge = altcha.Challenge.from_dict(before.challenge())
    answer = altcha.Payload(challenge, altcha.solve_challenge(challenge)).to_base64()
    assert Altcha(SigningKeys(["new-key-0123456789"]), store, 50, PHONE).check(answer) is not None
    assert Altcha(SigningKeys(["old-key-0123456789", "new-key-0123456789"]), store, 50, PHONE).check(answer) is None


def test_a_copy_that_has_not_seen_a_rotation_reads_the_keys_again(tmp_path):
    """Another Lambda copy handed out the challenge with the new key; this one still knows only the old."""
    store = SqliteStore(tmp_path / "forms.sqlite3")
    rotated = ["old-key-0123456789", "new-key-0123456789"]
    challenge = altcha.Challenge.from_dict(Altcha(SigningKeys(rotated), store, 50, PHONE).challenge())
    answer = altcha.Payload(challenge, altcha.solve_challenge(challenge)).to_base64()
    behind = SigningKeys(["old-key-0123456789"], load=lambda: rotated, clock=itertools.count(0, 600).__next__)
    assert Altcha(behind, store, 50, PHONE).check(answer) is None and behind.keys == rotated


def test_each_key_is_used_once_until_it_expires(any_store):
    later = int(time.time()) + 3600
    assert any_store.use_once("altcha#a", later) is True
    assert any_store.use_once("altcha#a", later) is False
    assert any_store.use_once("altcha#b", later) is True


def test_used_challenges_are_dropped_once_expired(tmp_path):
    store = SqliteStore(tmp_path / "forms.sqlite3")
    store.use_once("altcha#old", int(time.time()) - 10)
    store.use_once("altcha#new", int(time.time()) + 3600)
    assert [row["key"] for row in sqlite_rows(store, "SELECT key FROM used_once")] == ["altcha#new"]

"""Subscribe with double opt-in: confirmation email -> link -> confirmed -> unsubscribe, on both backends."""

import time

import pytest
from bs4 import BeautifulSoup
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from forms_lambda import create_app
from forms_lambda.tokens import CONFIRM_SALT
from tests.support.forms import JSON, SECRET, html_body, link, text_body


def test_full_subscription_flow(backend):
    app, sent = backend
    client = app.test_client()
    store = app.extensions["forms_lambda"].store

    r = client.post(
        "/api/subscribe", data={"email": "Reader@Example.COM", "page": "/blog/ketamine/", "website": ""}, headers=JSON
    )
    assert r.status_code == 200 and r.json["ok"] is True
    subscriber = store.get_subscriber("reader@example.com")
    assert subscriber.status == "pending"
    assert subscriber.opt_in_page == "/blog/ketamine/" and subscriber.opt_in_at

    [msg] = sent()
    assert msg["To"] == "reader@example.com"
    assert msg["From"] == "Vitalitas Clinic <no-reply@clinic.example>"
    assert msg["Subject"].startswith("Please confirm your subscription")
    assert msg["Message-ID"] and msg["Date"]
    confirm = link(msg, "/api/subscribe/confirm")
    unsubscribe = link(msg, "/api/unsubscribe")
    assert "reader" not in confirm.lower() and "example.com" not in confirm.lower()
    assert confirm.split("token=")[1] in html_body(msg)

    for method in ("GET", "HEAD"):  # a browser, a mail scanner or a link preview following the link
        r = client.open(confirm, method=method)
        assert r.status_code == 200 and store.get_subscriber("reader@example.com").status == "pending"
    page = BeautifulSoup(client.get(confirm).data, "html.parser")
    assert page.form["method"] == "post" and page.form["action"] == confirm
    assert page.form.button.get_text() == "Yes, subscribe me"
    r = client.post(confirm)  # the button
    assert r.status_code == 303 and r.headers["Location"] == "/subscribed/"
    confirmed = store.get_subscriber("reader@example.com")
    assert confirmed.status == "confirmed"
    assert confirmed.confirmed_at and confirmed.confirm_page == "/api/subscribe/confirm"
    assert confirmed.opt_in_page == "/blog/ketamine/"

    r = client.post(confirm, headers=JSON)  # confirming twice is harmless
    assert r.status_code == 200 and r.json == {
        "ok": True,
        "message": "You've been subscribed! Watch your inbox for updates!",
    }
    assert store.get_subscriber("reader@example.com").confirmed_at == confirmed.confirmed_at
    r = client.get(confirm)  # the link, once confirmed, goes straight to the page that says so
    assert r.status_code == 303 and r.headers["Location"] == "/subscribed/"

    for method in ("GET", "HEAD"):  # a page with a button: link scanners must not unsubscribe anyone
        r = client.open(unsubscribe, method=method)
        assert r.status_code == 200 and store.get_subscriber("reader@example.com").status == "confirmed"
    r = client.post(unsubscribe)  # the button
    assert r.status_code == 303 and r.headers["Location"] == "/unsubscribed/"
    gone = store.get_subscriber("reader@example.com")
    assert gone.status == "unsubscribed" and gone.unsubscribed_at

    for method in ("GET", "POST"):  # an old confirmation link cannot undo an unsubscribe
        r = client.open(confirm, method=method, headers=JSON)
        assert r.status_code == 400 and set(r.json["errors"]) == {"token"}
    assert store.get_subscriber("reader@example.com").status == "unsubscribed"
    assert [s.status for s in store.list_subscribers()] == ["unsubscribed"]


def test_confirmation_email_over_real_smtp(smtp_server, config):
    app = create_app({**config, "FORMS_MAILER": smtp_server.url})
    r = app.test_client().post("/api/subscribe", data={"email": "reader@example.com", "page": "/"})
    assert r.status_code == 303 and r.headers["Location"] == "/subscribe/check-your-inbox/"
    [msg] = smtp_server.messages
    assert smtp_server.handler.envelopes[0].rcpt_tos == ["reader@example.com"]
    assert msg["From"] == "Vitalitas Clinic <no-reply@clinic.example>"
    assert msg["Subject"] == "Please confirm your subscription"
    assert msg["Message-ID"].endswith("@clinic.example>") and msg["Date"]
    assert "https://clinic.example/api/subscribe/confirm?token=" in text_body(msg)
    assert "https://clinic.example/api/unsubscribe?token=" in text_body(msg)


def test_answer_is_the_same_for_known_and_unknown_addresses(client, store, maildir):
    answers = []
    for _ in range(2):
        r = client.post("/api/subscribe", data={"email": "reader@example.com"}, headers=JSON)
        answers.append((r.status_code, r.json))
    store.change_subscriber(store.get_subscriber("reader@example.com").id, {"pending"}, {"status": "confirmed"})
    r = client.post("/api/subscribe", data={"email": "reader@example.com"}, headers=JSON)
    answers.append((r.status_code, r.json))
    assert answers[0] == answers[1] == answers[2]
    assert len(maildir()) == 2  # a confirmed subscriber gets no new confirmation request
    assert len(store.list_subscribers()) == 1


def test_unsubscribed_address_can_subscribe_again(client, store, maildir):
    client.post("/api/subscribe", data={"email": "reader@example.com"}, headers=JSON)
    client.post(link(maildir()[0], "/api/unsubscribe"))
    assert store.get_subscriber("reader@example.com").status == "unsubscribed"
    client.post("/api/subscribe", data={"email": "reader@example.com", "page": "/about/"}, headers=JSON)
    again = store.get_subscriber("reader@example.com")
    assert again.status == "pending" and again.opt_in_page == "/about/"
    # The first opt-in's link is no good for the second: its owner did not ask again (a stranger may have).
    r = client.post(link(maildir()[0], "/api/subscribe/confirm"), headers=JSON)
    assert r.status_code == 400 and "no longer valid" in r.json["errors"]["token"]
    assert store.get_subscriber("reader@example.com").status == "pending"
    r = client.post(link(maildir()[1], "/api/subscribe/confirm"), headers=JSON)
    assert r.status_code == 200
    assert store.get_subscriber("reader@example.com").status == "confirmed"


def test_expired_confirmation_link_is_refused(config, maildir):
    app = create_app({**config, "FORMS_CONFIRM_MAX_AGE": "60"})
    client = app.test_client()
    client.post("/api/subscribe", data={"email": "reader@example.com"}, headers=JSON)
    store = app.extensions["forms_lambda"].store
    subscriber = store.get_subscriber("reader@example.com")

    # A token signed two minutes ago, made the way the service makes them.
    class TwoMinutesAgo(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - 120

    old = URLSafeTimedSerializer(SECRET, salt=CONFIRM_SALT, signer=TwoMinutesAgo)
    for method in ("GET", "POST"):
        r = client.open(
            f"/api/subscribe/confirm?token={old.dumps([subscriber.id, subscriber.opt_in_id])}",
            method=method,
            headers=JSON,
        )
        assert r.status_code == 400 and "expired" in r.json["errors"]["token"]
    assert store.get_subscriber("reader@example.com").status == "pending"


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c"])
def test_bad_tokens_are_400_never_500(client, token):
    for path in ("/api/subscribe/confirm", "/api/unsubscribe"):
        for method in ("GET", "HEAD", "POST"):
            r = client.open(f"{path}?token={token}", method=method, headers=JSON)
            assert r.status_code == 400
            if method != "HEAD":
                assert r.json["ok"] is False and "token" in r.json["errors"]


def test_confirmation_and_unsubscribe_tokens_are_not_interchangeable(client, store, maildir):
    client.post("/api/subscribe", data={"email": "reader@example.com"}, headers=JSON)
    msg = maildir()[0]
    confirm_token = link(msg, "/api/subscribe/confirm").split("token=")[1]
    unsubscribe_token = link(msg, "/api/unsubscribe").split("token=")[1]
    assert confirm_token != unsubscribe_token
    for method in ("GET", "POST"):
        assert client.open(f"/api/unsubscribe?token={confirm_token}", method=method, headers=JSON).status_code == 400
        assert (
            client.open(f"/api/subscribe/confirm?token={unsubscribe_token}", method=method, headers=JSON).status_code
            == 400
        )
    assert store.get_subscriber("reader@example.com").status == "pending"


def test_one_click_unsubscribe_post(client, store, maildir):
    client.post("/api/subscribe", data={"email": "reader@example.com"}, headers=JSON)
    url = link(maildir()[0], "/api/unsubscribe")
    # RFC 8058: the mail provider POSTs List-Unsubscribe=One-Click to the link
    r = client.post(url, data={"List-Unsubscribe": "One-Click"}, headers=JSON)
    assert r.status_code == 200 and r.json["ok"] is True
    assert store.get_subscriber("reader@example.com").status == "unsubscribed"


def test_single_opt_in_confirms_at_once(config, maildir):
    app = create_app({**config, "FORMS_DOUBLE_OPT_IN": "0"})
    r = app.test_client().post("/api/subscribe", data={"email": "reader@example.com", "page": "/blog/x/"})
    assert r.status_code == 303 and r.headers["Location"] == "/subscribed/"
    subscriber = app.extensions["forms_lambda"].store.get_subscriber("reader@example.com")
    assert subscriber.status == "confirmed" and subscriber.confirm_page == "/blog/x/"
    assert [m["Subject"].startswith("Welcome") for m in maildir()] == [True]  # no confirmation, a welcome


def test_confirmation_is_retried_when_the_mailer_was_down(smtp_server, config):
    down = create_app({**config, "FORMS_MAILER": "smtp://127.0.0.1:9"})
    r = down.test_client().post("/api/subscribe", data={"email": "reader@example.com"}, headers=JSON)
    assert r.status_code == 200
    up = create_app({**config, "FORMS_MAILER": smtp_server.url})
    services = up.extensions["forms_lambda"]
    [pending] = services.store.list_submissions("pending")
    assert pending.kind == "subscribe" and pending.attempts == 1
    assert services.deliver(pending.id)
    [msg] = smtp_server.messages
    assert msg["To"] == "reader@example.com"

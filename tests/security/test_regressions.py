"""Issue 18's "already right" list, kept right: each case the review found handled well, as a test."""

import time

import pytest
from bs4 import BeautifulSoup
from itsdangerous import URLSafeTimedSerializer

from forms_lambda.tokens import CONFIRM_SALT, UNSUBSCRIBE_SALT
from tests.support.forms import CONTACT, JSON, SECRET, sqlite_fault, sqlite_rows, stored


@pytest.mark.parametrize(
    "char",
    ["\r", "\n", "\r\n", "\x0b", "\x0c", "\x00", "\x1b", "\x7f"],
    ids=["CR", "LF", "CRLF", "VT", "FF", "NUL", "ESC", "DEL"],
)
def test_control_characters_in_the_name_are_400(make_app, maildir, char):
    app = make_app()
    r = app.test_client().post("/api/contact", data={**CONTACT, "name": f"Ann{char}Bcc: x@example.org"}, headers=JSON)
    assert r.status_code == 400 and "name" in r.json["errors"]
    assert stored(app) == {} and maildir() == []


ORIGINS = [
    "null",
    "https://evil.example",
    "https://clinic.example.evil.example",
    "https://clinic.example@evil.example",
    "https://evil.example@clinic.example.evil.example",
    "https://clinic.example:8443",
    "http://clinic.example",
    "https://clinic.example.",
    "file://",
    "file:///etc/passwd",
    "https://clinic.example, https://evil.example",
    "https://evil.example https://clinic.example",
]


@pytest.mark.parametrize("origin", ORIGINS)
def test_foreign_origins_are_403_and_not_counted_by_the_limiter(make_app, maildir, origin):
    app = make_app(FORMS_RATE_LIMIT="1/hour")
    client = app.test_client()
    for _ in range(3):
        r = client.post("/api/contact", data=CONTACT, headers={**JSON, "Origin": origin})
        assert r.status_code == 403
    # The visitor's own post from the site still gets through: the refusals used none of its limit.
    assert (
        client.post("/api/contact", data=CONTACT, headers={**JSON, "Origin": "https://clinic.example"}).status_code
        == 200
    )
    assert stored(app) == {("contact", "delivered"): 1}


def test_two_origin_headers_are_403(make_app):
    client = make_app().test_client()
    r = client.post(
        "/api/contact",
        data=CONTACT,
        headers=[
            ("Accept", "application/json"),
            ("Origin", "https://evil.example"),
            ("Origin", "https://clinic.example"),
        ],
    )
    assert r.status_code == 403


def signed(salt, payload, at=None, key=SECRET):
    serializer = URLSafeTimedSerializer(key, salt=salt)
    if at is not None:
        signer = serializer.make_signer(salt)
        signer.get_timestamp = lambda: int(at)
        return signer.sign(serializer.dump_payload(payload)).decode()
    return serializer.dumps(payload)


def test_tokens_with_another_salt_or_from_the_future_are_400(make_app):
    app = make_app()
    client = app.test_client()
    client.post("/api/subscribe", data={"email": "ann@example.com", "page": "/"}, headers=JSON)
    services = app.extensions["forms_lambda"]
    subscriber = services.store.get_subscriber("ann@example.com")
    ids = [subscriber.id, subscriber.opt_in_id]
    confirm_tokens = {
        "another salt": signed("forms-lambda.something-else", ids),
        "the unsubscribe salt": signed(UNSUBSCRIBE_SALT, ids),
        "signed a day in the future": signed(CONFIRM_SALT, ids, at=time.time() + 86400),
        "signed with another key": signed(CONFIRM_SALT, ids, key="another-key-0123456789abcdef"),
    }
    for name, token in confirm_tokens.items():
        for method in ("GET", "POST"):
            r = client.open("/api/subscribe/confirm", method=method, query_string={"token": token}, headers=JSON)
            assert (name, r.status_code) == (name, 400)
    unsubscribe_tokens = {
        "another salt": signed("forms-lambda.something-else", subscriber.id),
        "the confirm salt": signed(CONFIRM_SALT, subscriber.id),
    }
    for name, token in unsubscribe_tokens.items():
        r = client.post("/api/unsubscribe", query_string={"token": token}, headers=JSON)
        assert (name, r.status_code) == (name, 400)
    assert services.store.get_subscriber("ann@example.com").status == "pending"


# A full disk: no page can be added (a 4,000-character message needs new ones); a read-only file: no write at all.
@pytest.mark.parametrize(
    "fault, path", [("disk full", "/api/contact"), ("read-only", "/api/contact"), ("read-only", "/api/subscribe")]
)
def test_a_store_that_cannot_write_is_503_with_nothing_claimed(make_app, maildir, monkeypatch, fault, path):
    app = make_app()
    store = app.extensions["forms_lambda"].store
    pages = sqlite_rows(store, "PRAGMA page_count")[0][0]
    sqlite_fault(
        monkeypatch, store, f"PRAGMA max_page_count = {pages}" if fault == "disk full" else "PRAGMA query_only = ON"
    )
    data = {**CONTACT, "message": "m" * 4000} if path == "/api/contact" else {"email": "ann@example.com"}
    for headers in (JSON, {"Accept": "text/html"}):
        r = app.test_client().post(path, data=data, headers=headers)
        assert r.status_code == 503
        text = r.get_data(as_text=True)
        assert "Thank you" not in text and "check your inbox" not in text.lower() and "Traceback" not in text
    assert stored(app) == {} and maildir() == []


@pytest.mark.parametrize(
    "markup",
    ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>", "javascript:alert(1)"],
)
def test_markup_is_text_on_the_services_pages(make_app, markup):
    app = make_app()
    client = app.test_client()
    pages = [
        client.post("/api/contact", data={**CONTACT, "email": markup, "page": markup}, headers={"Accept": "text/html"}),
        client.get("/api/unsubscribe", query_string={"token": markup}, headers={"Accept": "text/html"}),
        client.post("/api/subscribe/confirm", query_string={"token": markup}, headers={"Accept": "text/html"}),
    ]
    for r in pages:
        assert r.status_code == 400
        html = BeautifulSoup(r.data, "html.parser")
        assert not html.find_all(["script", "img", "svg"]) and not any(
            a.startswith("on") for tag in html.find_all(True) for a in tag.attrs
        )
        assert all(not a["href"].startswith("javascript") for a in html.find_all("a"))

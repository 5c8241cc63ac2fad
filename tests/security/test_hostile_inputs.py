"""What the internet sends, case by case: the status each gets, and what was (not) stored or sent."""

import time

import pytest
from bs4 import BeautifulSoup
from itsdangerous import URLSafeTimedSerializer

from forms_lambda.tokens import CONFIRM_SALT, Tokens
from tests.support.forms import CONTACT, FROZEN_TIME, JSON, SECRET, html_body, stored, text_body

DELIVERED = {("contact", "delivered"): 1}
SPAM = {("contact", "spam"): 1}
NOTHING = {}


def reply_to(msg):
    return msg["Reply-To"].addresses[0].addr_spec


def no_markup(msg):
    html = BeautifulSoup(html_body(msg), "lxml")
    return not html.find_all(["script", "img", "iframe", "svg"]) and not any(
        a.startswith("on") for tag in html.find_all(True) for a in tag.attrs
    )


def only_our_headers(msg):
    return msg["Bcc"] is None and msg["Cc"] is None and msg.get_all("To") == ["frontdesk@clinic.example"]


# id, fields changed in the valid post, status, stored, check on the sent email (None: nothing sent)
FIELD_CASES = [
    ("valid post", {}, 200, DELIVERED, only_our_headers),
    # Header injection: a line break anywhere that reaches a header is refused or dropped.
    ("CRLF + Bcc in name", {"name": "Ann\r\nBcc: victim@example.org"}, 400, NOTHING, None),
    ("LF + Bcc in name", {"name": "Ann\nBcc: victim@example.org"}, 400, NOTHING, None),
    ("CRLF + Bcc in email", {"email": "ann@example.com\r\nBcc: victim@example.org"}, 400, NOTHING, None),
    ("second address in email", {"email": "ann@example.com, victim@example.org"}, 400, NOTHING, None),
    ("CRLF + Bcc in phone", {"phone": "303-555-0123\r\nBcc: victim@example.org"}, 400, NOTHING, None),
    (
        "CRLF + Bcc in page",
        {"page": "/contact/\r\nBcc: victim@example.org"},
        200,
        DELIVERED,
        lambda m: only_our_headers(m) and "victim" not in text_body(m),
    ),
    ("header in message", {"message": "Hi\r\nBcc: victim@example.org\r\n\r\nbody"}, 200, DELIVERED, only_our_headers),
    # HTML and script in every field: text in the email, never markup.
    (
        "script in name",
        {"name": "<script>alert(1)</script>"},
        200,
        DELIVERED,
        lambda m: no_markup(m) and "<script>alert(1)</script>" in text_body(m),
    ),
    (
        "script in message",
        {"message": "<img src=x onerror=alert(1)><script>alert(2)</script>"},
        200,
        DELIVERED,
        lambda m: no_markup(m) and "onerror=alert(1)" in text_body(m),
    ),
    ("svg in message", {"message": "<svg onload=alert(1)>"}, 200, DELIVERED, no_markup),
    ("script in page", {"page": "/<script>alert(1)</script>"}, 200, DELIVERED, no_markup),
    ("javascript: page", {"page": "javascript:alert(1)"}, 200, DELIVERED, lambda m: "javascript:" not in html_body(m)),
    ("script in email", {"email": "<script>@example.com"}, 400, NOTHING, None),
    ("script in phone", {"phone": "<script>alert(1)</script>"}, 400, NOTHING, None),
    ("script in honeypot", {"website": "<script>alert(1)</script>"}, 200, SPAM, None),
    # Sizes: every field is bounded.
    ("name of 101 chars", {"name": "A" * 101}, 400, NOTHING, None),
    ("email of 255 chars", {"email": "a" * 243 + "@example.com"}, 400, NOTHING, None),
    ("phone of 33 chars", {"phone": "3" * 33}, 400, NOTHING, None),
    ("message of 5001 chars", {"message": "m" * 5001}, 400, NOTHING, None),
    ("message of 5000 chars", {"message": "m" * 5000}, 200, DELIVERED, None),
    ("page of 301 chars", {"page": "/" + "p" * 300}, 400, NOTHING, None),
    # Control characters.
    ("NUL in name", {"name": "Ann\x00Patient"}, 400, NOTHING, None),
    ("NUL in email", {"email": "ann\x00@example.com"}, 400, NOTHING, None),
    ("NUL in message", {"message": "hello\x00world"}, 400, NOTHING, None),
    ("NUL in phone", {"phone": "303\x00555\x000123"}, 400, NOTHING, None),
    ("escape sequence in name", {"name": "Ann\x1b[31mRed"}, 400, NOTHING, None),
    ("bidi override in name", {"name": "Ann\u202eevil"}, 200, DELIVERED, None),
    # Emails: one normal form, ASCII before the @, look-alike domains shown as what they are.
    ("mixed-case email", {"email": "Ann@ExAmple.COM"}, 200, DELIVERED, lambda m: reply_to(m) == "Ann@example.com"),
    (
        "full-width email",
        {"email": "ａｎｎ@ｅｘａｍｐｌｅ.com"},
        200,
        DELIVERED,
        lambda m: reply_to(m) == "ann@example.com",
    ),
    ("Cyrillic look-alike before @", {"email": "p\u0430tient@example.com"}, 400, NOTHING, None),
    (
        "Cyrillic look-alike domain",
        {"email": "ann@ex\u0430mple.com"},
        200,
        DELIVERED,
        lambda m: reply_to(m).startswith("ann@xn--"),
    ),
    (
        "decomposed accent in domain",
        {"email": "ann@exa\u0301mple.com"},
        200,
        DELIVERED,
        lambda m: reply_to(m) == "ann@xn--exmple-qta.com",
    ),
    ("email without domain dot", {"email": "ann@localhost"}, 400, NOTHING, None),
    ("quoted local part with spaces", {"email": '"ann patient"@example.com'}, 400, NOTHING, None),
    # Spam signals: answered like success, kept out of the inbox.
    ("honeypot filled", {"website": "https://spam.example"}, 200, SPAM, None),
    ("sent 1 s after page load", {"elapsed_ms": "1000"}, 200, SPAM, None),
    ("sent at once", {"elapsed_ms": "0"}, 200, SPAM, None),
    ("sent 10 s after page load", {"elapsed_ms": "10000"}, 200, DELIVERED, None),
    ("elapsed not a number", {"elapsed_ms": "yesterday"}, 200, DELIVERED, None),
    ("elapsed negative", {"elapsed_ms": "-5000"}, 200, DELIVERED, None),
    ("elapsed in other digits", {"elapsed_ms": "\u0661\u0662"}, 200, DELIVERED, None),
    ("elapsed over a day", {"elapsed_ms": "999999999999"}, 200, DELIVERED, None),
    ("elapsed too long a field", {"elapsed_ms": "1" * 17}, 400, NOTHING, None),
    # An old page's wall clock (an hour ahead or behind) is never read.
    ("old page, clock an hour ahead", {"started": "NOW+3600000"}, 200, DELIVERED, None),
    ("old page, clock an hour behind", {"started": "NOW-3600000"}, 200, DELIVERED, None),
]


@pytest.mark.parametrize("case, fields, status, expected, check", FIELD_CASES, ids=[c[0] for c in FIELD_CASES])
def test_hostile_fields(make_app, maildir, case, fields, status, expected, check):
    app = make_app()
    now = int(time.time() * 1000)
    if fields.get("started", "").startswith("NOW"):
        fields = {**fields, "started": str(now + int(fields["started"][3:]))}
    r = app.test_client().post("/api/contact", data={**CONTACT, **fields}, headers=JSON)
    assert r.status_code == status, r.get_data(as_text=True)
    assert (r.json["ok"] is True) == (status == 200)
    if status == 400:
        assert set(r.json["errors"]) <= {"name", "email", "phone", "message", "page", "elapsed_ms"}
    assert stored(app) == expected
    sent = maildir()
    assert len(sent) == (1 if expected == DELIVERED else 0)
    if check:
        assert check(sent[0])


# id, how the request is made, status, what must be true of the answer
REQUEST_CASES = [
    ("GET on a form", dict(method="GET"), 405, lambda r: "POST" in r.headers["Allow"]),
    ("PUT on a form", dict(method="PUT", data=CONTACT), 405, None),
    ("DELETE on a form", dict(method="DELETE"), 405, None),
    ("plain text body", dict(data="name=Ann", content_type="text/plain"), 415, None),
    ("XML body", dict(data="<contact/>", content_type="application/xml"), 415, None),
    ("body over the limit", dict(data={**CONTACT, "message": "m" * 70_000}), 413, None),
    (
        "body over the limit, multipart",
        dict(data={**CONTACT, "message": "m" * 70_000}, content_type="multipart/form-data"),
        413,
        None,
    ),
    ("JSON over the limit", dict(json={**CONTACT, "message": "m" * 70_000}), 413, None),
    ("JSON array", dict(json=[CONTACT]), 400, None),
    (
        "JSON with an object as name",
        dict(json={**CONTACT, "name": {"first": "Ann"}}),
        400,
        lambda r: "name" in r.json["errors"],
    ),
    (
        "JSON with a list as email",
        dict(json={**CONTACT, "email": ["a@example.com", "b@example.com"]}),
        400,
        lambda r: "email" in r.json["errors"],
    ),
    ("broken JSON", dict(data=b'{"name": "Ann', content_type="application/json"), 400, None),
    (
        "lone surrogate in JSON name",
        dict(
            data=b'{"name": "A\\ud800B", "email": "ann@example.com", "message": "hi"}', content_type="application/json"
        ),
        400,
        lambda r: "name" in r.json["errors"],
    ),
    (
        "lone surrogate in JSON message",
        dict(
            data=b'{"name": "Ann", "email": "ann@example.com", "message": "\\udfff"}', content_type="application/json"
        ),
        400,
        lambda r: "message" in r.json["errors"],
    ),
    (
        "invalid UTF-8, raw bytes",
        dict(
            data=b"name=Ann&email=ann%40example.com&message=\xff\xfe\xfd",
            content_type="application/x-www-form-urlencoded",
        ),
        400,
        lambda r: "message" in r.json["errors"],
    ),
    (
        "invalid UTF-8 in JSON",
        dict(data=b'{"name": "\xff\xfe", "email": "ann@example.com"}', content_type="application/json"),
        400,
        None,
    ),
    (
        "thousands of multipart fields",
        dict(data={f"f{i}": "x" for i in range(5000)}, content_type="multipart/form-data"),
        413,
        None,
    ),
    (
        "thousands of urlencoded fields",
        dict(data="&".join(f"f{i}=x" for i in range(5000)), content_type="application/x-www-form-urlencoded"),
        400,
        None,
    ),
    (
        "a file instead of a message",
        dict(
            data={
                **{k: v for k, v in CONTACT.items() if k != "message"},
                "message": (__import__("io").BytesIO(b"hi"), "m.txt"),
            },
            content_type="multipart/form-data",
        ),
        400,
        lambda r: "message" in r.json["errors"],
    ),
]


CONTACT_ONLY = ("a file", "JSON with", "invalid UTF-8, ", "lone surrogate")  # fields subscribe does not have
REQUESTS = [
    (path, *case)
    for path in ("/api/contact", "/api/subscribe")
    for case in REQUEST_CASES
    if path == "/api/contact" or not case[0].startswith(CONTACT_ONLY)
]


@pytest.mark.parametrize("path, case, request_args, status, check", REQUESTS, ids=[f"{r[0]} {r[1]}" for r in REQUESTS])
def test_hostile_requests(make_app, maildir, path, case, request_args, status, check):
    app = make_app()
    args = {"method": "POST", **request_args}
    r = app.test_client().open(path, headers=JSON, **args)
    assert r.status_code == status
    assert r.is_json and r.json["ok"] is False
    assert "Traceback" not in r.get_data(as_text=True)
    if check:
        assert check(r)
    assert stored(app) == {} and maildir() == []


def test_html_clients_get_a_page_not_a_trace(make_app):
    client = make_app().test_client()
    for r in (
        client.get("/api/contact", headers={"Accept": "text/html"}),
        client.post("/api/contact", data="x", content_type="text/plain", headers={"Accept": "text/html"}),
        client.post("/api/contact", data={**CONTACT, "name": "A\r\nB"}, headers={"Accept": "text/html"}),
    ):
        assert r.status_code in (400, 405, 415) and r.mimetype == "text/html"
        page = BeautifulSoup(r.data, "lxml")
        assert page.h1 and "Traceback" not in page.get_text()


# Origins: only the site itself (or a configured origin) may post the forms from a browser.
ORIGIN_CASES = [
    ("no Origin, no Referer (not a browser)", {}, 200),
    ("the site's own origin", {"Origin": "https://clinic.example"}, 200),
    ("the host the request was sent to", {"Origin": "http://localhost"}, 200),
    ("a configured extra origin", {"Origin": "https://www.clinic.example"}, 200),
    ("a foreign origin", {"Origin": "https://evil.example"}, 403),
    ("http instead of https", {"Origin": "http://clinic.example"}, 403),
    ("look-alike suffix", {"Origin": "https://clinic.example.evil.example"}, 403),
    ("other port", {"Origin": "https://clinic.example:8443"}, 403),
    ("null (sandboxed frame)", {"Origin": "null"}, 403),
    ("foreign Referer without Origin", {"Referer": "https://evil.example/page"}, 403),
    ("own Referer without Origin", {"Referer": "https://clinic.example/contact/"}, 200),
    ("foreign Origin, own Referer", {"Origin": "https://evil.example", "Referer": "https://clinic.example/"}, 403),
]


@pytest.mark.parametrize("case, headers, status", ORIGIN_CASES, ids=[c[0] for c in ORIGIN_CASES])
@pytest.mark.parametrize("path", ["/api/contact", "/api/subscribe"])
def test_origins(make_app, maildir, path, case, headers, status):
    app = make_app(FORMS_ALLOWED_ORIGINS="https://www.clinic.example")
    data = CONTACT if path == "/api/contact" else {"email": "ann@example.com", "page": "/"}
    r = app.test_client().post(path, data=data, headers={**JSON, **headers})
    assert r.status_code == status
    assert "Origin" in r.headers.get("Vary", "")
    if status == 403:
        assert r.json["ok"] is False and stored(app) == {} and maildir() == []
        assert "Access-Control-Allow-Origin" not in r.headers
    else:
        assert len(maildir()) == 1
    if headers.get("Origin") == "https://www.clinic.example":
        assert r.headers["Access-Control-Allow-Origin"] == "https://www.clinic.example"


def test_preflight(make_app):
    client = make_app(FORMS_ALLOWED_ORIGINS="https://www.clinic.example").test_client()
    ok = client.options(
        "/api/contact",
        headers={
            "Origin": "https://www.clinic.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert ok.status_code == 204
    assert ok.headers["Access-Control-Allow-Origin"] == "https://www.clinic.example"
    assert ok.headers["Access-Control-Allow-Methods"] == "POST"
    assert "content-type" in ok.headers["Access-Control-Allow-Headers"].lower()
    foreign = client.options(
        "/api/contact", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert foreign.status_code == 403 and "Access-Control-Allow-Origin" not in foreign.headers
    wrong_method = client.options(
        "/api/contact", headers={"Origin": "https://www.clinic.example", "Access-Control-Request-Method": "DELETE"}
    )
    assert wrong_method.status_code == 403
    plain = client.options("/api/contact")
    assert plain.status_code == 200 and "POST" in plain.headers["Allow"]


def test_token_routes_take_posts_from_mail_providers(make_app):
    """RFC 8058 one-click unsubscribe comes from the mailbox provider's servers, any Origin."""
    app = make_app()
    client = app.test_client()
    client.post("/api/subscribe", data={"email": "ann@example.com", "page": "/"}, headers=JSON)
    subscriber = app.extensions["forms_lambda"].store.get_subscriber("ann@example.com")
    token = app.extensions["forms_lambda"].tokens.unsubscribe_token(subscriber.id)
    r = client.post(
        f"/api/unsubscribe?token={token}",
        data={"List-Unsubscribe": "One-Click"},
        headers={**JSON, "Origin": "https://mail.example"},
    )
    assert r.status_code == 200
    assert app.extensions["forms_lambda"].store.get_subscriber("ann@example.com").status == "unsubscribed"


# Tokens: tampered, foreign, expired, or made for another purpose: 400, and nothing changes.
def forged_tokens(services, subscriber_id, opt_in_id=""):
    good = services.tokens.confirm_token(subscriber_id, opt_in_id)
    other_key = Tokens("another-secret-key-0123456789", 3600)
    now = time.time()
    old = URLSafeTimedSerializer(SECRET, salt=CONFIRM_SALT)
    old_signer = old.make_signer(CONFIRM_SALT)
    old_signer.get_timestamp = lambda: int(now - 8 * 24 * 3600)
    expired = old_signer.sign(old.dump_payload([subscriber_id, opt_in_id])).decode()
    return {
        "empty": "",
        "garbage": "not-a-token",
        "tampered signature": good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        "tampered payload": "x" + good,
        "signed with another key": other_key.confirm_token(subscriber_id, opt_in_id),
        "unsubscribe token": services.tokens.unsubscribe_token(subscriber_id),
        "expired": expired,
        "NUL inside": good[:5] + "\x00" + good[5:],
        "10 kB": "a" * 10_000,
        "unknown subscriber": services.tokens.confirm_token("0" * 32, opt_in_id),
        "another opt-in": services.tokens.confirm_token(subscriber_id, "0" * 32),
        "subscriber id alone": URLSafeTimedSerializer(SECRET, salt=CONFIRM_SALT).dumps(subscriber_id),
    }


def test_forged_confirm_tokens_are_refused(make_app):
    app = make_app()
    client = app.test_client()
    client.post("/api/subscribe", data={"email": "ann@example.com", "page": "/"}, headers=JSON)
    services = app.extensions["forms_lambda"]
    subscriber = services.store.get_subscriber("ann@example.com")
    for name, token in forged_tokens(services, subscriber.id, subscriber.opt_in_id).items():
        for method in ("GET", "POST"):
            r = client.open("/api/subscribe/confirm", method=method, query_string={"token": token}, headers=JSON)
            assert (name, method, r.status_code) == (name, method, 400)
            assert "token" in r.json["errors"]
        assert services.store.get_subscriber("ann@example.com").status == "pending", name


def test_forged_unsubscribe_tokens_are_refused(make_app):
    app = make_app(FORMS_DOUBLE_OPT_IN="0")
    client = app.test_client()
    client.post("/api/subscribe", data={"email": "ann@example.com", "page": "/"}, headers=JSON)
    services = app.extensions["forms_lambda"]
    subscriber = services.store.get_subscriber("ann@example.com")
    tokens = forged_tokens(services, subscriber.id, subscriber.opt_in_id)
    tokens["confirm token"] = services.tokens.confirm_token(subscriber.id, subscriber.opt_in_id)
    del (
        tokens["unsubscribe token"],
        tokens["expired"],
        tokens["unknown subscriber"],
        tokens["another opt-in"],
        tokens["subscriber id alone"],
    )
    for name, token in tokens.items():
        for method in ("GET", "POST"):
            r = client.open("/api/unsubscribe", method=method, query_string={"token": token}, headers=JSON)
            assert (name, method, r.status_code) == (name, method, 400)
    assert services.store.get_subscriber("ann@example.com").status == "confirmed"


# Subscribe: one address is one subscriber, however it is written.
def test_one_subscriber_however_the_address_is_written(make_app, maildir):
    app = make_app()
    client = app.test_client()
    for address in ("Ann@Example.com", "ann@EXAMPLE.COM", "ａｎｎ@example.com", " ann@example.com "):
        r = client.post("/api/subscribe", data={"email": address, "page": "/"}, headers=JSON)
        assert r.status_code == 200
    subscribers = app.extensions["forms_lambda"].store.list_subscribers()
    assert [s.email for s in subscribers] == ["ann@example.com"]


@pytest.mark.parametrize(
    "email, status, subscribers",
    [
        ("p\u0430tient@example.com", 400, []),
        ("ann@ex\u0430mple.com", 200, ["ann@xn--exmple-4nf.com"]),
        ("ann@example.com\r\nBcc: victim@example.org", 400, []),
    ],
)
def test_subscribe_addresses(make_app, maildir, email, status, subscribers):
    app = make_app()
    r = app.test_client().post("/api/subscribe", data={"email": email, "page": "/"}, headers=JSON)
    assert r.status_code == status
    assert [s.email for s in app.extensions["forms_lambda"].store.list_subscribers()] == subscribers
    assert [m["To"] for m in maildir()] == subscribers


def test_subscribe_honeypot_keeps_no_address_and_sends_nothing(make_app, maildir):
    app = make_app()
    r = app.test_client().post(
        "/api/subscribe", data={"email": "victim@example.org", "page": "/", "website": "x"}, headers=JSON
    )
    assert r.status_code == 200 and r.json["ok"] is True
    assert stored(app) == {("subscribe", "spam"): 1}
    assert "victim" not in str(app.extensions["forms_lambda"].store.list_submissions("spam")[0].payload)
    assert app.extensions["forms_lambda"].store.list_subscribers() == [] and maildir() == []


# Floods: per address and route, across the app's store.
def test_flood_from_one_address_gets_429_with_retry_after(make_app, maildir):
    app = make_app(FORMS_RATE_LIMIT="3/minute")
    client = app.test_client()
    answers = [client.post("/api/contact", data=CONTACT, headers=JSON) for _ in range(5)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429, 429]
    assert int(answers[3].headers["Retry-After"]) == 20  # one more every 20 s
    assert answers[3].json["ok"] is False
    assert stored(app) == {("contact", "delivered"): 3} and len(maildir()) == 3
    # Another route and another address are counted apart.
    assert client.post("/api/subscribe", data={"email": "ann@example.com"}, headers=JSON).status_code == 200
    other = client.post("/api/contact", data=CONTACT, headers=JSON, environ_base={"REMOTE_ADDR": "198.51.100.2"})
    assert other.status_code == 200
    app.extensions["forms_lambda"].clock = lambda: FROZEN_TIME + 20  # the bucket has room for one more
    assert [client.post("/api/contact", data=CONTACT, headers=JSON).status_code for _ in range(2)] == [200, 429]


def test_flood_cannot_hide_behind_forged_forwarded_for(make_app):
    client = make_app(FORMS_RATE_LIMIT="2/minute").test_client()
    codes = [
        client.post("/api/contact", data=CONTACT, headers={**JSON, "X-Forwarded-For": f"203.0.113.{i}"}).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 429, 429]


def test_behind_one_trusted_proxy_each_visitor_has_their_own_limit(make_app):
    client = make_app(FORMS_RATE_LIMIT="2/minute", FORMS_TRUSTED_PROXIES="1").test_client()

    def post(forwarded):
        return client.post(
            "/api/contact",
            data=CONTACT,
            headers={**JSON, "X-Forwarded-For": forwarded},
            environ_base={"REMOTE_ADDR": "10.0.0.1"},
        ).status_code

    # Visitor 203.0.113.7 forges entries to the left of what the proxy appended: no help.
    assert [post(f"1.1.1.{i}, 203.0.113.7") for i in range(3)] == [200, 200, 429]
    assert post("203.0.113.8") == 200


def test_subscribe_form_cannot_flood_a_strangers_inbox(make_app, maildir):
    """Posts from many addresses for one victim: three confirmations a day, the same answer to all."""
    app = make_app(FORMS_RATE_LIMIT="2/hour")
    client = app.test_client()
    answers = [
        client.post(
            "/api/subscribe",
            data={"email": "victim@example.org", "page": "/"},
            headers=JSON,
            environ_base={"REMOTE_ADDR": f"198.51.100.{i}"},
        )
        for i in range(10)
    ]
    assert {(r.status_code, r.json["ok"]) for r in answers} == {(200, True)}
    assert [m["To"] for m in maildir()] == ["victim@example.org"] * 3
    assert app.extensions["forms_lambda"].store.get_subscriber("victim@example.org").status == "pending"

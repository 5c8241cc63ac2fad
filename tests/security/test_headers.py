"""Security headers: the exact set docs/http.md promises, on static files and on every kind of API answer."""

import pytest
from werkzeug.test import Client

from forms_lambda.headers import SECURITY_HEADERS
from forms_lambda.local import create_local_app
from tests.support.forms import CONTACT, JSON

# Fixed in forms_lambda/headers.py (docs/http.md); the CDN is configured with the same values.
EXPECTED = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def test_the_set_is_the_briefs():
    assert SECURITY_HEADERS == EXPECTED
    csp = SECURITY_HEADERS["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "*" not in csp and "\n" not in csp


@pytest.fixture
def local(make_app, tmp_path):
    site = tmp_path / "site"
    (site / "theme" / "js").mkdir(parents=True)
    (site / "index.html").write_text("<!doctype html><title>Home</title><h1>Home</h1>")
    (site / "theme" / "js" / "forms.0123abcd.js").write_text("document.title;")
    app = make_app(FORMS_RATE_LIMIT="3/hour")
    return Client(create_local_app(site_dir=str(site), api=app))


def answers(local):
    yield "static page", 200, local.get("/")
    yield "static script", 200, local.get("/theme/js/forms.0123abcd.js")
    yield "static 404", 404, local.get("/no-such-page/")
    yield "health", 200, local.get("/api/health")
    yield "accepted post", 200, local.post("/api/contact", data=CONTACT, headers=JSON)
    for _ in range(2):
        local.post("/api/contact", data=CONTACT, headers=JSON)
    yield "rate limited", 429, local.post("/api/contact", data=CONTACT, headers=JSON)
    yield "invalid post", 400, local.post("/api/subscribe", data={"email": "nope"}, headers=JSON)
    yield "wrong method", 405, local.get("/api/subscribe")
    yield "wrong type", 415, local.post("/api/subscribe", data="x", content_type="text/plain", headers=JSON)
    yield "too large", 413, local.post("/api/subscribe", data={"email": "a" * 70_000}, headers=JSON)
    yield (
        "foreign origin",
        403,
        local.post(
            "/api/subscribe", data={"email": "ann@example.com"}, headers={**JSON, "Origin": "https://evil.example"}
        ),
    )
    yield "forged token", 400, local.get("/api/subscribe/confirm?token=forged", headers=JSON)
    yield "unknown api route", 404, local.get("/api/nope", headers=JSON)


def test_every_answer_carries_the_headers_once(local):
    seen = []
    for case, status, r in answers(local):
        assert r.status_code == status, case
        for name, value in EXPECTED.items():
            assert r.headers.get_all(name) == [value], (case, name)
        seen.append(case)
    assert len(seen) == 13

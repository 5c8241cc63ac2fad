"""The HTTP contract's edges: field errors, wrong type, too large, wrong method; never a 500."""

import pytest
from bs4 import BeautifulSoup

from forms_lambda.headers import SECURITY_HEADERS
from tests.support.forms import JSON

GOOD = {"name": "Ann", "email": "ann@example.com", "message": "Hello"}


def test_field_errors_as_json(client):
    r = client.post(
        "/api/contact",
        data={"name": "Ann\r\nBcc: victim@example.com", "email": "not-an-email", "message": "", "phone": "12"},
        headers=JSON,
    )
    assert r.status_code == 400
    assert r.json["ok"] is False
    assert set(r.json["errors"]) == {"name", "email", "message", "phone"}


def test_field_errors_as_an_accessible_page(client):
    r = client.post(
        "/api/contact",
        data={"email": "ann@", "page": "/contact/"},
        headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
    )
    assert r.status_code == 400 and r.mimetype == "text/html"
    page = BeautifulSoup(r.data, "lxml")
    assert page.html["lang"] == "en"
    assert page.title.string and page.h1.get_text(strip=True) == "Please check the form"
    items = [li.get_text(" ", strip=True) for li in page.select("main ul li")]
    assert any(i.startswith("Name:") for i in items) and any(i.startswith("Email:") for i in items)
    assert any(i.startswith("Message:") for i in items)
    assert page.find("a", href="/contact/")
    assert not page.find("script") and not page.find("style") and not page.select("[style]")


def test_every_limit_is_enforced(client):
    long = {"name": "A" * 101, "email": "a" * 250 + "@x.example", "phone": "1" * 33, "message": "m" * 5001}
    r = client.post("/api/contact", data=long, headers=JSON)
    assert r.status_code == 400 and set(r.json["errors"]) == {"name", "email", "phone", "message"}


def test_foreign_back_link_is_not_offered(client):
    r = client.post("/api/contact", data={"page": "//evil.example/"}, headers={"Accept": "text/html"})
    assert BeautifulSoup(r.data, "lxml").select_one("main p:last-child a")["href"] == "/"


def test_too_large_is_413(client):
    r = client.post("/api/contact", data={**GOOD, "message": "x" * 70_000}, headers=JSON)
    assert r.status_code == 413 and r.json["ok"] is False


def test_unsupported_type_is_415(client):
    r = client.post("/api/contact", data="name=Ann", content_type="text/plain", headers=JSON)
    assert r.status_code == 415 and r.json["ok"] is False


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '"text"', "null"])
def test_bad_json_is_400(client, body):
    r = client.post("/api/contact", data=body, content_type="application/json")
    assert r.status_code == 400 and r.json["ok"] is False and set(r.json["errors"]) == {"body"}


def test_json_values_that_are_not_text_are_field_errors(client):
    r = client.post("/api/contact", json={**GOOD, "name": ["Ann"], "email": {"a": 1}, "phone": True})
    assert r.status_code == 400 and set(r.json["errors"]) == {"name", "email", "phone"}


def test_wrong_method_is_405_with_allow(client):
    r = client.get("/api/contact", headers=JSON)
    assert r.status_code == 405 and "POST" in r.headers["Allow"] and r.json["ok"] is False
    r = client.delete("/api/unsubscribe")
    assert r.status_code == 405 and r.mimetype == "text/html"
    assert BeautifulSoup(r.data, "lxml").h1.get_text() == "Method Not Allowed"


def test_unknown_api_path_is_404(client):
    r = client.get("/api/nope", headers=JSON)
    assert r.status_code == 404 and r.json["ok"] is False


def test_health_names_the_backends(client):
    r = client.get("/api/health")
    assert r.status_code == 200
    assert r.json == {"ok": True, "store": "sqlite", "mailer": "maildir", "double_opt_in": True}


def test_security_headers_on_every_answer(client):
    for r in (client.get("/api/health"), client.get("/api/nope"), client.post("/api/contact", data={})):
        for name, value in SECURITY_HEADERS.items():
            assert r.headers[name] == value


def test_store_failure_is_503_not_500(config, tmp_path):
    from forms_lambda import create_app

    app = create_app(config)
    (tmp_path / "forms.sqlite3").unlink()
    (tmp_path / "forms.sqlite3").mkdir()  # the database file is gone and cannot be recreated
    r = app.test_client().post("/api/contact", data=GOOD, headers=JSON)
    assert r.status_code == 503 and r.json["ok"] is False
    assert "ann@example.com" not in r.get_data(as_text=True)

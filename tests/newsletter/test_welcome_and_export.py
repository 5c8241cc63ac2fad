"""After confirming, a welcome email with the latest articles; the export carries the consent record."""

import csv
import io
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from forms_lambda import create_app
from tests.support.forms import run_command

ARTICLES = [
    (f"article-{i}", f"Article {i}", f"<p>Summary {i}.</p>", f"2026-0{i}-01T09:00:00-07:00") for i in range(1, 6)
]


@pytest.fixture
def env(tmp_path, smtp_server, monkeypatch, feed_writer):
    values = {
        "FORMS_STORE": f"sqlite:///{tmp_path}/forms.sqlite3",
        "FORMS_MAILER": smtp_server.url,
        "FORMS_SENDER": "Vitalitas <news@clinic.example>",
        "FORMS_SITE_URL": "https://clinic.example",
        "FORMS_SECRET_KEY": "a-test-secret-key-of-some-length",
        "FORMS_CLINIC_ADDRESS": "1 Main Street",
        "FORMS_VAR_DIR": str(tmp_path / "var"),
        "FORMS_DELIVERY": "inline",
    }  # emails sent before the request returns (see tests/forms/conftest.py)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    feed_writer(tmp_path / "output", ARTICLES)
    assert run_command("notify", "--site", tmp_path / "output").exit_code == 0  # first run: knows the articles
    return values


def subscribe_and_confirm(app, smtp_server, address="pat@example.org"):
    client = app.test_client()
    answer = client.post(
        "/api/subscribe",
        data={"email": address, "page": "/blog/article-5/"},
        headers={"Accept": "application/json", "Origin": "https://clinic.example"},
    )
    assert answer.status_code == 200
    confirmation = smtp_server.messages[-1]
    link = BeautifulSoup(confirmation.get_body(("html",)).get_content(), "html.parser").select_one(
        'a[href*="/api/subscribe/confirm?token="]'
    )["href"]
    parts = urlsplit(link)
    path = f"{parts.path}?{parts.query}"
    assert client.get(path).status_code == 200  # the page with the button
    assert client.post(path).status_code == 303  # the button
    return client, path


def test_a_confirmed_subscriber_is_welcomed_with_the_latest_articles(env, smtp_server):
    app = create_app()
    client, confirm_path = subscribe_and_confirm(app, smtp_server)
    assert len(smtp_server.messages) == 2
    welcome = smtp_server.messages[-1]
    assert str(welcome["To"]) == "pat@example.org"
    assert welcome["Subject"].startswith("Welcome")
    assert welcome["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = BeautifulSoup(welcome.get_body(("html",)).get_content(), "html.parser")
    links = [(a.get_text(), a["href"]) for a in html.select("ul a")]
    assert links == [(f"Article {i}", f"https://clinic.example/blog/article-{i}/") for i in (5, 4, 3)]
    assert "1 Main Street" in html.footer.get_text()
    # a second press of the confirmation button does not welcome again
    assert client.post(confirm_path).status_code == 303
    assert len(smtp_server.messages) == 2


def test_the_welcome_email_can_be_turned_off(env, smtp_server, monkeypatch):
    monkeypatch.setenv("FORMS_WELCOME_EMAIL", "0")
    subscribe_and_confirm(create_app(), smtp_server)
    assert ["Please confirm" in str(m["Subject"]) for m in smtp_server.messages] == [True]


def test_export_is_csv_with_the_consent_record(env, smtp_server):
    subscribe_and_confirm(create_app(), smtp_server)
    export = run_command("export")
    assert export.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(export.stdout)))
    assert len(rows) == 1
    row = rows[0]
    assert row["email"] == "pat@example.org" and row["status"] == "confirmed"
    assert row["opt_in_page"] == "/blog/article-5/"
    assert row["opt_in_at"].startswith("20") and row["confirmed_at"] >= row["opt_in_at"]

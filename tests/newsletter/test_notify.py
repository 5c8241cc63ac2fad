"""`python -m forms_lambda notify`: new articles reach each confirmed subscriber exactly once (real SMTP server)."""

import email
import email.policy
import os
import signal
import sqlite3
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from forms_lambda import create_app
from forms_lambda.stores import Subscriber
from tests.support.email_headers import LIST_HEADERS, header_names
from tests.support.forms import run_command

ARCHIVE = [("ketamine-for-chronic-pain", "Ketamine for Chronic Pain", "<p>Old news.</p>", "2026-01-15T10:00:00-07:00")]
NEW = (
    "what-to-expect",
    "What to Expect at Your First Infusion",
    "<p>A calm room &amp; a nurse.</p>",
    "2026-11-20T09:00:00-07:00",
)
SITE_URL = "https://clinic.example"


@pytest.fixture
def env(tmp_path, smtp_server, monkeypatch):
    values = {
        "FORMS_STORE": f"sqlite:///{tmp_path}/forms.sqlite3",
        "FORMS_MAILER": smtp_server.url,
        "FORMS_SENDER": "Vitalitas <news@clinic.example>",
        "FORMS_SITE_URL": SITE_URL,
        "FORMS_SECRET_KEY": "a-test-secret-key-of-some-length",
        "FORMS_CLINIC_ADDRESS": "1 Main Street;Denver, CO 80202",
        "FORMS_SEND_RATE": "1000",
        "FORMS_SEND_CONCURRENCY": "4",
        "FORMS_VAR_DIR": str(tmp_path / "var"),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def site(tmp_path, feed_writer):
    site = tmp_path / "output"
    feed_writer(site, ARCHIVE)
    return site


@pytest.fixture
def app(env):
    return create_app({"TESTING": True})


def add(store, address, status):
    return store.add_subscriber(
        Subscriber(
            email=address,
            status=status,
            opt_in_at="2026-01-01T00:00:00+00:00",
            opt_in_page="/blog/ketamine-for-chronic-pain/",
            confirmed_at="" if status == "pending" else "2026-01-01T00:01:00+00:00",
        )
    )


def subscribers(app, confirmed=3):
    store = app.extensions["forms_lambda"].store
    people = {f"reader{i}@example.org": "confirmed" for i in range(confirmed)}
    people.update(
        {"waiting@example.org": "pending", "gone@example.org": "unsubscribed", "bounced@example.org": "suppressed"}
    )
    for address, status in people.items():
        add(store, address, status)
    return sorted(a for a, s in people.items() if s == "confirmed")


def notify(site, *options):
    result = run_command("notify", "--site", site, *options)
    return result.exit_code, result


def recipients(smtp_server):
    return sorted(str(m["To"]) for m in smtp_server.messages)


def test_first_run_records_the_archive_then_each_new_article_goes_once_to_each_confirmed_subscriber(
    app, site, smtp_server, feed_writer
):
    confirmed = subscribers(app)
    code, out = notify(site)
    assert code == 0 and "first run: 1 existing article" in out.stdout
    assert smtp_server.messages == []

    feed_writer(site, [*ARCHIVE, NEW])
    code, out = notify(site)
    assert code == 0
    assert recipients(smtp_server) == confirmed
    assert f'"{NEW[1]}": 3 sent' in out.stdout
    assert "3/3 (3 sent, 0 failed)" in out.stderr
    assert not any("@" in line for line in (out.stdout + out.stderr).splitlines())  # no addresses in the output

    message = smtp_server.messages[0]
    assert message["Subject"] == NEW[1]
    assert message["From"] == "Vitalitas <news@clinic.example>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    links = [part.strip(" <>") for part in str(message["List-Unsubscribe"]).split(",")]
    assert links[0].startswith(f"{SITE_URL}/api/unsubscribe?token=") and links[1].startswith("mailto:")
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "A calm room & a nurse." in text and f"{SITE_URL}/blog/what-to-expect/" in text
    assert "1 Main Street\nDenver, CO 80202" in text
    html = BeautifulSoup(message.get_body(("html",)).get_content(), "html.parser")
    assert html.find("a", string="Read the article")["href"] == f"{SITE_URL}/blog/what-to-expect/"
    assert html.find("a", string="Unsubscribe")["href"] == links[0]
    # each recipient has their own unsubscribe link
    assert len({str(m["List-Unsubscribe"]) for m in smtp_server.messages}) == 3

    code, out = notify(site)
    assert code == 0 and "no new articles" in out.stdout
    assert len(smtp_server.messages) == 3


def test_the_unsubscribe_link_of_a_received_email_works(app, site, smtp_server, feed_writer):
    subscribers(app, confirmed=2)
    notify(site)
    feed_writer(site, [*ARCHIVE, NEW])
    notify(site)
    client = app.test_client()
    by_address = {str(m["To"]): m for m in smtp_server.messages}

    # a person: GET shows a page with a button (and unsubscribes nobody), the button's POST does it
    link = str(by_address["reader0@example.org"]["List-Unsubscribe"]).split(",")[0].strip(" <>")
    assert link.startswith(SITE_URL)
    path = link[len(SITE_URL) :]
    page = client.get(path)
    assert page.status_code == 200
    soup = BeautifulSoup(page.data, "html.parser")
    assert soup.h1.get_text() == "Unsubscribe"
    form = soup.find("form")
    assert form["method"] == "post" and form["action"] == path
    assert form.find("button", type="submit").get_text() == "Unsubscribe"
    assert not soup.find_all("script") and not soup.find_all("style") and not soup.select("[style]")
    store = app.extensions["forms_lambda"].store
    assert store.get_subscriber("reader0@example.org").status == "confirmed"
    answer = client.post(form["action"], headers={"Origin": SITE_URL})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/unsubscribed/")
    assert store.get_subscriber("reader0@example.org").status == "unsubscribed"

    # a mail provider: RFC 8058 one-click POST, 200 at once, whatever the content type
    link = str(by_address["reader1@example.org"]["List-Unsubscribe"]).split(",")[0].strip(" <>")
    answer = client.post(
        link[len(SITE_URL) :], data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 200
    assert "unsubscribed" in BeautifulSoup(answer.data, "html.parser").get_text()
    assert store.get_subscriber("reader1@example.org").status == "unsubscribed"

    feed_writer(site, [*ARCHIVE, NEW, ("later", "Later", "<p>Later.</p>", "2026-11-27T09:00:00-07:00")])
    before = len(smtp_server.messages)
    assert notify(site)[0] == 0
    assert len(smtp_server.messages) == before  # nobody is left subscribed


@pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data", "application/octet-stream"])
def test_one_click_post_works_with_any_content_type(app, content_type):
    services = app.extensions["forms_lambda"]
    subscriber = add(services.store, "pat@example.org", "confirmed")
    path = f"/api/unsubscribe?token={services.tokens.unsubscribe_token(subscriber.id)}"
    if content_type == "multipart/form-data":
        answer = app.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
    else:
        answer = app.test_client().post(path, data=b"List-Unsubscribe=One-Click", content_type=content_type)
    assert answer.status_code == 200
    assert services.store.get_subscriber("pat@example.org").status == "unsubscribed"


def test_a_forged_unsubscribe_token_is_refused(app):
    answer = app.test_client().post("/api/unsubscribe?token=forged", data=b"List-Unsubscribe=One-Click")
    assert answer.status_code == 400


def test_a_refused_send_is_retried_by_the_next_run_and_only_that_one(app, site, smtp_server, feed_writer):
    confirmed = subscribers(app)
    notify(site)
    feed_writer(site, [*ARCHIVE, NEW])

    async def refuse_reader1(server, session, envelope, address, options):
        if address == "reader1@example.org":
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp_server.handler.handle_RCPT = refuse_reader1
    code, out = notify(site)
    assert code == 1 and "1 failed" in out.stdout
    assert recipients(smtp_server) == ["reader0@example.org", "reader2@example.org"]

    del smtp_server.handler.handle_RCPT
    code, out = notify(site)
    assert code == 0 and "1 sent, 2 already sent before" in out.stdout
    assert recipients(smtp_server) == confirmed
    assert notify(site)[1].stdout.strip() == "no new articles to announce"


def test_without_an_address_set_the_email_carries_the_one_the_site_shows(
    env, site, feed_writer, smtp_server, monkeypatch
):
    monkeypatch.delenv("FORMS_CLINIC_ADDRESS")
    subscribers(create_app({"TESTING": True}), confirmed=1)
    assert notify(site)[0] == 0
    feed_writer(site, [*ARCHIVE, NEW])
    code, out = notify(site)
    assert code == 0 and "1 sent" in out.stdout
    lines = smtp_server.messages[0].get_body(preferencelist=("plain",)).get_content().splitlines()
    assert lines[lines.index("1000 Example Street, Suite 100") + 1] == "Denver, CO 80202"


def test_a_site_without_a_feed_is_an_error(app, tmp_path):
    code, out = notify(tmp_path / "nowhere")
    assert code == 2 and "all.atom.xml" in out.stderr


def test_a_run_killed_part_way_and_run_again_sends_nobody_anything_twice(env, app, site, smtp_server, feed_writer):
    confirmed = subscribers(app, confirmed=12)
    notify(site)
    feed_writer(site, [*ARCHIVE, NEW])
    command = [sys.executable, "-m", "forms_lambda", "notify", "--site", str(site)]
    environment = {**os.environ, **env, "FORMS_SEND_CONCURRENCY": "1"}
    process = None
    record = smtp_server.handler.handle_DATA

    async def kill_at_the_fifth(server, session, envelope):
        answer = await record(server, session, envelope)
        if len(smtp_server.messages) == 5:
            # The fifth message is in: kill the sender before it hears "250", mid-send for real.
            os.kill(process.pid, signal.SIGKILL)
        return answer

    smtp_server.handler.handle_DATA = kill_at_the_fifth
    process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert len(smtp_server.messages) == 5

    smtp_server.handler.handle_DATA = record
    resumed = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60)
    assert resumed.returncode == 0, resumed.stderr
    assert "1 interrupted" in resumed.stdout
    got = recipients(smtp_server)
    assert sorted(set(got)) == confirmed and len(got) == len(confirmed)  # each exactly once
    again = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and len(smtp_server.messages) == len(confirmed)
    assert "1 interrupted" in again.stdout  # reported on every run until someone decides

    # --resend-interrupted leaves a fresh "sending" record alone (it may be another run's, in flight) ...
    code, out = notify_resending(site)
    assert "1 interrupted" in out.stdout and len(smtp_server.messages) == len(confirmed)
    # ... and resends one left by a crash more than 15 minutes ago: at least once, so here a duplicate
    with sqlite3.connect(env["FORMS_STORE"][len("sqlite:///") :]) as db:
        db.execute("UPDATE sends SET claimed_at = '2026-01-01T00:00:00+00:00' WHERE status = 'sending'")
    code, out = notify_resending(site)
    assert code == 0 and "1 sent" in out.stdout and "0 interrupted" in out.stdout
    assert len(smtp_server.messages) == len(confirmed) + 1
    assert notify(site)[1].stdout.strip() == "no new articles to announce"


def notify_resending(site):
    return notify(site, "--resend-interrupted")


def test_a_mailto_unsubscribe_request_is_honoured_with_the_unsubscribe_command(app, site, smtp_server, feed_writer):
    from urllib.parse import parse_qs

    subscribers(app, confirmed=2)
    notify(site)
    feed_writer(site, [*ARCHIVE, NEW])
    notify(site)
    by_address = {str(m["To"]): m for m in smtp_server.messages}
    mailto = str(by_address["reader0@example.org"]["List-Unsubscribe"]).split(",")[1].strip(" <>")
    assert mailto.startswith("mailto:clinic@localhost?")
    subject = parse_qs(urlsplit(mailto).query)["subject"][0]  # what the reader's mail program sends us
    assert subject.startswith("unsubscribe ") and "reader0" not in subject
    answers = [run_command("unsubscribe", who) for who in (subject.split(" ", 1)[1], "Reader1@Example.org")]
    assert [answer.exit_code for answer in answers] == [0, 0]
    assert run_command("unsubscribe", "nobody@example.org").exit_code == 1
    store = app.extensions["forms_lambda"].store
    assert {s.email: s.status for s in store.list_subscribers(status="unsubscribed")}.keys() >= {
        "reader0@example.org",
        "reader1@example.org",
    }
    assert not any("@" in answer.stdout for answer in answers)


def test_encoded_words_in_a_title_or_a_stored_address_never_reach_a_header(app, site, smtp_server, feed_writer):
    """The title goes out as text; an address stored before the form refused "=?" (Python would decode it to
    victim@example.org) fails alone, and the others still get the article."""
    confirmed = subscribers(app, confirmed=2)
    add(app.extensions["forms_lambda"].store, "=?utf-8?b?dmljdGlt?=@example.org", "confirmed")
    notify(site)
    title = "New =?utf-8?q?=0D=0ABcc:_victim@example.org?= article"
    feed_writer(site, [*ARCHIVE, ("new", title, "<p>Text.</p>", "2026-11-20T09:00:00-07:00")])
    code, out = notify(site)
    assert code == 1 and "2 sent" in out.stdout and "1 failed" in out.stdout
    assert recipients(smtp_server) == confirmed
    assert sorted(rcpt for e in smtp_server.handler.envelopes for rcpt in e.rcpt_tos) == confirmed
    for envelope in smtp_server.handler.envelopes:
        assert header_names(envelope.content) == LIST_HEADERS
        assert (
            email.message_from_bytes(envelope.content, policy=email.policy.default)["Subject"]
            == "New = ?utf-8?q?=0D=0ABcc:_victim@example.org?= article"
        )

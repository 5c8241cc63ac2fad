"""POST /api/contact: stored first, then emailed to the clinic's inbox."""

from email.utils import parsedate_to_datetime

import pytest
from bs4 import BeautifulSoup

from forms_lambda import create_app
from forms_lambda.emails import message_id
from tests.support.forms import INBOX, JSON, html_body, text_body

CONTACT = {
    "name": "Ann Patient",
    "email": "ann@example.com",
    "phone": "303-555-0123",
    "message": "I have <b>chronic</b> pain & questions.\nCan I call?",
    "page": "/contact/",
    "website": "",
    "elapsed_ms": "45000",
}


def test_contact_json_is_stored_delivered_and_answered(client, store, maildir):
    r = client.post("/api/contact", data=CONTACT, headers=JSON)
    assert r.status_code == 200
    assert r.json["ok"] is True and "Thank you" in r.json["message"]
    [msg] = maildir()
    assert msg["To"] == INBOX
    assert msg["Reply-To"].addresses[0].addr_spec == "ann@example.com"
    assert msg["Reply-To"].addresses[0].display_name == "Ann Patient"
    assert msg["Subject"] == "Contact request from Ann Patient"
    text = text_body(msg)
    assert "Phone: (303) 555-0123" in text and "https://clinic.example/contact/" in text
    assert "I have <b>chronic</b> pain & questions.\nCan I call?" in text
    html = BeautifulSoup(html_body(msg), "lxml")
    assert html.find("b") is None  # the patient's markup is text, not HTML
    assert "<b>chronic</b>" in html.get_text()
    assert store.list_submissions("pending") == []
    # delivered: the stored submission says so
    assert store.count_submissions() == {("contact", "delivered"): 1}
    assert store.list_submissions("delivered")[0].attempts == 1
    assert msg["Message-ID"].startswith("<") and msg["Message-ID"].endswith("@clinic.example>")


def test_contact_without_js_redirects_to_thanks(client, maildir):
    r = client.post("/api/contact", data=CONTACT, headers={"Accept": "text/html,*/*;q=0.8"})
    assert r.status_code == 303
    assert r.headers["Location"] == "/thanks/"
    assert len(maildir()) == 1


@pytest.mark.parametrize("kind", ["json", "multipart"])
def test_contact_accepts_json_and_multipart_bodies(client, maildir, kind):
    if kind == "json":
        r = client.post("/api/contact", json={**CONTACT, "elapsed_ms": 45000})
    else:
        r = client.post("/api/contact", data=CONTACT, content_type="multipart/form-data", headers=JSON)
    assert r.status_code == 200 and r.json["ok"] is True
    assert maildir()[0]["Subject"] == "Contact request from Ann Patient"


def test_contact_email_over_real_smtp(smtp_server, config):
    app = create_app({**config, "FORMS_MAILER": smtp_server.url})
    r = app.test_client().post("/api/contact", data={**CONTACT, "phone": ""}, headers=JSON)
    assert r.status_code == 200
    [msg] = smtp_server.messages
    assert msg["From"] == "Vitalitas Clinic <no-reply@clinic.example>"
    assert msg["To"] == INBOX
    assert msg["Reply-To"] == "Ann Patient <ann@example.com>"
    assert msg["Subject"] == "Contact request from Ann Patient"
    assert msg["Message-ID"].endswith("@clinic.example>")
    sent = parsedate_to_datetime(msg["Date"])
    assert sent.tzinfo is not None
    assert smtp_server.handler.envelopes[0].rcpt_tos == [INBOX]
    text = text_body(msg)
    assert "Name: Ann Patient" in text and "Email: ann@example.com" in text and "Phone: (not given)" in text
    # the time is the clinic's (America/Denver: MST in winter, MDT in summer)
    assert "Received: " in text and ("MST" in text or "MDT" in text)
    assert "&lt;b&gt;chronic&lt;/b&gt;" in html_body(msg)


def test_failed_delivery_stays_pending_and_retry_delivers(smtp_server, config):
    # A mail server that is down: the visitor still gets success, the submission waits for its next attempt.
    down = create_app({**config, "FORMS_MAILER": "smtp://127.0.0.1:9"})
    r = down.test_client().post("/api/contact", data=CONTACT, headers=JSON)
    assert r.status_code == 200 and r.json["ok"] is True
    store = down.extensions["forms_lambda"].store
    [pending] = store.list_submissions("pending")
    assert pending.attempts == 1 and pending.last_error.startswith("SMTP:")
    assert "ann@example.com" not in pending.last_error
    assert pending.next_attempt_at > pending.created_at  # backed off: not due at once

    up = create_app({**config, "FORMS_MAILER": smtp_server.url})
    services = up.extensions["forms_lambda"]
    assert services.deliver(pending.id) is True
    assert store.list_submissions("pending") == []
    assert store.get_submission(pending.id).status == "delivered"
    assert store.get_submission(pending.id).attempts == 2
    [msg] = smtp_server.messages
    assert msg["Subject"] == "Contact request from Ann Patient"


def test_retried_delivery_keeps_its_message_id_and_is_sent_once(config, maildir, tmp_path):
    (tmp_path / "mail").write_text("a file where the Maildir should be: the first delivery fails")
    app = create_app(config)
    services = app.extensions["forms_lambda"]
    app.test_client().post("/api/contact", data=CONTACT, headers=JSON)
    [submission] = services.store.list_submissions("pending")
    (tmp_path / "mail").unlink()
    assert services.deliver(submission.id) is True
    # A delivered submission is never sent again, however often it is retried.
    assert services.deliver(submission.id) is False
    [msg] = maildir()
    assert msg["Message-ID"] == message_id(f"submission:{submission.id}", "clinic.example")


def test_honeypot_filled_sends_nothing_but_looks_successful(client, maildir):
    r = client.post("/api/contact", data={**CONTACT, "website": "http://spam.example"}, headers=JSON)
    assert r.status_code == 200 and r.json["ok"] is True
    assert maildir() == []


def test_non_ascii_contact_is_sent_7bit_and_reads_back_intact(smtp_server, config):
    app = create_app({**config, "FORMS_MAILER": smtp_server.url})
    r = app.test_client().post(
        "/api/contact",
        headers=JSON,
        data={**CONTACT, "name": "Zoë Müller", "message": "Ça va? Schmerzen seit 3 Jahren — bitte anrufen."},
    )
    assert r.status_code == 200
    [envelope] = smtp_server.handler.envelopes
    assert max(envelope.content) < 128  # nothing 8-bit on the wire
    [msg] = smtp_server.messages
    assert msg["Subject"] == "Contact request from Zoë Müller"
    assert msg["Reply-To"].addresses[0].display_name == "Zoë Müller"
    assert "Ça va? Schmerzen seit 3 Jahren — bitte anrufen." in text_body(msg)

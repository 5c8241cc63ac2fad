"""A contact message in crisis language (forms_lambda/crisis.py) on the server, on both stores and every mailer:
stored urgent, answered with the 988/911 help (/thanks/urgent/ or "urgent": true), emailed as URGENT with a copy
to FORMS_URGENT_INBOX, delivered before everything else that is due, marked for staff."""

import pytest
from bs4 import BeautifulSoup

from forms_lambda import create_app
from forms_lambda.services import ANY_TIME
from forms_lambda.stores import URGENT
from forms_lambda.views import CONTACT_THANKS, URGENT_THANKS
from tests.support.forms import INBOX, JSON, ses_messages, text_body

ONCALL = "oncall@clinic.example"
CONTACT = {
    "name": "Ann Patient",
    "email": "ann@example.com",
    "phone": "303-555-0123",
    "page": "/contact/",
    "message": "I don't see the point anymore.\nSometimes I want to end my life.",
    "elapsed_ms": "46000",
}
NEAR_MISS = {**CONTACT, "message": "Do you take part in suicide prevention research?"}
HTML = {"Accept": "text/html,*/*;q=0.8"}


@pytest.fixture(params=["sqlite+maildir", "dynamodb+ses"])
def urgent_backend(request, sqlite_config, maildir):
    """(app, sent): an app with FORMS_URGENT_INBOX on each pair of real backends, and the emails it sent."""
    if request.param == "sqlite+maildir":
        config, sent = sqlite_config, maildir
    else:
        moto = request.getfixturevalue("moto_server")
        config, sent = request.getfixturevalue("dynamo_config"), lambda: ses_messages(moto)
    return create_app({**config, "FORMS_URGENT_INBOX": ONCALL, "TESTING": True}), sent


def stored(app):
    store = app.extensions["forms_lambda"].store
    return [s for status in ("pending", "delivered", "failed", "spam") for s in store.list_submissions(status)]


def test_an_urgent_message_is_stored_urgent_answered_with_help_and_emailed_as_urgent(urgent_backend):
    app, sent = urgent_backend
    r = app.test_client().post("/api/contact", data=CONTACT, headers=JSON)
    assert r.status_code == 200
    assert r.json == {"ok": True, "message": URGENT_THANKS, "urgent": True}
    [submission] = stored(app)
    assert (submission.status, submission.priority, submission.urgent) == ("delivered", URGENT, True)
    assert submission.payload["message"] == CONTACT["message"]  # stored as sent, nothing added
    assert set(submission.payload) == {"name", "email", "phone", "message", "page"}
    [msg] = sent()
    assert msg["Subject"] == "URGENT: Contact request from Ann Patient"
    assert (msg["Importance"], msg["X-Priority"]) == ("high", "1 (Highest)")
    assert str(msg["To"]) == INBOX and str(msg["Cc"]) == ONCALL
    assert msg["Reply-To"].addresses[0].addr_spec == CONTACT["email"]
    text = text_body(msg)
    assert text.startswith("URGENT: contact request\n\nThis message contains words from the website's crisis")
    assert "988 Suicide & Crisis Lifeline" in text and CONTACT["message"] in text


def test_a_message_without_crisis_language_is_answered_and_emailed_as_before(urgent_backend):
    app, sent = urgent_backend
    r = app.test_client().post("/api/contact", data=NEAR_MISS, headers=JSON)
    assert r.json == {"ok": True, "message": CONTACT_THANKS}
    [submission] = stored(app)
    assert (submission.priority, submission.urgent) == (0, False)
    [msg] = sent()
    assert msg["Subject"] == "Contact request from Ann Patient"
    assert msg["Importance"] is None and msg["X-Priority"] is None and msg["Cc"] is None
    assert "URGENT" not in text_body(msg)


def test_the_copy_goes_to_the_urgent_inbox_over_smtp(smtp_server, config):
    app = create_app({**config, "FORMS_MAILER": smtp_server.url, "FORMS_URGENT_INBOX": ONCALL})
    client = app.test_client()
    assert client.post("/api/contact", data=CONTACT, headers=JSON).json["urgent"] is True
    assert client.post("/api/contact", data=NEAR_MISS, headers=JSON).status_code == 200
    urgent, ordinary = smtp_server.messages
    assert [e.rcpt_tos for e in smtp_server.handler.envelopes] == [[INBOX, ONCALL], [INBOX]]
    assert urgent["Subject"].startswith("URGENT: ") and urgent["Cc"] == ONCALL
    assert not ordinary["Subject"].startswith("URGENT") and ordinary["Cc"] is None


def test_without_an_urgent_inbox_only_the_clinic_gets_it(client, maildir):
    assert client.post("/api/contact", data=CONTACT, headers=JSON).json["urgent"] is True
    [msg] = maildir()
    assert msg["Subject"].startswith("URGENT: ") and msg["Importance"] == "high"
    assert msg["Cc"] is None and str(msg["To"]) == INBOX


@pytest.mark.parametrize(
    "message",
    [
        "I want to kill myself",
        "i cant go on",
        "Self-harm again last night",
        "I took an OVERDOSE",
        "thinking about\nsuicide",
        "ｋｉｌｌ ｍｙｓｅｌｆ",
        "I read your suicide research and I want to die",
    ],
)
def test_without_javascript_an_urgent_message_lands_on_the_urgent_thanks_page(client, maildir, message):
    r = client.post("/api/contact", data={**CONTACT, "message": message}, headers=HTML)
    assert r.status_code == 303 and r.headers["Location"] == "/thanks/urgent/"
    assert maildir()[0]["Subject"].startswith("URGENT: ")


@pytest.mark.parametrize(
    "message",
    [
        "Do you take part in suicide prevention research?",
        "The pain is killing me",
        "Do you take my insurance?",
    ],
)
def test_without_javascript_a_near_miss_lands_on_the_usual_thanks_page(client, maildir, message):
    r = client.post("/api/contact", data={**CONTACT, "message": message}, headers=HTML)
    assert r.status_code == 303 and r.headers["Location"] == "/thanks/"
    assert not maildir()[0]["Subject"].startswith("URGENT")


def test_a_form_sent_back_for_a_mistake_leads_with_the_help_and_says_nothing_was_sent(client, maildir):
    r = client.post("/api/contact", data={**CONTACT, "email": "ann@example"}, headers=HTML)
    assert r.status_code == 400
    page = BeautifulSoup(r.data, "lxml")
    first = page.main.find("p")
    assert "thinking about suicide" in first.get_text()
    assert {a["href"] for a in first.find_all("a")} == {"tel:988", "sms:988", "tel:911"}
    assert "not been sent yet" in page.main.get_text() and "valid email" in page.main.get_text()
    assert client.post("/api/contact", data={**CONTACT, "email": "ann@example"}, headers=JSON).json["urgent"] is True
    # An ordinary mistake: only the mistake.
    r = client.post("/api/contact", data={**NEAR_MISS, "email": "ann@example"}, headers=HTML)
    assert b"988" not in r.data
    assert "urgent" not in client.post("/api/contact", data={**NEAR_MISS, "email": "ann@example"}, headers=JSON).json
    assert maildir() == []


def test_a_post_held_as_spam_gets_the_same_answer_and_is_kept_urgent_for_review(client, store, maildir):
    r = client.post("/api/contact", data={**CONTACT, "elapsed_ms": "900"}, headers=HTML)  # a very quick typist
    assert r.headers["Location"] == "/thanks/urgent/"
    [held] = store.list_submissions("spam")
    assert held.urgent and maildir() == []


def test_urgent_messages_are_delivered_first_and_marked_for_staff(staff):
    run, relay, services = staff
    relay.stop()  # the relay is down while three ordinary messages and then an urgent one arrive
    ordinary = [services.accept("contact", {**CONTACT, "message": f"Question {n}"}) for n in range(3)]
    urgent = services.accept("contact", CONTACT, URGENT)
    assert [services.store.get_submission(s.id).status for s in (*ordinary, urgent)] == ["pending"] * 4
    relay.start()
    assert services.deliver_due(limit=1, now=ANY_TIME) == (1, 1)  # the urgent one, though it came last
    [first] = relay.messages
    assert first["Subject"] == "URGENT: Contact request from Ann Patient"
    assert services.deliver_due(now=ANY_TIME) == (3, 3)
    # Staff lists show which failed or held message is urgent.
    relay.stop()
    failed = services.accept("contact", CONTACT, URGENT)
    services.deliver_due(now=ANY_TIME)  # FORMS_MAX_ATTEMPTS is 2 here: now it is failed
    code, out = run("failed")
    assert f"{failed.id}  contact    {failed.created_at}  URGENT  2 attempts" in out
    code, out = run("status")
    assert code == 1 and f"{failed.id}  contact  {failed.created_at}  URGENT  SMTP" in out
    assert "end my life" not in out + run("failed")[1]

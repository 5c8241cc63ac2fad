"""The service's own logs through a whole visit: JSON lines with ids and outcomes, no personal data."""

import json
import re

from flask import request

from forms_lambda.logs import FIELDS
from forms_lambda.services import ANY_TIME
from forms_lambda.ses_events import handle_sns_event
from tests.support.forms import JSON, link, sqlite_rows, stored

PATIENT = {
    "name": "Rosalind Quintero-Vasquez",
    "email": "Rosalind.Quintero@example.org",
    "phone": "(720) 555-0187",
    "message": "My fibromyalgia flares every winter; is ketamine an option for me?",
    "page": "/contact/",
}
PERSONAL = [
    PATIENT["name"],
    "Quintero",
    "Rosalind",
    PATIENT["email"],
    "rosalind.quintero@example.org",
    "720) 555-0187",
    "7205550187",
    "555-0187",
    "fibromyalgia",
    "ketamine an option",
]


def test_a_full_visit_logs_ids_and_outcomes_only(make_app, smtp_server, capsys):
    app = make_app(FORMS_MAILER=smtp_server.url, FORMS_RATE_LIMIT="5/minute")
    client = app.test_client()
    store = app.extensions["forms_lambda"].store

    assert client.post("/api/contact", data=PATIENT, headers=JSON).status_code == 200
    smtp_server.stop()  # the mail relay goes down: the next submission waits for its next attempt
    assert client.post("/api/contact", data=PATIENT, headers=JSON).status_code == 200
    smtp_server.start()
    assert app.extensions["forms_lambda"].deliver_due(now=ANY_TIME) == (1, 1)
    assert client.post("/api/contact", data={**PATIENT, "website": "x"}, headers=JSON).status_code == 200
    assert client.post("/api/contact", data={**PATIENT, "email": PATIENT["name"]}, headers=JSON).status_code == 400
    assert (
        client.post(
            "/api/contact", data={**PATIENT, "name": PATIENT["name"] + "\r\nBcc: x@example.org"}, headers=JSON
        ).status_code
        == 400
    )
    assert client.post("/api/contact", data=PATIENT, headers=JSON).status_code == 429
    assert (
        client.post("/api/contact", data=PATIENT, headers={**JSON, "Origin": "https://evil.example"}).status_code == 403
    )
    assert (
        client.post("/api/subscribe", data={"email": PATIENT["email"], "page": "/blog/x/"}, headers=JSON).status_code
        == 200
    )
    confirmation = smtp_server.messages[-1]
    assert client.get(link(confirmation, "/api/subscribe/confirm")).status_code == 200
    assert client.post(link(confirmation, "/api/subscribe/confirm")).status_code == 303
    assert client.post(link(confirmation, "/api/unsubscribe"), headers=JSON).status_code == 200
    forms = {k: n for k, n in stored(app).items() if k[0] in ("contact", "subscribe")}  # (others: welcome)
    assert forms == {("contact", "delivered"): 2, ("contact", "spam"): 1, ("subscribe", "delivered"): 1}

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    text = json.dumps(lines).lower()
    for value in PERSONAL:
        assert value.lower() not in text, value
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", text)  # no address of any kind
    events = [line["event"] for line in lines]
    for event in (
        "submission.accepted",
        "delivery.sent",
        "delivery.failed",
        "retry.finished",
        "submission.spam",
        "ratelimit.refused",
        "origin.refused",
        "subscriber.confirmed",
        "subscriber.unsubscribed",
    ):
        assert event in events, event
    ids = {r["id"] for r in sqlite_rows(store, "SELECT id FROM submissions")}
    assert ids == {line["submission_id"] for line in lines if "submission_id" in line}
    failed = next(line for line in lines if line["event"] == "delivery.failed")
    assert failed["error"].startswith("SMTP") and failed["level"] == "warning" and failed["next_attempt_at"]


URGENT_PATIENT = {**PATIENT, "message": "I cannot go on. I keep thinking I want to kill myself."}
CRISIS_WORDS = ["cannot go on", "cant go on", "kill myself", "kill", "myself", "want to"]


def test_an_urgent_message_logs_urgent_with_its_id_never_its_words(make_app, smtp_server, capsys):
    app = make_app(FORMS_MAILER=smtp_server.url, FORMS_URGENT_INBOX="oncall@clinic.example")
    client = app.test_client()
    services = app.extensions["forms_lambda"]
    assert client.post("/api/contact", data=URGENT_PATIENT, headers=JSON).json["urgent"] is True  # delivered
    smtp_server.stop()
    assert client.post("/api/contact", data=URGENT_PATIENT).status_code == 303  # without JS; its attempt fails
    smtp_server.start()
    assert services.deliver_due(now=ANY_TIME) == (1, 1)
    assert client.post("/api/contact", data={**URGENT_PATIENT, "website": "x"}, headers=JSON).json["urgent"]
    assert client.post("/api/contact", data={**URGENT_PATIENT, "email": "x"}, headers=JSON).status_code == 400
    assert client.post("/api/contact", data=PATIENT, headers=JSON).json.get("urgent") is None

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    text = json.dumps(lines).lower()
    for value in CRISIS_WORDS + PERSONAL:
        assert value.lower() not in text, value
    ids = {s.id for status in ("delivered", "spam") for s in services.store.list_submissions(status)}
    urgent = {(line["event"], line["submission_id"]) for line in lines if line.get("urgent") is True}
    ordinary = [line for line in lines if line.get("submission_id") and "urgent" not in line]
    [plain_id] = {line["submission_id"] for line in ordinary}
    events = {event for event, _ in urgent}
    assert events == {"submission.accepted", "delivery.sent", "delivery.failed", "submission.spam"}
    assert {submission_id for _, submission_id in urgent} == ids - {plain_id}


def log_lines(capsys):
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]


def assert_allowed_only(lines):
    """Each line holds the allowed fields (and what every line has), never a personal value."""
    for line in lines:
        assert set(line) <= FIELDS | {"time", "level", "event", "traceback"}, line
    text = json.dumps(lines).lower()
    for value in PERSONAL:
        assert value.lower() not in text, value
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", text)


TOPIC = "arn:aws:sns:us-east-1:123456789012:clinic-ses-events"


def sns_record(topic, message_id, recipient):
    bounce = {"bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": recipient}]}
    message = json.dumps({"notificationType": "Bounce", "bounce": bounce})
    sns = {"Type": "Notification", "TopicArn": topic, "MessageId": message_id, "Message": message}
    return {"EventSource": "aws:sns", "Sns": sns}


def test_ses_events_log_ids_and_counts_only(make_app, capsys):
    app = make_app(FORMS_SNS_TOPIC_ARNS=TOPIC)
    recipient = f"{PATIENT['name']} <{PATIENT['email']}>"
    event = {
        "Records": [
            sns_record(TOPIC, "0f6e4c4a-1111-4e0b-9c1a-5d3e2f1a0b9c", recipient),
            sns_record("arn:aws:sns:us-east-1:666666666666:other", "bad-1", recipient),
        ]
    }
    with app.app_context():
        assert handle_sns_event(event) == {"ok": True, "suppressed": 1, "ignored": 1}
    forged = json.dumps({"Type": "Notification", "Message": PATIENT["email"]})
    assert app.test_client().post("/api/ses-events", data=forged, content_type="text/plain").status_code == 403

    lines = log_lines(capsys)
    assert_allowed_only(lines)
    subscriber = app.extensions["forms_lambda"].store.get_subscriber(PATIENT["email"].lower())
    events = [line["event"] for line in lines if line["event"] != "request"]
    assert events == ["subscriber.suppressed", "ses_events.notification", "ses_events.rejected", "ses_events.rejected"]
    suppressed, notification, ignored, forged_line = (line for line in lines if line["event"] != "request")
    assert suppressed["subscriber_id"] == subscriber.id
    assert notification["sns_message_id"] == "0f6e4c4a-1111-4e0b-9c1a-5d3e2f1a0b9c" and notification["count"] == 1
    assert ignored["level"] == "warning" and ignored["reason"] == "topic not allowed"
    assert forged_line["level"] == "warning" and forged_line["status"] == 403 and forged_line["reason"]


def test_an_unhandled_error_logs_its_type_and_where_never_its_message(make_app, capsys):
    app = make_app()

    def broken_view():  # a defect that quotes what the visitor sent
        raise ValueError(f"cannot handle {request.form['name']} <{request.form['email']}>: {request.form['message']}")

    app.add_url_rule("/api/broken", view_func=broken_view, methods=["POST"])
    r = app.test_client().post("/api/broken", data=PATIENT, headers=JSON)
    assert r.status_code == 500 and r.json["ok"] is False

    lines = log_lines(capsys)
    assert_allowed_only(lines)
    (line,) = [line for line in lines if line["event"] == "request.unhandled"]
    assert line["level"] == "error" and line["error_type"] == "ValueError"
    assert (line["method"], line["path"]) == ("POST", "/api/broken")
    assert "broken_view" in line["traceback"]

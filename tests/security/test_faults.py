"""Nothing accepted is lost: mail outages leave submissions pending, and `retry` delivers each once."""
from urllib.parse import urlencode

import boto3
import pytest

import forms_lambda.handler
from forms_lambda.stores import Submission
from forms_lambda.stores.dynamo import DynamoStore
from forms_lambda.services import ANY_TIME
from tests.forms.support import JSON, new_submissions_event, ses_messages
from tests.forms.test_handler import FORM, http_api_event
from tests.security.conftest import CONTACT


def contact(i):
    return {**CONTACT, "name": f"Patient {i}", "email": f"patient{i}@example.com", "message": f"Message {i}."}


def test_ses_error_then_scheduled_retry_on_lambda(monkeypatch, moto_server, dynamo_config):
    """SES refuses (the sender is not verified yet): the stream's attempt fails, the schedule's retry delivers."""
    ses = boto3.client("sesv2")
    ses.delete_email_identity(EmailIdentity="clinic.example")
    for name, value in dynamo_config.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "clinic-forms")
    monkeypatch.delenv("FORMS_DELIVERY")  # Lambda's own: the stream
    monkeypatch.setenv("FORMS_RETRY_BASE_SECONDS", "0")  # due again at the next schedule, not minutes later
    monkeypatch.setattr(forms_lambda.handler, "_lambda_handler", None)
    for i in range(3):
        event = http_api_event("POST", "/api/contact", urlencode(contact(i)).encode(), FORM)
        assert forms_lambda.handler.handler(event, None)["statusCode"] == 200
    batch = forms_lambda.handler.handler(new_submissions_event("test-forms"), None)
    assert batch == {"batchItemFailures": []}  # failed attempts are recorded, not the stream's to retry
    store = DynamoStore("test-forms")
    pending = store.list_submissions("pending")
    assert len(pending) == 3 and all(p.last_error == "SES: MessageRejected" and p.attempts == 1 for p in pending)
    assert ses_messages(moto_server) == []

    ses.create_email_identity(EmailIdentity="clinic.example")
    answer = forms_lambda.handler.handler({"forms_lambda": "retry"}, None)
    assert (answer["ok"], answer["task"], answer["tried"], answer["delivered"]) == (True, "retry", 3, 3)
    again = forms_lambda.handler.handler({"forms_lambda": "retry"}, None)
    assert (again["tried"], again["delivered"], again["pending"], again["failed"]) == (0, 0, 0, 0)
    sent = ses_messages(moto_server)
    assert sorted(m["Subject"] for m in sent) == [f"Contact request from Patient {i}" for i in range(3)]
    assert store.list_submissions("pending") == []


def test_overlapping_deliveries_send_once(make_app, smtp_server):
    """A visitor's request and a `retry` run that overlap must not both send."""
    app = make_app(FORMS_MAILER=smtp_server.url)
    services = app.extensions["forms_lambda"]
    smtp_server.stop()
    app.test_client().post("/api/contact", data=contact(1), headers=JSON)
    smtp_server.start()
    [submission] = services.store.list_submissions("pending")
    assert services.store.claim_submission(submission.id, 120)  # another process is delivering it
    assert services.deliver_due(now=ANY_TIME) == (0, 0)  # not due while held
    assert services.deliver(submission.id) is False
    assert smtp_server.messages == []


def test_store_down_is_503_not_500_and_nothing_is_sent(make_app, maildir, tmp_path):
    app = make_app(FORMS_STORE=f"sqlite:///{tmp_path}/forms.sqlite3")
    (tmp_path / "forms.sqlite3").unlink()
    (tmp_path / "forms.sqlite3").mkdir()  # the database file is gone and cannot be recreated
    r = app.test_client().post("/api/contact", data=CONTACT, headers=JSON)
    assert r.status_code == 503 and r.json["ok"] is False
    assert maildir() == []


@pytest.mark.parametrize("backend", ["sqlite", "dynamodb"])
def test_claims_make_delivery_exclusive(request, make_app, backend):
    if backend == "sqlite":
        store = make_app().extensions["forms_lambda"].store
    else:
        request.getfixturevalue("moto_server")
        store = DynamoStore("claims")
        store.init()
    submission = Submission(kind="contact", payload={})
    store.add_submission(submission)
    assert store.claim_submission(submission.id, 120) == submission
    assert store.claim_submission(submission.id, 120) is None  # held by the first
    store.mark_failed(submission.id, "SMTP: down", submission.created_at)  # releases it
    assert store.claim_submission(submission.id, 120)
    store.mark_delivered(submission.id)
    assert store.claim_submission(submission.id, 120) is None  # delivered: never again
    assert store.claim_submission("no-such-id", 120) is None


def test_a_bug_in_forwarding_is_that_submissions_attempt_and_logs_no_data(make_app, maildir, capsys):
    app = make_app(FORMS_RETRY_BASE_SECONDS="0")
    services = app.extensions["forms_lambda"]
    broken = Submission(kind="contact", payload={"name": "Secret Name", "page": "/"})  # no email, no message
    services.store.add_submission(broken)
    assert services.deliver_due() == (1, 0)
    [pending] = services.store.list_submissions("pending")
    assert pending.id == broken.id and pending.last_error == "unexpected KeyError" and pending.attempts == 1
    assert maildir() == []
    err = capsys.readouterr().err
    assert '"event": "delivery.error"' in err and "Traceback" not in err and "Secret Name" not in err
    assert services.deliver_due() == (1, 0)  # the lease was released: tried again

"""Nothing accepted is lost: mail outages leave submissions pending, and `retry` delivers each once."""
import boto3
import pytest

import forms_lambda.handler
from forms_lambda import cli
from forms_lambda.emails import message_id
from forms_lambda.stores import Submission
from forms_lambda.stores.dynamo import DynamoStore
from tests.forms.support import JSON, ses_messages
from tests.security.conftest import CONTACT, stored


def contact(i):
    return {**CONTACT, "name": f"Patient {i}", "email": f"patient{i}@example.com", "message": f"Message {i}."}


def test_smtp_outage_mid_stream_then_retry_delivers_each_exactly_once(make_app, smtp_server, sqlite_config,
                                                                    monkeypatch, capsys):
    app = make_app(FORMS_MAILER=smtp_server.url)
    client = app.test_client()
    store = app.extensions["forms_lambda"].store
    answers = []
    for i in range(500):
        if i == 150:
            smtp_server.stop()
        if i == 350:
            smtp_server.start()
        answers.append(client.post("/api/contact", data=contact(i), headers=JSON).status_code)

    # Every visitor was told "thank you"; the 200 posted during the outage wait, with the reason.
    assert answers == [200] * 500
    assert len(smtp_server.messages) == 300
    pending = store.pending_submissions(limit=1000)
    assert len(pending) == 200
    assert all(p.attempts == 1 and "SMTP" in p.last_error for p in pending)
    assert sorted(p.payload["name"] for p in pending) == sorted(f"Patient {i}" for i in range(150, 350))

    # The real `retry` command, configured from the environment like on a server.
    for name, value in {**sqlite_config, "FORMS_MAILER": smtp_server.url}.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["retry"]) == 0
    assert "delivered 200" in capsys.readouterr().out
    assert cli.main(["retry"]) == 0  # nothing left: nothing sent again

    messages = smtp_server.messages
    ids = [m["Message-ID"] for m in messages]
    assert len(messages) == 500 and len(set(ids)) == 500
    assert sorted(m["Subject"] for m in messages) == sorted(f"Contact request from Patient {i}" for i in range(500))
    rows = store._run("SELECT id FROM submissions WHERE status = 'delivered'")
    assert set(ids) == {message_id(f"submission:{r['id']}", "clinic.example") for r in rows}
    assert stored(app) == {("contact", "delivered"): 500}


def test_ses_error_then_scheduled_retry_on_lambda(monkeypatch, moto_server, dynamo_config):
    """SES refuses (the sender is not verified yet): pending; the schedule's retry event delivers."""
    ses = boto3.client("sesv2")
    ses.delete_email_identity(EmailIdentity="clinic.example")
    for name, value in dynamo_config.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(forms_lambda.handler, "_lambda_handler", None)
    app = forms_lambda.create_app()
    for i in range(3):
        assert app.test_client().post("/api/contact", data=contact(i), headers=JSON).status_code == 200
    pending = app.extensions["forms_lambda"].store.pending_submissions()
    assert len(pending) == 3 and all(p.last_error == "SES: MessageRejected" for p in pending)
    assert ses_messages(moto_server) == []

    ses.create_email_identity(EmailIdentity="clinic.example")
    answer = forms_lambda.handler.handler({"forms_lambda": "retry"}, None)
    assert answer == {"ok": True, "task": "retry", "tried": 3, "delivered": 3}
    again = forms_lambda.handler.handler({"forms_lambda": "retry"}, None)
    assert again == {"ok": True, "task": "retry", "tried": 0, "delivered": 0}
    sent = ses_messages(moto_server)
    assert sorted(m["Subject"] for m in sent) == [f"Contact request from Patient {i}" for i in range(3)]
    assert app.extensions["forms_lambda"].store.pending_submissions() == []


def test_overlapping_deliveries_send_once(make_app, smtp_server):
    """A visitor's request and a `retry` run that overlap must not both send."""
    app = make_app(FORMS_MAILER=smtp_server.url)
    services = app.extensions["forms_lambda"]
    smtp_server.stop()
    app.test_client().post("/api/contact", data=contact(1), headers=JSON)
    smtp_server.start()
    [submission] = services.store.pending_submissions()
    assert services.store.claim_submission(submission.id, 120)  # another process is delivering it
    assert services.retry_pending() == (1, 0)
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
    assert store.claim_submission(submission.id, 120) is True
    assert store.claim_submission(submission.id, 120) is False  # held by the first
    store.mark_failed(submission.id, "SMTP: down")  # releases it
    assert store.claim_submission(submission.id, 120) is True
    store.mark_delivered(submission.id)
    assert store.claim_submission(submission.id, 120) is False  # delivered: never again
    assert store.claim_submission("no-such-id", 120) is False


def test_a_bug_in_forwarding_leaves_it_pending_and_logs_no_data(make_app, maildir, capsys):
    app = make_app()
    services = app.extensions["forms_lambda"]
    broken = Submission(kind="contact", payload={"name": "Secret Name", "page": "/"})  # no email, no message
    services.store.add_submission(broken)
    assert services.retry_pending() == (1, 0)
    [pending] = services.store.pending_submissions()
    assert pending.id == broken.id and pending.last_error == "unexpected KeyError" and pending.attempts == 1
    assert maildir() == []
    err = capsys.readouterr().err
    assert '"event": "delivery.error"' in err and "Traceback" not in err and "Secret Name" not in err
    assert services.retry_pending() == (1, 0)  # the lease was released: tried again

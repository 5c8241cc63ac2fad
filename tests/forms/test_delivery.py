"""The delivery engine on both stores: attempts and backoff, `failed` after FORMS_MAX_ATTEMPTS, poison isolated,
fair sweeps, the DynamoDB Streams handler, the local worker thread, and the staff commands (status, failed, spam).

Through gunicorn with real relays (500 posts with an outage and poison, a 7-second relay):
tests/security/test_faults.py.
"""

import json
import time

import pytest

import forms_lambda.handler
from forms_lambda import create_app
from forms_lambda import services as services_module
from forms_lambda.services import ANY_TIME, PENDING_ALERT_SECONDS
from forms_lambda.stores import Submission, Subscriber
from forms_lambda.stores.base import iso_time
from tests.support.forms import JSON, new_submissions_event, ses_messages, stream_event, table_items, wait_until

PATIENT = {
    "name": "Ann Patient",
    "email": "ann@example.com",
    "message": "Please call me back.",
    "page": "/contact/",
    "elapsed_ms": "46000",
}
# An RFC 2047 encoded-word that decodes to a byte no charset maps: the email package cannot write the
# header out (as_bytes() raises UnicodeEncodeError) on the Pythons tried, whatever text follows.
UNWRITABLE_NAMES = ["=?utf-8?q?=FF?= Zoë", "=?utf-8?b?/w==?= Müller", "=?utf-8?q?=FF?=(Ann)"]


def explode(services, submission):
    raise RuntimeError("a bug that only this submission's content triggers")


@pytest.fixture
def exploding_kind(monkeypatch):
    """A submission kind whose email cannot be built: stands for any bug that raises for one submission."""
    monkeypatch.setitem(services_module.EMAIL_BUILDERS, "exploding", explode)
    return "exploding"


@pytest.fixture
def engine(backend):
    """(services, sent): the engine on SQLite + Maildir, then on DynamoDB + SES (moto_server)."""
    app, sent = backend
    return app.extensions["forms_lambda"], sent


def add(services, kind="contact", created_at=None, **payload):
    submission = Submission(
        kind=kind, payload={**PATIENT, **payload}, **({"created_at": created_at} if created_at else {})
    )
    services.store.add_submission(submission)
    return submission


def test_backoff_doubles_from_the_base_up_to_the_cap(config):
    services = create_app({**config, "FORMS_RETRY_BASE_SECONDS": "60", "FORMS_RETRY_MAX_SECONDS": "3600"}).extensions[
        "forms_lambda"
    ]
    assert [services.backoff_seconds(n) for n in range(1, 9)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_poison_fails_after_max_attempts_and_never_blocks_the_others(engine, exploding_kind):
    services, sent = engine
    poison = add(services, exploding_kind)
    genuine = [add(services, name=f"Patient {i}") for i in range(3)]
    for attempt in range(1, 9):
        before = iso_time(time.time())
        assert services.deliver_due(now=ANY_TIME) == ((4, 3) if attempt == 1 else (1, 0))
        stored = services.store.get_submission(poison.id)
        assert stored.attempts == attempt and stored.last_error == "unexpected RuntimeError"
        if attempt < 8:
            assert stored.status == "pending" and stored.next_attempt_at > before  # backed off
    assert stored.status == "failed"
    assert services.deliver_due(now=ANY_TIME) == (0, 0)  # never tried again by itself
    assert sorted(m["Subject"] for m in sent()) == [f"Contact request from Patient {i}" for i in range(3)]
    assert all(services.store.get_submission(g.id).attempts == 1 for g in genuine)


@pytest.mark.parametrize("name", UNWRITABLE_NAMES)
def test_a_name_the_email_package_cannot_write_never_blocks_the_others(config, maildir, name):
    """Thanked and stored like any post; whether this Python can write it out or not, it ends delivered or
    failed, and the post after it is delivered at its first attempt."""
    app = create_app({**config, "FORMS_MAX_ATTEMPTS": "2", "FORMS_RETRY_BASE_SECONDS": "0"})
    client, services = app.test_client(), app.extensions["forms_lambda"]
    assert client.post("/api/contact", data={**PATIENT, "name": name}, headers=JSON).status_code == 200
    assert client.post("/api/contact", data={**PATIENT, "name": "Next Patient"}, headers=JSON).status_code == 200
    services.deliver_due(now=ANY_TIME)
    first, second = sorted(
        services.store.list_submissions("delivered") + services.store.list_submissions("failed"),
        key=lambda s: s.payload["name"] != name,
    )
    assert first.status in ("delivered", "failed") and second.status == "delivered" and second.attempts == 1
    assert "Contact request from Next Patient" in [m["Subject"] for m in maildir()]


def test_a_sweep_takes_what_waited_longest_so_poison_cannot_starve_a_patient(engine, exploding_kind, config):
    """The old retry took the oldest 500 pending every time: 500 older poison posts and a patient behind them was
    never retried. Now each failure sends a submission to the back of the line."""
    services, sent = engine
    services.settings = type(services.settings)(**{**services.settings.__dict__, "retry_base_seconds": 0})
    start = time.time() - 60  # a second apart, the patient last
    for i in range(12):
        add(services, exploding_kind, created_at=iso_time(start + i))
    patient = add(services, name="Patient Behind", created_at=iso_time(start + 12))
    assert services.deliver_due(limit=10) == (10, 0)  # all poison: the patient is 13th in line
    # The two poison never tried, then the patient, then those that just failed (due again at once here).
    assert services.deliver_due(limit=10) == (10, 1)
    assert services.store.get_submission(patient.id).status == "delivered"
    assert [m["Subject"] for m in sent()] == ["Contact request from Patient Behind"]


def test_an_unknown_kind_is_poison_too(engine):
    services, _sent = engine
    stray = add(services, "no-such-kind")
    assert services.deliver(stray.id) is False
    assert services.store.get_submission(stray.id).last_error == "unexpected KeyError"


@pytest.mark.parametrize("history", ["new", "pending", "confirmed", "unsubscribed", "suppressed"])
def test_subscribe_request_does_the_same_work_whatever_the_addresss_past(config, history):
    """The request stores one submission and nothing else, the same for every address; the decision (and any
    email) comes with delivery, after the answer."""
    app = create_app({**config, "FORMS_DELIVERY": "stream"})  # nothing delivered: see what the request did
    store = app.extensions["forms_lambda"].store
    if history != "new":
        store.add_subscriber(Subscriber(email="reader@example.com", status=history))
    before = store.list_subscribers()
    r = app.test_client().post("/api/subscribe", data={"email": "Reader@Example.com", "page": "/blog/x/"}, headers=JSON)
    assert (r.status_code, r.json["ok"]) == (200, True)
    assert store.list_subscribers() == before  # not even looked up in the request
    [submission] = store.list_submissions("pending")
    assert (submission.kind, submission.payload) == ("subscribe", {"email": "reader@example.com", "page": "/blog/x/"})


@pytest.mark.parametrize(
    "history, confirmation",
    [("new", True), ("pending", True), ("unsubscribed", True), ("confirmed", False), ("suppressed", False)],
)
def test_delivery_decides_whom_to_ask_for_confirmation(config, maildir, history, confirmation):
    app = create_app(config)
    store = app.extensions["forms_lambda"].store
    if history != "new":
        store.add_subscriber(Subscriber(email="reader@example.com", status=history))
    app.test_client().post("/api/subscribe", data={"email": "reader@example.com", "page": "/blog/x/"}, headers=JSON)
    assert [m["To"] for m in maildir()] == (["reader@example.com"] if confirmation else [])
    subscriber = store.get_subscriber("reader@example.com")
    assert subscriber.status == ("pending" if confirmation else history)
    assert [s.status for s in store.list_submissions("delivered")] == ["delivered"]


def test_the_confirmation_limit_counts_requests_not_retries(config, maildir, tmp_path):
    (tmp_path / "mail").write_text("not a Maildir: the first attempts fail")
    app = create_app({**config, "FORMS_RETRY_BASE_SECONDS": "0"})
    services = app.extensions["forms_lambda"]
    app.test_client().post("/api/subscribe", data={"email": "reader@example.com"}, headers=JSON)
    for _ in range(4):
        services.deliver_due()
    (tmp_path / "mail").unlink()
    services.deliver_due()
    assert [m["To"] for m in maildir()] == ["reader@example.com"]  # five attempts counted once


# --- On AWS: the DynamoDB stream's batches (records built from the table's real items) -------------------------


@pytest.fixture
def on_lambda(monkeypatch, moto_server, dynamo_config):
    """The environment the template gives the function (stream delivery), on moto_server; returns the handler."""
    for name, value in dynamo_config.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "clinic-forms")
    monkeypatch.delenv("FORMS_DELIVERY")
    monkeypatch.setattr(forms_lambda.handler, "_lambda_handler", None)
    return forms_lambda.handler.handler


def post_through_api_gateway(handler, fields, path="/api/contact"):
    from tests.support.lambda_events import JSON_BODY, http_api_event

    response = handler(http_api_event("POST", path, json.dumps(fields).encode(), JSON_BODY), None)
    assert response["statusCode"] == 200


def test_stream_batch_with_one_poison_record_delivers_the_others(on_lambda, moto_server, exploding_kind):
    for i in range(4):
        post_through_api_gateway(on_lambda, {**PATIENT, "name": f"Patient {i}"})
    store = forms_lambda.handler._app.extensions["forms_lambda"].store
    poison = Submission(kind=exploding_kind, payload={})
    store.add_submission(poison)
    assert ses_messages(moto_server) == []  # the requests only stored them
    event = new_submissions_event("test-forms")
    assert len(event["Records"]) == 5
    assert on_lambda(event, None) == {"batchItemFailures": []}
    assert sorted(m["Subject"] for m in ses_messages(moto_server)) == [
        f"Contact request from Patient {i}" for i in range(4)
    ]
    held = store.get_submission(poison.id)
    assert (held.status, held.attempts, held.last_error) == ("pending", 1, "unexpected RuntimeError")
    # The stream may deliver a batch again (a retry after a timeout): nobody gets a second email.
    assert on_lambda(event, None) == {"batchItemFailures": []}
    assert len(ses_messages(moto_server)) == 4


def test_stream_reports_only_the_records_it_could_not_handle(on_lambda, moto_server):
    post_through_api_gateway(on_lambda, {**PATIENT, "name": "Before"})
    post_through_api_gateway(on_lambda, {**PATIENT, "name": "After"})
    items = sorted(table_items("test-forms-submissions"), key=lambda i: json.loads(i["payload"]["S"])["name"])
    foreign = {"pk": {"S": "subscriber#abc"}, "sk": {"S": "subscriber"}}  # a record of no submission
    event = stream_event("test-forms-submissions", [items[1], foreign, items[0]])
    answer = on_lambda(event, None)
    assert answer == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["dynamodb"]["SequenceNumber"]}]}
    assert sorted(m["Subject"] for m in ses_messages(moto_server)) == [
        "Contact request from After",
        "Contact request from Before",
    ]


def test_stream_ignores_spam_and_updates(on_lambda, moto_server):
    post_through_api_gateway(on_lambda, {**PATIENT, "elapsed_ms": "400"})  # too fast: held as spam
    [spam] = table_items("test-forms-submissions")
    assert spam["status"]["S"] == "spam"
    assert on_lambda(stream_event("test-forms-submissions", [spam]), None) == {"batchItemFailures": []}
    assert on_lambda(stream_event("test-forms-submissions", [spam], "MODIFY"), None) == {"batchItemFailures": []}
    assert ses_messages(moto_server) == []


def test_stream_with_the_store_unreachable_reports_every_record(on_lambda, moto_server, monkeypatch):
    post_through_api_gateway(on_lambda, PATIENT)
    event = new_submissions_event("test-forms")
    monkeypatch.setattr(forms_lambda.handler, "_lambda_handler", None)
    monkeypatch.setenv("FORMS_STORE", "dynamodb://no-such-tables")  # every read and write fails
    answer = on_lambda(event, None)
    assert answer == {
        "batchItemFailures": [{"itemIdentifier": r["dynamodb"]["SequenceNumber"]} for r in event["Records"]]
    }
    assert ses_messages(moto_server) == []


def test_status_task_for_the_alarms(on_lambda, moto_server, capsys):
    post_through_api_gateway(on_lambda, PATIENT)
    answer = on_lambda({"forms_lambda": "status"}, None)
    assert (answer["pending"], answer["failed"], answer["failed_ids"]) == (1, 0, [])
    # The metric filters of deploy/template.yaml read this line.
    line = [json.loads(x) for x in capsys.readouterr().err.splitlines() if '"delivery.status"' in x][-1]
    assert (line["pending"], line["failed"]) == (1, 0) and line["oldest_pending_seconds"] >= 0


# --- Locally: the worker thread of a server process ----------------------------------------------------------


@pytest.fixture
def worker_app(config):
    app = create_app(
        {**config, "FORMS_DELIVERY": "worker", "FORMS_DELIVERY_POLL_SECONDS": "0.1", "FORMS_RETRY_BASE_SECONDS": "0.1"}
    )
    yield app
    app.extensions["forms_lambda"].worker.stop()


def test_worker_delivers_after_the_answer_is_closed(worker_app, maildir):
    client = worker_app.test_client()
    with client.post("/api/contact", data=PATIENT, headers=JSON) as response:
        assert response.status_code == 200
        assert maildir() == []  # handed over once the server has sent (and closed) the answer
    [msg] = wait_until(maildir)
    assert msg["Subject"] == "Contact request from Ann Patient"


def test_worker_goes_on_after_a_poison_and_sweeps_what_is_due(worker_app, maildir, exploding_kind):
    services = worker_app.extensions["forms_lambda"]
    poison = add(services, exploding_kind)
    left_by_another_process = add(services, name="Swept Patient")  # stored, never handed to this worker
    services.worker.start()
    assert wait_until(lambda: services.store.get_submission(left_by_another_process.id).status == "delivered")
    assert wait_until(lambda: services.store.get_submission(poison.id).attempts >= 2)  # retried by the sweep
    with worker_app.test_client().post("/api/contact", data={**PATIENT, "name": "Later Patient"}, headers=JSON):
        pass
    assert sorted(m["Subject"] for m in wait_until(lambda: len(maildir()) == 2 and maildir())) == [
        "Contact request from Later Patient",
        "Contact request from Swept Patient",
    ]


# --- Staff commands, on both stores --------------------------------------------------------------------------


def test_status_is_healthy_then_names_what_failed(staff, exploding_kind):
    run, _relay, services = staff
    code, out = run("status")
    assert code == 0 and "oldest pending: none" in out
    services.accept("contact", PATIENT)
    poison = services.accept(exploding_kind, {})
    services.deliver_due()
    services.deliver_due()
    code, out = run("status")
    assert code == 1
    assert [line.split()[:5] for line in out.splitlines()[1:3]] == [
        ["contact", "0", "1", "0", "0"],
        ["exploding", "0", "0", "1", "0"],
    ]
    assert poison.id in out and "unexpected RuntimeError" in out


def test_status_tells_of_a_submission_pending_over_30_minutes(staff):
    run, _relay, services = staff
    late = iso_time(time.time() - PENDING_ALERT_SECONDS - 60)
    services.store.add_submission(Submission(kind="contact", payload=PATIENT, created_at=late))
    code, out = run("status")
    assert code == 1 and "over 30 minutes" in out and "oldest pending: 31 min" in out


def failed_for_good(services, relay):
    """A contact message whose every attempt (2 here) found the relay down."""
    relay.stop()
    submission = services.accept("contact", PATIENT)  # the first attempt, inline
    services.deliver_due()
    assert services.store.get_submission(submission.id).status == "failed"
    return submission


def test_failed_lists_without_the_message_and_requeue_delivers(staff):
    run, relay, services = staff
    submission = failed_for_good(services, relay)
    code, out = run("failed")
    assert submission.id in out and "2 attempts" in out and "SMTP" in out
    assert "Ann Patient" not in out and "call me" not in out and "ann@example.com" not in out
    code, out = run("failed", "--show")
    assert "name: Ann Patient" in out and "message: Please call me back." in out
    relay.start()
    code, out = run("failed", "--requeue", submission.id)
    assert code == 0 and f"{submission.id}: delivered" in out
    [msg] = relay.messages
    assert msg["Subject"] == "Contact request from Ann Patient"
    assert run("failed", "--requeue", submission.id)[0] == 1  # delivered: nothing to requeue
    assert run("status")[0] == 0


def test_requeue_while_the_relay_is_still_down_leaves_it_pending(staff):
    run, relay, services = staff
    submission = failed_for_good(services, relay)
    code, out = run("failed", "--requeue", submission.id)
    assert code == 1 and "not delivered" in out and "pending" in out
    assert services.store.get_submission(submission.id).status == "pending"


def test_spam_lists_reason_and_time_and_release_delivers(staff, config):
    run, relay, services = staff
    client = create_app().test_client()
    r = client.post("/api/contact", data={**PATIENT, "elapsed_ms": "900"}, headers=JSON)  # a quick typist
    assert r.status_code == 200 and relay.messages == []
    client.post("/api/subscribe", data={"email": "bot@example.com", "website": "x"}, headers=JSON)
    [held_subscription] = [s for s in services.store.list_submissions("spam") if s.kind == "subscribe"]
    [held] = [s for s in services.store.list_submissions("spam") if s.kind == "contact"]
    code, out = run("spam")
    assert f"{held.id}  contact    {held.created_at}  too fast" in out and "honeypot" in out
    assert "Ann Patient" not in out and "Please call me" not in out
    assert "message: Please call me back." in run("spam", "--show")[1]
    code, out = run("spam", "--release", held.id)
    assert code == 0 and "delivered" in out
    [msg] = relay.messages
    assert msg["Subject"] == "Contact request from Ann Patient"
    assert services.store.get_submission(held.id).status == "delivered"
    code, out = run("spam", "--release", held_subscription.id)  # kept without an address
    assert code == 1 and relay.messages == [msg]
    assert run("spam", "--release", "no-such-id")[0] == 1

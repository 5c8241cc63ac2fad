"""One behaviour for both Store backends: SqliteStore and DynamoStore (on moto_server)."""

import pytest

from forms_lambda.stores import Submission, Subscriber
from forms_lambda.stores.dynamo import DynamoStore

NOW = "2026-11-28T12:00:00.000+00:00"


def test_submission_lifecycle(any_store):
    first = Submission(kind="contact", payload={"name": "Ann", "message": "Hi"}, created_at="2026-11-28T10:00:00+00:00")
    second = Submission(kind="subscribe", payload={"email": "a@example.com"}, created_at="2026-11-28T10:00:01+00:00")
    any_store.add_submission(second)
    any_store.add_submission(first)
    assert first.next_attempt_at == first.created_at  # due from the start
    assert [s.id for s in any_store.due_submissions(NOW)] == [first.id, second.id]
    assert any_store.get_submission(first.id) == first

    claimed = any_store.claim_submission(first.id, 120)
    assert claimed == first  # the submission as stored, for the delivery to use
    assert [s.id for s in any_store.due_submissions(NOW)] == [second.id]  # held by the delivery
    any_store.mark_failed(first.id, "SMTP: ConnectionRefusedError", "2026-11-28T12:00:30.000+00:00")
    failed = any_store.get_submission(first.id)
    assert (failed.status, failed.attempts, failed.last_error) == ("pending", 1, "SMTP: ConnectionRefusedError")
    assert failed.next_attempt_at == "2026-11-28T12:00:30.000+00:00"
    assert [s.id for s in any_store.due_submissions(NOW)] == [second.id]  # not due yet
    assert [s.id for s in any_store.due_submissions("2026-11-28T12:00:30.000+00:00")] == [second.id, first.id]

    assert any_store.claim_submission(first.id, 120)
    any_store.mark_delivered(first.id)
    done = any_store.get_submission(first.id)
    assert (done.status, done.attempts, done.last_error) == ("delivered", 2, "")
    assert done.delivered_at
    assert any_store.claim_submission(first.id, 120) is None  # delivered: never again
    assert [s.id for s in any_store.due_submissions(NOW)] == [second.id]
    assert any_store.due_submissions(NOW, limit=0) == []
    assert any_store.get_submission("unknown") is None
    assert any_store.claim_submission("unknown", 120) is None
    assert any_store.count_submissions() == {("contact", "delivered"): 1, ("subscribe", "pending"): 1}


def test_due_submissions_respects_limit(any_store):
    for i in range(3):
        any_store.add_submission(Submission(kind="contact", payload={}, created_at=f"2026-11-28T10:00:0{i}+00:00"))
    assert len(any_store.due_submissions(NOW, limit=2)) == 2


def test_due_order_is_priority_then_longest_due(any_store):
    """A submission pushed back by failures waits behind what became due before it: nothing that keeps
    failing is taken first again and again (the old `oldest pending first` did exactly that)."""
    poison = Submission(kind="contact", payload={}, created_at="2026-11-28T09:00:00+00:00")
    genuine = [Submission(kind="contact", payload={}, created_at=f"2026-11-28T10:00:0{i}+00:00") for i in range(3)]
    urgent = Submission(kind="contact", payload={}, created_at="2026-11-28T11:00:00+00:00", priority=1)
    for submission in (poison, *genuine, urgent):
        any_store.add_submission(submission)
    any_store.claim_submission(poison.id, 120)
    any_store.mark_failed(poison.id, "unexpected UnicodeEncodeError", "2026-11-28T11:30:00.000+00:00")
    assert [s.id for s in any_store.due_submissions(NOW)] == [urgent.id, *(g.id for g in genuine), poison.id]
    assert [s.id for s in any_store.due_submissions(NOW, limit=2)] == [urgent.id, genuine[0].id]


def test_last_failure_makes_it_failed_and_requeue_makes_it_pending(any_store):
    submission = Submission(kind="contact", payload={"name": "Ann"})
    any_store.add_submission(submission)
    any_store.claim_submission(submission.id, 120)
    any_store.mark_failed(submission.id, "SMTP: SMTPDataError 554")  # no next attempt: given up
    failed = any_store.get_submission(submission.id)
    assert (failed.status, failed.attempts, failed.last_error) == ("failed", 1, "SMTP: SMTPDataError 554")
    assert any_store.due_submissions(NOW) == [] and any_store.claim_submission(submission.id, 120) is None
    assert [s.id for s in any_store.list_submissions("failed")] == [submission.id]

    assert any_store.reopen_submission(submission.id, "spam", NOW) is False  # not held as spam
    assert any_store.reopen_submission(submission.id, "failed", NOW) is True
    again = any_store.get_submission(submission.id)
    assert (again.status, again.attempts, again.next_attempt_at) == ("pending", 0, NOW)
    assert again.last_error == "SMTP: SMTPDataError 554"  # what went wrong before stays readable
    assert any_store.reopen_submission(submission.id, "failed", NOW) is False  # only once
    assert any_store.list_submissions("failed") == []


def test_spam_is_released_to_pending(any_store):
    spam = Submission(kind="contact", payload={"name": "Ann", "spam_reason": "too fast"}, status="spam")
    any_store.add_submission(spam)
    assert any_store.due_submissions(NOW) == [] and any_store.claim_submission(spam.id, 120) is None
    assert [s.payload["spam_reason"] for s in any_store.list_submissions("spam")] == ["too fast"]
    assert any_store.reopen_submission(spam.id, "spam", NOW) is True
    assert [s.id for s in any_store.due_submissions(NOW)] == [spam.id]
    assert any_store.count_submissions() == {("contact", "pending"): 1}


def test_an_address_is_known_once(any_store):
    one = any_store.add_subscriber(Subscriber(email="reader@example.com", opt_in_page="/a/", opt_in_at="t1"))
    two = any_store.add_subscriber(Subscriber(email="reader@example.com", opt_in_page="/b/", opt_in_at="t2"))
    assert one.id == two.id and two.opt_in_page == "/a/"
    assert any_store.get_subscriber("reader@example.com") == one
    assert any_store.get_subscriber_by_id(one.id) == one
    assert any_store.get_subscriber("other@example.com") is None
    assert any_store.get_subscriber_by_id("unknown") is None
    assert len(any_store.list_subscribers()) == 1


def test_a_change_is_conditional_and_keeps_the_consent_record(any_store):
    sub = any_store.add_subscriber(
        Subscriber(
            email="reader@example.com", opt_in_page="/blog/x/", opt_in_id="o1", opt_in_at="2026-11-28T10:00:00+00:00"
        )
    )
    confirmed = any_store.change_subscriber(
        sub.id,
        {"pending"},
        {"status": "confirmed", "confirmed_at": "2026-11-28T10:05:00+00:00", "confirm_page": "/api/subscribe/confirm"},
        match={"opt_in_id": "o1"},
    )
    assert confirmed.status == "confirmed" and confirmed.updated_at >= sub.updated_at
    assert (confirmed.opt_in_at, confirmed.opt_in_page) == ("2026-11-28T10:00:00+00:00", "/blog/x/")
    assert (confirmed.confirmed_at, confirmed.confirm_page) == ("2026-11-28T10:05:00+00:00", "/api/subscribe/confirm")
    assert any_store.get_subscriber("reader@example.com") == confirmed
    # Not in a source state, another opt-in, an unknown id: nothing written.
    assert any_store.change_subscriber(sub.id, {"pending"}, {"status": "unsubscribed"}) is None
    assert any_store.change_subscriber(sub.id, {"confirmed"}, {"status": "pending"}, match={"opt_in_id": "o2"}) is None
    assert any_store.change_subscriber("unknown", {"pending", "confirmed"}, {"status": "unsubscribed"}) is None
    assert any_store.get_subscriber("reader@example.com") == confirmed
    with pytest.raises(ValueError):
        any_store.change_subscriber(sub.id, {"confirmed"}, {"email": "other@example.com"})


def test_list_subscribers_by_status(any_store):
    for i, status in enumerate(["pending", "confirmed", "confirmed", "unsubscribed"]):
        any_store.add_subscriber(
            Subscriber(email=f"r{i}@example.com", status=status, created_at=f"2026-11-28T10:00:0{i}+00:00")
        )
    assert [s.email for s in any_store.list_subscribers()] == [f"r{i}@example.com" for i in range(4)]
    assert [s.email for s in any_store.list_subscribers("confirmed")] == ["r1@example.com", "r2@example.com"]


def test_init_is_idempotent(any_store):
    any_store.init()
    any_store.add_submission(Submission(kind="contact", payload={}))
    any_store.init()
    assert len(any_store.list_submissions("pending")) == 1


def test_dynamodb_tables_follow_the_team_layout(moto_server):
    import boto3

    DynamoStore("layout").init()
    client = boto3.client("dynamodb")
    for suffix in ("submissions", "subscribers", "sends", "limits"):
        table = client.describe_table(TableName=f"layout-{suffix}")["Table"]
        assert table["KeySchema"] == [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ]
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        assert not table.get("GlobalSecondaryIndexes")
        ttl = client.describe_time_to_live(TableName=f"layout-{suffix}")["TimeToLiveDescription"]
        assert ttl["AttributeName"] == "expires_at" and ttl["TimeToLiveStatus"] == "ENABLED"
    stream = client.describe_table(TableName="layout-submissions")["Table"]["StreamSpecification"]
    assert stream == {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}  # no patient data in the stream


def test_an_older_sqlite_file_gets_the_delivery_columns(tmp_path):
    """A var/forms.sqlite3 made before delivery had attempts times: `init` adds the columns, its pending
    submissions are due at once."""
    import sqlite3
    from contextlib import closing

    from forms_lambda.stores.sqlite import SqliteStore

    path = tmp_path / "old.sqlite3"
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(
            "CREATE TABLE submissions (id TEXT PRIMARY KEY, kind TEXT NOT NULL, created_at TEXT NOT NULL,"
            " status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',"
            " delivered_at TEXT NOT NULL DEFAULT '', payload TEXT NOT NULL,"
            " lease_until INTEGER NOT NULL DEFAULT 0)"
        )
        conn.execute(
            "INSERT INTO submissions (id, kind, created_at, status, attempts, payload) VALUES"
            " ('old', 'contact', '2026-11-01T10:00:00+00:00', 'pending', 2, '{}')"
        )
    store = SqliteStore(path)
    [old] = store.due_submissions(NOW)
    assert (old.id, old.attempts, old.priority) == ("old", 2, 0)

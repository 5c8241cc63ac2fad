"""One behaviour for both Store backends: SqliteStore and DynamoStore (on moto_server)."""
import pytest

from forms_lambda.stores import Submission, Subscriber
from forms_lambda.stores.dynamo import DynamoStore


def test_submission_lifecycle(any_store):
    first = Submission(kind="contact", payload={"name": "Ann", "message": "Hi"}, created_at="2026-11-28T10:00:00+00:00")
    second = Submission(kind="subscribe", payload={"subscriber_id": "abc"}, created_at="2026-11-28T10:00:01+00:00")
    any_store.add_submission(second)
    any_store.add_submission(first)
    assert [s.id for s in any_store.pending_submissions()] == [first.id, second.id]
    assert any_store.get_submission(first.id) == first

    any_store.mark_failed(first.id, "SMTP: ConnectionRefusedError")
    failed = any_store.get_submission(first.id)
    assert (failed.status, failed.attempts, failed.last_error) == ("pending", 1, "SMTP: ConnectionRefusedError")

    any_store.mark_delivered(first.id)
    done = any_store.get_submission(first.id)
    assert (done.status, done.attempts, done.last_error) == ("delivered", 2, "")
    assert done.delivered_at
    assert [s.id for s in any_store.pending_submissions()] == [second.id]
    assert any_store.pending_submissions(limit=0) == []
    assert any_store.get_submission("unknown") is None


def test_pending_submissions_respects_limit(any_store):
    for i in range(3):
        any_store.add_submission(Submission(kind="contact", payload={}, created_at=f"2026-11-28T10:00:0{i}+00:00"))
    assert len(any_store.pending_submissions(limit=2)) == 2


def test_an_address_is_known_once(any_store):
    one = any_store.add_subscriber(Subscriber(email="reader@example.com", opt_in_page="/a/", opt_in_at="t1"))
    two = any_store.add_subscriber(Subscriber(email="reader@example.com", opt_in_page="/b/", opt_in_at="t2"))
    assert one.id == two.id and two.opt_in_page == "/a/"
    assert any_store.get_subscriber("reader@example.com") == one
    assert any_store.get_subscriber_by_id(one.id) == one
    assert any_store.get_subscriber("other@example.com") is None
    assert any_store.get_subscriber_by_id("unknown") is None
    assert len(any_store.list_subscribers()) == 1


def test_status_changes_keep_the_consent_record(any_store):
    sub = any_store.add_subscriber(Subscriber(email="reader@example.com", opt_in_page="/blog/x/",
                                              opt_in_at="2026-11-28T10:00:00+00:00"))
    confirmed = any_store.set_subscriber_status(sub.id, "confirmed", confirmed_at="2026-11-28T10:05:00+00:00",
                                                confirm_page="/api/subscribe/confirm")
    assert confirmed.status == "confirmed"
    assert (confirmed.opt_in_at, confirmed.opt_in_page) == ("2026-11-28T10:00:00+00:00", "/blog/x/")
    assert (confirmed.confirmed_at, confirmed.confirm_page) == ("2026-11-28T10:05:00+00:00", "/api/subscribe/confirm")
    assert any_store.get_subscriber("reader@example.com").status == "confirmed"
    assert any_store.set_subscriber_status("unknown", "confirmed") is None
    with pytest.raises(ValueError):
        any_store.set_subscriber_status(sub.id, "deleted")


def test_list_subscribers_by_status(any_store):
    for i, status in enumerate(["pending", "confirmed", "confirmed", "unsubscribed"]):
        sub = any_store.add_subscriber(Subscriber(email=f"r{i}@example.com", created_at=f"2026-11-28T10:00:0{i}+00:00"))
        any_store.set_subscriber_status(sub.id, status)
    assert [s.email for s in any_store.list_subscribers()] == [f"r{i}@example.com" for i in range(4)]
    assert [s.email for s in any_store.list_subscribers("confirmed")] == ["r1@example.com", "r2@example.com"]


def test_init_is_idempotent(any_store):
    any_store.init()
    any_store.add_submission(Submission(kind="contact", payload={}))
    any_store.init()
    assert len(any_store.pending_submissions()) == 1


def test_dynamodb_tables_follow_the_team_layout(moto_server):
    import boto3
    DynamoStore("layout").init()
    client = boto3.client("dynamodb")
    for suffix in ("submissions", "subscribers", "sends", "limits"):
        table = client.describe_table(TableName=f"layout-{suffix}")["Table"]
        assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"},
                                      {"AttributeName": "sk", "KeyType": "RANGE"}]
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        assert not table.get("GlobalSecondaryIndexes")
        ttl = client.describe_time_to_live(TableName=f"layout-{suffix}")["TimeToLiveDescription"]
        assert ttl["AttributeName"] == "expires_at" and ttl["TimeToLiveStatus"] == "ENABLED"

"""Retention: delivered contact requests (and spam) are deleted after FORMS_RETENTION_DAYS; pending never."""

import time
from datetime import UTC, datetime, timedelta

import boto3

import forms_lambda.handler
from forms_lambda import create_app
from tests.support.forms import CONTACT, JSON, run_command, sqlite_rows, stored


def days_ago(days):
    return (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")


def test_purge_command_deletes_old_delivered_and_spam_only(make_app, sqlite_config, tmp_path, monkeypatch):
    app = make_app(FORMS_RETENTION_DAYS="30")
    client = app.test_client()
    store = app.extensions["forms_lambda"].store
    for i in range(3):
        client.post("/api/contact", data={**CONTACT, "name": f"Old {i}"}, headers=JSON)
    client.post("/api/contact", data={**CONTACT, "website": "spam"}, headers=JSON)
    (tmp_path / "mail").rename(tmp_path / "mail-away")
    (tmp_path / "mail").write_text("mailer down")
    client.post("/api/contact", data={**CONTACT, "name": "Waiting"}, headers=JSON)
    assert stored(app) == {("contact", "delivered"): 3, ("contact", "spam"): 1, ("contact", "pending"): 1}
    # Two delivered 31 days ago, one yesterday; the spam and the pending one are old too.
    old, recent = days_ago(31), days_ago(1)
    sqlite_rows(
        store,
        "UPDATE submissions SET delivered_at = ?, created_at = ?"
        " WHERE payload LIKE '%Old 0%' OR payload LIKE '%Old 1%'",
        (old, old),
    )
    sqlite_rows(store, "UPDATE submissions SET delivered_at = ? WHERE payload LIKE '%Old 2%'", (recent,))
    sqlite_rows(store, "UPDATE submissions SET created_at = ? WHERE status IN ('spam', 'pending')", (old,))

    for name, value in {**sqlite_config, "FORMS_RETENTION_DAYS": "30"}.items():
        monkeypatch.setenv(name, value)
    purge = run_command("purge")
    assert purge.exit_code == 0 and "purged 3" in purge.stdout
    rows = sqlite_rows(store, "SELECT status, payload FROM submissions ORDER BY status")
    assert [(r["status"], "Old 2" in r["payload"] or "Waiting" in r["payload"]) for r in rows] == [
        ("delivered", True),
        ("pending", True),
    ]
    # A shorter retention on the command line.
    assert run_command("purge", "--days", "0").exit_code == 0
    assert stored(app) == {("contact", "pending"): 1}


def test_dynamodb_items_expire_by_ttl_and_the_schedule_can_purge(monkeypatch, moto_server, dynamo_config):
    for name, value in {**dynamo_config, "FORMS_RETENTION_DAYS": "30"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(forms_lambda.handler, "_lambda_handler", None)
    app = create_app()
    client = app.test_client()
    client.post("/api/contact", data=CONTACT, headers=JSON)
    client.post("/api/contact", data={**CONTACT, "website": "spam"}, headers=JSON)
    dynamo = boto3.client("dynamodb")
    items = boto3.resource("dynamodb").Table("test-forms-submissions").scan()["Items"]
    month = time.time() + 30 * 86400
    assert sorted(i["status"] for i in items) == ["delivered", "spam"]
    assert all(abs(int(i["expires_at"]) - month) < 120 for i in items)
    ttl = dynamo.describe_time_to_live(TableName="test-forms-submissions")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}

    table = boto3.resource("dynamodb").Table("test-forms-submissions")
    for item in items:
        table.update_item(
            Key={"pk": item["pk"], "sk": item["sk"]},
            UpdateExpression="SET delivered_at = :t, created_at = :t",
            ExpressionAttributeValues={":t": days_ago(31)},
        )
    assert forms_lambda.handler.handler({"forms_lambda": "purge"}, None) == {
        "ok": True,
        "task": "purge",
        "deleted": 2,
        "forgotten": 0,
    }
    assert table.scan()["Items"] == []

"""/api/health says whether the store can save a submission, on both stores: 503 when it cannot."""

import boto3
import pytest

from tests.support.forms import JSON, sqlite_fault


def test_health_is_ok_with_a_working_store(backend):
    app, _ = backend
    r = app.test_client().get("/api/health", headers=JSON)
    assert r.status_code == 200 and r.json["ok"] is True and r.json["store"] in ("sqlite", "dynamodb")


@pytest.mark.parametrize("fault", ["read-only", "file replaced by a folder"])
def test_health_is_503_when_sqlite_cannot_write(app, tmp_path, monkeypatch, fault):
    store = app.extensions["forms_lambda"].store
    client = app.test_client()
    if fault == "read-only":
        sqlite_fault(monkeypatch, store, "PRAGMA query_only = ON")  # what SQLite says of a read-only file
    else:
        (tmp_path / "forms.sqlite3").unlink()
        (tmp_path / "forms.sqlite3").mkdir()
    r = client.get("/api/health", headers=JSON)
    assert r.status_code == 503 and r.json["ok"] is False and r.json["store"] == "sqlite"
    assert "cannot save" in r.json["error"]
    assert (
        client.post(
            "/api/contact", data={"name": "Ann", "email": "ann@example.com", "message": "Hi"}, headers=JSON
        ).status_code
        == 503
    )


def test_health_is_503_when_the_dynamodb_table_is_gone(dynamo_config):
    from forms_lambda import create_app

    app = create_app({**dynamo_config, "TESTING": True})
    boto3.client("dynamodb").delete_table(TableName="test-forms-limits")
    r = app.test_client().get("/api/health", headers=JSON)
    assert r.status_code == 503 and r.json["ok"] is False and r.json["store"] == "dynamodb"

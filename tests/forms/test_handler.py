"""The Lambda entry with events built the way API Gateway sends them (HTTP API 2.0 and REST 1.0)."""

import json
from urllib.parse import urlencode, urlsplit

import pytest

import forms_lambda.handler
from forms_lambda.handler import handler
from forms_lambda.stores.dynamo import DynamoStore
from tests.support.forms import SENDER, link, new_submissions_event, ses_messages
from tests.support.lambda_events import FORM, JSON_BODY, body_json, header, http_api_event, rest_event, run_schedule

CONTACT = {"name": "Ann Patient", "email": "ann@example.com", "message": "Please call me.", "page": "/contact/"}


@pytest.mark.parametrize("make_event", [http_api_event, rest_event])
@pytest.mark.parametrize("encoding", ["form", "json", "form-base64"])
def test_contact_through_api_gateway(lambda_env, maildir, make_event, encoding):
    if encoding == "json":
        body, headers = json.dumps(CONTACT).encode(), JSON_BODY
    else:
        body, headers = urlencode(CONTACT).encode(), FORM
    event = make_event(
        "POST",
        "/api/contact",
        body,
        headers,
        base64_body=encoding != "json" and (make_event is http_api_event or encoding == "form-base64"),
    )
    response = handler(event, None)
    assert response["statusCode"] == 200
    assert body_json(response)["ok"] is True
    assert header(response, "X-Frame-Options") == "DENY"
    assert maildir() == []  # on Lambda the request only stores: delivery comes after
    assert run_schedule()["delivered"] == 1
    [msg] = maildir()
    assert msg["Subject"] == "Contact request from Ann Patient"


@pytest.mark.parametrize("make_event", [http_api_event, rest_event])
def test_plain_form_post_is_redirected(lambda_env, maildir, make_event):
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html,*/*;q=0.8"}
    response = handler(make_event("POST", "/api/contact", urlencode(CONTACT).encode(), headers), None)
    assert response["statusCode"] == 303
    assert header(response, "Location") == "/thanks/"


@pytest.mark.parametrize("make_event", [http_api_event, rest_event])
def test_bad_input_through_api_gateway_is_400(lambda_env, make_event):
    response = handler(make_event("POST", "/api/contact", b"email=nope", FORM), None)
    assert response["statusCode"] == 400
    assert set(body_json(response)["errors"]) == {"name", "email", "message"}


def test_health_through_http_api(lambda_env):
    response = handler(http_api_event("GET", "/api/health", headers={"Accept": "application/json"}), None)
    assert response["statusCode"] == 200 and body_json(response)["store"] == "sqlite"


def test_subscribe_flow_on_lambda_backends(moto_server, dynamo_config, monkeypatch):
    """The production shape: Lambda events, DynamoDB store, SES mailer, all on moto_server."""
    monkeypatch.setattr(forms_lambda.handler, "_lambda_handler", None)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "clinic-forms")
    for name, value in dynamo_config.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("FORMS_DELIVERY")  # Lambda's own: the table's stream delivers
    body = json.dumps({"email": "reader@example.com", "page": "/blog/x/"}).encode()
    response = handler(http_api_event("POST", "/api/subscribe", body, JSON_BODY), None)
    assert response["statusCode"] == 200
    assert ses_messages(moto_server) == []  # the request only stored it
    assert handler(new_submissions_event("test-forms"), None) == {"batchItemFailures": []}

    [msg] = ses_messages(moto_server)
    assert msg["From"] == SENDER and msg["To"] == "reader@example.com"
    confirm = urlsplit(link(msg, "/api/subscribe/confirm"))
    token = {"token": confirm.query.split("=", 1)[1]}
    for method in ("GET", "HEAD"):  # the link shows a page with a button, and changes nothing
        response = handler(rest_event(method, confirm.path, query=token), None)
        assert response["statusCode"] == 200
    assert DynamoStore("test-forms").get_subscriber("reader@example.com").status == "pending"
    response = handler(rest_event("POST", confirm.path, query=token), None)  # the button
    assert response["statusCode"] == 303 and header(response, "Location") == "/subscribed/"

    unsubscribe = urlsplit(link(msg, "/api/unsubscribe"))
    response = handler(
        http_api_event("POST", unsubscribe.path, b"List-Unsubscribe=One-Click", FORM, query=unsubscribe.query), None
    )
    assert response["statusCode"] == 200 and body_json(response)["ok"] is True

    subscriber = DynamoStore("test-forms").get_subscriber("reader@example.com")
    assert subscriber.status == "unsubscribed" and subscriber.confirmed_at


def test_missing_secret_on_lambda_fails_loudly(monkeypatch, tmp_path):
    monkeypatch.setattr(forms_lambda.handler, "_lambda_handler", None)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "clinic-forms")
    from forms_lambda import ConfigError

    with pytest.raises(ConfigError, match="FORMS_SECRET_KEY"):
        handler(http_api_event("GET", "/api/health"), None)


def test_boto3_is_imported_only_for_aws_backends(tmp_path):
    """Lambda cold starts pay for every import: the handler and a local app must not load boto3."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, forms_lambda.handler; from forms_lambda import create_app; create_app(); "
        "print('boto3' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(forms_lambda.__file__).parent.parent,
        env={
            **os.environ,
            "FORMS_VAR_DIR": str(tmp_path),
            "FORMS_STORE": f"sqlite:///{tmp_path}/f.db",
            "FORMS_MAILER": f"maildir:{tmp_path}/mail",
        },
    )
    assert out.stdout.strip() == "False"

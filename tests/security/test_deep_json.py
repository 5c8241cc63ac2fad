"""JSON nested thousands deep (a 40 KB body, 20,000 levels) makes Python's parser raise RecursionError: the
answer is the 400 of any bad JSON (403 where only SNS may post), never a 500, whatever route and shape."""

import json

import pytest

from forms_lambda.handler import handler
from tests.support.forms import CONTACT, stored
from tests.support.lambda_events import body_json, http_api_event


def arrays(depth):
    return "[" * depth + "]" * depth


def objects(depth):
    return '{"a":' * depth + "1" + "}" * depth


def mixed(depth):
    return '[{"a":' * (depth // 2) + "1" + "}]" * (depth // 2)


BODIES = {
    "arrays 20,000 deep (40 KB)": arrays(20_000),
    "objects 10,000 deep (60 KB)": objects(10_000),
    "arrays and objects 16,000 deep": mixed(16_000),
    "deep inside the name": '{"name": ' + arrays(20_000) + ', "email": "ann@example.com", "message": "hi"}',
    "deep in an extra field": '{"email": "ann@example.com", "x": ' + objects(9_000) + "}",
    "deep and unclosed": "[" * 30_000,
}


@pytest.mark.parametrize("path", ["/api/contact", "/api/subscribe"])
@pytest.mark.parametrize("name", BODIES)
def test_deep_json_on_the_forms_is_400(make_app, maildir, path, name):
    app = make_app()
    r = app.test_client().post(
        path, data=BODIES[name], content_type="application/json", headers={"Accept": "application/json"}
    )
    assert r.status_code == 400 and r.json["ok"] is False
    assert stored(app) == {} and maildir() == []


@pytest.mark.parametrize("name", BODIES)
def test_deep_json_to_the_sns_endpoint_is_403(make_app, name):
    app = make_app(FORMS_SNS_TOPIC_ARNS="arn:aws:sns:us-east-1:123456789012:ses-events")
    r = app.test_client().post("/api/ses-events", data=BODIES[name], content_type="text/plain")
    assert r.status_code == 403 and r.json["ok"] is False


def test_a_deep_sns_message_inside_a_genuine_record_suppresses_nobody(make_app):
    from forms_lambda.ses_events import apply_notification

    app = make_app()
    with app.app_context():
        assert apply_notification({"Message": objects(12_000)}) == 0


def test_moderate_nesting_in_a_field_the_form_ignores_is_fine(make_app, maildir):
    app = make_app()
    r = app.test_client().post(
        "/api/contact", json={**CONTACT, "extra": json.loads(objects(100))}, headers={"Accept": "application/json"}
    )
    assert r.status_code == 200 and len(maildir()) == 1


@pytest.mark.parametrize("name", ["arrays 20,000 deep (40 KB)", "deep inside the name"])
def test_deep_json_through_api_gateway_is_400(lambda_env, name):
    answer = handler(
        http_api_event(
            "POST",
            "/api/contact",
            BODIES[name].encode(),
            {"Content-Type": "application/json", "Accept": "application/json"},
        ),
        None,
    )
    assert answer["statusCode"] == 400 and body_json(answer)["ok"] is False

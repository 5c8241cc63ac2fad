"""SES bounces and complaints delivered by SNS straight to the Lambda function (subscription Protocol lambda).

The events are shaped as SNS invokes a function (Records[].Sns); the store is real (SQLite, or DynamoDB on
moto_server where a failure must reach Lambda so that it retries).
"""

import json

import pytest

import forms_lambda.handler
from forms_lambda.handler import handler
from forms_lambda.stores import Subscriber
from forms_lambda.stores.sqlite import SqliteStore
from tests.support.lambda_events import http_api_event

TOPIC = "arn:aws:sns:us-east-1:123456789012:clinic-ses-events"
OTHER_TOPIC = "arn:aws:sns:us-east-1:210987654321:someone-elses-topic"


def sns_event(*events, topic=TOPIC):
    """What SNS invokes a subscribed function with: one record per message."""
    return {
        "Records": [
            {
                "EventVersion": "1.0",
                "EventSource": "aws:sns",
                "EventSubscriptionArn": f"{topic}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": f"95df01b4-ee98-5cb9-9903-4c221d41eb5{i}",
                    "TopicArn": topic,
                    "Subject": None,
                    "Message": json.dumps(event),
                    "Timestamp": "2026-11-28T10:00:00.000Z",
                    "SignatureVersion": "1",
                    "Signature": "EXAMPLE",
                    "MessageAttributes": {},
                    "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-example.pem",
                    "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
                },
            }
            for i, event in enumerate(events)
        ]
    }


def bounce(kind, *addresses):
    return {
        "eventType": "Bounce",
        "bounce": {
            "bounceType": kind,
            "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": a} for a in addresses],
        },
        "mail": {"destination": list(addresses)},
    }


def complaint(*addresses):
    return {
        "notificationType": "Complaint",
        "complaint": {"complainedRecipients": [{"emailAddress": a} for a in addresses]},
    }


@pytest.fixture
def function_env(monkeypatch, tmp_path):
    """The function's environment on Lambda, with a SQLite store holding two confirmed subscribers."""
    for name, value in {
        "AWS_LAMBDA_FUNCTION_NAME": "clinic-forms",
        "FORMS_SECRET_KEY": "a-test-secret-key-0123",
        "FORMS_STORE": f"sqlite:///{tmp_path}/forms.sqlite3",
        "FORMS_MAILER": f"maildir:{tmp_path}/m",
        "FORMS_SITE_URL": "https://clinic.example",
        "FORMS_SNS_TOPIC_ARNS": TOPIC,
        "FORMS_VAR_DIR": str(tmp_path / "var"),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(forms_lambda.handler, "_lambda_handler", None)
    store = SqliteStore(tmp_path / "forms.sqlite3")
    store.init()
    for address in ("pat@example.org", "sam@example.org", "lee@example.org"):
        store.add_subscriber(Subscriber(email=address, status="confirmed", confirmed_at="2026-01-01T00:00:00+00:00"))
    return store


def statuses(store):
    return {s.email: s.status for s in store.list_subscribers()}


def test_a_hard_bounce_and_a_complaint_suppress_their_recipients(function_env):
    answer = handler(sns_event(bounce("Permanent", "Pat@Example.org"), complaint("sam@example.org")), None)
    assert answer == {"ok": True, "suppressed": 2, "ignored": 0}
    assert statuses(function_env) == {
        "pat@example.org": "suppressed",
        "sam@example.org": "suppressed",
        "lee@example.org": "confirmed",
    }


@pytest.mark.parametrize(
    "event",
    [bounce("Transient", "pat@example.org"), {"eventType": "Delivery"}, "not an SES event", {"eventType": "Bounce"}],
)
def test_soft_bounces_deliveries_and_garbage_change_nothing(function_env, event):
    assert handler(sns_event(event), None)["suppressed"] == 0
    assert set(statuses(function_env).values()) == {"confirmed"}


def test_a_message_from_another_topic_is_ignored(function_env):
    answer = handler(sns_event(bounce("Permanent", "pat@example.org"), topic=OTHER_TOPIC), None)
    assert answer == {"ok": True, "suppressed": 0, "ignored": 1}
    assert statuses(function_env)["pat@example.org"] == "confirmed"


def test_an_http_request_is_still_an_http_request(function_env):
    """Only SNS records take this path: an API Gateway event reaches the Flask app."""
    answer = handler(http_api_event("GET", "/api/health", headers={"Accept": "application/json"}), None)
    assert answer["statusCode"] == 200


def test_a_store_failure_fails_the_invocation_so_lambda_retries(moto_server, function_env, monkeypatch):
    monkeypatch.setenv("FORMS_STORE", "dynamodb://no-tables-yet")
    with pytest.raises(Exception, match="DynamoDB"):
        handler(sns_event(bounce("Permanent", "pat@example.org")), None)


def test_without_a_configured_topic_every_message_is_ignored(function_env, monkeypatch):
    monkeypatch.setenv("FORMS_SNS_TOPIC_ARNS", "")
    monkeypatch.setattr(forms_lambda.handler, "_lambda_handler", None)
    answer = handler(sns_event(bounce("Permanent", "pat@example.org"), complaint("sam@example.org")), None)
    assert answer == {"ok": True, "suppressed": 0, "ignored": 2}
    assert set(statuses(function_env).values()) == {"confirmed"}

"""POST /api/ses-events: verified SNS messages suppress hard-bounced and complaining addresses; others get 403."""

import json

import pytest

from forms_lambda import create_app
from forms_lambda.stores import Subscriber


@pytest.fixture
def app(tmp_path, sns_endpoint):
    return create_app(
        {
            "TESTING": True,
            "SNS_FETCH": sns_endpoint.fetch,
            "FORMS_SNS_TOPIC_ARNS": sns_endpoint.topic_arn,
            "FORMS_STORE": f"sqlite:///{tmp_path}/forms.sqlite3",
            "FORMS_MAILER": f"maildir:{tmp_path}/mail",
            "FORMS_VAR_DIR": str(tmp_path / "var"),
            "FORMS_SECRET_KEY": "a-test-secret-key-of-some-length",
        }
    )


@pytest.fixture
def store(app):
    store = app.extensions["forms_lambda"].store
    for address in ("pat@example.org", "sam@example.org"):
        store.add_subscriber(Subscriber(email=address, status="confirmed", confirmed_at="2026-01-01T00:00:00+00:00"))
    return store


def post(app, message):
    # as SNS does: JSON in a text/plain body
    return app.test_client().post("/api/ses-events", data=json.dumps(message), content_type="text/plain; charset=UTF-8")


def bounce(kind, *addresses):
    return {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": kind,
            "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": a, "action": "failed", "status": "5.1.1"} for a in addresses],
        },
        "mail": {"destination": list(addresses)},
    }


def statuses(store):
    return {s.email: s.status for s in store.list_subscribers()}


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_hard_bounce_suppresses_the_recipient(app, store, sns_endpoint, version):
    answer = post(app, sns_endpoint.notification(bounce("Permanent", "Pat@Example.org"), version))
    assert answer.status_code == 200 and answer.json["ok"] is True
    assert statuses(store) == {"pat@example.org": "suppressed", "sam@example.org": "confirmed"}


def test_a_complaint_suppresses_the_recipient_event_publishing_format(app, store, sns_endpoint):
    event = {
        "eventType": "Complaint",
        "complaint": {"complainedRecipients": [{"emailAddress": "sam@example.org"}], "complaintFeedbackType": "abuse"},
    }
    assert post(app, sns_endpoint.notification(event)).status_code == 200
    assert statuses(store)["sam@example.org"] == "suppressed"


def test_a_soft_bounce_or_delivery_changes_nothing(app, store, sns_endpoint):
    assert post(app, sns_endpoint.notification(bounce("Transient", "pat@example.org"))).status_code == 200
    delivery = {"eventType": "Delivery", "delivery": {"recipients": ["pat@example.org"]}}
    assert post(app, sns_endpoint.notification(delivery)).status_code == 200
    assert set(statuses(store).values()) == {"confirmed"}


def test_a_bounce_for_an_unknown_address_keeps_it_suppressed_for_the_future(app, store, sns_endpoint):
    assert post(app, sns_endpoint.notification(bounce("Permanent", "stranger@example.org"))).status_code == 200
    assert statuses(store)["stranger@example.org"] == "suppressed"
    # subscribing again is answered as usual, but no confirmation is mailed and the status stays
    answer = app.test_client().post(
        "/api/subscribe", data={"email": "stranger@example.org", "page": "/"}, headers={"Accept": "application/json"}
    )
    assert answer.status_code == 200
    assert statuses(store)["stranger@example.org"] == "suppressed"


def test_a_subscription_confirmation_is_confirmed_by_visiting_the_subscribe_url(app, sns_endpoint):
    message = sns_endpoint.subscription_confirmation()
    assert post(app, message).status_code == 200
    assert sns_endpoint.fetched[-1] == message["SubscribeURL"]


def test_a_forged_signature_is_rejected_with_403(app, store, sns_endpoint):
    message = sns_endpoint.notification(bounce("Permanent", "pat@example.org"))
    message["Message"] = json.dumps(bounce("Permanent", "sam@example.org"))
    answer = post(app, message)
    assert answer.status_code == 403 and answer.json["ok"] is False
    assert set(statuses(store).values()) == {"confirmed"}


def test_a_foreign_certificate_host_is_rejected_with_403(app, store, sns_endpoint):
    message = sns_endpoint.sign(
        {
            "Type": "Notification",
            "MessageId": "m",
            "TopicArn": sns_endpoint.topic_arn,
            "Message": json.dumps(bounce("Permanent", "pat@example.org")),
            "Timestamp": "2026-11-28T10:00:00.000Z",
        },
        cert_url="https://sns.us-east-1.amazonaws.com.attacker.example/cert.pem",
    )
    fetched = len(sns_endpoint.fetched)
    assert post(app, message).status_code == 403
    assert len(sns_endpoint.fetched) == fetched
    assert set(statuses(store).values()) == {"confirmed"}


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b'{"Type": "Notification"}', b"\xff\xfe"])
def test_garbage_is_rejected_with_403_never_500(app, body):
    answer = app.test_client().post("/api/ses-events", data=body, content_type="text/plain")
    assert answer.status_code == 403


def test_a_large_genuine_notification_is_accepted(app, store, sns_endpoint):
    event = bounce("Permanent", "pat@example.org")
    event["mail"]["headers"] = [{"name": "X-Padding", "value": "x" * 100_000}]  # SES may include headers
    assert post(app, sns_endpoint.notification(event)).status_code == 200
    assert statuses(store)["pat@example.org"] == "suppressed"


def test_only_the_configured_topics_are_accepted(tmp_path, sns_endpoint):
    app = create_app(
        {
            "SNS_FETCH": sns_endpoint.fetch,
            "FORMS_STORE": f"sqlite:///{tmp_path}/f.sqlite3",
            "FORMS_VAR_DIR": str(tmp_path / "var"),
            "FORMS_SECRET_KEY": "a-test-secret-key-of-some-length",
            "FORMS_SNS_TOPIC_ARNS": "arn:aws:sns:us-east-1:123456789012:other-topic",
        }
    )
    assert post(app, sns_endpoint.notification(bounce("Permanent", "pat@example.org"))).status_code == 403


def test_without_a_configured_topic_nothing_is_trusted(tmp_path, sns_endpoint):
    """FORMS_SNS_TOPIC_ARNS unset: every AWS account's topic would have a valid signature, so none is accepted."""
    app = create_app(
        {
            "TESTING": True,
            "SNS_FETCH": sns_endpoint.fetch,
            "FORMS_STORE": f"sqlite:///{tmp_path}/f.db",
            "FORMS_MAILER": f"maildir:{tmp_path}/mail",
            "FORMS_VAR_DIR": str(tmp_path / "var"),
            "FORMS_SECRET_KEY": "a-test-secret-key-of-some-length",
        }
    )
    before = len(sns_endpoint.fetched)
    for message in (
        sns_endpoint.notification(bounce("Permanent", "pat@example.org")),
        sns_endpoint.subscription_confirmation(),
    ):
        assert post(app, message).status_code == 403
    assert app.extensions["forms_lambda"].store.list_subscribers() == []
    assert len(sns_endpoint.fetched) == before  # not even a certificate fetched


def test_a_replayed_old_bounce_is_refused(app, store, sns_endpoint):
    old = sns_endpoint.notification(bounce("Permanent", "pat@example.org"), Timestamp=sns_endpoint.timestamp(7200))
    assert post(app, old).status_code == 403
    assert statuses(store)["pat@example.org"] == "confirmed"

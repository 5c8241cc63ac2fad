"""notify on the AWS backends: DynamoDB store and SES mailer, both on moto_server."""

import email
import email.policy

import boto3
import pytest

from forms_lambda.stores import Subscriber
from tests.support.forms import run_command

ARCHIVE = [("ketamine-for-chronic-pain", "Ketamine for Chronic Pain", "<p>Old.</p>", "2026-01-15T10:00:00-07:00")]
NEW = [
    ("what-to-expect", "What to Expect", "<p>A calm room.</p>", "2026-11-20T09:00:00-07:00"),
    ("aftercare", "Aftercare", "<p>Rest.</p>", "2026-11-21T09:00:00-07:00"),
]


@pytest.fixture
def aws(moto_server, monkeypatch, tmp_path):
    for name, value in {
        "FORMS_STORE": "dynamodb://clinic",
        "FORMS_MAILER": "ses",
        "FORMS_SENDER": "Vitalitas <news@clinic.example>",
        "FORMS_SITE_URL": "https://clinic.example",
        "FORMS_SECRET_KEY": "a-test-secret-key-of-some-length",
        "FORMS_CLINIC_ADDRESS": "1 Main Street, Denver, CO 80202",
        "FORMS_SEND_RATE": "500",
        "FORMS_VAR_DIR": str(tmp_path / "var"),
    }.items():
        monkeypatch.setenv(name, value)
    boto3.client("sesv2").create_email_identity(EmailIdentity="clinic.example")
    assert run_command("init").exit_code == 0
    from forms_lambda.stores.dynamo import DynamoStore

    return DynamoStore("clinic")


def sent(moto_server):
    return [
        email.message_from_string(m["raw_data"], policy=email.policy.default)
        for m in moto_server.data()["ses"]["RawMessage"]
    ]


def test_new_articles_through_ses_once_each_to_confirmed_subscribers_only(aws, moto_server, tmp_path, feed_writer):
    store = aws
    for address, status in [
        ("a@example.org", "confirmed"),
        ("b@example.org", "confirmed"),
        ("p@example.org", "pending"),
        ("u@example.org", "unsubscribed"),
        ("s@example.org", "suppressed"),
    ]:
        store.add_subscriber(
            Subscriber(
                email=address, status=status, confirmed_at="" if status == "pending" else "2026-01-01T00:00:00+00:00"
            )
        )
    site = tmp_path / "output"
    feed_writer(site, ARCHIVE)
    assert run_command("notify", "--site", site).exit_code == 0
    assert sent(moto_server) == []

    feed_writer(site, ARCHIVE + NEW)
    assert run_command("notify", "--site", site).exit_code == 0
    messages = sent(moto_server)
    # two new articles, one email each (no digest), oldest first
    assert sorted((str(m["To"]), str(m["Subject"])) for m in messages) == [
        ("a@example.org", "Aftercare"),
        ("a@example.org", "What to Expect"),
        ("b@example.org", "Aftercare"),
        ("b@example.org", "What to Expect"),
    ]
    for m in messages:
        assert m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert str(m["List-Unsubscribe"]).startswith("<https://clinic.example/api/unsubscribe?token=")
        assert "1 Main Street, Denver, CO 80202" in m.get_body(("plain",)).get_content()
    assert [p.status for p in store.list_posts() if p.path.startswith("/blog/")] == [
        "archived",
        "announced",
        "announced",
    ]

    again = run_command("notify", "--site", site)
    assert again.exit_code == 0 and len(sent(moto_server)) == 4
    assert "no new articles" in again.stdout

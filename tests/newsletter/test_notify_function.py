"""The newsletter on AWS: the NotifyFunction reads the published feed from the site's bucket and mails through SES.

S3, DynamoDB, SES and Secrets Manager are moto_server; the function's entry (forms_lambda.handler.notify) runs with
the environment the template gives it. `python -m deploy.stack notify` (what the publish job runs) is checked
against moto's Lambda, which answers an invocation with what the real entry returned.
"""

import email
import email.policy
import json
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

import forms_lambda.handler
from forms_lambda.stores import Subscriber
from forms_lambda.stores.dynamo import DynamoStore
from tests.support.forms import run_command
from tests.support.servers import lambda_answers

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "clinic-site-bucket"
ARCHIVE = [("ketamine-for-chronic-pain", "Ketamine for Chronic Pain", "<p>Old.</p>", "2026-01-15T10:00:00-07:00")]
NEW = [("what-to-expect", "What to Expect", "<p>A calm room.</p>", "2026-11-20T09:00:00-07:00")]


@pytest.fixture
def notify_function(moto_server, monkeypatch, tmp_path):
    """The NotifyFunction's environment (as deploy/template.yaml sets it) on moto_server; returns the store."""
    secret = boto3.client("secretsmanager").create_secret(
        Name="clinic-forms-keys", SecretString=json.dumps({"key": "signing-key-of-the-stack-0123456789"})
    )
    for name, value in {
        "AWS_LAMBDA_FUNCTION_NAME": "clinic-site-NotifyFunction",
        "FORMS_STORE": "dynamodb://clinic",
        "FORMS_MAILER": "ses",
        "FORMS_SENDER": "Vitalitas <news@clinic.example>",
        "FORMS_CLINIC_INBOX": "desk@clinic.example",
        "FORMS_SITE_URL": "https://clinic.example",
        "FORMS_SECRET_ARN": secret["ARN"],
        "FORMS_CLINIC_ADDRESS": "1 Main Street; Denver, CO 80202",
        "FORMS_SEND_RATE": "500",
        "FORMS_VAR_DIR": str(tmp_path / "var"),
        "FORMS_NOTIFY_SITE": f"s3://{BUCKET}",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("FORMS_SECRET_KEY", raising=False)
    monkeypatch.setattr(forms_lambda.handler, "_app", None)
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    boto3.client("sesv2").create_email_identity(EmailIdentity="clinic.example")
    store = DynamoStore("clinic")
    store.init()
    for address in ("a@example.org", "b@example.org"):
        store.add_subscriber(Subscriber(email=address, status="confirmed", confirmed_at="2026-01-01T00:00:00+00:00"))
    store.add_subscriber(Subscriber(email="pending@example.org"))
    return store


def publish_feed(feed_writer, tmp_path, articles):
    """What deploy.publish leaves in the bucket: the built site's feed."""
    path = feed_writer(tmp_path / "output", articles, site_url="https://clinic.example")
    boto3.client("s3").put_object(Bucket=BUCKET, Key="feeds/all.atom.xml", Body=path.read_bytes())


def sent(moto_server):
    return [
        email.message_from_string(m["raw_data"], policy=email.policy.default)
        for m in moto_server.data()["ses"].get("RawMessage", [])
    ]


def test_the_function_mails_each_new_published_article_once(notify_function, moto_server, feed_writer, tmp_path):
    publish_feed(feed_writer, tmp_path, ARCHIVE)
    first = forms_lambda.handler.notify({}, None)
    assert (first["ok"], first["exit_code"]) == (True, 0)
    assert "first run: 1 existing article(s) recorded" in first["summary"]
    assert sent(moto_server) == []

    publish_feed(feed_writer, tmp_path, ARCHIVE + NEW)
    # Whatever the caller puts in the event, the function only announces what the bucket's feed holds.
    second = forms_lambda.handler.notify({"forms_lambda": "purge", "site": "/etc"}, None)
    assert (second["ok"], second["exit_code"]) == (True, 0)
    assert '"What to Expect": 2 sent, 0 already sent before, 0 failed' in second["summary"]
    messages = sent(moto_server)
    assert sorted((str(m["To"]), str(m["Subject"])) for m in messages) == [
        ("a@example.org", "What to Expect"),
        ("b@example.org", "What to Expect"),
    ]
    for m in messages:
        assert str(m["List-Unsubscribe"]).startswith("<https://clinic.example/api/unsubscribe?token=")
        assert "https://clinic.example/blog/what-to-expect/" in m.get_body(("plain",)).get_content()
    assert "@" not in first["summary"] + second["summary"]

    again = forms_lambda.handler.notify({}, None)
    assert "no new articles to announce" in again["summary"] and len(sent(moto_server)) == 2


def test_no_published_feed_is_a_failed_run_not_a_crash(notify_function, moto_server):
    answer = forms_lambda.handler.notify({}, None)
    assert (answer["ok"], answer["exit_code"]) == (False, 2)
    assert sent(moto_server) == []


def test_the_command_line_reads_the_feed_from_the_bucket_too(notify_function, moto_server, feed_writer, tmp_path):
    """An operator's `deploy.stack run -- python -m forms_lambda notify` takes the same path as the function."""
    publish_feed(feed_writer, tmp_path, ARCHIVE)
    result = run_command("notify")
    assert result.exit_code == 0, result.stderr
    assert "first run: 1 existing article(s) recorded" in result.stdout


def make_stack():
    template = {
        "Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": {"NotifyFunctionName": {"Value": "clinic-site-NotifyFunction-AbC123"}},
    }
    boto3.client("cloudformation").create_stack(StackName="clinic", TemplateBody=json.dumps(template))


def deploy_stack_notify():
    return subprocess.run(
        [sys.executable, "-m", "deploy.stack", "notify", "--stack", "clinic"], cwd=ROOT, capture_output=True, text=True
    )


def test_the_publish_job_starts_the_function_and_reports_its_summary(
    notify_function, moto_server, feed_writer, tmp_path
):
    publish_feed(feed_writer, tmp_path, ARCHIVE)
    forms_lambda.handler.notify({}, None)
    publish_feed(feed_writer, tmp_path, ARCHIVE + NEW)
    make_stack()
    lambda_answers(moto_server, forms_lambda.handler.notify({}, None))
    result = deploy_stack_notify()
    assert result.returncode == 0, result.stderr
    assert '"What to Expect": 2 sent' in result.stdout


def test_a_failed_mailing_fails_the_publish_job(moto_server):
    make_stack()
    lambda_answers(moto_server, {"ok": False, "exit_code": 1, "summary": '"What to Expect": 1 sent, 1 failed\n'})
    result = deploy_stack_notify()
    assert (result.returncode, result.stdout) == (1, '"What to Expect": 1 sent, 1 failed\n')

"""deploy.stack reads the deployed stack (here: a stack in moto_server) instead of ids copied by hand."""

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from forms_lambda.tokens import InvalidToken, Tokens

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_SITE = Path(__file__).parent / "fixtures" / "site"
FORMS_ENVIRONMENT = {
    "FORMS_STORE": "dynamodb://clinic",
    "FORMS_MAILER": "ses",
    "FORMS_SENDER": "Vitalitas Denver Ketamine Infusion Center <no-reply@example.org>",
    "FORMS_CLINIC_INBOX": "frontdesk@example.org",
    "FORMS_SITE_URL": "https://www.example.org",
    "FORMS_SES_CONFIGURATION_SET": "clinic-forms",
}
FIRST_KEY = "s3cret-signing-key-of-the-first-deploy"


@pytest.fixture
def stack(moto_server):
    """A stack named clinic whose outputs have the names deploy/template.yaml gives them."""
    secret = boto3.client("secretsmanager").create_secret(
        Name="clinic-forms-key", SecretString=json.dumps({"key": FIRST_KEY})
    )
    boto3.client("s3").create_bucket(Bucket="clinic-site-bucket")
    template = {
        "Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": {
            "SiteUrl": {"Value": "https://www.example.org/"},
            "SiteBucketName": {"Value": "clinic-site-bucket"},
            "DistributionId": {"Value": "E2EXAMPLE"},
            "FormsSecretArn": {"Value": secret["ARN"]},
            "FormsEnvironment": {"Value": json.dumps({**FORMS_ENVIRONMENT, "FORMS_SECRET_ARN": secret["ARN"]})},
        },
    }
    boto3.client("cloudformation").create_stack(StackName="clinic", TemplateBody=json.dumps(template))
    return "clinic"


def test_run_starts_a_command_with_the_deployed_forms_settings_and_no_key(stack):
    show_env = "import json, os; print(json.dumps({k: v for k, v in os.environ.items() if k.startswith('FORMS_')}))"
    result = subprocess.run(
        [sys.executable, "-m", "deploy.stack", "run", "--stack", stack, "--", sys.executable, "-c", show_env],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    env = json.loads(result.stdout)
    assert env == {**FORMS_ENVIRONMENT, "FORMS_SECRET_ARN": env["FORMS_SECRET_ARN"]}
    assert env["FORMS_SECRET_ARN"].startswith("arn:aws:secretsmanager:") and FIRST_KEY not in result.stdout


def test_outputs_never_print_the_secret(stack):
    result = subprocess.run(
        [sys.executable, "-m", "deploy.stack", "outputs", "--stack", stack], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "SiteBucketName=clinic-site-bucket" in result.stdout.splitlines()
    assert FIRST_KEY not in result.stdout


def test_one_output_prints_only_its_value_for_the_shell(stack):
    """`make deploy` builds the site with SITE_URL=$(python -m deploy.stack outputs --key SiteUrl)."""
    result = subprocess.run(
        [sys.executable, "-m", "deploy.stack", "outputs", "--stack", stack, "--key", "SiteUrl"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stdout) == (0, "https://www.example.org/\n")
    missing = subprocess.run(
        [sys.executable, "-m", "deploy.stack", "outputs", "--stack", stack, "--key", "Nope"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert (missing.returncode, missing.stdout) == (2, "")
    assert "stack clinic has no output Nope" in missing.stderr


def test_publish_finds_bucket_and_distribution_in_the_stack(stack):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEPLOY_")}
    result = subprocess.run(
        [sys.executable, "-m", "deploy.publish", "--dry-run", str(FIXTURE_SITE)],
        cwd=ROOT,
        env={**env, "DEPLOY_STACK": stack},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "15 to upload, 0 to delete, 0 unchanged" in result.stdout
    assert boto3.client("s3").list_objects_v2(Bucket="clinic-site-bucket").get("KeyCount") == 0


def form_service(tmp_path, secret_arn, name):
    """A copy of the function, configured as on Lambda: only the keys' ARN in its environment."""
    from forms_lambda import create_app

    return create_app(
        {
            "FORMS_SECRET_ARN": secret_arn,
            "FORMS_STORE": f"sqlite:///{tmp_path}/{name}.sqlite3",
            "FORMS_MAILER": f"maildir:{tmp_path}/mail",
            "FORMS_VAR_DIR": str(tmp_path / "var"),
        }
    )


def unsubscribe_page(app, token):
    """What a reader sees on following an unsubscribe link: 200 with the button, or 400 'not valid'."""
    return (
        app.test_client()
        .get("/api/unsubscribe", query_string={"token": token}, headers={"Accept": "text/html"})
        .status_code
    )


def rotate(stack, *options):
    result = subprocess.run(
        [sys.executable, "-m", "deploy.stack", "rotate-key", "--stack", stack, *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def current_secret(stack):
    arn = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]
    arn = {o["OutputKey"]: o["OutputValue"] for o in arn}["FormsSecretArn"]
    return arn, json.loads(boto3.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])


def test_a_rotation_breaks_no_link_old_or_new_warm_or_cold(stack, tmp_path, monkeypatch):
    from forms_lambda import signing_keys

    arn, _secret = current_secret(stack)
    warm = form_service(tmp_path, arn, "warm")  # started before the rotation, still running after it
    old_link = warm.extensions["forms_lambda"].tokens.unsubscribe_token("sub-1")

    printed = rotate(stack)
    assert printed == "new signing key in place; 1 older key(s) still accepted\n"
    _, rotated = current_secret(stack)
    assert rotated["previous"] == [FIRST_KEY] and rotated["key"] != FIRST_KEY and len(rotated["key"]) >= 32
    assert FIRST_KEY not in printed and rotated["key"] not in printed

    cold = form_service(tmp_path, arn, "cold")  # a copy started after the rotation signs with the new key
    new_link = cold.extensions["forms_lambda"].tokens.unsubscribe_token("sub-2")
    with pytest.raises(InvalidToken):
        Tokens(FIRST_KEY, 60).read_unsubscribe_token(new_link)
    assert unsubscribe_page(cold, old_link) == 200  # emails sent before the rotation
    assert unsubscribe_page(cold, new_link) == 200
    # The warm copy has never seen the new key: it reads the secret again before refusing a link.
    monkeypatch.setattr(signing_keys, "REFRESH_INTERVAL_SECONDS", 0)
    assert unsubscribe_page(warm, new_link) == 200
    assert unsubscribe_page(warm, old_link) == 200

    rotate(stack)  # a second rotation keeps both older keys
    _, twice = current_secret(stack)
    assert twice["previous"] == [rotated["key"], FIRST_KEY]
    assert unsubscribe_page(form_service(tmp_path, arn, "third"), old_link) == 200


def test_forgetting_previous_keys_after_a_leak_invalidates_old_links(stack, tmp_path):
    arn, _ = current_secret(stack)
    old_link = form_service(tmp_path, arn, "before").extensions["forms_lambda"].tokens.unsubscribe_token("sub-1")
    assert rotate(stack, "--forget-previous") == "new signing key in place; 0 older key(s) still accepted\n"
    assert current_secret(stack)[1]["previous"] == []
    assert unsubscribe_page(form_service(tmp_path, arn, "after"), old_link) == 400

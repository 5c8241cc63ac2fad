"""deploy.stack reads the deployed stack (here: a stack in moto_server) instead of ids copied by hand."""
import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_SITE = Path(__file__).parent / "fixtures" / "site"
FORMS_ENVIRONMENT = {
    "FORMS_STORE": "dynamodb://clinic", "FORMS_MAILER": "ses",
    "FORMS_SENDER": "Vitalitas Denver Ketamine Infusion Center <no-reply@example.org>",
    "FORMS_CLINIC_INBOX": "frontdesk@example.org", "FORMS_SITE_URL": "https://www.example.org",
    "FORMS_SES_CONFIGURATION_SET": "clinic-forms",
}


@pytest.fixture
def stack(moto_server):
    """A stack named clinic whose outputs have the names deploy/template.yaml gives them."""
    secret = boto3.client("secretsmanager").create_secret(Name="clinic-forms-key",
                                                          SecretString=json.dumps({"key": "s3cret-signing-key"}))
    boto3.client("s3").create_bucket(Bucket="clinic-site-bucket")
    template = {
        "Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": {
            "SiteUrl": {"Value": "https://www.example.org/"},
            "SiteBucketName": {"Value": "clinic-site-bucket"},
            "DistributionId": {"Value": "E2EXAMPLE"},
            "FormsSecretArn": {"Value": secret["ARN"]},
            "FormsEnvironment": {"Value": json.dumps(FORMS_ENVIRONMENT)},
        },
    }
    boto3.client("cloudformation").create_stack(StackName="clinic", TemplateBody=json.dumps(template))
    return "clinic"


def test_run_starts_a_command_with_the_deployed_forms_settings(stack):
    show_env = "import json, os; print(json.dumps({k: v for k, v in os.environ.items() if k.startswith('FORMS_')}))"
    result = subprocess.run([sys.executable, "-m", "deploy.stack", "run", "--stack", stack, "--",
                             sys.executable, "-c", show_env], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {**FORMS_ENVIRONMENT, "FORMS_SECRET_KEY": "s3cret-signing-key"}


def test_outputs_never_print_the_secret(stack):
    result = subprocess.run([sys.executable, "-m", "deploy.stack", "outputs", "--stack", stack],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "SiteBucketName=clinic-site-bucket" in result.stdout.splitlines()
    assert "s3cret-signing-key" not in result.stdout


def test_one_output_prints_only_its_value_for_the_shell(stack):
    """`make deploy` builds the site with SITE_URL=$(python -m deploy.stack outputs --key SiteUrl)."""
    result = subprocess.run([sys.executable, "-m", "deploy.stack", "outputs", "--stack", stack, "--key", "SiteUrl"],
                            cwd=ROOT, capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (0, "https://www.example.org/\n")
    missing = subprocess.run([sys.executable, "-m", "deploy.stack", "outputs", "--stack", stack, "--key", "Nope"],
                             cwd=ROOT, capture_output=True, text=True)
    assert (missing.returncode, missing.stdout) == (2, "")
    assert "stack clinic has no output Nope" in missing.stderr


def test_publish_finds_bucket_and_distribution_in_the_stack(stack):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEPLOY_")}
    result = subprocess.run([sys.executable, "-m", "deploy.publish", "--dry-run", str(FIXTURE_SITE)],
                            cwd=ROOT, env={**env, "DEPLOY_STACK": stack}, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "15 to upload, 0 to delete, 0 unchanged" in result.stdout
    assert boto3.client("s3").list_objects_v2(Bucket="clinic-site-bucket").get("KeyCount") == 0

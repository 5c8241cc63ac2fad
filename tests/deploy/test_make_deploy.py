"""`make deploy-dry-run` end to end: content lint, a fresh production build for the stack's address, the plan.

Runs the real Makefile against moto_server, with the fixture content and a fixture publishconf.py.
"""

import json
import os
import subprocess
from pathlib import Path

import boto3
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"


def make_stack():
    boto3.client("s3").create_bucket(Bucket="clinic-site-bucket")
    template = {
        "Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": {
            "SiteUrl": {"Value": "https://www.example.org/"},
            "SiteBucketName": {"Value": "clinic-site-bucket"},
            "DistributionId": {"Value": "E2EXAMPLE"},
            "NotifyFunctionName": {"Value": "clinic-NotifyFunction-AbC123"},
        },
    }
    boto3.client("cloudformation").create_stack(StackName="clinic", TemplateBody=json.dumps(template))


def make(target, output, content=FIXTURES / "content-good"):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEPLOY_", "MAKE"))}
    return subprocess.run(
        [
            "make",
            "--no-print-directory",
            target,
            f"INPUTDIR={content}",
            f"OUTPUTDIR={output}",
            f"PUBLISHCONF={FIXTURES / 'publishconf.py'}",
            "DEPLOY_STACK=clinic",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_dry_run_builds_for_the_stacks_address_and_prints_the_plan(moto_server, tmp_path):
    make_stack()
    stale = tmp_path / "output" / "left-from-make-html.html"
    stale.parent.mkdir()
    stale.write_text("old")
    result = make("deploy-dry-run", tmp_path / "output")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "content ok: 8 Markdown files checked" in result.stdout
    assert "upload  blog/ketamine-for-chronic-pain/index.html  (text/html; charset=utf-8;" in result.stdout
    assert "dry run: nothing changed" in result.stdout
    assert "left-from-make-html.html" not in result.stdout and not stale.exists()
    assert "a-look-ahead" not in result.stdout and "ketamine-and-depression" not in result.stdout
    page = BeautifulSoup((tmp_path / "output/blog/ketamine-for-chronic-pain/index.html").read_text(), "lxml")
    assert page.find("a", href="https://www.example.org/about/") is not None
    assert boto3.client("s3").list_objects_v2(Bucket="clinic-site-bucket")["KeyCount"] == 0


def test_content_mistakes_stop_the_deploy_before_anything_is_built(moto_server, tmp_path):
    make_stack()
    result = make("deploy-dry-run", tmp_path / "output", content=FIXTURES / "content-bad")
    assert result.returncode != 0
    assert "articles/bad-date.md:2: 'Date: 2024-02-30' is not a valid date" in result.stdout
    assert not (tmp_path / "output").exists()


def test_deploy_uploads_the_build_then_asks_the_notify_function_to_mail(moto_server, tmp_path):
    """No newsletter code runs on the deploying machine: it invokes the stack's function and prints its summary."""
    from tests.support.servers import lambda_answers

    make_stack()  # a first publish: nothing to invalidate yet
    lambda_answers(moto_server, {"ok": True, "exit_code": 0, "summary": "no new articles to announce\n"})
    result = make("deploy", tmp_path / "output")
    assert result.returncode == 0, result.stdout + result.stderr
    keys = {o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket="clinic-site-bucket")["Contents"]}
    assert "blog/ketamine-for-chronic-pain/index.html" in keys and "feeds/all.atom.xml" in keys
    assert result.stdout.rstrip().endswith("no new articles to announce")

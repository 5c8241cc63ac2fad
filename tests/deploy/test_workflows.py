"""The authors' workflow in GitHub Actions: actionlint clean, and it does what the README promises."""
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
ACTIONLINT = Path(sys.executable).parent / "actionlint"


def actionlint(cwd):
    return subprocess.run([str(ACTIONLINT), "-no-color"], cwd=cwd, capture_output=True, text=True)


def load(name):
    # PyYAML reads the key `on` as True (YAML 1.1).
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    workflow["on"] = workflow.pop(True)
    return workflow


def run_lines(job):
    return [step["run"] for step in job["steps"] if "run" in step]


def test_actionlint_reports_nothing():
    result = actionlint(ROOT)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_actionlint_would_catch_a_broken_workflow(tmp_path):
    shutil.copytree(WORKFLOWS, tmp_path / ".github" / "workflows")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    broken = tmp_path / ".github/workflows/publish.yml"
    broken.write_text(broken.read_text().replace("${{ vars.DEPLOY_STACK }}", "${{ var.DEPLOY_STACK }}"))
    result = actionlint(tmp_path)
    assert result.returncode == 1
    assert 'undefined variable "var"' in result.stdout


def test_pull_requests_lint_content_build_and_test():
    check = load("check.yml")
    assert "pull_request" in check["on"]
    assert run_lines(check["jobs"]["check"]) == ["make venv", "make lint-content", "make publish",
                                                 "make lint-deploy", "make test"]


def test_main_and_a_daily_schedule_publish_with_an_oidc_role_and_no_stored_keys():
    publish = load("publish.yml")
    assert publish["on"]["push"] == {"branches": ["main"]}
    assert len(publish["on"]["schedule"]) == 1
    jobs = publish["jobs"]
    assert jobs["check"]["uses"] == "./.github/workflows/check.yml"
    job = jobs["publish"]
    assert job["needs"] == "check"
    assert job["permissions"]["id-token"] == "write"
    (credentials,) = [s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials")]
    assert credentials["with"]["role-to-assume"] == "${{ vars.AWS_PUBLISH_ROLE_ARN }}"
    assert run_lines(job)[-1] == "make deploy"
    text = (WORKFLOWS / "publish.yml").read_text()
    assert "secrets." not in text and "aws-access-key-id" not in text

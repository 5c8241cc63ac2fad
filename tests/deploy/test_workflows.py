"""The authors' workflow in GitHub Actions: actionlint clean, and it does what the README promises."""

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
ACTIONLINT = Path(sys.executable).parent / "actionlint"
ZIZMOR = Path(sys.executable).parent / "zizmor"
# What `uses:` and `container:` must look like: a full commit SHA with the release in a comment, an image digest.
PINNED_USES = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
PINNED_LINE = re.compile(r"uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
PINNED_IMAGE = re.compile(r"^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$")


def actionlint(cwd):
    return subprocess.run([str(ACTIONLINT), "-no-color"], cwd=cwd, capture_output=True, text=True)


def load(name):
    # PyYAML reads the key `on` as True (YAML 1.1).
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    workflow["on"] = workflow.pop(True)
    return workflow


def run_lines(job):
    return [step["run"] for step in job["steps"] if "run" in step]


def in_order(commands, job):
    """The job runs each of `commands`, in this order (whatever else it runs between them)."""
    return [line for line in run_lines(job) if line in commands] == commands


def test_actionlint_reports_nothing():
    result = actionlint(ROOT)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_pull_requests_lint_content_build_and_test():
    check = load("check.yml")
    assert "pull_request" in check["on"]
    assert in_order(["make venv", "make lint-content", "make publish", "make test"], check["jobs"]["check"])
    assert "make lint-deploy" in run_lines(check["jobs"]["check"])


def all_jobs():
    """(workflow file, job name, job) of every job in every workflow."""
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for name, job in load(path.name)["jobs"].items():
            yield path.name, name, job


def assumes_aws_role(job):
    return any(s.get("uses", "").startswith("aws-actions/configure-aws-credentials") for s in job.get("steps", []))


def test_main_and_a_daily_schedule_publish_with_an_oidc_role_and_no_stored_keys():
    publish = load("publish.yml")
    assert publish["on"]["push"] == {"branches": ["main"]}
    assert len(publish["on"]["schedule"]) == 1
    jobs = publish["jobs"]
    assert jobs["check"]["uses"] == "./.github/workflows/check.yml"
    assert (jobs["build"]["needs"], jobs["deploy"]["needs"]) == ("check", "build")
    (credentials,) = [
        s for s in jobs["deploy"]["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials")
    ]
    assert credentials["with"]["role-to-assume"] == "${{ vars.AWS_PUBLISH_ROLE_ARN }}"
    text = (WORKFLOWS / "publish.yml").read_text()
    assert "secrets." not in text and "aws-access-key-id" not in text


def test_only_the_deploy_job_gets_aws_credentials_and_it_runs_no_build():
    """Whatever builds or tests (Pelican, plugins, the Makefile's build, the test suite) runs without credentials;
    the job with credentials installs the locked packages first and then only uploads and invokes."""
    with_token = [(f, name) for f, name, job in all_jobs() if job.get("permissions", {}).get("id-token") == "write"]
    assert with_token == [("publish.yml", "deploy")]
    assert [(f, name) for f, name, job in all_jobs() if assumes_aws_role(job)] == [("publish.yml", "deploy")]
    deploy = load("publish.yml")["jobs"]["deploy"]
    assert not {"make html", "make publish", "make test"} & set(run_lines(deploy))
    steps = [s.get("uses", s.get("run", "")).split("@")[0] for s in deploy["steps"]]
    assert steps.index("make venv") < steps.index("aws-actions/configure-aws-credentials")
    assert steps.index("actions/download-artifact") < steps.index("aws-actions/configure-aws-credentials")
    assert steps[-1] == "make deploy-upload"


def test_the_build_job_hands_the_built_site_to_the_deploy_job():
    jobs = load("publish.yml")["jobs"]
    build, deploy = jobs["build"], jobs["deploy"]
    assert in_order(["make venv", "make lint-content-publish", "make publish"], build)
    (built,) = [s for s in build["steps"] if "SITE_URL" in s.get("env", {})]
    assert built["env"]["SITE_URL"] == "${{ vars.SITE_URL }}"
    (upload,) = [s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-artifact")]
    (download,) = [s for s in deploy["steps"] if s.get("uses", "").startswith("actions/download-artifact")]
    assert upload["with"]["name"] == download["with"]["name"]
    assert upload["with"]["path"] == download["with"]["path"] == "output/"


def zizmor(path):
    return subprocess.run(
        [str(ZIZMOR), "--offline", "--persona", "pedantic", "--quiet", str(path)], capture_output=True, text=True
    )


def test_zizmor_finds_nothing():
    result = zizmor(WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def steps_of_every_job():
    for workflow, name, job in all_jobs():
        for step in job.get("steps", []):
            yield workflow, name, step


def test_every_action_is_pinned_to_a_commit_with_its_release_in_a_comment():
    used = [(w, step["uses"]) for w, _, step in steps_of_every_job() if "uses" in step]
    assert used and all(PINNED_USES.match(uses) for _, uses in used), used
    for path in WORKFLOWS.glob("*.yml"):
        for line in path.read_text().splitlines():
            if re.match(r"\s*-?\s*uses: [\w-]+/", line):
                assert PINNED_LINE.search(line.strip()), (path.name, line)


def test_every_container_is_pinned_by_digest():
    images = [job["container"] for _, _, job in all_jobs() if "container" in job]
    assert images and all(PINNED_IMAGE.match(image) for image in images), images


def test_no_checkout_leaves_the_token_in_git_config():
    checkouts = [step for _, _, step in steps_of_every_job() if step.get("uses", "").startswith("actions/checkout@")]
    assert checkouts and all(step.get("with", {}).get("persist-credentials") is False for step in checkouts)


def test_every_job_asks_only_for_what_it_needs():
    """Nothing by default; contents: read to check out; id-token: write only where the role is assumed."""
    for name in ("check.yml", "publish.yml"):
        assert load(name)["permissions"] == {}
    for workflow, name, job in all_jobs():
        allowed = {"contents": "read", "id-token": "write"} if assumes_aws_role(job) else {"contents": "read"}
        assert job["permissions"] == allowed, (workflow, name)


def test_the_deploy_job_alone_runs_in_the_production_environment():
    """The role trusts the subject repo:<owner>/<name>:environment:production, so only this job can assume it."""
    in_environment = [(f, name, job.get("environment")) for f, name, job in all_jobs() if "environment" in job]
    assert in_environment == [("publish.yml", "deploy", "production")]


def test_codeowners_cover_everything_that_runs_in_the_pipeline_or_in_aws():
    owned = {
        line.split()[0]
        for line in (ROOT / ".github" / "CODEOWNERS").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {
        "/.github/",
        "/deploy/",
        "/Makefile",
        "*conf.py",
        "/plugins/",
        "/theme/",
        "/forms_lambda/",
        "/pyproject.toml",
        "/requirements*.txt",
        "/package.json",
        "/package-lock.json",
        "/clinic.toml",
    } <= owned
    assert not [path for path in owned if path.startswith("/content")]

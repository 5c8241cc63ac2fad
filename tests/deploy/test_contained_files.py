"""A symbolic link (or an oddly named file) in content/ is refused by the lint, the build and the publisher.

The attack: a content-only pull request adds content/images/notes.txt -> /proc/self/environ; without these checks
Pelican copies the target into output/ and the publisher uploads the publish job's environment to the public
bucket.
"""

import io
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from deploy import publish
from deploy.lint_content import lint
from plugins.contained_files import UnsafePath

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
WIDE_LOG = {"COLUMNS": "1000"}  # Pelican's log lines unwrapped, to read the message whole


def add_link(root, name, target):
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)
    return path


# (name of the link under the folder, its target): outside the machine's files, a folder, relative escapes,
# a link to a file of the site itself (refused too: one rule, no judgement about targets), a Markdown file.
LINKS = [
    ("images/notes.txt", "/proc/self/environ"),
    ("images/etc", "/etc"),
    ("images/up.txt", "../../../../../../etc/hostname"),
    ("images/copy.png", "infusion-room.png"),
    ("articles/environ.md", "/proc/self/environ"),
]
BAD_NAMES = ["images/star*.png", "images/bell\x07.png", "images/new\nline.png"]


@pytest.fixture
def content(tmp_path):
    return Path(shutil.copytree(FIXTURES / "content-good", tmp_path / "content"))


@pytest.mark.parametrize("name,target", LINKS)
def test_lint_reports_a_link_and_never_reads_it(content, name, target):
    link = add_link(content, name, target)
    problems = lint(content)
    assert [(p.path, p.line) for p in problems] == [(link, 1)]
    assert f"is a symbolic link (to {target})" in problems[0].message


@pytest.mark.parametrize("name", BAD_NAMES)
def test_lint_reports_control_characters_and_stars_in_names(content, name):
    (content / name).write_bytes(b"x")
    (problem,) = lint(content)
    assert (problem.path.name, problem.message) == (
        Path(name).name,
        "has a control character or * in its name; rename it",
    )


def test_lint_command_fails_on_a_link(content):
    add_link(content, "images/notes.txt", "/proc/self/environ")
    result = subprocess.run(
        [sys.executable, "-m", "deploy.lint_content", str(content)], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stdout.startswith(f"{content}/images/notes.txt:1: is a symbolic link (to /proc/self/environ)")
    assert "content ok" not in result.stdout


@pytest.mark.parametrize("name,target", [LINKS[0], LINKS[1], LINKS[3]])
def test_the_build_stops_before_writing_anything(content, tmp_path, build_site, name, target):
    add_link(content, name, target)
    output = tmp_path / "output"
    with pytest.raises(AssertionError, match="is a symbolic link") as failure:
        build_site(output, content=content, env=WIDE_LOG)
    assert f"{name} is a symbolic link (to {target})" in str(failure.value)
    assert not output.exists()


def test_the_build_refuses_a_link_in_the_theme(content, tmp_path, build_site):
    theme = Path(shutil.copytree(ROOT / "theme", tmp_path / "theme"))
    add_link(theme, "static/img/environ.txt", "/proc/self/environ")
    with pytest.raises(AssertionError, match=r"environ\.txt is a symbolic link"):
        build_site(tmp_path / "output", content=content, env=WIDE_LOG, THEME=str(theme))


@pytest.fixture
def site(tmp_path):
    return Path(shutil.copytree(FIXTURES / "site", tmp_path / "output"))


@pytest.mark.parametrize("name,target", LINKS)
def test_publish_refuses_a_site_with_a_link(moto_server, site, name, target):
    add_link(site, name, target)
    boto3.client("s3").create_bucket(Bucket="clinic-site-test")
    with pytest.raises(UnsafePath, match="is a symbolic link"):
        publish.publish(site, "clinic-site-test", "E2EXAMPLE", out=io.StringIO())
    assert boto3.client("s3").list_objects_v2(Bucket="clinic-site-test")["KeyCount"] == 0


@pytest.mark.parametrize("name", BAD_NAMES)
def test_publish_refuses_control_characters_and_stars_in_names(site, name):
    (site / name).write_bytes(b"x")
    with pytest.raises(UnsafePath, match=r"has a control character or \* in its name"):
        publish.local_files(site)


def test_publish_command_says_why_it_refuses(moto_server, site):
    add_link(site, "images/notes.txt", "/proc/self/environ")
    boto3.client("s3").create_bucket(Bucket="clinic-site-test")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "deploy.publish",
            "--bucket",
            "clinic-site-test",
            "--distribution",
            "E2EXAMPLE",
            str(site),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert f"refusing to publish {site}: {site}/images/notes.txt is a symbolic link" in result.stderr
    assert "AWS_" not in result.stdout + result.stderr

"""Files that must live at the site's root come from content/extra/, so every publish keeps them.

The publisher deletes from the bucket whatever the build did not write: a .well-known/security.txt or a site
verification file put into the bucket by hand would vanish at the next publish.
"""

import io
import shutil
from pathlib import Path

import boto3
import pytest

from deploy import publish
from deploy.lint_content import lint

ROOT = Path(__file__).resolve().parents[2]
ROOT_FILES = {
    "extra/.well-known/security.txt": "Contact: mailto:security@clinic.example\n",
    "extra/google0123456789abcdef.html": "google-site-verification: google0123456789abcdef.html\n",
    "extra/BingSiteAuth.xml": '<?xml version="1.0"?><users><user>0123</user></users>\n',
}


@pytest.fixture(scope="module")
def site_with_root_files(tmp_path_factory, build_site):
    content = Path(shutil.copytree(ROOT / "content", tmp_path_factory.mktemp("root") / "content"))
    for name, text in ROOT_FILES.items():
        (content / name).parent.mkdir(parents=True, exist_ok=True)
        (content / name).write_text(text)
    (content / "pages/security.md").write_text(
        "Title: Security\nStatus: hidden\n\nReport a problem as [security.txt](/.well-known/security.txt) says.\n"
    )
    return content, build_site(content.parent / "output", content=content)


def test_files_in_content_extra_are_built_at_the_root(site_with_root_files):
    _, output = site_with_root_files
    for name, text in ROOT_FILES.items():
        assert (output / name.removeprefix("extra/")).read_text() == text
    assert not (output / "extra").exists()
    assert (output / "favicon.ico").is_file() and (output / "favicon.svg").is_file()


def test_the_lint_knows_they_are_at_the_root(site_with_root_files):
    content, _ = site_with_root_files
    assert lint(content) == []


def test_publishing_again_keeps_them_and_removes_a_file_put_in_the_bucket_by_hand(moto_server, site_with_root_files):
    _, output = site_with_root_files
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="root-files")
    publish.publish(output, "root-files", None, out=io.StringIO())
    s3.put_object(Bucket="root-files", Key="by-hand.txt", Body=b"lost at the next publish")
    plan = publish.publish(output, "root-files", None, dry_run=True, out=io.StringIO())
    assert plan.delete == ["by-hand.txt"]
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="root-files")["Contents"]}
    assert {".well-known/security.txt", "google0123456789abcdef.html", "BingSiteAuth.xml"} <= keys

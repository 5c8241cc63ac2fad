"""The publisher against a real moto_server (S3 + CloudFront), with a fixture site as output/."""

import io
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from deploy import publish

FIXTURE_SITE = Path(__file__).parent / "fixtures" / "site"
ROOT = Path(__file__).resolve().parents[2]
BUCKET = "clinic-site-test"

EXPECTED_HEADERS = {
    "index.html": ("text/html; charset=utf-8", "public, max-age=0, must-revalidate"),
    "404.html": ("text/html; charset=utf-8", "public, max-age=0, must-revalidate"),
    "blog/ketamine-for-chronic-pain/index.html": ("text/html; charset=utf-8", "public, max-age=0, must-revalidate"),
    "feeds/all.atom.xml": ("application/atom+xml; charset=utf-8", "public, max-age=0, must-revalidate"),
    "feeds/all.rss.xml": ("application/rss+xml; charset=utf-8", "public, max-age=0, must-revalidate"),
    "sitemap.xml": ("application/xml; charset=utf-8", "public, max-age=0, must-revalidate"),
    "robots.txt": ("text/plain; charset=utf-8", "public, max-age=0, must-revalidate"),
    "theme/css/site.3f9a1c2b.css": ("text/css; charset=utf-8", "public, max-age=31536000, immutable"),
    "theme/js/forms.0a1b2c3d4e.js": ("text/javascript; charset=utf-8", "public, max-age=31536000, immutable"),
    "images/logo.svg": ("image/svg+xml; charset=utf-8", "public, max-age=86400"),
    "images/clinic.png": ("image/png", "public, max-age=86400"),
    "favicon.ico": ("image/x-icon", "public, max-age=86400"),
}


@pytest.fixture
def aws(moto_server):
    """A bucket and a distribution in moto_server; returns (s3, cloudfront, distribution_id)."""
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    # Versioning lets the tests see which objects were written, and how often (as the template's bucket does).
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    cloudfront = boto3.client("cloudfront")
    distribution = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": "test",
            "Comment": "clinic",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "site",
                        "DomainName": f"{BUCKET}.s3.us-east-1.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "site",
                "ViewerProtocolPolicy": "redirect-to-https",
                "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
            },
        }
    )["Distribution"]["Id"]
    return s3, cloudfront, distribution


@pytest.fixture
def site(tmp_path):
    """A copy of the fixture site that a test may edit, like output/ after a rebuild."""
    return Path(shutil.copytree(FIXTURE_SITE, tmp_path / "output"))


def bucket_objects(s3):
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    return {o["Key"]: o for page in pages for o in page.get("Contents", [])}


def writes_per_key(s3):
    versions = s3.list_object_versions(Bucket=BUCKET).get("Versions", [])
    counts = {}
    for version in versions:
        counts[version["Key"]] = counts.get(version["Key"], 0) + 1
    return counts


def invalidated_paths(cloudfront, distribution):
    listed = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"].get("Items", [])
    return [
        sorted(
            cloudfront.get_invalidation(DistributionId=distribution, Id=i["Id"])["Invalidation"]["InvalidationBatch"][
                "Paths"
            ]["Items"]
        )
        for i in listed
    ]


def run_publish(site, distribution, dry_run=False):
    out = io.StringIO()
    plan = publish.publish(site, BUCKET, distribution, dry_run=dry_run, out=out)
    return plan, out.getvalue()


def test_first_publish_uploads_everything_with_the_right_headers(aws, site):
    s3, cloudfront, distribution = aws
    _plan, printed = run_publish(site, distribution)

    every_file = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    assert sorted(bucket_objects(s3)) == every_file
    for key, (content_type, cache_control) in EXPECTED_HEADERS.items():
        head = s3.head_object(Bucket=BUCKET, Key=key)
        assert (key, head["ContentType"], head["CacheControl"]) == (key, content_type, cache_control)
    body = s3.get_object(Bucket=BUCKET, Key="blog/ketamine-for-chronic-pain/index.html")["Body"].read()
    assert body == (site / "blog/ketamine-for-chronic-pain/index.html").read_bytes()
    # Nothing was cached before the first publish, so nothing needs invalidating.
    assert invalidated_paths(cloudfront, distribution) == []
    assert f"{len(every_file)} to upload, 0 to delete, 0 unchanged" in printed


def test_second_publish_uploads_only_changes_deletes_removed_and_invalidates_them(aws, site):
    s3, cloudfront, distribution = aws
    run_publish(site, distribution)

    # The author edits one article; the index and feeds change with it; a page is removed; a new one appears.
    article = site / "blog/ketamine-for-chronic-pain/index.html"
    article.write_text(article.read_text().replace("can help.", "can help, updated."))
    for name in ("index.html", "feeds/all.atom.xml", "feeds/all.rss.xml"):
        (site / name).write_text((site / name).read_text() + "\n<!-- updated -->\n")
    shutil.rmtree(site / "old-offer")
    (site / "blog/new-article").mkdir()
    (site / "blog/new-article/index.html").write_text("<!DOCTYPE html><title>New</title>")
    plan, printed = run_publish(site, distribution)

    assert sorted(f.key for f in plan.upload) == [
        "blog/ketamine-for-chronic-pain/index.html",
        "blog/new-article/index.html",
        "feeds/all.atom.xml",
        "feeds/all.rss.xml",
        "index.html",
    ]
    after = bucket_objects(s3)
    assert "old-offer/index.html" not in after
    assert "blog/new-article/index.html" in after
    rewritten = sorted(key for key, count in writes_per_key(s3).items() if count > 1)
    assert rewritten == [
        "blog/ketamine-for-chronic-pain/index.html",
        "feeds/all.atom.xml",
        "feeds/all.rss.xml",
        "index.html",
    ]
    assert (
        s3.get_object(Bucket=BUCKET, Key="blog/ketamine-for-chronic-pain/index.html")["Body"].read()
        == article.read_bytes()
    )
    assert invalidated_paths(cloudfront, distribution) == [
        sorted(
            [
                "/",
                "/index.html",
                "/blog/ketamine-for-chronic-pain/",
                "/blog/ketamine-for-chronic-pain/index.html",
                "/feeds/all.atom.xml",
                "/feeds/all.rss.xml",
                "/old-offer/",
                "/old-offer/index.html",
            ]
        )
    ]
    assert "5 to upload, 1 to delete, 10 unchanged, 8 paths to invalidate" in printed


def test_publishing_the_same_site_again_changes_nothing(aws, site):
    _s3, cloudfront, distribution = aws
    run_publish(site, distribution)
    plan, printed = run_publish(site, distribution)
    assert (plan.upload, plan.delete, plan.invalidate) == ([], [], [])
    assert invalidated_paths(cloudfront, distribution) == []
    assert "0 to upload, 0 to delete, 15 unchanged, 0 paths to invalidate" in printed


def test_drafts_written_by_pelican_are_never_uploaded(aws, site):
    s3, _cloudfront, distribution = aws
    (site / "drafts/ketamine-and-depression").mkdir(parents=True)
    (site / "drafts/ketamine-and-depression/index.html").write_text("<!DOCTYPE html><title>Unfinished</title>")
    run_publish(site, distribution)
    assert not [key for key in bucket_objects(s3) if key.startswith("drafts/")]
    assert "index.html" in bucket_objects(s3)


def test_dry_run_prints_the_plan_and_changes_nothing(aws, site):
    s3, cloudfront, distribution = aws
    run_publish(site, distribution)
    before = bucket_objects(s3)
    (site / "about/index.html").write_text("<!DOCTYPE html><title>About us</title>")
    shutil.rmtree(site / "old-offer")

    _plan, printed = run_publish(site, distribution, dry_run=True)

    assert "upload  about/index.html  (text/html; charset=utf-8; public, max-age=0, must-revalidate)" in printed
    assert "delete  old-offer/index.html" in printed
    assert "invalidate  /about/" in printed
    assert "dry run: nothing changed" in printed
    assert bucket_objects(s3) == before
    assert invalidated_paths(cloudfront, distribution) == []


def test_many_changed_paths_collapse_into_one_wildcard():
    keys = [f"blog/a{i}/index.html" for i in range(publish.MAX_INVALIDATION_PATHS)]
    assert publish.invalidation_paths(keys) == ["/*"]


def test_command_line_reads_bucket_and_distribution_from_the_environment(aws, site):
    s3, _cloudfront, distribution = aws
    env = {**__import__("os").environ, "DEPLOY_BUCKET": BUCKET, "DEPLOY_DISTRIBUTION_ID": distribution}
    result = subprocess.run(
        [sys.executable, "-m", "deploy.publish", "--dry-run", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "15 to upload, 0 to delete" in result.stdout
    assert bucket_objects(s3) == {}


def test_command_line_refuses_a_folder_that_is_not_a_built_site(aws, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "deploy.publish", "--bucket", BUCKET, "--distribution", "D", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "has no index.html" in result.stderr


@pytest.mark.parametrize(
    "key,path",
    [
        ("images/my photo.png", "/images/my%20photo.png"),
        ("blog/café/photo.jpg", "/blog/caf%C3%A9/photo.jpg"),
        ("100%.html", "/100%25.html"),
        ("notes#1.txt", "/notes%231.txt"),
        ("what?.html", "/what%3F.html"),
        ('a[1]{2}|^`\\"<>.txt', "/a%5B1%5D%7B2%7D%7C%5E%60%5C%22%3C%3E.txt"),
        ("files/it's-(ok)_~a+b,c;d=e:f@g!$&.pdf", "/files/it's-(ok)_~a+b,c;d=e:f@g!$&.pdf"),
    ],
)
def test_invalidation_paths_are_percent_encoded_as_browsers_request_them(key, path):
    assert publish.invalidation_paths([key]) == [path]


def test_a_changed_page_with_an_encoded_name_is_invalidated_at_its_clean_url_too():
    assert publish.invalidation_paths(["blog/café/index.html"]) == ["/blog/caf%C3%A9/", "/blog/caf%C3%A9/index.html"]


def test_unicode_and_spaces_reach_cloudfront_encoded(aws, site):
    s3, cloudfront, distribution = aws
    (site / "images/our room.png").write_bytes(b"v1")
    run_publish(site, distribution)
    (site / "images/our room.png").write_bytes(b"v2")
    run_publish(site, distribution)
    assert invalidated_paths(cloudfront, distribution) == [["/images/our%20room.png"]]
    assert s3.get_object(Bucket=BUCKET, Key="images/our room.png")["Body"].read() == b"v2"

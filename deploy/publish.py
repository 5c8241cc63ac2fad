"""Publish a built site (output/) to the S3 bucket behind CloudFront.

    python -m deploy.publish --bucket B --distribution D [--dry-run] output/

Bucket and distribution may also come from DEPLOY_BUCKET / DEPLOY_DISTRIBUTION_ID, or from the outputs of the
stack named by --stack / DEPLOY_STACK. Only files whose content changed are uploaded, files that are gone from
output/ are deleted, and only the paths that changed or disappeared are invalidated in CloudFront.
"""

import argparse
import base64
import hashlib
import mimetypes
import os
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import boto3

from deploy import stack
from plugins import contained_files

# Theme assets carry their content hash in the name (site.3f9a1c2b.css): a new version is a new URL, so browsers
# and CloudFront may keep them for a year without asking again.
HASHED_NAME = re.compile(r"\.[0-9a-f]{8,}\.")
CACHE_IMMUTABLE = "public, max-age=31536000, immutable"
# HTML, feeds, sitemap, robots and unhashed CSS/JS must show a publish at once: revalidate on every use
# (cheap: CloudFront answers 304 from its cache, which publish invalidates).
CACHE_REVALIDATE = "public, max-age=0, must-revalidate"
# Unhashed images and icons rarely change and an old copy for a day is harmless.
CACHE_MEDIA = "public, max-age=86400"
MEDIA_TYPES = ("image/", "font/", "audio/", "video/")

# Types Python's mimetypes gets wrong or leaves out; text types get an explicit charset (Pelican writes UTF-8).
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".webmanifest": "application/manifest+json; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml; charset=utf-8",
    ".ico": "image/x-icon",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
}
FEED_TYPES = {
    ".atom.xml": "application/atom+xml; charset=utf-8",
    ".rss.xml": "application/rss+xml; charset=utf-8",
}

# One invalidation path costs the same whatever it matches; past this many paths one "/*" is cheaper and simpler
# (CloudFront bills invalidation paths beyond 1,000 a month).
MAX_INVALIDATION_PATHS = 100


def content_type(key):
    name = key.rsplit("/", 1)[-1].lower()
    for suffix, value in FEED_TYPES.items():
        if name.endswith(suffix):
            return value
    suffix = os.path.splitext(name)[1]
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(name)
    if guessed is None:
        return "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


def cache_control(key):
    if HASHED_NAME.search(key.rsplit("/", 1)[-1]):
        return CACHE_IMMUTABLE
    if content_type(key).startswith(MEDIA_TYPES):
        return CACHE_MEDIA
    return CACHE_REVALIDATE


@dataclass
class LocalFile:
    key: str
    path: Path
    md5: str


@dataclass
class Plan:
    upload: list = field(default_factory=list)  # LocalFile, new or changed
    delete: list = field(default_factory=list)  # keys gone from output/
    invalidate: list = field(default_factory=list)  # CloudFront paths
    unchanged: int = 0


# Pelican writes drafts, and articles dated in the future, under drafts/ unless publishconf.py sets
# DRAFT_SAVE_AS = "": whatever the settings, they never go to the public bucket (and old ones there are deleted).
NEVER_PUBLISHED = ("drafts/",)


def local_files(site_dir):
    """{key: LocalFile} of the built site; raises UnsafePath if anything in it is a link or oddly named.

    A link would upload whatever it points to (the publish job's own environment, with its credentials).
    """
    site_dir = Path(site_dir)
    contained_files.check(site_dir)
    files = {}
    for path in sorted(site_dir.rglob("*")):
        key = path.relative_to(site_dir).as_posix()
        if path.is_file() and not key.startswith(NEVER_PUBLISHED):
            files[key] = LocalFile(key, path, hashlib.md5(path.read_bytes()).hexdigest())
    return files


def remote_etags(s3, bucket):
    """{key: md5 hex} of every object in the bucket.

    We compare against the ETag from one paginated listing rather than a sha256 kept in object metadata: metadata
    would need one HEAD request per object, while the listing already carries the ETag. The ETag is the MD5 of the
    body for objects uploaded in a single PUT with SSE-S3 (what put_object below and the template's AES256 bucket
    give). A multipart or SSE-KMS ETag is not an MD5, never matches, and so only costs one extra upload: safe.
    """
    etags = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            etags[obj["Key"]] = obj["ETag"].strip('"')
    return etags


# Characters CloudFront takes as they are in an invalidation path; everything else (spaces, %, #, ?, non-ASCII...)
# is percent-encoded, as browsers request it ("URL-encode ... unsafe characters as defined in RFC 1738"). A "*"
# would be a wildcard: local_files refuses file names with it.
PATH_SAFE = "/!$&'()+,;=:@"


def invalidation_paths(keys):
    """CloudFront paths for changed keys, percent-encoded; a directory index is also reachable as its clean URL."""
    paths = set()
    for key in keys:
        paths.add("/" + quote(key, safe=PATH_SAFE))
        if key == "index.html" or key.endswith("/index.html"):
            paths.add("/" + quote(key[: -len("index.html")], safe=PATH_SAFE))
    paths = sorted(paths)
    return ["/*"] if len(paths) > MAX_INVALIDATION_PATHS else paths


def make_plan(files, etags):
    plan = Plan()
    changed = []
    for key, f in files.items():
        if etags.get(key) == f.md5:
            plan.unchanged += 1
            continue
        plan.upload.append(f)
        if key in etags:
            changed.append(key)
    plan.delete = sorted(set(etags) - set(files))
    # New files need no invalidation: nothing is cached for them yet.
    plan.invalidate = invalidation_paths(changed + plan.delete) if changed or plan.delete else []
    return plan


def upload_order(files):
    """Assets before pages, so a new page never points at an asset that is not there yet."""
    return sorted(files, key=lambda f: (f.key.endswith(".html"), f.key))


def upload(s3, bucket, f):
    body = f.path.read_bytes()
    s3.put_object(
        Bucket=bucket,
        Key=f.key,
        Body=body,
        ContentType=content_type(f.key),
        CacheControl=cache_control(f.key),
        # S3 checks the body against it, so a corrupted upload fails instead of being published.
        ContentMD5=base64.b64encode(bytes.fromhex(f.md5)).decode(),
    )


def execute(plan, bucket, distribution, s3, cloudfront, workers=8):
    ordered = upload_order(plan.upload)
    assets = [f for f in ordered if not f.key.endswith(".html")]
    pages = [f for f in ordered if f.key.endswith(".html")]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for batch in (assets, pages):
            list(pool.map(lambda f: upload(s3, bucket, f), batch))
    # Old objects go only after every new page is in place.
    for start in range(0, len(plan.delete), 1000):
        chunk = plan.delete[start : start + 1000]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True})
    if plan.invalidate and distribution:
        reply = cloudfront.create_invalidation(
            DistributionId=distribution,
            InvalidationBatch={
                "Paths": {"Quantity": len(plan.invalidate), "Items": plan.invalidate},
                "CallerReference": f"publish-{time.time_ns()}",
            },
        )
        return reply["Invalidation"]["Id"]
    return None


def describe(plan, out):
    for f in upload_order(plan.upload):
        print(f"upload  {f.key}  ({content_type(f.key)}; {cache_control(f.key)})", file=out)
    for key in plan.delete:
        print(f"delete  {key}", file=out)
    for path in plan.invalidate:
        print(f"invalidate  {path}", file=out)
    print(
        f"{len(plan.upload)} to upload, {len(plan.delete)} to delete, {plan.unchanged} unchanged, "
        f"{len(plan.invalidate)} paths to invalidate",
        file=out,
    )


def publish(site_dir, bucket, distribution, dry_run=False, out=sys.stdout):
    """Sync site_dir to the bucket; returns the Plan. With dry_run, only reads the bucket and prints the plan."""
    s3 = boto3.client("s3")
    plan = make_plan(local_files(site_dir), remote_etags(s3, bucket))
    describe(plan, out)
    if dry_run:
        print("dry run: nothing changed", file=out)
        return plan
    invalidation = execute(plan, bucket, distribution, s3, boto3.client("cloudfront"))
    if invalidation:
        print(f"invalidation {invalidation} created", file=out)
    return plan


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m deploy.publish", description=__doc__.splitlines()[0])
    parser.add_argument("site_dir", type=Path, help="the built site, e.g. output/")
    parser.add_argument("--bucket", default=os.environ.get("DEPLOY_BUCKET"))
    parser.add_argument("--distribution", default=os.environ.get("DEPLOY_DISTRIBUTION_ID"))
    parser.add_argument(
        "--stack",
        default=os.environ.get("DEPLOY_STACK"),
        help="read bucket and distribution from this CloudFormation stack's outputs",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    args = parser.parse_args(argv)
    if (not args.bucket or not args.distribution) and args.stack:
        outputs = stack.stack_outputs(args.stack)
        args.bucket = args.bucket or outputs[stack.BUCKET_OUTPUT]
        args.distribution = args.distribution or outputs[stack.DISTRIBUTION_OUTPUT]
    if not args.bucket:
        parser.error("no bucket: pass --bucket, set DEPLOY_BUCKET, or name the stack with --stack/DEPLOY_STACK")
    if not args.distribution and not args.dry_run:
        parser.error("no distribution: pass --distribution, set DEPLOY_DISTRIBUTION_ID, or use --stack")
    if not (args.site_dir / "index.html").is_file():
        parser.error(f"{args.site_dir} has no index.html: build the site first (make publish)")
    try:
        publish(args.site_dir, args.bucket, args.distribution, dry_run=args.dry_run)
    except contained_files.UnsafePath as e:
        parser.exit(2, f"refusing to publish {args.site_dir}: {e}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

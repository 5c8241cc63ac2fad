"""Page weight: what a phone downloads for one article page, gzip-compressed, and what blocks first paint.

Reads the built HTML and follows what it references on our own origin: stylesheets, scripts, images,
icons, preloads, and url(...) inside the CSS (fonts, backgrounds). Each file is counted once, gzip -6.
Critical path = the HTML plus render-blocking CSS and synchronous scripts in <head>: the bytes a
browser needs before it can paint (14 KB is about what the first TCP round trip carries).
Ours: the project's own article built by its pelicanconf.py; peer: the Hugo corpus article page.
"""

import gzip
import re
import shutil
from pathlib import Path
from urllib.parse import urljoin, urlparse

from bs4 import BeautifulSoup

from bench.context import timed
from bench.table import Row

EXTERNAL = "external"
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)|@import\s+['\"]([^'\"]+)['\"]")


def rows(ours=None, peer=None, note=""):
    ours, peer = ours or {}, peer or {}
    return [
        Row(
            "Page: article + CSS + JS, gzip",
            ours.get("total_kb"),
            peer.get("total_kb"),
            "KB",
            "Hugo minimal",
            "<= 30 KB",
            ("abs", 30.0),
            note,
        ),
        Row(
            "Page: requests to render the article",
            ours.get("requests"),
            peer.get("requests"),
            "",
            "Hugo minimal",
            "<= 4",
            ("abs", 4),
            note,
        ),
        Row(
            "Page: critical path before first paint, gzip",
            ours.get("critical_kb"),
            peer.get("critical_kb"),
            "KB",
            "Hugo minimal",
            "<= 14 KB",
            ("abs", 14.0),
            note,
        ),
    ]


def unavailable(reason):
    return rows(note=reason)


def gzip_size(data):
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def local_file(site, page_url, ref):
    """The output file for a same-origin reference; None for data: URIs; EXTERNAL for other origins."""
    url = urljoin(page_url, ref)
    parsed = urlparse(url)
    if parsed.scheme not in ("", "http", "https"):
        return None
    if parsed.netloc and parsed.netloc != "site":
        return EXTERNAL
    path = site / parsed.path.lstrip("/")
    if path.is_dir() or parsed.path.endswith("/"):
        path = path / "index.html"
    return path


def blocking(tag):
    """Render-blocking: stylesheets for all/screen media and scripts without defer/async/module."""
    if tag.name == "link":
        media = (tag.get("media") or "all").lower()
        return "print" not in media and "(" not in media
    return not (tag.has_attr("defer") or tag.has_attr("async") or tag.get("type") == "module")


def weigh(site, page_path):
    """Sizes of one page of the built site at `site`, e.g. page_path 'blog/slug/index.html'."""
    site = Path(site)
    page_url = "http://site/" + page_path
    html = (site / page_path).read_bytes()
    soup = BeautifulSoup(html, "lxml")
    files, critical, missing, external = {}, gzip_size(html), [], set()

    def add(ref, is_blocking=False, base=page_url):
        path = local_file(site, base, ref)
        if path is EXTERNAL:
            external.add(ref)  # a request too, though we cannot weigh it (and the privacy rules forbid it)
            return
        if path is None or path in files:
            return
        if not path.is_file():
            missing.append(ref)
            return
        data = path.read_bytes()
        files[path] = gzip_size(data)
        nonlocal critical
        if is_blocking:
            critical += files[path]
        if path.suffix == ".css":
            for match in CSS_URL.finditer(data.decode("utf-8", "replace")):
                add(match.group(1) or match.group(2), base="http://site/" + path.relative_to(site).as_posix())

    head = soup.head
    icons = []
    for link in soup.find_all("link", href=True):
        rels = {r.lower() for r in link.get("rel", [])}
        if "stylesheet" in rels:
            add(link["href"], is_blocking=blocking(link) and head is not None and link in head.descendants)
        elif "icon" in rels:
            icons.append(link)
        elif rels & {"preload", "modulepreload"}:
            add(link["href"])
    if icons:  # a browser fetches one icon: the SVG where offered, else the first
        svg = [i for i in icons if i.get("type") == "image/svg+xml" or i["href"].endswith(".svg")]
        add((svg or icons)[0]["href"])
    for script in soup.find_all("script", src=True):
        add(script["src"], is_blocking=blocking(script) and head is not None and script in head.descendants)
    for img in soup.find_all(["img", "source"]):
        src = img.get("src") or (img.get("srcset") or "").split(" ")[0]
        if src and img.get("loading") != "lazy":
            add(src)
    total = gzip_size(html) + sum(files.values())
    return {
        "total_kb": total / 1024,
        "requests": 1 + len(files) + len(external),
        "critical_kb": critical / 1024,
        "files": {str(p.relative_to(site)): s for p, s in files.items()},
        "missing": missing,
        "external": sorted(external),
    }


def first_article(site):
    pages = sorted(Path(site, "blog").glob("*/index.html"))
    if not pages:
        raise FileNotFoundError(f"no article page under {site}/blog/")
    return str(pages[0].relative_to(site))


def run(ctx):
    site = ctx.work / "site-out"
    shutil.rmtree(site, ignore_errors=True)
    timed(
        [
            ctx.bin("pelican"),
            str(ctx.root / "content"),
            "-o",
            str(site),
            "-s",
            str(ctx.root / "pelicanconf.py"),
            "-q",
            "-e",
            f'CACHE_PATH="{ctx.work / "site-cache"}"',
        ],
        env=ctx.env(),
        cwd=ctx.root,
    )
    ours = weigh(site, first_article(site))
    ctx.log(f"page: ours {ours}")
    hugo_out = ctx.work / "hugo-out"
    if not (hugo_out / "blog").is_dir():  # run alone (--only page): build the peer here
        from bench import corpus, site_build

        content = site_build.prepare_hugo_content(ctx, corpus.make_articles(site_build.ARTICLES))
        timed(site_build.hugo_cmd(ctx, content, hugo_out))
    peer = weigh(hugo_out, first_article(hugo_out))
    if ours["missing"] or ours["external"]:
        ctx.log(f"page: not built: {ours['missing']}; other origins: {ours['external']}")
    return rows(ours, peer)

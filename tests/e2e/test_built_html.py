"""Anchors: a link to /page/#part finds `part` in that page (tests/site checks that the pages themselves exist)."""

from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup

from tests.support.pages import url_path


def test_every_anchor_in_a_link_exists_in_its_page(built_site):
    pages = {url_path(built_site, f): BeautifulSoup(f.read_bytes(), "lxml") for f in built_site.rglob("*.html")}
    missing = []
    for page, soup in pages.items():
        for link in soup.find_all("a", href=True):
            parts = urlsplit(link["href"])
            if (
                not parts.fragment
                or parts.scheme not in ("", "http", "https")
                or parts.hostname not in (None, "127.0.0.1", "localhost")
            ):
                continue
            target = pages.get(parts.path or page) or pages.get((parts.path or page) + "/")
            if target is None or not target.find(id=unquote(parts.fragment)):
                missing.append(f"{page}: {link['href']}")
    assert not missing, "\n".join(missing)

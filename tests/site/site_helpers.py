"""Plain helpers for the site's tests (the fixtures are in conftest.py)."""

import pelicanconf

SITEURL = pelicanconf.SITEURL
CLINIC = pelicanconf.CLINIC


def output_file(site, url_path):
    """The file a static server answers `url_path` (/blog/x/, /feeds/all.atom.xml) with, or None."""
    path = url_path.split("#")[0].split("?")[0]
    if path.startswith(SITEURL):
        path = path[len(SITEURL) :]
    target = site / path.lstrip("/")
    if path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target if target.is_file() else None


def text(node):
    """Visible text with whitespace collapsed, as a reader perceives it."""
    return " ".join(node.get_text(" ").split())

"""Helpers for the site's tests: read the built site the way a visitor's browser gets it."""

import pytest
from bs4 import BeautifulSoup
from site_helpers import output_file


def page_parser(site):
    """parse("/blog/x/") -> the parsed HTML of that URL in the built site (fails if it is missing), parsed once."""
    cache = {}

    def parse(url_path):
        if url_path not in cache:
            file = output_file(site, url_path)
            assert file is not None, f"{url_path} is missing from the build"
            cache[url_path] = BeautifulSoup(file.read_text(encoding="utf-8"), "lxml")
        return cache[url_path]

    return parse


@pytest.fixture(scope="session")
def page(built_site):
    """page("/blog/x/") -> the parsed HTML of that URL in the built site."""
    return page_parser(built_site)


def html_files_of(site):
    """Every HTML file of a build with its URL path: [(url_path, BeautifulSoup)]."""
    files = []
    for file in sorted(site.rglob("*.html")):
        rel = file.relative_to(site).as_posix()
        url = "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
        files.append((url, BeautifulSoup(file.read_text(encoding="utf-8"), "lxml")))
    return files


@pytest.fixture(scope="session")
def html_files(built_site):
    """Every HTML file of the build with its URL path: [(url_path, BeautifulSoup)]."""
    return html_files_of(built_site)


@pytest.fixture(scope="session", params=["built_site", "clinic_site"])
def any_site(request):
    """Each build in turn, the real site and the one with the example content: (its Path, its html_files)."""
    site = request.getfixturevalue(request.param)
    return site, html_files_of(site)


@pytest.fixture(scope="session")
def article_urls(built_site):
    return sorted("/" + p.parent.relative_to(built_site).as_posix() + "/" for p in built_site.glob("blog/*/index.html"))


@pytest.fixture(scope="session")
def clinic_page(clinic_site):
    """clinic_page("/people/") -> the parsed HTML of that URL in the site with the example content."""
    return page_parser(clinic_site)

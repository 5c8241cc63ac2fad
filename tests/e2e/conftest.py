"""End-to-end fixtures: one real server per session (the site built by Pelican, served as `make run` does),
Playwright pages pointed at it, and the outbox the form service writes to (a Maildir)."""

import uuid

import pytest
from playwright.sync_api import expect

from tests.support import ROOT
from tests.support.pages import first_page
from tests.support.site_server import Outbox, running_site

ARTIFACTS = ROOT / "test-artifacts"
# Every page here is local and small: a missing element fails in 10 s, not Playwright's 30.
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def site(tmp_path_factory, built_site):
    """The running site: .url, .site_dir (the built output), .mail_dir, .workdir."""
    with running_site(tmp_path_factory.mktemp("server"), site_dir=built_site) as server:
        yield server


@pytest.fixture(scope="session")
def clinic_server(tmp_path_factory, clinic_site):
    """The site with the example content of tests/support/clinic_site.py (people, a reviewed article with photos and
    sources, a FAQ page), served the same way: .url."""
    with running_site(tmp_path_factory.mktemp("clinic-server"), site_dir=clinic_site) as server:
        yield server


@pytest.fixture(scope="session")
def base_url(site):
    """pytest-playwright resolves page.goto("/path") against this."""
    return site.url


@pytest.fixture(scope="session")
def site_dir(site):
    return site.site_dir


@pytest.fixture(scope="session")
def article_path(site_dir):
    return first_page(site_dir, "blog/*/index.html")


@pytest.fixture
def outbox(site):
    return Outbox(site.mail_dir)


@pytest.fixture
def unique():
    """A value to type into a form, so each test finds its own email among the others'."""
    return uuid.uuid4().hex[:12]


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def context(context):
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def no_js_page(browser, base_url):
    """A page in a browser with JavaScript turned off, as some visitors (and their privacy tools) have it."""
    context = browser.new_context(java_script_enabled=False, base_url=base_url)
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()

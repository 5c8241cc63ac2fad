"""End-to-end fixtures: one real server per session (the site built by Pelican, served as `make run` does),
Playwright pages pointed at it, and the outbox the form service writes to (a Maildir)."""

import email
import email.policy
import mailbox
import time
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import ROOT
from tests.e2e.pages import first_page
from tests.e2e.site_server import running_site

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
    """The site with the example content of tests/clinic_site.py (people, a reviewed article with photos and
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


class Outbox:
    """What the form service sent, read from its Maildir as any mail client would."""

    def __init__(self, path):
        self.path = Path(path)

    def messages(self):
        if not (self.path / "new").is_dir():
            return []
        box = mailbox.Maildir(self.path, factory=None, create=False)
        return [email.message_from_bytes(box.get_bytes(key), policy=email.policy.default) for key in box.keys()]

    def wait_for(self, text, count=1, timeout=10.0):
        """The messages whose headers or text contain `text`, once there are `count` of them.

        Waits because delivery may follow the HTTP answer; asserts on content, never on time taken."""
        deadline = time.monotonic() + timeout
        while True:
            found = [
                m for m in self.messages() if text in body_text(m) or any(text in str(value) for value in m.values())
            ]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.1)


def body_text(message):
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part else ""


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

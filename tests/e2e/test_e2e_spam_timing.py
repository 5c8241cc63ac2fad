"""The "too fast" bot check in Chromium: the page measures how long it was open (performance.now()), so a phone
whose clock is an hour off is a person like any other; a post sent as the page arrives is held, and staff can
release it."""

import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.support import ROOT
from tests.support.pages import contact_form, fill_contact
from tests.support.site_server import Outbox, running_site

pytestmark = pytest.mark.e2e

THANKS = "Thank you! We received your message"


@pytest.fixture(scope="module")
def strict_site(tmp_path_factory, built_site):
    """The site as `make run` serves it with the check on (3 s, the default; the shared e2e server has it off)."""
    with running_site(tmp_path_factory.mktemp("strict"), site_dir=built_site, FORMS_MIN_SUBMIT_SECONDS="3") as server:
        yield server


@pytest.fixture
def visitor(browser, strict_site):
    context = browser.new_context(base_url=strict_site.url)
    yield context.new_page()
    context.close()


def held_as_spam(site):
    with closing(sqlite3.connect(site.workdir / "forms.sqlite3")) as conn:
        return [row[0] for row in conn.execute("SELECT id FROM submissions WHERE status = 'spam'")]


@pytest.mark.parametrize(
    "skew", [timedelta(hours=-1), timedelta(hours=1)], ids=["clock-an-hour-behind", "clock-an-hour-ahead"]
)
def test_a_visitor_whose_clock_is_an_hour_off_is_not_held(visitor, strict_site, article_path, unique, skew):
    visitor.clock.install(time=datetime.now(UTC) + skew)  # the phone's clock, set wrong
    visitor.goto(article_path)
    form = contact_form(visitor)
    fill_contact(form, unique)
    visitor.clock.run_for(46_000)  # 46 seconds to write the message
    form.get_by_role("button").click()
    expect(form.get_by_role("status")).to_contain_text(THANKS)
    [mail] = Outbox(strict_site.mail_dir).wait_for(unique)
    assert unique in mail.get_body(preferencelist=("plain",)).get_content()


def test_a_post_sent_as_the_page_arrives_is_held_and_staff_can_release_it(visitor, strict_site, article_path, unique):
    before = set(held_as_spam(strict_site))
    visitor.goto(article_path)
    form = contact_form(visitor)
    fill_contact(form, unique)  # a bot's speed: well under 3 seconds after the page loaded
    form.get_by_role("button").click()
    expect(form.get_by_role("status")).to_contain_text(THANKS)  # answered like anyone
    [held] = set(held_as_spam(strict_site)) - before  # stored as spam: never sent unless released
    assert Outbox(strict_site.mail_dir).wait_for(unique, timeout=0) == []
    listing = subprocess.run(
        [sys.executable, "-m", "forms_lambda", "spam"], cwd=ROOT, env=strict_site.env, capture_output=True, text=True
    )
    assert f"{held}  contact" in listing.stdout and "too fast" in listing.stdout and unique not in listing.stdout
    release = subprocess.run(
        [sys.executable, "-m", "forms_lambda", "spam", "--release", held],
        cwd=ROOT,
        env=strict_site.env,
        capture_output=True,
        text=True,
    )
    assert release.returncode == 0, release.stdout + release.stderr
    [mail] = Outbox(strict_site.mail_dir).wait_for(unique)
    assert mail["Subject"] == "Contact request from Ada Lovelace"

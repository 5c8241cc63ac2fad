"""axe-core finds nothing on any kind of page a visitor can reach, nor on the contact form in error."""

import pytest
from playwright.sync_api import expect

from tests.support.pages import assert_no_violations, contact_form, fill_contact, first_page, submit_invalid

pytestmark = pytest.mark.e2e

# Every kind of page, found in the built site (so a change of URL scheme keeps them covered).
PAGE_KINDS = {
    "home": ("index.html",),
    "article": ("blog/*/index.html",),
    "page": ("about/index.html",),
    "contact page": ("contact/index.html",),
    "category": ("category/*/index.html", "category/*.html", "categories/*/index.html"),
    "tag": ("tag/*/index.html", "tag/*.html", "tags/*/index.html"),
    "archives": ("archives/index.html", "archives.html"),
    "search": ("search/index.html",),
    "thanks": ("thanks/index.html",),
    "thanks, urgent": ("thanks/urgent/index.html",),
    "check-your-inbox": ("subscribe/check-your-inbox/index.html",),
    "subscribed": ("subscribed/index.html",),
    "unsubscribed": ("unsubscribed/index.html",),
    "404 page": ("404.html",),
}


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_no_axe_violations(page, site_dir, kind):
    page.goto(first_page(site_dir, *PAGE_KINDS[kind]))
    assert_no_violations(page)


def test_no_axe_violations_on_a_missing_page(page):
    response = page.goto("/no-such-page/")
    assert response.status == 404
    assert_no_violations(page)


def test_no_axe_violations_in_form_error_state(page, article_path, unique):
    page.goto(article_path)
    form = submit_invalid(page, unique)
    form.locator("[aria-invalid=true]").first.wait_for()
    assert_no_violations(page)
    assert contact_form(page).locator("[aria-invalid=true]").count() >= 1


def test_no_axe_violations_on_the_error_page_without_javascript(page, article_path, unique):
    """The page the service answers a plain form post in error with (what visitors without JavaScript see).

    Reached by form.submit(), which posts as the browser does without script (no submit event, no checks):
    axe itself needs JavaScript, so it cannot run in a page that has it turned off."""
    page.goto(article_path)
    form = contact_form(page)
    fill_contact(form, unique, email="ada@example")
    with page.expect_navigation():
        form.evaluate("form => form.submit()")
    expect(page.get_by_role("listitem").filter(has_text="valid email")).to_be_visible()
    assert_no_violations(page)

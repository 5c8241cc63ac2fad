"""A reader subscribes from an article, confirms from the email in the browser, and later unsubscribes."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.pages import assert_no_violations, subscribe_form

pytestmark = pytest.mark.e2e

SUBSCRIBED = "You've been subscribed! Watch your inbox for updates!"


def link_in(mail, path):
    """The link to `path` in the email's plain text (what any mail client shows)."""
    text = mail.get_body(preferencelist=("plain",)).get_content()
    match = re.search(rf"https?://\S+{re.escape(path)}\?token=[^\s>\"]+", text)
    assert match, f"no {path} link in the email:\n{text}"
    return match.group(0)


def test_subscribe_confirm_then_unsubscribe(page, base_url, article_path, outbox, unique):
    address = f"reader.{unique}@example.com"
    page.goto(article_path)
    form = subscribe_form(page)
    form.get_by_label("Email").fill(address)
    form.get_by_role("button").click()
    expect(form.get_by_role("status")).to_contain_text(re.compile("check your inbox", re.I))

    found = outbox.wait_for(address)
    assert len(found) == 1, f"expected one confirmation email to {address}, got {len(found)}"
    confirmation = found[0]
    assert confirmation["To"] == address
    confirm_link = link_in(confirmation, "/api/subscribe/confirm")
    assert confirm_link.startswith(base_url + "/"), "links in emails point at the site's own origin"

    # Opening the link only asks (mail scanners and link previews open links too); the button confirms.
    page.goto(confirm_link)
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("confirm", re.I))
    assert_no_violations(page)
    page.get_by_role("button", name="Yes, subscribe me").click()
    page.wait_for_url(f"{base_url}/subscribed/")
    expect(page.get_by_text(SUBSCRIBED)).to_be_visible()

    page.goto(link_in(confirmation, "/api/unsubscribe"))
    assert_no_violations(page)
    page.get_by_role("button", name="Unsubscribe").click()
    page.wait_for_url(f"{base_url}/unsubscribed/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("unsubscribed", re.I))
    # It took effect: the old confirmation link can no longer subscribe the address again.
    response = page.goto(confirm_link)
    assert response.status == 400
    expect(page.get_by_text(SUBSCRIBED)).to_have_count(0)


def test_subscribe_without_javascript_lands_on_check_your_inbox(no_js_page, base_url, article_path, outbox, unique):
    address = f"reader.{unique}@example.com"
    page = no_js_page
    page.goto(article_path)
    form = subscribe_form(page)
    form.get_by_label("Email").fill(address)
    with page.expect_navigation():
        form.get_by_role("button").click()
    assert page.url == f"{base_url}/subscribe/check-your-inbox/"
    assert len(outbox.wait_for(address)) == 1


def test_subscribe_error_beside_the_field_with_focus_and_text_kept(page, article_path, outbox, unique):
    page.goto(article_path)
    form = subscribe_form(page)
    email = form.get_by_label("Email")
    email.fill(f"reader.{unique}@example")
    form.get_by_role("button").click()
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile("valid email", re.I))
    expect(email).to_be_focused()
    expect(email).to_have_value(f"reader.{unique}@example")
    expect(form.get_by_role("status")).to_contain_text(re.compile("correct", re.I))
    assert outbox.wait_for(f"reader.{unique}@example", timeout=1) == []

"""A visitor writes in crisis language: while typing, the 988/911 help appears beside the message field (a polite
live region, reachable by keyboard, axe-clean), without blocking or adding to what is sent; the answer leads with
the same help, with JavaScript (inline, focused) and without (/thanks/urgent/); the clinic's email is URGENT."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from forms_lambda.views import URGENT_THANKS
from tests.support.pages import assert_no_violations, contact_form, fill_contact

pytestmark = pytest.mark.e2e

CRISIS = "Since the accident I can't go on. Some nights I want to end my life."
FORM_FIELDS = {"name", "email", "phone", "message", "page", "website", "elapsed_ms"}
PHONE = {"width": 375, "height": 800}
PHRASE_LIST = r"/theme/data/crisis-phrases\.[0-9a-f]{10}\.json"


def crisis_notice(form):
    return form.locator(".crisis-notice")


def test_typing_crisis_language_shows_the_help_beside_the_message(page, artifacts):
    page.set_viewport_size(PHONE)
    page.goto("/contact/")
    form = contact_form(page)
    requests = []
    page.on("request", lambda request: requests.append(request))
    message = form.get_by_label("Message")
    message.press_sequentially("Hello. " + CRISIS)  # key by key, as a person types
    notice = crisis_notice(form)
    expect(notice).to_be_visible()
    # Beside the message field, announced politely by screen readers (its live region was there, empty, before).
    assert notice.evaluate("(n, m) => n.closest('.field') === m.closest('.field')", message.element_handle())
    assert notice.evaluate("n => n.parentElement.getAttribute('aria-live')") == "polite"
    expect(notice.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")
    expect(notice.get_by_role("link", name="text 988")).to_have_attribute("href", "sms:988")
    expect(notice.get_by_role("link", name="call 911")).to_have_attribute("href", "tel:911")
    expect(notice).to_contain_text("988 Suicide & Crisis Lifeline")
    expect(notice).to_contain_text("not watched around the clock")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    # Reached by keyboard: Tab from the message goes to its first link.
    message.focus()
    page.keyboard.press("Tab")
    expect(notice.get_by_role("link", name="Call 988")).to_be_focused()
    # Nothing typed left the page: what was asked since the page loaded is the phrase list, by its name only.
    assert [(r.method, urlsplit(r.url).query, r.post_data) for r in requests] == [("GET", "", None)] * len(requests)
    lists = [r for r in requests if re.fullmatch(PHRASE_LIST, urlsplit(r.url).path)]
    assert len(lists) == 1
    (artifacts / "screenshots").mkdir(exist_ok=True)
    notice.screenshot(path=artifacts / "screenshots" / "crisis-notice-375.png")
    # Never in the way: the form can be sent.
    expect(form.get_by_role("button")).to_be_enabled()
    assert_no_violations(page)


def test_the_help_follows_what_the_message_says(page, article_path):
    page.goto(article_path)
    form = contact_form(page)
    message = form.get_by_label("Message")
    message.fill("I am suicidal")
    expect(crisis_notice(form)).to_be_visible()
    message.fill("")
    expect(crisis_notice(form)).to_have_count(0)
    # A near-miss (the list's rule, tests/forms/crisis_cases.json): typed key by key, it ends with no notice.
    message.press_sequentially("Do you take part in suicide prevention research?")
    expect(crisis_notice(form)).to_have_count(0)
    message.press_sequentially(" I self-harm.")
    expect(crisis_notice(form)).to_be_visible()


def test_sending_it_with_javascript_shows_the_help_in_place_and_tells_the_clinic(page, article_path, outbox, unique):
    page.goto(article_path)
    form = contact_form(page)
    fill_contact(form, unique, message=f"{CRISIS} ref {unique}")
    with page.expect_request("**/api/contact") as sent:
        form.get_by_role("button").click()
    assert set(parse_qs(sent.value.post_data, keep_blank_values=True)) == FORM_FIELDS  # nothing added
    expect(form.get_by_role("status")).to_have_text(URGENT_THANKS)
    expect(crisis_notice(form)).to_be_focused()  # a screen reader reads the help next
    expect(form.get_by_label("Message")).to_have_value("")
    expect(crisis_notice(form)).to_be_visible()  # kept, though the form was cleared
    assert page.url.endswith(article_path)
    assert_no_violations(page)
    [mail] = outbox.wait_for(unique)
    assert mail["Subject"] == "URGENT: Contact request from Ada Lovelace" and mail["Importance"] == "high"


def test_sending_it_without_javascript_lands_on_the_urgent_thanks_page(
    no_js_page, base_url, article_path, outbox, unique
):
    page = no_js_page
    page.goto(article_path)
    form = contact_form(page)
    fill_contact(form, unique, message=f"{CRISIS} ref {unique}")
    expect(crisis_notice(form)).to_have_count(0)  # without JavaScript the page's footer has the help
    with page.expect_navigation():
        form.get_by_role("button").click()
    assert page.url == f"{base_url}/thanks/urgent/"
    main = page.get_by_role("main")
    # The help first, then that the message arrived.
    first = main.locator(".prose > *").first
    expect(first).to_contain_text("thinking about suicide")
    expect(main.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")
    expect(main.get_by_role("link", name="text 988")).to_have_attribute("href", "sms:988")
    expect(main.get_by_role("link", name="call 911")).to_have_attribute("href", "tel:911")
    text = main.inner_text()
    assert text.index("988") < text.index("We received your message")
    [mail] = outbox.wait_for(unique)
    assert mail["Subject"].startswith("URGENT: ")


def test_a_form_sent_back_for_a_mistake_without_javascript_leads_with_the_help(page, article_path, unique):
    """The service's error page (reached by form.submit(), as without script: axe needs JavaScript itself)."""
    page.goto(article_path)
    form = contact_form(page)
    fill_contact(form, unique, email="ada@example", message=CRISIS)
    with page.expect_navigation():
        form.evaluate("form => form.submit()")
    main = page.get_by_role("main")
    expect(main.locator("p").first).to_contain_text("thinking about suicide")
    expect(main.get_by_role("link", name="call 988")).to_have_attribute("href", "tel:988")
    expect(main.get_by_role("link", name="text 988")).to_have_attribute("href", "sms:988")
    expect(main.get_by_role("link", name="call 911")).to_have_attribute("href", "tel:911")
    expect(main).to_contain_text("has not been sent yet")
    expect(page.get_by_role("listitem").filter(has_text="valid email")).to_be_visible()
    assert_no_violations(page)

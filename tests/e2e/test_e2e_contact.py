"""A visitor writes to the clinic from an article: with and without JavaScript, with mistakes, by keyboard."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.pages import contact_form, fill_contact, submit_invalid
from tests.support.site_server import CLINIC_INBOX

pytestmark = pytest.mark.e2e

CONTACT_THANKS = "Thank you! We received your message"


def assert_clinic_got(outbox, unique, name="Ada Lovelace"):
    found = outbox.wait_for(unique)
    assert len(found) == 1, f"expected one email about {unique}, got {len(found)}"
    mail = found[0]
    assert mail["To"] == CLINIC_INBOX
    assert f"ada.{unique}@example.com" in str(mail["Reply-To"])
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert f"Do you treat chronic back pain? ref {unique}" in text
    assert name in text
    assert "(303) 555-0142" in text


def test_contact_with_javascript_shows_inline_success(page, article_path, outbox, unique):
    page.goto(article_path)
    form = contact_form(page)
    fill_contact(form, unique)
    form.get_by_role("button").click()
    # Shown in the form's live region, so a screen reader announces it too.
    expect(form.get_by_role("status")).to_contain_text(CONTACT_THANKS)
    assert page.url.endswith(article_path), "with JavaScript the visitor stays on the article"
    expect(form.get_by_label("Message")).to_have_value("")
    assert_clinic_got(outbox, unique)


def test_contact_without_javascript_lands_on_thanks_page(no_js_page, base_url, article_path, outbox, unique):
    page = no_js_page
    page.goto(article_path)
    form = contact_form(page)
    fill_contact(form, unique)
    with page.expect_navigation():
        form.get_by_role("button").click()
    assert page.url == f"{base_url}/thanks/"
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_clinic_got(outbox, unique)


def test_invalid_input_errors_next_to_fields_announced_and_nothing_lost(page, article_path, outbox, unique):
    page.goto(article_path)
    form = submit_invalid(page, unique)
    email = form.get_by_label("Email")
    expect(email).to_have_attribute("aria-invalid", "true")
    for label, error in [("Name", "name"), ("Email", "valid email"), ("Phone", "phone")]:
        field = form.get_by_label(label)
        expect(field).to_have_attribute("aria-invalid", "true")
        # Announced: a screen reader reads the error as the field's description when it gets focus.
        expect(field).to_have_accessible_description(re.compile(error, re.I))
        # Next to its field: the error is visible, within the field's own group.
        error_id = field.get_attribute("aria-describedby").split()
        error_box = page.locator(", ".join(f"[id='{i}']" for i in error_id)).filter(has_text=re.compile(error, re.I))
        expect(error_box).to_be_visible()
        assert field.evaluate("(f, e) => f.parentElement.contains(e)", error_box.element_handle()), (
            f"the {label} error is not beside its field"
        )
    expect(form.get_by_label("Message")).not_to_have_attribute("aria-invalid", "true")
    # Focus on the first field in error, so keyboard and screen reader users start there.
    expect(form.get_by_label("Name")).to_be_focused()
    # Nothing typed is lost.
    expect(form.get_by_label("Email")).to_have_value("ada@example")
    expect(form.get_by_label("Phone")).to_have_value("12")
    expect(form.get_by_label("Message")).to_have_value(f"Keep this text {unique}")
    assert outbox.wait_for(unique, timeout=1) == []


def test_invalid_input_without_javascript_lists_the_errors(no_js_page, article_path, unique):
    page = no_js_page
    page.goto(article_path)
    form = contact_form(page)
    fill_contact(form, unique, email="ada@example")
    with page.expect_navigation():
        form.get_by_role("button").click()
    expect(page.get_by_role("listitem").filter(has_text="valid email")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("back", re.I))).to_have_attribute("href", article_path)


def focused(page):
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return e ? (e.getAttribute('name') || e.tagName.toLowerCase()) : null; }"
    )


def tab_to(page, name, limit=200):
    """Press Tab until the element with this name has focus; returns every name focused on the way."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        seen.append(focused(page))
        if seen[-1] == name:
            return seen
    raise AssertionError(f"Tab never reached {name!r}; focus went through {seen}")


def test_honeypots_are_invisible_and_unreachable_by_keyboard(page, article_path):
    page.goto(article_path)
    honeypots = page.locator("form [name=website]")
    expect(honeypots).to_have_count(2)  # one in each form
    for honeypot in honeypots.all():
        box = honeypot.bounding_box()
        hidden_from_eyes = (
            not honeypot.is_visible()
            or box is None
            or box["width"] <= 1
            or box["height"] <= 1
            or box["x"] + box["width"] <= 0
            or box["y"] + box["height"] <= 0
        )
        assert hidden_from_eyes, f"a honeypot can be seen: {box}"
    # Not in the accessibility tree either, so a screen reader does not offer it.
    assert "website" not in page.get_by_role("textbox").evaluate_all("fields => fields.map(f => f.name)")
    # Tab through the whole page: focus never lands on it.
    seen = [focused(page)]
    for _ in range(200):
        page.keyboard.press("Tab")
        seen.append(focused(page))
        if seen[-1] in ("body", None) and len(seen) > 2:
            break
    assert "website" not in seen
    assert "message" in seen and "email" in seen, "the walk did not even reach the forms"


FOCUS_IS_DRAWN = """() => {
    const style = getComputedStyle(document.activeElement);
    return (style.outlineStyle !== "none" && style.outlineWidth !== "0px") || style.boxShadow !== "none";
}"""


def test_contact_by_keyboard_alone(page, article_path, outbox, unique):
    page.goto(article_path)
    form = contact_form(page)
    tab_to(page, "name")
    expect(form.get_by_label("Name")).to_be_focused()
    assert page.evaluate(FOCUS_IS_DRAWN), "keyboard focus is not visible"
    page.keyboard.type("Ada Lovelace")
    page.keyboard.press("Tab")
    expect(form.get_by_label("Email")).to_be_focused()
    page.keyboard.type(f"ada.{unique}@example.com")
    page.keyboard.press("Tab")
    expect(form.get_by_label("Phone")).to_be_focused()
    page.keyboard.type("(303) 555-0142")
    page.keyboard.press("Tab")
    expect(form.get_by_label("Message")).to_be_focused()
    page.keyboard.type(f"Do you treat chronic back pain? ref {unique}")
    # Past the privacy link in the form's note, to the button.
    assert "website" not in tab_to(page, "button", limit=5)
    expect(form.get_by_role("button")).to_be_focused()
    page.keyboard.press("Enter")
    expect(form.get_by_role("status")).to_contain_text(CONTACT_THANKS)
    assert_clinic_got(outbox, unique)

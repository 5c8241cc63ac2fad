"""The pages visitors reach from the header, the footer and the forms; the footer on every page."""

from pathlib import Path

import pytest
from site_helpers import CLINIC, text

from forms_lambda.config import defaults

CONTENT = Path(__file__).resolve().parents[2] / "content"
# What the privacy page promises is the setting's default: the stack leaves FORMS_RETENTION_DAYS unset
# (tests/deploy/test_sam_template.py checks which settings it sets).
RETENTION_DAYS = defaults()["FORMS_RETENTION_DAYS"]

PUBLIC_PAGES = {
    "/about/": "About the clinic",
    "/contact/": "Contact us",
    "/privacy/": "Privacy",
    "/medical-disclaimer/": "Medical disclaimer",
}
FORM_RESULT_PAGES = ["/thanks/", "/subscribe/check-your-inbox/", "/subscribed/", "/unsubscribed/", "/404.html"]


@pytest.mark.parametrize("path,title", PUBLIC_PAGES.items())
def test_public_pages_exist_and_are_indexable(page, path, title):
    soup = page(path)
    assert text(soup.h1) == title
    assert soup.find("meta", attrs={"name": "robots"}) is None


@pytest.mark.parametrize("path", FORM_RESULT_PAGES)
def test_form_result_pages_exist_and_are_kept_out_of_search(page, path):
    soup = page(path)
    assert soup.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert text(soup.h1)


def test_subscribed_page_says_exactly_what_the_clinic_says(page):
    paragraphs = [text(p) for p in page("/subscribed/").select(".prose p")]
    assert "You've been subscribed! Watch your inbox for updates!" in paragraphs


def test_the_urgent_thanks_page_leads_with_988_and_911_then_says_the_message_arrived(page):
    """Where a message in crisis language lands without JavaScript (the service's 303). Unlike the other form
    results it may be found by search engines (and so scores 100 for SEO in `make audit`): its help is for anyone,
    and what it says of a message holds for whoever just sent one."""
    soup = page("/thanks/urgent/")
    assert soup.find("meta", attrs={"name": "robots"}) is None
    prose = soup.select_one(".prose")
    first, help_list = prose.find_all(["p", "ul"])[:2]
    assert "thinking about suicide" in text(first)
    assert {a["href"] for a in help_list.find_all("a")} == {"tel:988", "sms:988", "tel:911"}
    assert "988 Suicide & Crisis Lifeline" in text(help_list) and "emergency" in text(help_list)
    words = text(prose)
    assert "not watched around the clock" in words
    assert words.index("988") < words.index("We received your message")
    assert "988" in soup.find("meta", attrs={"name": "description"})["content"]


def test_thanks_and_inbox_pages_say_what_happened(page):
    assert "We received your message" in text(page("/thanks/").main)
    assert "confirm your subscription" in text(page("/subscribe/check-your-inbox/").main)
    assert "unsubscribed" in text(page("/unsubscribed/").main)


def test_privacy_page_states_what_is_collected_and_for_how_long(page):
    privacy = text(page("/privacy/").main)
    for phrase in (
        "your name, your email address, your phone number",
        f"{RETENTION_DAYS} days after it was delivered",
        "until you unsubscribe",
        "does not use cookies, analytics",
        # what an unsubscribe leaves, and for how long (forms_lambda/forget.py, `purge` and `forget`)
        "After you unsubscribe we keep your address, marked as unsubscribed",
        f"for {RETENTION_DAYS} days",
        f"we delete your address {RETENTION_DAYS} days after the form was sent",
        "delete it, with the list of articles we emailed you",
        "keep only a scrambled fingerprint",
        "we delete everything these forms hold about your email address",
    ):
        assert phrase in privacy


def test_404_page_works_from_any_path(page):
    # Served for any missing URL, so its links and assets must not be relative to its own location.
    soup = page("/404.html")
    for tag in soup.find_all(["a", "link", "script"]):
        url = tag.get("href") or tag.get("src") or ""
        assert not url or url.startswith(("/", "http", "tel:", "mailto:", "#")), url


def test_header_navigation(page):
    nav = page("/about/").find("nav", attrs={"aria-label": "Main"})
    links = {text(a): a["href"] for a in nav.find_all("a")}
    assert links["Blog"] == "/" and links["About"] == "/about/" and links["Contact"] == "/contact/"
    assert links[f"Call {CLINIC['phone']}"] == f"tel:{CLINIC['phone_e164']}"
    assert nav.find("a", attrs={"aria-current": "page"})["href"] == "/about/"


def test_every_page_has_landmarks_skip_link_and_the_footer(html_files):
    for path, soup in html_files:
        assert soup.html["lang"] == "en", path
        skip = soup.body.find("a")
        assert skip["href"] == "#main" and soup.find(id="main").name == "main", path
        assert soup.find("header") and soup.find("nav") and len(soup.find_all("h1")) == 1, path
        footer = soup.find("footer", class_="site-footer")
        footer_text = text(footer)
        for fact in (CLINIC["name"], CLINIC["street"], CLINIC["phone"], f"{CLINIC['city']}, {CLINIC['region']}"):
            assert fact in footer_text, (path, fact)
        hrefs = {a["href"] for a in footer.find_all("a")}
        assert {"tel:911", "tel:988", "/privacy/", "/medical-disclaimer/"} <= hrefs, path
        assert "988 Suicide & Crisis Lifeline" in footer_text and "call or text" in footer_text


def test_clinic_facts_are_not_typed_into_content():
    """The placeholders live in clinic.toml only, so replacing them there changes every page (and every email)."""
    for md in CONTENT.rglob("*.md"):
        body = md.read_text(encoding="utf-8")
        for fact in (CLINIC["phone"], CLINIC["street"], CLINIC["email"]):
            assert fact not in body, (md.name, fact)

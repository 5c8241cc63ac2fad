"""Both forms on every article (contact, then subscribe), and the contact form on /contact/:
they work without JavaScript, every field is labelled, and the field names are the service's contract."""

import re

import pytest
from bs4 import BeautifulSoup
from site_helpers import CLINIC, text

from tests.support import ROOT

CONTACT_FIELDS = {"name": "text", "email": "email", "phone": "tel", "message": None}


def label_for(form, field):
    label = form.find("label", attrs={"for": field["id"]})
    assert label is not None, f"no label for {field['name']}"
    return text(label)


def check_honeypot(form):
    trap = form.find(attrs={"name": "website"})
    wrapper = trap.find_parent("div")
    assert wrapper["aria-hidden"] == "true"
    assert "hp" in wrapper["class"]
    assert trap["tabindex"] == "-1"
    assert trap["autocomplete"] == "off"
    assert not trap.has_attr("required")


def check_elapsed(form):
    """How long the page was open: filled by js/forms.js when the form is sent, empty without JavaScript (which
    the service does not count as evidence). No wall-clock field: a visitor's clock may be set wrong."""
    elapsed = form.find("input", attrs={"name": "elapsed_ms"})
    assert elapsed["type"] == "hidden" and elapsed["value"] == ""
    assert form.find(attrs={"name": "started"}) is None


def check_contact_form(soup, path):
    form = soup.find("form", action="/api/contact")
    assert form is not None
    assert form["method"] == "post"
    heading = soup.find(id=form.find_parent("section")["aria-labelledby"])
    assert text(heading) == f"Contact {CLINIC['name']}"
    for name, kind in CONTACT_FIELDS.items():
        field = form.find(attrs={"name": name})
        assert field is not None, name
        if kind:
            assert field.name == "input" and field["type"] == kind
        else:
            assert field.name == "textarea"
        label = label_for(form, field)
        if name == "phone":
            assert "(optional)" in label and not field.has_attr("required")
        else:
            assert "(required)" in label and field.has_attr("required")
    assert form.find("input", attrs={"name": "page"})["value"] == path
    check_elapsed(form)
    check_honeypot(form)
    status = form.select_one(".form-status")
    assert status["aria-live"] == "polite" and status["role"] == "status"
    assert form.find("button", type="submit")
    check_crisis_notice(form)
    return form


def check_crisis_notice(form):
    """Beside the message field: an empty polite live region and the notice js/forms.js copies into it when
    the message holds crisis language. The notice holds no form field, so sending it adds nothing."""
    message = form.find("textarea", attrs={"name": "message"})
    slot = message.find_next_sibling()
    assert "crisis-slot" in slot["class"] and slot["aria-live"] == "polite" and slot.get_text(strip=True) == ""
    template = slot.find_next_sibling("template")
    # Parsed on its own: BeautifulSoup keeps a template's text out of get_text() and its elements out of select().
    notice = BeautifulSoup(template.decode_contents(), "lxml").select_one(".crisis-notice")
    assert notice["tabindex"] == "-1"  # focused by the script after an urgent answer
    links = {text(a): a["href"] for a in notice.find_all("a")}
    assert links == {"Call 988": "tel:988", "text 988": "sms:988", "call 911": "tel:911"}
    words = text(notice)
    assert "988 Suicide & Crisis Lifeline" in words and "In an emergency" in words
    assert "not watched around the clock" in words and "You can still send it" in words
    assert not notice.find_all(["input", "textarea", "select", "button"])


def test_the_page_script_gets_the_services_phrase_list(built_site, page, article_urls):
    """One list: the file the form service reads is the one the page's script fetches (fingerprinted)."""
    service_list = (ROOT / "forms_lambda" / "crisis_phrases.json").read_bytes()
    for path in [*article_urls, "/contact/"]:
        url = page(path).find("textarea", attrs={"name": "message"})["data-crisis-phrases"]
        assert re.fullmatch(r"/theme/data/crisis-phrases\.[0-9a-f]{10}\.json", url), url
        assert (built_site / url.lstrip("/")).read_bytes() == service_list


def check_subscribe_form(soup, path):
    form = soup.find("form", action="/api/subscribe")
    assert form is not None
    assert form["method"] == "post"
    section = form.find_parent("section")
    assert text(section.h2) == "Subscribe To Our Blog"
    assert "Get updates about new blog content in your inbox." in text(section)
    email = form.find("input", attrs={"name": "email"})
    assert email["type"] == "email" and email.has_attr("required")
    assert "(required)" in label_for(form, email)
    assert form.find("input", attrs={"name": "page"})["value"] == path
    check_elapsed(form)
    check_honeypot(form)
    assert form.select_one(".form-status")["aria-live"] == "polite"
    return form


def test_every_article_ends_with_the_contact_form_then_the_subscribe_box(page, article_urls):
    assert article_urls
    for path in article_urls:
        soup = page(path)
        contact = check_contact_form(soup, path)
        subscribe = check_subscribe_form(soup, path)
        article = soup.find("article")
        assert article.find_all_next("form") == [contact, subscribe]


def test_contact_page_has_the_contact_form_and_the_clinics_details(page):
    soup = page("/contact/")
    check_contact_form(soup, "/contact/")
    main = text(soup.main)
    for fact in (CLINIC["street"], CLINIC["phone"], CLINIC["email"], CLINIC["hours"]):
        assert fact in main


@pytest.mark.parametrize("path", ["/blog/ketamine-for-chronic-pain/", "/contact/"])
def test_pages_with_forms_load_the_form_script_deferred(page, path):
    scripts = page(path).find_all("script", src=True)
    assert [s["src"].split("/")[-1].split(".")[0] for s in scripts] == ["forms"]
    assert scripts[0].has_attr("defer")


def test_pages_without_forms_load_no_script(page):
    assert page("/about/").find_all("script", src=True) == []


def test_ids_are_unique_on_pages_with_forms(page, article_urls):
    for path in [*article_urls, "/contact/"]:
        ids = [el["id"] for el in page(path).find_all(id=True)]
        assert len(ids) == len(set(ids)), path


def test_honeypot_is_moved_off_screen_by_the_stylesheet(built_site):
    css = next(built_site.glob("theme/css/site.*.css")).read_text()
    rule = css.split("\n.hp {", 1)[1].split("}", 1)[0]
    assert "left: -10000px" in rule

"""Both forms on every article (contact, then subscribe), and the contact form on /contact/:
they work without JavaScript, every field is labelled, and the field names are the service's contract."""
import pytest

from site_helpers import CLINIC, text

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
    return form


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

"""How a visitor finds things: pages of the built site, and the two forms on a page; what axe-core finds on one."""

from pathlib import Path

from axe_playwright_python.sync_playwright import Axe


def url_path(site_dir, file):
    """The clean URL of a built file: blog/x/index.html -> /blog/x/."""
    rel = Path(file).relative_to(site_dir).as_posix()
    return "/" + rel.removesuffix("index.html")


def first_page(site_dir, *patterns):
    """URL of the first built page matching one of the glob patterns (sorted, so stable)."""
    for pattern in patterns:
        found = sorted(Path(site_dir).glob(pattern))
        if found:
            return url_path(site_dir, found[0])
    raise AssertionError(f"the built site has no page matching {patterns}")


def contact_form(page):
    return page.locator("form[action$='/api/contact']")


def fill_contact(form, unique, name="Ada Lovelace", email=None, phone="(303) 555-0142", message=None):
    form.get_by_label("Name").fill(name)
    form.get_by_label("Email").fill(email or f"ada.{unique}@example.com")
    form.get_by_label("Phone").fill(phone)
    form.get_by_label("Message").fill(message or f"Do you treat chronic back pain? ref {unique}")


def subscribe_form(page):
    return page.locator("form[action$='/api/subscribe']")


def submit_invalid(page, unique):
    """Send the contact form with three mistakes (no name, an address without a dot, a phone too short)."""
    form = contact_form(page)
    form.get_by_label("Name").fill(" ")  # passes the browser's `required`; the service refuses it
    form.get_by_label("Email").fill("ada@example")
    form.get_by_label("Phone").fill("12")
    form.get_by_label("Message").fill(f"Keep this text {unique}")
    form.get_by_role("button").click()
    return form


def assert_no_violations(page):
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()

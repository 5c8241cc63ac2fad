"""The spam check (FORMS_CAPTCHA=altcha) in Chromium: people send both forms, the widget solving its puzzle;
without JavaScript the page says the form cannot be sent, and the service refuses what comes without an answer."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from forms_lambda.clinic import read_clinic
from tests.support.pages import contact_form, fill_contact, first_page, subscribe_form
from tests.support.site_server import CLINIC_INBOX, Outbox, running_site

pytestmark = pytest.mark.e2e

CONTACT_THANKS = "Thank you! We received your message"
CHECK_INBOX = re.compile("check your inbox", re.I)
CLINIC = read_clinic()
NO_ANSWER = re.compile("puzzle your browser solves with JavaScript, and no answer came with it")


@pytest.fixture(scope="module")
def server(tmp_path_factory, captcha_site):
    """`FORMS_CAPTCHA=altcha make run`: the site built with the widget, the service requiring it (default
    difficulty: what visitors get)."""
    with running_site(
        tmp_path_factory.mktemp("captcha-server"), site_dir=captcha_site, FORMS_CAPTCHA="altcha"
    ) as running:
        yield running


@pytest.fixture
def article(server):
    return server.url + first_page(server.site_dir, "blog/*/index.html")


@pytest.fixture
def mail(server):
    return Outbox(server.mail_dir)


def test_a_person_sends_both_forms_from_an_article_and_each_check_is_solved(page, article, mail, unique):
    challenges = []
    page.on("request", lambda r: challenges.append(r.url) if r.url.endswith("/api/challenge") else None)
    page.goto(article)
    contact = contact_form(page)
    expect(contact.locator("noscript p")).to_be_hidden()
    fill_contact(contact, unique)
    contact.get_by_role("button", name="Send message").click()
    expect(contact.get_by_role("status")).to_contain_text(CONTACT_THANKS, timeout=30_000)
    (sent,) = mail.wait_for(unique)
    assert sent["To"] == CLINIC_INBOX

    subscribe = subscribe_form(page)
    subscribe.get_by_label("Email").fill(f"reader.{unique}@example.com")
    subscribe.get_by_role("button", name="Subscribe").click()
    expect(subscribe.get_by_role("status")).to_contain_text(CHECK_INBOX, timeout=30_000)
    assert len(mail.wait_for(f"reader.{unique}@example.com")) == 1
    assert len(challenges) == 2, "one puzzle for each form sent"


def test_the_same_person_can_send_again_with_a_new_puzzle(page, server, mail, unique):
    page.goto(server.url + "/contact/")
    form = contact_form(page)
    for n in (1, 2):
        fill_contact(form, f"{unique}-{n}")
        form.get_by_role("button", name="Send message").click()
        expect(form.get_by_role("status")).to_contain_text(CONTACT_THANKS, timeout=30_000)
        form.get_by_role("status").evaluate("status => status.textContent = ''")
    assert len(mail.wait_for(unique, count=2)) == 2


def test_without_javascript_the_form_says_it_cannot_be_sent_and_the_service_says_why(no_js_page, article, mail, unique):
    page = no_js_page
    page.goto(article)
    for form in (contact_form(page), subscribe_form(page)):
        # Playwright's text and role locators skip <noscript>; a browser without JavaScript shows it.
        notice = form.locator("noscript p")
        expect(notice).to_be_visible()
        expect(notice).to_contain_text("this form needs JavaScript to send")
        expect(notice.locator("a")).to_have_attribute("href", f"tel:{CLINIC['phone_e164']}")
    form = contact_form(page)
    fill_contact(form, unique)
    with page.expect_navigation():
        form.get_by_role("button", name="Send message").click()
    expect(page.get_by_role("listitem")).to_contain_text(NO_ANSWER)
    expect(page.get_by_role("listitem")).to_contain_text(CLINIC["phone"])
    assert mail.wait_for(unique, timeout=2) == []


def test_a_post_without_a_solved_check_is_refused_and_the_visitor_told(page, article, mail, unique):
    """JavaScript on, but the widget cannot load (blocked by an extension, a failed download)."""
    page.route(re.compile(r".*/vendor/altcha/altcha\.min\.[0-9a-f]+\.js$"), lambda route: route.abort())
    page.goto(article)
    form = contact_form(page)
    fill_contact(form, unique)
    form.get_by_role("button", name="Send message").click()
    expect(form.get_by_role("status")).to_contain_text(NO_ANSWER)
    expect(form.get_by_label("Message")).to_have_value(re.compile(unique))  # nothing the person wrote is lost
    assert mail.wait_for(unique, timeout=2) == []


def test_an_answer_is_good_for_one_form_only(page, server, article, unique):
    page.goto(article)
    answers = []
    page.route("**/api/contact", lambda route: (answers.append(route.request.post_data), route.continue_()))
    form = contact_form(page)
    fill_contact(form, unique)
    form.get_by_role("button", name="Send message").click()
    expect(form.get_by_role("status")).to_contain_text(CONTACT_THANKS, timeout=30_000)
    replay = page.request.post(
        server.url + "/api/contact",
        data=answers[0],
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "Origin": server.url,
        },
    )
    assert replay.status == 400 and "did not pass" in replay.json()["errors"]["altcha"]


def test_no_axe_violations_with_the_check_before_and_after_it_is_solved(page, article, unique, artifacts):
    page.goto(article)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    form = contact_form(page)
    fill_contact(form, unique)
    form.get_by_role("button", name="Send message").click()
    expect(form.get_by_role("status")).to_contain_text(CONTACT_THANKS, timeout=30_000)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    form.screenshot(path=str(artifacts / "screenshots" / "captcha-contact-sent.png"))

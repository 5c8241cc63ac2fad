"""Search in Chromium, on the example content: as the visitor types, from the blog's search box, by a word only
in an article's text; without JavaScript the page offers the archives and topics. And axe on the pages of
issue 13: the reviewed article, the FAQ page, the people pages, the search page with results."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.support.clinic_site import ARTICLE, FAQ

pytestmark = pytest.mark.e2e


def results(page):
    return page.locator("#search-results > li")


def test_a_word_only_in_the_text_finds_its_article_as_the_visitor_types(page, clinic_server):
    page.goto(clinic_server.url + "/search/")
    expect(page.locator("#search-needs-script")).to_be_hidden()
    page.get_by_label("Words to find in our articles and pages").press_sequentially("headph", delay=30)
    expect(page.locator("#search-status")).to_have_text("1 result for “headph”.")
    hit = results(page).first
    expect(hit.get_by_role("link")).to_have_attribute("href", ARTICLE)
    expect(hit.get_by_role("heading")).to_have_text("What to Expect at Your First Infusion")
    # The passage of the article's own text, the match marked.
    expect(hit.locator(".search-excerpt mark")).to_have_text("headphones")
    assert page.url.endswith("/search/?q=headph")


def test_every_word_must_match_and_titles_rank_first(page, clinic_server):
    page.goto(clinic_server.url + "/search/?q=infusion")
    expect(page.locator("#search-status")).to_contain_text("results for “infusion”")
    titles = results(page).get_by_role("heading").all_inner_texts()
    assert titles[:2] == ["Looking After Yourself After an Infusion", "What to Expect at Your First Infusion"]
    expect(results(page).first.locator("h2 mark")).to_have_text("Infusion")
    page.get_by_label("Words to find in our articles and pages").fill("infusion painless")
    expect(page.locator("#search-status")).to_have_text("1 result for “infusion painless”.")
    expect(results(page).first.get_by_role("link")).to_have_attribute("href", FAQ)


def test_nothing_found_says_so_and_points_to_browsing(page, clinic_server):
    page.goto(clinic_server.url + "/search/?q=zebrafish")
    expect(page.locator("#search-status")).to_contain_text("Nothing found for “zebrafish”")
    expect(results(page)).to_have_count(0)


def test_the_blog_search_box_leads_to_the_results(page, clinic_server):
    page.goto(clinic_server.url + "/")
    page.get_by_label("Search the articles").fill("migraine")
    page.get_by_label("Search the articles").press("Enter")
    expect(page.locator("#search-status")).to_have_text("1 result for “migraine”.")
    expect(page).to_have_url(clinic_server.url + "/search/?q=migraine")


def test_without_javascript_the_search_page_offers_archives_and_topics(no_js_page, clinic_server):
    no_js_page.goto(clinic_server.url + "/search/?q=headphones")
    expect(no_js_page.locator("form#search")).to_be_hidden()
    expect(no_js_page.get_by_text("Searching needs JavaScript")).to_be_visible()
    expect(no_js_page.get_by_role("link", name="All articles, newest first")).to_be_visible()
    expect(no_js_page.get_by_role("link", name="first visit")).to_have_attribute("href", "/tag/first-visit/")


@pytest.mark.parametrize("path", [ARTICLE, FAQ, "/people/", "/people/dana-reyes/", "/search/?q=infusion"])
def test_no_axe_violations_on_the_pages_of_trust_and_search(page, clinic_server, path):
    page.goto(clinic_server.url + path)
    if "?q=" in path:
        expect(results(page).first).to_be_visible()
    result = Axe().run(page)
    assert result.violations_count == 0, result.generate_report()

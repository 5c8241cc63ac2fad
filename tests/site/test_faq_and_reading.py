"""FAQ pages (open questions and answers, FAQPage JSON-LD) and what an article offers to read next: previous and
next article, related articles by shared tags, reading time. On the example content of tests/support/clinic_site.py."""

import json

from site_helpers import text

from tests.support.clinic_site import ARTICLE, FAQ

QUESTIONS = ["Does a ketamine infusion hurt?", "How long does an infusion take?", "Can I drive home afterwards?"]


def test_faq_questions_are_headings_with_their_answers_open(clinic_page):
    prose = clinic_page(FAQ).select_one(".prose")
    items = prose.select("section.faq-item")
    assert [text(item.h2) for item in items] == QUESTIONS
    assert text(items[1].p) == "About forty minutes, plus time to rest afterwards. Plan for two hours in all."
    for item in items:
        assert item["aria-labelledby"] == item.h2["id"]
    # Open to read: no accordion, nothing hidden.
    assert prose.find(["details", "summary"]) is None and prose.find(hidden=True) is None
    assert text(prose.p) == "These are the questions we hear most. Call us if yours is not here."


def test_faq_lists_its_questions_at_the_top_linking_to_each(clinic_page):
    soup = clinic_page(FAQ)
    index = soup.select_one("nav.faq-index")
    links = [(text(a), a["href"]) for a in index.find_all("a")]
    assert [label for label, _ in links] == QUESTIONS
    for _, href in links:
        assert soup.find(id=href[1:]).name == "h2"


def test_faq_json_ld_holds_each_question_and_answer(clinic_page):
    data = [json.loads(s.string) for s in clinic_page(FAQ).find_all("script", type="application/ld+json")]
    (faq,) = [d for d in data if d["@type"] == "FAQPage"]
    assert [q["name"] for q in faq["mainEntity"]] == QUESTIONS
    assert faq["mainEntity"][2]["acceptedAnswer"] == {
        "@type": "Answer",
        "text": "No. Someone must drive you home, and you should not drive until the next day.",
    }


def test_article_links_the_previous_and_the_next_article(clinic_page):
    nav = clinic_page(ARTICLE).select_one("nav.post-nav")
    previous, following = nav.find("a", rel="prev"), nav.find("a", rel="next")
    assert (previous["href"], text(previous)) == (
        "/blog/ketamine-for-chronic-pain/",
        "Previous article Ketamine for Chronic Pain",
    )
    assert (following["href"], text(following)) == (
        "/blog/looking-after-yourself-after-an-infusion/",
        "Next article Looking After Yourself After an Infusion",
    )
    newest = clinic_page("/blog/looking-after-yourself-after-an-infusion/").select_one("nav.post-nav")
    assert newest.find("a", rel="next") is None and newest.find("a", rel="prev")["href"] == ARTICLE
    oldest = clinic_page("/blog/ketamine-and-migraine/").select_one("nav.post-nav")
    assert oldest.find("a", rel="prev") is None


def test_related_articles_share_tags_most_shared_first(clinic_page):
    related = clinic_page(ARTICLE).select("section.related li a")
    # "first visit" + "ketamine infusion therapy": the after-care article shares one tag and is newest, the
    # two others share "ketamine infusion therapy"; never the article itself.
    assert [a["href"] for a in related] == [
        "/blog/looking-after-yourself-after-an-infusion/",
        "/blog/ketamine-for-chronic-pain/",
        "/blog/ketamine-and-migraine/",
    ]
    after_care = [
        a["href"] for a in clinic_page("/blog/looking-after-yourself-after-an-infusion/").select("section.related li a")
    ]
    assert after_care == [ARTICLE]  # only it shares a tag ("first visit")


def test_reading_time_from_the_words_of_the_article(clinic_page, page):
    assert text(clinic_page(ARTICLE).select_one(".byline")).endswith("· 1 min read")
    # The clinic's article: about 640 words at 200 a minute.
    assert text(page("/blog/ketamine-for-chronic-pain/").select_one(".byline")).endswith("· 4 min read")


def test_the_only_article_has_no_neighbours_nor_related(page):
    soup = page("/blog/ketamine-for-chronic-pain/")
    assert soup.select_one("nav.post-nav") is None and soup.select_one("section.related") is None

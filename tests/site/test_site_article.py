"""The first article: the clinic's own text, published as written, with full metadata."""

import copy
import json
from pathlib import Path

import pytest
from site_helpers import CLINIC, SITEURL, text

ARTICLE = "/blog/ketamine-for-chronic-pain/"
HEADINGS = ["Treating Chronic Pain", "How Ketamine Works to Relieve Chronic Pain", "Benefits of Ketamine for Pain"]
# The page's text as the clinic sent it (the clinic's own document, kept in tests/site/data/), up to its
# form boxes.
SEED_TEXT = Path(__file__).parent / "data" / "ketamine-for-chronic-pain.txt"


def seed_paragraphs():
    body = SEED_TEXT.read_text(encoding="utf-8").split("Contact Vitalitas Denver")[0]
    return [" ".join(p.split()) for p in body.split("\n\n") if p.strip()]


def test_article_publishes_every_paragraph_of_the_clinic_text_unchanged(page):
    prose = copy.copy(page(ARTICLE).select_one(".prose"))
    for marker in prose.select("sup"):  # the source's number, after the sentence it backs
        marker.decompose()
    blocks = [text(el) for el in prose.find_all(["p", "h2"], recursive=False)]
    assert blocks == seed_paragraphs()


def test_the_cdc_figure_names_its_source(page):
    soup = page(ARTICLE)
    first = soup.select_one(".prose > p")
    assert first.select_one("sup a")["href"] == "#fn:cdc"
    sources = soup.select_one("section.sources")
    assert text(sources.h2) == "Sources"
    assert "Prevalence of Chronic Pain and High-Impact Chronic Pain Among Adults" in text(sources)
    assert sources.find("a", href="https://www.cdc.gov/mmwr/volumes/67/wr/mm6736a2.htm")
    posting = next(d for d in json_ld(soup) if d["@type"] == "MedicalWebPage")
    assert posting["citation"][0]["url"] == "https://www.cdc.gov/mmwr/volumes/67/wr/mm6736a2.htm"


def test_the_three_short_lines_are_section_headings(page):
    assert [text(h) for h in page(ARTICLE).select(".prose > h2")] == HEADINGS


def test_form_box_lines_are_not_article_text(page):
    prose = text(page(ARTICLE).select_one(".prose"))
    for line in ("Subscribe To Our Blog", "You've been subscribed", "Contact Vitalitas Denver"):
        assert line not in prose


def test_article_metadata_is_visible(page):
    soup = page(ARTICLE)
    assert text(soup.h1) == "Ketamine for Chronic Pain"
    assert soup.title.string == f"Ketamine for Chronic Pain | {CLINIC['name']}"
    byline = soup.select_one(".byline")
    assert CLINIC["name"] in text(byline)
    assert byline.time["datetime"].startswith("2026-11-02T09:00")
    assert text(byline.time) == "November 2, 2026"
    assert soup.select_one(".post-meta a")["href"] == "/category/chronic-pain/"
    tags = {text(a): a["href"] for a in soup.select("a[rel=tag]")}
    assert tags == {
        "ketamine": "/tag/ketamine/",
        "chronic pain": "/tag/chronic-pain/",
        "pain management": "/tag/pain-management/",
        "ketamine infusion therapy": "/tag/ketamine-infusion-therapy/",
    }


def test_article_head_has_description_canonical_and_sharing_tags(page):
    soup = page(ARTICLE)
    url = SITEURL + ARTICLE
    description = soup.find("meta", attrs={"name": "description"})["content"]
    assert description.startswith("How ketamine infusion therapy relieves chronic pain")
    assert soup.find("link", rel="canonical")["href"] == url
    og = {m["property"]: m["content"] for m in soup.find_all("meta", property=True)}
    assert og["og:type"] == "article"
    assert og["og:url"] == url
    assert og["og:title"] == "Ketamine for Chronic Pain"
    assert og["og:description"] == description
    assert og["og:image"].startswith(SITEURL + "/theme/img/share.")
    assert og["article:published_time"].startswith("2026-11-02")
    twitter = {
        m["name"]: m["content"] for m in soup.find_all("meta", attrs={"name": True}) if m["name"].startswith("twitter:")
    }
    assert twitter["twitter:card"] == "summary_large_image"
    assert twitter["twitter:title"] == "Ketamine for Chronic Pain"


def json_ld(soup):
    return [json.loads(s.string) for s in soup.find_all("script", type="application/ld+json")]


def test_article_is_a_medical_web_page_with_the_facts_of_a_blog_posting(page):
    posting = next(d for d in json_ld(page(ARTICLE)) if d["@type"] == "MedicalWebPage")
    assert posting["headline"] == "Ketamine for Chronic Pain"
    assert posting["url"] == SITEURL + ARTICLE
    assert posting["datePublished"].startswith("2026-11-02T09:00")
    assert posting["author"]["name"] == CLINIC["name"]
    assert posting["publisher"] == {"@id": SITEURL + "/#clinic"}
    assert posting["medicalAudience"] == {"@type": "Patient"}
    assert "reviewedBy" not in posting  # nobody reviewed the clinic's own article: no review is claimed


@pytest.mark.parametrize("path", ["/", ARTICLE, "/contact/", "/privacy/"])
def test_every_page_names_the_clinic_for_search_engines(page, path):
    clinic = next(d for d in json_ld(page(path)) if d["@type"] == "MedicalClinic")
    assert clinic["name"] == CLINIC["name"]
    assert clinic["telephone"] == CLINIC["phone_e164"]
    assert clinic["address"]["streetAddress"] == CLINIC["street"]
    assert clinic["address"]["postalCode"] == CLINIC["postal_code"]
    assert clinic["@id"] == SITEURL + "/#clinic"


def test_index_lists_the_article_with_its_summary(page):
    card = page("/").select_one(".post-card")
    assert card.h2.a["href"] == ARTICLE
    assert "About 50 million Americans live with chronic pain." in text(card)


@pytest.mark.parametrize("path", ["/category/chronic-pain/", "/tag/ketamine/", "/archives/"])
def test_listings_link_to_the_article(page, path):
    assert ARTICLE in [a["href"] for a in page(path).select("main a")]

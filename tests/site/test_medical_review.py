"""Who stands behind an article: people pages, "Written by" and "Medically reviewed by" bylines, sources, and the
JSON-LD search engines read (checked against schema.org's vocabulary), on the example content of
tests/support/clinic_site.py; and the real site, which has no people yet."""

import json
import shutil

import pytest
from bs4 import BeautifulSoup
from lxml import etree
from schema_org import problems
from site_helpers import SITEURL, text

from tests.support.clinic_site import ARTICLE, FAQ, ROOT

DANA, SAM = "/people/dana-reyes/", "/people/sam-okafor/"


def json_ld(soup, type_name=None):
    found = [json.loads(s.string) for s in soup.find_all("script", type="application/ld+json")]
    return [d for d in found if type_name in (None, d["@type"])]


def test_each_person_has_a_page_with_name_credentials_role_photo_and_bio(clinic_page):
    soup = clinic_page(DANA)
    assert text(soup.h1) == "Dana Reyes, MD"
    assert text(soup.select_one(".page-header .lead")) == "Medical Director"
    assert soup.select_one(".person-photo img")["alt"] == "Photo of Dana Reyes"
    assert "board-certified in anesthesiology" in text(soup.select_one(".prose"))
    assert soup.title.string.startswith("Dana Reyes, MD | ")
    reviewed = soup.find("h2", string="Articles medically reviewed by Dana Reyes").find_next("ul")
    assert [a["href"] for a in reviewed.find_all("a")] == [ARTICLE]
    written = clinic_page(SAM).find("h2", string="Articles by Sam Okafor").find_next("ul")
    assert [a["href"] for a in written.find_all("a")] == [ARTICLE]


def test_person_json_ld_names_credentials_role_and_the_clinic(clinic_page):
    (profile,) = json_ld(clinic_page(SAM), "ProfilePage")
    person = profile["mainEntity"]
    assert person == {
        "@type": "Person",
        "name": "Sam Okafor",
        "url": SITEURL + SAM,
        "jobTitle": "Infusion Nurse",
        "worksFor": {"@id": SITEURL + "/#clinic"},
        "honorificSuffix": "RN, BSN",
        "hasCredential": [
            {"@type": "EducationalOccupationalCredential", "name": "RN"},
            {"@type": "EducationalOccupationalCredential", "name": "BSN"},
        ],
    }
    (dana,) = json_ld(clinic_page(DANA), "ProfilePage")
    assert dana["mainEntity"]["image"] == SITEURL + "/images/team/dana-reyes.png"


def test_our_team_lists_everyone_and_the_footer_links_it(clinic_page):
    soup = clinic_page("/people/")
    assert text(soup.h1) == "Our team"
    cards = [(text(card.h2), card.h2.a["href"], text(card.p)) for card in soup.select(".person-card")]
    assert cards == [("Dana Reyes, MD", DANA, "Medical Director"), ("Sam Okafor, RN, BSN", SAM, "Infusion Nurse")]
    assert clinic_page("/").select_one(".footer-nav a[href='/people/']") is not None


def test_article_says_who_wrote_and_reviewed_it_and_when(clinic_page):
    soup = clinic_page(ARTICLE)
    written, reviewed = soup.select(".page-header .byline")
    assert text(written).startswith("Written by Sam Okafor, RN, BSN · November 10, 2026 · Updated November 25, 2026")
    assert written.a["href"] == SAM
    assert text(reviewed) == "Medically reviewed by Dana Reyes, MD on November 20, 2026"
    assert reviewed.a["href"] == DANA
    assert reviewed.time["datetime"] == "2026-11-20"


def test_article_json_ld_is_a_medical_web_page_with_review_and_sources(clinic_page):
    (page,) = json_ld(clinic_page(ARTICLE), "MedicalWebPage")
    assert page["headline"] == "What to Expect at Your First Infusion"
    assert page["datePublished"].startswith("2026-11-10T09:00")
    assert page["dateModified"].startswith("2026-11-25T10:00")
    assert page["author"]["name"] == "Sam Okafor" and page["author"]["url"] == SITEURL + SAM
    assert page["publisher"] == {"@id": SITEURL + "/#clinic"}
    assert page["reviewedBy"]["name"] == "Dana Reyes" and page["reviewedBy"]["honorificSuffix"] == "MD"
    assert page["lastReviewed"] == "2026-11-20"
    assert page["medicalAudience"] == {"@type": "Patient"}
    assert [c.get("url") for c in page["citation"]] == ["https://www.cdc.gov/mmwr/volumes/72/wr/mm7215a1.htm", None]
    assert page["citation"][1]["name"].startswith('Cohen SP et al. "Consensus Guidelines on the Use of')
    assert "↩" not in json.dumps(page["citation"], ensure_ascii=False)


def test_every_json_ld_of_the_site_follows_schema_org(clinic_site):
    checked = set()
    for file in clinic_site.rglob("*.html"):
        for data in json_ld(BeautifulSoup(file.read_text(encoding="utf-8"), "lxml")):
            assert problems(data) == [], file
            checked.add(data["@type"])
    assert checked == {"MedicalClinic", "MedicalWebPage", "ProfilePage", "FAQPage"}


@pytest.mark.parametrize(
    "broken,problem",
    [
        ({"@type": "MedicalWebPage", "reviewedBy": "Dana"}, "$.reviewedBy: the text 'Dana' where"),
        ({"@type": "MedicalWebPage", "lastReviewed": "last week"}, "$.lastReviewed: the text 'last week'"),
        ({"@type": "Person", "lastReviewed": "2026-01-01"}, "$.lastReviewed: a Person has no property lastReviewed"),
        ({"@type": "MedicalWebPage", "author": {"@type": "Question"}}, "$.author: a Question where"),
        ({"@type": "MedicalWebPage", "reviewer": {"@type": "Person"}}, "$.reviewer: no such schema.org property"),
        ({"@type": "MedicalPage"}, "$: unknown type 'MedicalPage'"),
    ],
)
def test_the_schema_check_catches_what_search_engines_would_not_understand(broken, problem):
    found = problems({"@context": "https://schema.org", **broken})
    assert found and found[0].startswith(problem), found


def test_sources_are_numbered_at_the_end_and_linked_both_ways(clinic_page):
    soup = clinic_page(ARTICLE)
    prose = soup.select_one(".prose")
    sources = prose.find_all(recursive=False)[-1]
    assert sources.name == "section" and sources["aria-labelledby"] == "sources"
    assert text(sources.h2) == "Sources" and sources.h2["id"] == "sources"
    items = sources.select("ol > li")
    assert len(items) == 2
    for number, item in enumerate(items, start=1):
        marker = prose.select_one(f"a.footnote-ref[href='#{item['id']}']")
        assert text(marker) == str(number) and marker["aria-label"] == f"Source {number}"
        back = item.select_one("a.footnote-backref")
        assert back["href"] == f"#{marker.parent['id']}"
        assert back["aria-label"] == f"Back to the text citing source {number}"
    assert "Chronic Pain Among Adults" in text(items[0])


def test_feeds_name_the_person_who_wrote_the_article(clinic_site):
    atom = etree.parse(str(clinic_site / "feeds" / "all.atom.xml")).getroot()
    ns = "{http://www.w3.org/2005/Atom}"
    entry = next(e for e in atom.iter(f"{ns}entry") if e.find(f"{ns}link").get("href") == SITEURL + ARTICLE)
    assert entry.find(f"{ns}author").findtext(f"{ns}name") == "Sam Okafor, RN, BSN"


def test_the_real_site_has_no_people_and_claims_no_review(built_site, page):
    assert not (built_site / "people").exists()
    assert page("/").select_one(".footer-nav a[href='/people/']") is None
    assert "Medically reviewed" not in text(page("/blog/ketamine-for-chronic-pain/"))
    assert "/people/" not in (built_site / "sitemap.xml").read_text()


@pytest.mark.parametrize(
    "line,logged",
    [
        ("Reviewed-By: nobody-here\nReviewed-On: 2026-11-20", "'Reviewed-By: nobody-here' names nobody"),
        ("Reviewed-By: dana-reyes\nReviewed-On: 20 November 2026", "'Reviewed-On: 20 November 2026' is not a date"),
    ],
)
def test_a_review_the_build_cannot_show_stops_the_build(tmp_path, build_site, line, logged):
    content = shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "tests/site/fixtures/clinic/people", content / "people")
    (content / "articles" / "reviewed.md").write_text(
        f"Title: Reviewed\nDate: 2026-11-10\nSummary: s.\n{line}\n\nText.\n", encoding="utf-8"
    )
    with pytest.raises(AssertionError, match=logged):
        build_site(tmp_path / "output", content=content)


def test_faq_page_is_not_an_article_and_has_no_byline(clinic_page):
    assert clinic_page(FAQ).select_one(".byline") is None

"""The search page and its index as built: what the index holds, the budget, the page without JavaScript, and
that no other page loads search code. (tests/e2e/test_e2e_search.py searches in Chromium.)"""

import gzip
import json
import shutil
from pathlib import Path

from bs4 import BeautifulSoup
from site_helpers import output_file, text

from bench import corpus
from plugins.search_index import build_index, indexed_words, words
from tests.support.clinic_site import ARTICLE, FAQ

BUDGET_KB = 300  # the index of 1,000 articles, gzip
ROOT = Path(__file__).resolve().parents[2]


def index_file(site, soup):
    """The index file the search page (`soup`) of a built site loads."""
    return output_file(site, soup.select_one("form#search")["data-index"])


def index_of(site, soup):
    return json.loads(index_file(site, soup).read_bytes())


def search_page(site):
    return BeautifulSoup((site / "search" / "index.html").read_text(encoding="utf-8"), "html.parser")


def documents_with(index, word):
    """The same decoding as search.js: gaps in base 36 between document numbers."""
    number, found = -1, []
    for gap in index["postings"][index["words"].index(word)].split(","):
        number += int(gap, 36)
        found.append(index["pages"][number][0])
    return found


def test_index_finds_a_word_of_the_text_the_title_and_summary_lack(clinic_site, clinic_page):
    index = index_of(clinic_site, clinic_page("/search/"))
    assert documents_with(index, "headphones") == [ARTICLE]
    assert documents_with(index, "painless") == [FAQ]
    assert documents_with(index, "reyes") == [ARTICLE, "/people/dana-reyes/"]  # the reviewer, and her page
    assert "the" not in index["words"] and "the" in index["stop"]
    assert index["words"] == sorted(index["words"])
    article = next(p for p in index["pages"] if p[0] == ARTICLE)
    assert article == [
        ARTICLE,
        "What to Expect at Your First Infusion",
        "A calm room, a nurse at your side, and about forty minutes of treatment: how your first visit goes.",
        "2026-11-10",
    ]


def test_hidden_pages_and_drafts_are_not_searchable(clinic_site, clinic_page):
    urls = [p[0] for p in index_of(clinic_site, clinic_page("/search/"))["pages"]]
    assert "/thanks/" not in urls and "/404.html" not in urls and "/about/" in urls


def test_words_are_folded_as_the_script_folds_them():
    assert words("Ketamine’s Effect on Café-Goers, 2026!") == ["ketamine", "s", "effect", "on", "cafe", "goers", "2026"]


def test_search_page_without_javascript_offers_the_archives_and_topics(page):
    soup = page("/search/")
    assert text(soup.h1) == "Search"
    form = soup.select_one("form#search")
    assert form.has_attr("hidden")  # shown by search.js; a form that cannot search is not offered
    assert form["role"] == "search" and form["method"] == "get"
    browse = soup.select_one("section.browse")
    assert browse.find("a", href="/archives/") is not None
    assert "/tag/ketamine/" in [a["href"] for a in browse.select("a[rel=tag]")]
    assert "Searching needs JavaScript" in text(soup.select_one("#search-needs-script"))


def test_only_the_search_page_loads_search_code(html_files):
    loading = [
        path for path, soup in html_files if any("/search." in s["src"] for s in soup.find_all("script", src=True))
    ]
    assert loading == ["/search/"]


def test_the_blog_index_has_a_search_box(page):
    form = page("/").select_one("main form[role=search]")
    assert (form["action"], form["method"]) == ("/search/", "get")
    field = form.find("input", type="search")
    assert field["name"] == "q" and text(form.find("label", attrs={"for": field["id"]})) == "Search the articles"
    assert not [s for s in page("/").find_all("script", src=True) if "search" in s["src"]]


def test_the_index_of_1000_articles_stays_within_budget():
    articles = corpus.make_articles(1000)
    index = build_index(
        [
            {
                "url": f"/blog/{a.slug}/",
                "title": a.title,
                "summary": a.summary,
                "date": f"{a.date:%F}",
                "words": indexed_words(f"{a.title} {a.summary} {a.body}"),
            }
            for a in articles
        ]
    )
    assert len(gzip.compress(index)) <= BUDGET_KB * 1024


def test_a_rebuild_indexes_an_edited_article_as_a_full_build_does(tmp_path, build_site):
    # A rebuild reads the text of the unchanged documents from the cache (plugins/search_index.py TextCache):
    # the edited one must be read again, words it lost gone, and nothing else may differ from a fresh build.
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    articles = corpus.make_articles(6)
    corpus.write_corpus(articles, content / "articles", corpus.pelican_text)
    edited = content / "articles" / f"{articles[3].slug}.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nA quokkaword before the edit.\n", encoding="utf-8")
    output = build_site(tmp_path / "output", content=content)
    assert documents_with(index_of(output, search_page(output)), "quokkaword") == [f"/blog/{articles[3].slug}/"]

    edited.write_text(edited.read_text(encoding="utf-8").replace("quokkaword", "zanzibarword"), encoding="utf-8")
    build_site(output, content=content, LOAD_CONTENT_CACHE=True)
    fresh = build_site(tmp_path / "fresh", content=content)

    rebuilt = index_file(output, search_page(output)).read_bytes()
    assert "quokkaword" not in json.loads(rebuilt)["words"]
    assert documents_with(json.loads(rebuilt), "zanzibarword") == [f"/blog/{articles[3].slug}/"]
    assert rebuilt == index_file(fresh, search_page(fresh)).read_bytes()

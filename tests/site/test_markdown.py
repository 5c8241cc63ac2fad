"""What authors write in GitHub's dialect renders as GitHub shows it, read by Python-Markdown (pelicanconf.py
MARKDOWN) in a real build; metadata as Pelican documents it."""

import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from site_helpers import output_file, text

from deploy.lint_content import lint

ROOT = Path(__file__).resolve().parents[2]

ARTICLE = """\
Title: What to Expect at Your First Infusion
Date: 2026-12-01 09:00
Tags: ketamine, first visit
Summary: A calm room, a nurse *at your side*,
    and about forty minutes of treatment.

Your first visit starts with a **conversation**. Read [how to start](#how-to-start) first.

## How to start

| Step | Time |
|------|-----:|
| Check-in | 10 minutes |
| Infusion | 40 minutes |

```python
if dose < limit:
    print("<safe>")
```

Most people feel ~~nothing~~ little.[^calm] A dose of ~20 mg is not struck out.

- [x] Eat a light meal
- [ ] Bring a friend to drive you home

1. Before the visit
  - sleep well
  - drink water
2. After the visit

See https://www.cdc.gov/chronic-pain/ or write to info@vitalitasdenver.example.
Our [prices]({filename}/pages/about.md) are on the about page.

## How to start

[^calm]: Everyone is different.
"""

# The same footnote name and no tags: nothing of the article read before it may leak into it.
SECOND = """\
Title: A Second Article
Date: 2026-12-02 09:00
Summary: Short.

Only this.[^calm]

[^calm]: The second article's own note.
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory, build_site):
    tmp = tmp_path_factory.mktemp("markdown")
    content = tmp / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "articles" / "first-visit.md").write_text(ARTICLE, encoding="utf-8")
    (content / "articles" / "second.md").write_text(SECOND, encoding="utf-8")
    return content, build_site(tmp / "output", content=content)


def page(site, url):
    return BeautifulSoup(output_file(site[1], url).read_text(encoding="utf-8"), "lxml")


@pytest.fixture(scope="module")
def prose(site):
    return page(site, "/blog/what-to-expect-at-your-first-infusion/").select_one(".prose")


def test_tables(prose):
    assert [text(th) for th in prose.select("table thead th")] == ["Step", "Time"]
    assert [[text(td) for td in tr.find_all("td")] for tr in prose.select("table tbody tr")] == [
        ["Check-in", "10 minutes"],
        ["Infusion", "40 minutes"],
    ]
    assert prose.select("table thead th")[1]["style"] == "text-align: right;"


def test_fenced_code_keeps_its_text_and_language(prose):
    code = prose.select_one("pre > code.language-python")
    assert code.get_text() == 'if dose < limit:\n    print("<safe>")\n'


def test_footnotes_link_both_ways(prose):
    ref = prose.select_one("sup a")
    note = prose.find(id=ref["href"].removeprefix("#"))
    assert text(note).startswith("Everyone is different.")
    assert note.select_one("a[href^='#']")["href"] == "#" + ref.parent["id"]


def test_strikethrough_with_two_tildes_only(prose):
    assert [text(d) for d in prose.find_all("del")] == ["nothing"]
    assert "A dose of ~20 mg is not struck out." in text(prose)


def test_task_lists(prose):
    boxes = prose.select("li.task-list-item input[type=checkbox]")
    assert [(box.has_attr("checked"), box.has_attr("disabled")) for box in boxes] == [(True, True), (False, True)]
    assert [text(li) for li in prose.select("li.task-list-item")] == [
        "Eat a light meal",
        "Bring a friend to drive you home",
    ]


def test_bare_urls_and_email_addresses_are_links(prose):
    assert text(prose.find("a", href="https://www.cdc.gov/chronic-pain/")) == "https://www.cdc.gov/chronic-pain/"
    assert prose.find("a", href="mailto:info@vitalitasdenver.example") is not None


def test_lists_nested_by_two_spaces(prose):
    outer = prose.find("ol")
    assert [text(li.find(string=True, recursive=False)) for li in outer.find_all("li", recursive=False)] == [
        "Before the visit",
        "After the visit",
    ]
    assert [text(li) for li in outer.select(":scope > li > ul > li")] == ["sleep well", "drink water"]


def test_headings_have_ids_that_links_reach(prose):
    # The footnotes' "Sources" heading (plugins/sources.py) comes last, with an id of its own.
    assert [h["id"] for h in prose.find_all("h2")] == ["how-to-start", "how-to-start_1", "sources"]
    assert prose.find("a", string="how to start")["href"] == "#how-to-start"


def test_links_to_other_pages_resolve(prose):
    assert prose.find("a", string="prices")["href"] == "/about/"


def test_metadata_as_pelican_documents_it(site):
    soup = page(site, "/blog/what-to-expect-at-your-first-infusion/")
    assert [text(a) for a in soup.select("a[rel=tag]")] == ["ketamine", "first visit"]
    assert soup.select_one(".byline time")["datetime"].startswith("2026-12-01T09:00")
    # Summary is Markdown too, and its indented second line continues it.
    card = page(site, "/").find("a", string="What to Expect at Your First Infusion").find_parent("li")
    assert (
        str(card.select_one(".post-summary p"))
        == "<p>A calm room, a nurse <em>at your side</em>,\nand about forty minutes of treatment.</p>"
    )


def test_nothing_of_one_article_leaks_into_the_next(site):
    soup = page(site, "/blog/a-second-article/")
    prose = soup.select_one(".prose")
    note = prose.find(id=prose.select_one("sup a")["href"].removeprefix("#"))
    assert text(note).startswith("The second article's own note.")
    assert "Everyone is different" not in text(prose)
    assert soup.select("a[rel=tag]") == []


def test_lint_content_reads_the_same_metadata(site):
    assert [str(p) for p in lint(site[0])] == []

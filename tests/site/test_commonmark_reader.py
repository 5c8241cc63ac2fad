"""Articles are read as GitHub shows them (plugins/commonmark_reader.py), metadata as Pelican documents it."""
import shutil
from pathlib import Path

from bs4 import BeautifulSoup
from pelican.settings import read_settings

from plugins.commonmark_reader import CommonMarkReader, split_metadata

ROOT = Path(__file__).resolve().parents[2]

ARTICLE = """\
Title: What to Expect at Your First Infusion
Date: 2026-12-01 09:00
Tags: ketamine, first visit
Summary: A calm room, a nurse *at your side*,
    and about forty minutes of treatment.

Your first visit starts with a **conversation**.

| Step | Time |
|------|------|
| Check-in | 10 minutes |

Most people feel ~~nothing~~ little.[^1] See [our prices]({filename}/pages/about.md) or https://www.cdc.gov/.

<script>alert("no")</script>

[^1]: Everyone is different.
"""


def read(tmp_path, text):
    source = tmp_path / "article.md"
    source.write_text(text, encoding="utf-8")
    settings = read_settings(str(ROOT / "pelicanconf.py"))
    content, metadata = CommonMarkReader(settings).read(str(source))
    return BeautifulSoup(content, "lxml"), metadata


def test_metadata_is_read_as_pelican_documents_it(tmp_path):
    _, metadata = read(tmp_path, ARTICLE)
    assert metadata["title"] == "What to Expect at Your First Infusion"
    assert metadata["date"].strftime("%Y-%m-%d %H:%M") == "2026-12-01 09:00"
    assert [str(tag) for tag in metadata["tags"]] == ["ketamine", "first visit"]
    # Summary is Markdown too, and its indented second line continues it.
    assert metadata["summary"] == ("<p>A calm room, a nurse <em>at your side</em>,\n"
                                   "and about forty minutes of treatment.</p>")


def test_body_is_github_flavored_markdown(tmp_path):
    html, _ = read(tmp_path, ARTICLE)
    assert html.find("strong").get_text() == "conversation"
    assert [td.get_text() for td in html.select("table tbody td")] == ["Check-in", "10 minutes"]
    assert html.find("del").get_text() == "nothing"
    assert html.select_one("section.footnotes li").get_text(strip=True).startswith("Everyone is different.")
    assert html.find("a", href="https://www.cdc.gov/") is not None


def test_intrasite_links_reach_pelican_as_written(tmp_path):
    html, _ = read(tmp_path, ARTICLE)
    assert html.find("a", string="our prices")["href"] == "{filename}/pages/about.md"


def test_script_in_markdown_is_shown_as_text_not_run(tmp_path):
    html, _ = read(tmp_path, ARTICLE)
    assert html.find("script") is None
    assert 'alert("no")' in html.get_text()


def test_metadata_block_ends_at_the_first_line_that_is_not_metadata():
    meta, body = split_metadata("Title: A\nTags: x\nNot metadata here\n\nText.")
    assert meta == {"title": ["A"], "tags": ["x"]}
    assert body == "Not metadata here\n\nText."
    meta, body = split_metadata("---\nTitle: A\n---\nText.")
    assert (meta, body) == ({"title": ["A"]}, "Text.")


def test_links_between_articles_and_pages_resolve_in_the_built_site(tmp_path, build_site):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "articles" / "first-visit.md").write_text(ARTICLE, encoding="utf-8")
    output = build_site(tmp_path / "output", content=content)
    page = BeautifulSoup((output / "blog" / "what-to-expect-at-your-first-infusion" / "index.html")
                         .read_text(encoding="utf-8"), "lxml")
    assert page.find("a", string="our prices")["href"] == "/about/"
    summary = BeautifulSoup((output / "index.html").read_text(encoding="utf-8"), "lxml")
    assert "a nurse at your side" in summary.get_text(" ", strip=True)

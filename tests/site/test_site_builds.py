"""Other builds of the same sources: production settings, drafts and future dates, many articles."""

import shutil
from pathlib import Path

from bs4 import BeautifulSoup
from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = "https://clinic.test"


def write_article(folder, slug, tags="ketamine", date="2026-01-01", extra=""):
    (folder / f"{slug}.md").write_text(
        f"Title: Article {slug}\nDate: {date}\nCategory: Chronic Pain\nTags: {tags}\nSlug: {slug}\n{extra}\n"
        f"Text of {slug}.\n",
        encoding="utf-8",
    )


def soup(path):
    return BeautifulSoup(Path(path).read_text(encoding="utf-8"), "lxml")


def test_production_build_uses_site_url_and_hides_drafts_and_future_articles(tmp_path, build_site):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    write_article(content / "articles", "written-for-next-century", date="2099-01-01")
    write_article(content / "articles", "not-ready", extra="Status: draft")
    output = tmp_path / "output"
    output.mkdir()
    (output / "stale.html").write_text("left over from an earlier build")

    build_site(output, settings="publishconf.py", content=content, env={"SITE_URL": PUBLIC + "/"})

    article = soup(output / "blog" / "ketamine-for-chronic-pain" / "index.html")
    assert article.find("link", rel="canonical")["href"] == f"{PUBLIC}/blog/ketamine-for-chronic-pain/"
    assert article.find("meta", property="og:url")["content"] == f"{PUBLIC}/blog/ketamine-for-chronic-pain/"
    atom = etree.parse(str(output / "feeds" / "all.atom.xml")).getroot()
    links = [link.get("href") for link in atom.iter("{http://www.w3.org/2005/Atom}link")]
    assert f"{PUBLIC}/feeds/all.atom.xml" in links and f"{PUBLIC}/blog/ketamine-for-chronic-pain/" in links
    assert f"Sitemap: {PUBLIC}/sitemap.xml" in (output / "robots.txt").read_text()
    assert not (output / "stale.html").exists()
    assert not (output / "blog" / "written-for-next-century").exists()
    assert not (output / "blog" / "not-ready").exists()
    assert "not-ready" not in (output / "sitemap.xml").read_text()
    assert "written-for-next-century" not in (output / "feeds" / "all.rss.xml").read_text()


def test_tag_pages_never_collide_and_pagination_links_resolve(tmp_path, build_site):
    # Pelican's default pattern names page 5 of tag `tag2` tag/tag25.html: the page of tag `tag25`.
    content = tmp_path / "content"
    (content / "articles").mkdir(parents=True)
    for n in range(5):
        write_article(content / "articles", f"about-tag2-{n}", tags="tag2", date=f"2026-01-0{n + 1}")
    write_article(content / "articles", "about-tag25", tags="tag25", date="2025-06-01")
    output = build_site(tmp_path / "output", content=content, DEFAULT_PAGINATION=1)

    page5 = soup(output / "tag" / "tag2" / "page" / "5" / "index.html")
    assert page5.select_one(".post-card h2 a")["href"] == "/blog/about-tag2-0/"
    tag25 = soup(output / "tag" / "tag25" / "index.html")
    assert [a["href"] for a in tag25.select(".post-card h2 a")] == ["/blog/about-tag25/"]

    first = soup(output / "index.html")
    older = first.find("a", rel="next")["href"]
    assert older == "/page/2/"
    second = soup(output / "page" / "2" / "index.html")
    assert second.find("a", rel="prev")["href"] == "/"
    assert second.find("link", rel="canonical")["href"].endswith("/page/2/")

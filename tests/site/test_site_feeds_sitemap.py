"""Feeds, sitemap, robots.txt and favicon: what feed readers, search engines and browsers fetch."""

from lxml import etree
from site_helpers import SITEURL, output_file

ARTICLE_URL = SITEURL + "/blog/ketamine-for-chronic-pain/"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_atom_feed_parses_and_lists_the_article(built_site):
    feed = etree.parse(str(built_site / "feeds" / "all.atom.xml")).getroot()
    entries = feed.findall(f"{ATOM}entry")
    assert ARTICLE_URL in [e.find(f"{ATOM}link").get("href") for e in entries]
    entry = next(e for e in entries if e.find(f"{ATOM}link").get("href") == ARTICLE_URL)
    assert entry.findtext(f"{ATOM}title") == "Ketamine for Chronic Pain"
    assert "about 50 million Americans live with chronic pain" in entry.findtext(f"{ATOM}content")
    self_link = next(link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self")
    assert self_link.get("href") == SITEURL + "/feeds/all.atom.xml"


def test_rss_feed_parses_and_lists_the_article(built_site):
    channel = etree.parse(str(built_site / "feeds" / "all.rss.xml")).getroot().find("channel")
    items = channel.findall("item")
    assert ARTICLE_URL in [item.findtext("link") for item in items]


def sitemap_urls(site):
    root = etree.parse(str(site / "sitemap.xml")).getroot()
    return [loc.text for loc in root.iter(f"{SITEMAP}loc")]


def test_sitemap_lists_every_indexable_page_and_nothing_missing(built_site, html_files):
    urls = sitemap_urls(built_site)
    assert len(urls) == len(set(urls))
    indexable = {
        SITEURL + path
        for path, soup in html_files
        if not soup.find("meta", attrs={"name": "robots", "content": "noindex"}) and "/page/" not in path
    }
    assert indexable == set(urls)
    for url in urls:
        assert output_file(built_site, url) is not None, url
    assert {
        ARTICLE_URL,
        SITEURL + "/about/",
        SITEURL + "/contact/",
        SITEURL + "/privacy/",
        SITEURL + "/medical-disclaimer/",
    } <= set(urls)


def test_robots_txt_points_to_the_sitemap(built_site):
    robots = (built_site / "robots.txt").read_text().splitlines()
    assert "User-agent: *" in robots
    assert f"Sitemap: {SITEURL}/sitemap.xml" in robots
    assert "Disallow: /api/" in robots


def test_favicons_exist(built_site, page):
    assert (built_site / "favicon.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"
    assert (built_site / "favicon.svg").read_text().startswith("<svg")
    icons = [link["href"] for link in page("/").find_all("link", rel="icon")]
    assert icons == ["/favicon.ico", "/favicon.svg"]

"""A real Pelican build of fixture content: drafts never reach output/, future-dated articles wait for their date.

The publisher uploads everything in output/, so this is what keeps unfinished articles off the public site.
"""
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pelican import Pelican
from pelican.settings import read_settings

ROOT = Path(__file__).resolve().parents[2]
GOOD = Path(__file__).parent / "fixtures" / "content-good"

# What publishconf.py must say for this to hold (Pelican writes drafts to drafts/ unless told not to, and a
# future-dated article counts as a draft while WITH_FUTURE_DATES is False).
PUBLISH_SETTINGS = {
    "WITH_FUTURE_DATES": False,
    "DRAFT_SAVE_AS": "",
    "DRAFT_PAGE_SAVE_AS": "",
    "DRAFT_LANG_SAVE_AS": "",
    "DRAFT_PAGE_LANG_SAVE_AS": "",
    "ARTICLE_URL": "blog/{slug}/",
    "ARTICLE_SAVE_AS": "blog/{slug}/index.html",
    "PAGE_URL": "{slug}/",
    "PAGE_SAVE_AS": "{slug}/index.html",
    "STATIC_PATHS": ["images"],
    "PLUGINS": [],
    "SITEURL": "https://example.org",
    "TIMEZONE": "America/Denver",
    "FEED_ALL_ATOM": "feeds/all.atom.xml",
}


def build(settings_path, override, output):
    settings = read_settings(settings_path, override={
        **override, "PATH": str(GOOD), "OUTPUT_PATH": str(output), "DELETE_OUTPUT_DIRECTORY": False,
        "CACHE_CONTENT": False, "LOAD_CONTENT_CACHE": False})
    Pelican(settings).run()
    return {p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file()}


def assert_only_published_articles(output, files):
    assert "blog/ketamine-for-chronic-pain/index.html" in files
    assert "blog/what-to-expect/index.html" in files
    assert "about/index.html" in files
    # Neither the draft nor the article dated 2099 is anywhere in output/, under any name.
    for path in files:
        text = (output / path).read_text(errors="replace")
        assert "Ketamine and Depression" not in text, path
        assert "A Look Ahead" not in text, path
    assert not any(p.startswith("drafts/") for p in files)
    article = BeautifulSoup((output / "blog/ketamine-for-chronic-pain/index.html").read_text(), "lxml")
    assert "Ketamine for Chronic Pain" in article.title.text


def test_drafts_and_future_articles_are_not_built(tmp_path):
    files = build(None, PUBLISH_SETTINGS, tmp_path)
    assert_only_published_articles(tmp_path, files)


def test_a_future_article_is_published_once_its_date_arrives(tmp_path):
    """The daily scheduled publish rebuilds: with its date reached (here: future dates allowed), it appears."""
    files = build(None, {**PUBLISH_SETTINGS, "WITH_FUTURE_DATES": True}, tmp_path)
    assert "blog/a-look-ahead/index.html" in files
    assert "blog/ketamine-and-depression/index.html" not in files


@pytest.mark.skipif(not (ROOT / "publishconf.py").exists(), reason="publishconf.py is merged from the site branch")
def test_the_real_publishconf_keeps_drafts_and_future_articles_out(tmp_path):
    files = build(str(ROOT / "publishconf.py"), {}, tmp_path)
    assert_only_published_articles(tmp_path, files)

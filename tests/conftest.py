"""Fixtures shared by the whole suite: real servers on 127.0.0.1, never mocks.

- `smtp_server`: an aiosmtpd server; read what it received from `.messages`.
- `moto_server`: a `moto_server` process; boto3 reaches it through AWS_ENDPOINT_URL.
- `browser_type_launch_args`: Playwright drives Debian's Chromium, never a downloaded browser.
- `built_site`: the site built once per session with pelicanconf.py into a temporary folder (its Path), and
  `captcha_site` the same with the spam check on;
- `clinic_site`: the same with the example content of tests/support/clinic_site.py (people, a reviewed article with
  sources and a 4000-pixel photo, a FAQ page), built once per session;
  `build_site` (a fixture returning the `build_site()` function) builds variants: settings file,
  content folder, SITEURL, extra Pelican settings.
"""

import mailbox
import os
import subprocess
import sys

import boto3
import pytest

import forms_lambda.handler
from forms_lambda import create_app
from forms_lambda.stores.dynamo import DynamoStore
from forms_lambda.stores.sqlite import SqliteStore
from localhost import free_port, wait_for_http
from tests.support import ROOT
from tests.support.clinic_site import clinic_content
from tests.support.forms import INBOX, SECRET, SENDER, delivery_order, parse, ses_messages
from tests.support.servers import MotoServer, SmtpServer
from tests.support.site_build import build_site

# Fails the run if any log line holds a name, email, phone or message that a test posted.
pytest_plugins = ["tests.security.privacy_audit"]

# `make check` (-m "not e2e and not slow") runs what stays in this process: tests that start a server process
# (moto_server, gunicorn) or run Pelican are slow, whatever file they are in; `make test` runs everything.
SLOW_FIXTURES = {"moto_process", "built_site", "clinic_site", "captcha_site", "build_site", "gunicorn"}


def pytest_collection_modifyitems(items):
    for item in items:
        params = getattr(item, "callspec", None)
        on_moto = params is not None and any(
            "dynamo" in str(value) or value == "ses" for value in params.params.values()
        )
        if on_moto or SLOW_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def moto_process():
    port = free_port()
    # moto_server, with DynamoDB's atomic writes (see tests/support/moto_server.py)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.moto_server", "-H", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/moto-api/data.json")
        yield MotoServer(port)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def moto_server(moto_process, monkeypatch):
    """A clean moto_server, with boto3 pointed at it through the environment."""
    moto_process.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_process.url)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return moto_process


@pytest.fixture(params=["sqlite", "dynamodb"])
def any_store(request, tmp_path):
    """Each Store backend in turn: SqliteStore, and DynamoStore on a clean moto_server."""
    if request.param == "sqlite":
        return SqliteStore(tmp_path / "forms.sqlite3")
    request.getfixturevalue("moto_server")
    store = DynamoStore("store-test")
    store.init()
    return store


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture(scope="session", autouse=True)
def _no_real_aws_credentials():
    """Tests never reach AWS: drop any credentials the machine may have."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch, tmp_path):
    """Tests never see the developer's FORMS_* settings, nor write into the repository (var/): each runs in its own
    temporary folder, where a `python -m forms_lambda` (or deploy, bench) it starts still finds the project."""
    for name in list(os.environ):
        if name.startswith("FORMS_") or name == "AWS_LAMBDA_FUNCTION_NAME":
            monkeypatch.delenv(name)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    monkeypatch.chdir(tmp_path)


@pytest.fixture(name="build_site", scope="session")
def build_site_fixture():
    """build_site(output, settings=..., content=..., site_url=..., env=..., **overrides) -> output Path."""
    return build_site


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """The site as `make html` builds it (pelicanconf.py), in a temporary folder: its Path."""
    return build_site(tmp_path_factory.mktemp("site") / "output")


@pytest.fixture(scope="session")
def clinic_site(tmp_path_factory):
    """The site built from content/ plus the example content of tests/support/clinic_site.py: its Path."""
    folder = tmp_path_factory.mktemp("clinic")
    return build_site(folder / "output", content=clinic_content(folder / "content"))


@pytest.fixture(scope="session")
def captcha_site(tmp_path_factory):
    """The site built with the spam check on (FORMS_CAPTCHA=altcha, as `FORMS_CAPTCHA=altcha make run` builds it)."""
    return build_site(tmp_path_factory.mktemp("captcha-site") / "output", env={"FORMS_CAPTCHA": "altcha"})


# --- The form service on real backends (used by tests/forms, tests/emails and tests/security) ---------------


@pytest.fixture
def sqlite_config(tmp_path):
    return {
        "FORMS_STORE": f"sqlite:///{tmp_path}/forms.sqlite3",
        "FORMS_MAILER": f"maildir:{tmp_path}/mail",
        "FORMS_VAR_DIR": str(tmp_path / "var"),
        "FORMS_SECRET_KEY": SECRET,
        "FORMS_SENDER": SENDER,
        "FORMS_CLINIC_INBOX": INBOX,
        "FORMS_SITE_URL": "https://clinic.example",
        # The limiter runs but never throttles these tests (tests/security tests the limits).
        "FORMS_RATE_LIMIT": "10000/minute",
        # Delivered in the request's thread, so a test reads the email as soon as the request returns;
        # the server's own worker thread is tested through gunicorn (tests/forms/test_delivery.py).
        "FORMS_DELIVERY": "inline",
    }


@pytest.fixture
def maildir(tmp_path):
    """What MaildirMailer delivered, parsed, oldest first."""

    def messages():
        path = tmp_path / "mail"
        if not all((path / part).is_dir() for part in ("new", "cur", "tmp")):
            return []  # none yet (a server process may be creating the folder this very moment)
        box = mailbox.Maildir(path, create=False)
        return [parse(box.get_bytes(key)) for key in sorted(box.keys(), key=delivery_order)]

    return messages


@pytest.fixture
def dynamo_config(moto_server, sqlite_config):
    boto3.client("sesv2").create_email_identity(EmailIdentity="clinic.example")
    DynamoStore("test-forms").init()
    return {**sqlite_config, "FORMS_STORE": "dynamodb://test-forms", "FORMS_MAILER": "ses"}


@pytest.fixture(params=["sqlite+maildir", "dynamodb+ses"])
def backend(request, sqlite_config, maildir):
    """An app on each pair of real backends, with a function returning the emails it sent."""
    if request.param == "sqlite+maildir":
        return create_app({**sqlite_config, "TESTING": True}), maildir
    moto = request.getfixturevalue("moto_server")
    config = request.getfixturevalue("dynamo_config")
    return create_app({**config, "TESTING": True}), lambda: ses_messages(moto)


@pytest.fixture
def lambda_env(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "clinic-forms")
    monkeypatch.setenv("FORMS_SECRET_KEY", SECRET)
    monkeypatch.setenv("FORMS_STORE", f"sqlite:///{tmp_path}/forms.sqlite3")
    monkeypatch.setenv("FORMS_MAILER", f"maildir:{tmp_path}/mail")
    monkeypatch.setenv("FORMS_SITE_URL", "https://clinic.example")
    monkeypatch.setattr(forms_lambda.handler, "_lambda_handler", None)

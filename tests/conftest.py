"""Fixtures shared by the whole suite: real servers on 127.0.0.1, never mocks.

- `smtp_server`: an aiosmtpd server; read what it received from `.messages`.
- `moto_server`: a `moto_server` process; boto3 reaches it through AWS_ENDPOINT_URL.
- `browser_type_launch_args`: Playwright drives Debian's Chromium, never a downloaded browser.
- `built_site`: the site built once per session with pelicanconf.py into a temporary folder (its Path), and
  `captcha_site` the same with the spam check on;
- `clinic_site`: the same with the example content of tests/clinic_site.py (people, a reviewed article with
  sources and a 4000-pixel photo, a FAQ page), built once per session;
  `build_site` (a fixture returning the `build_site()` function) builds variants: settings file,
  content folder, SITEURL, extra Pelican settings.
"""

import email
import email.policy
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from bench.context import free_port, wait_for_http
from forms_lambda.stores.dynamo import DynamoStore
from forms_lambda.stores.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parent.parent
# Fails the run if any log line holds a name, email, phone or message that a test posted.
pytest_plugins = ["tests.security.privacy_audit"]


class RecordingHandler:
    """Keeps every message the SMTP server accepts, parsed, with its envelope."""

    def __init__(self):
        self.messages = []
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


class SmtpServer:
    """An aiosmtpd server on a free port; stop() drops every session at once, start() listens again."""

    def __init__(self, handler=None):
        self.handler = handler or RecordingHandler()
        self.port = free_port()
        self.controller = None

    @property
    def messages(self):
        return self.handler.messages

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    def start(self):
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


class MotoServer:
    def __init__(self, port):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def reset(self):
        urllib.request.urlopen(urllib.request.Request(f"{self.url}/moto-api/reset", method="POST"))

    def data(self):
        """moto's record of everything it holds, e.g. data()["ses"] for sent emails."""
        import json

        with urllib.request.urlopen(f"{self.url}/moto-api/data.json") as r:
            return json.load(r)


@pytest.fixture(scope="session")
def moto_process():
    port = free_port()
    # moto_server, with DynamoDB's atomic writes (see tests/moto_server.py)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.moto_server", "-H", "127.0.0.1", "-p", str(port)],
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


def build_site(output, settings="pelicanconf.py", content=None, site_url=None, env=None, **overrides):
    """Run Pelican (as `make html` does) into `output`; returns it as a Path.

    `site_url` replaces SITEURL and FEED_DOMAIN; `overrides` are more Pelican settings (-e, as JSON).
    The content cache goes into `output`'s parent, so builds never share or touch the repository's cache/.
    """
    output = Path(output)
    overrides = {"CACHE_PATH": str(output.parent / f"{output.name}-cache"), **overrides}
    if site_url is not None:
        overrides.update(SITEURL=site_url, FEED_DOMAIN=site_url)
    cmd = [
        sys.executable,
        "-m",
        "pelican",
        str(content or ROOT / "content"),
        "-o",
        str(output),
        "-s",
        str(ROOT / settings),
        "--fatal",
        "errors",
        "-e",
        *(f"{key}={json.dumps(value)}" for key, value in overrides.items()),
    ]
    # The spam check only when asked for (`env`): a developer's FORMS_CAPTCHA must not change what tests see.
    inherited = {k: v for k, v in os.environ.items() if k != "FORMS_CAPTCHA"}
    # COLUMNS: Pelican's log lines unwrapped, whatever the length of the temporary folder's name.
    result = subprocess.run(
        cmd, cwd=ROOT, env={**inherited, "COLUMNS": "1000", **(env or {})}, capture_output=True, text=True
    )
    assert result.returncode == 0, f"pelican failed:\n{result.stdout}\n{result.stderr}"
    return output


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
    """The site built from content/ plus the example content of tests/clinic_site.py: its Path."""
    from tests.clinic_site import clinic_content

    folder = tmp_path_factory.mktemp("clinic")
    return build_site(folder / "output", content=clinic_content(folder / "content"))


@pytest.fixture(scope="session")
def captcha_site(tmp_path_factory):
    """The site built with the spam check on (FORMS_CAPTCHA=altcha, as `FORMS_CAPTCHA=altcha make run` builds it)."""
    return build_site(tmp_path_factory.mktemp("captcha-site") / "output", env={"FORMS_CAPTCHA": "altcha"})

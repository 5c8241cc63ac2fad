"""Fixtures of the security suite: the form service's own fixtures (reused, not copied), an app
factory with security settings, the stored rows, and gunicorn as `make serve` runs it."""

import json
import os
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest

from forms_lambda import create_app
from tests.conftest import free_port, wait_for_http
from tests.forms.conftest import _clean_environment, dynamo_config, maildir, sqlite_config  # noqa: F401
from tests.forms.support import SECRET

ROOT = Path(__file__).resolve().parents[2]

# A valid contact post from a page open for 46 s, so it is never "too fast".
CONTACT = {
    "name": "Ann Patient",
    "email": "ann@example.com",
    "phone": "303-555-0123",
    "message": "I have chronic pain. Can I call?",
    "page": "/contact/",
    "website": "",
    "elapsed_ms": "46000",
}


# The rate limiter's clock in these apps: stopped, so what a test sees never depends on how long it took.
FROZEN_TIME = 1_800_000_000.5


@pytest.fixture
def make_app(sqlite_config):
    """create_app on SQLite + Maildir in tmp, unthrottled unless a test sets FORMS_RATE_LIMIT; its rate-limit
    clock stands at FROZEN_TIME (tests move it with `app.extensions["forms_lambda"].clock`)."""

    def make(**settings):
        app = create_app({**sqlite_config, "FORMS_RATE_LIMIT": "off", **settings, "TESTING": True})
        app.extensions["forms_lambda"].clock = lambda: FROZEN_TIME
        return app

    return make


def stored(app):
    """{(kind, status): count} of the submissions the app's store holds."""
    return app.extensions["forms_lambda"].store.count_submissions()


class Gunicorn:
    """`make serve`'s command (4 workers unless told), its logs (access log included) kept in a file."""

    def __init__(self, tmp_path, workers=4, **settings):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = tmp_path / "forms.sqlite3"
        self.log = tmp_path / "gunicorn.log"
        site = tmp_path / "site"
        site.mkdir()
        (site / "index.html").write_text("<!doctype html><title>Home</title>")
        # The environment the server runs with: also what a command run next to it (`status`) needs.
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("FORMS_")},
            "PYTHONPATH": str(ROOT),
            "FORMS_VAR_DIR": str(tmp_path / "var"),
            "FORMS_SECRET_KEY": SECRET,
            "FORMS_STORE": f"sqlite:///{self.db}",
            "FORMS_SITE_DIR": str(site),
            "FORMS_SITE_URL": self.url,
            **settings,
        }
        # Created once before the workers start, as `make run` does with `init`.
        self.cli("init", check=True)
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "gunicorn"),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(workers),
                    "--config",
                    "python:forms_lambda.gunicorn_conf",
                    "forms_lambda.local:create_local_app()",
                ],
                env=self.env,
                cwd=tmp_path,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for_http(f"{self.url}/api/health")

    def cli(self, *args, check=False):
        """`python -m forms_lambda ARGS` with the server's settings."""
        return subprocess.run(
            [sys.executable, "-m", "forms_lambda", *args], env=self.env, check=check, capture_output=True, text=True
        )

    def post(self, path, fields):
        request = urllib.request.Request(
            f"{self.url}{path}", data=urllib.parse.urlencode(fields).encode(), headers={"Accept": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                return r.status, json.load(r), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e), dict(e.headers)

    def query(self, sql, params=()):
        with closing(sqlite3.connect(self.db)) as conn:
            return conn.execute(sql, params).fetchall()

    def rows(self):
        return self.query("SELECT status, payload FROM submissions")

    def count(self, status):
        return self.query("SELECT COUNT(*) FROM submissions WHERE status = ?", (status,))[0][0]

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture
def gunicorn(tmp_path):
    """start(workers=4, **FORMS_settings) -> a running Gunicorn, stopped after the test."""
    servers = []

    def start(**settings):
        servers.append(Gunicorn(tmp_path, **settings))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()

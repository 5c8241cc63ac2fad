"""Real servers on 127.0.0.1 for the tests: an SMTP server (aiosmtpd), moto_server, and gunicorn as
`make serve` runs it."""

import email
import email.policy
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

from aiosmtpd.controller import Controller

from localhost import free_port, wait_for_http
from tests.support import ROOT
from tests.support.forms import SECRET


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


class MotoServer:
    def __init__(self, port):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def reset(self):
        urllib.request.urlopen(urllib.request.Request(f"{self.url}/moto-api/reset", method="POST"))

    def data(self):
        """moto's record of everything it holds, e.g. data()["ses"] for sent emails."""
        with urllib.request.urlopen(f"{self.url}/moto-api/data.json") as r:
            return json.load(r)


def lambda_answers(moto_server, *answers):
    """moto's Lambda without Docker: each invocation answers the next of these payloads."""

    def post(path, body):
        urllib.request.urlopen(
            urllib.request.Request(
                f"{moto_server.url}{path}",
                data=json.dumps(body).encode(),
                method="POST",
                headers={"Content-Type": "application/json"},
            )
        )

    post("/moto-api/config", {"lambda": {"use_docker": False}})
    post(
        "/moto-api/static/lambda-simple/response", {"results": [json.dumps(a) for a in answers], "region": "us-east-1"}
    )


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

"""The real server process (gunicorn, several workers) on SQLite under simultaneous posts."""
import json
import os
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import free_port, wait_for_http
from tests.forms.support import SECRET

ROOT = Path(__file__).resolve().parents[2]


class Gunicorn:
    """`make serve`'s command with 4 workers, its logs (access log included) kept in a file."""

    def __init__(self, tmp_path, **settings):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = tmp_path / "forms.sqlite3"
        self.log = tmp_path / "gunicorn.log"
        site = tmp_path / "site"
        site.mkdir()
        (site / "index.html").write_text("<!doctype html><title>Home</title>")
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("FORMS_")},
               "PYTHONPATH": str(ROOT), "FORMS_VAR_DIR": str(tmp_path / "var"), "FORMS_SECRET_KEY": SECRET,
               "FORMS_STORE": f"sqlite:///{self.db}", "FORMS_SITE_DIR": str(site),
               "FORMS_SITE_URL": self.url, **settings}
        # Created once before the workers start, as `make run` does with `init`.
        subprocess.run([sys.executable, "-m", "forms_lambda", "init"], env=env, check=True, capture_output=True)
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{self.port}",
                 "--workers", "4", "--access-logfile", "-", "forms_lambda.local:create_local_app()"],
                env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
        wait_for_http(f"{self.url}/api/health")

    def post(self, path, fields):
        request = urllib.request.Request(f"{self.url}{path}", data=urllib.parse.urlencode(fields).encode(),
                                         headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                return r.status, json.load(r), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e), dict(e.headers)

    def rows(self):
        with closing(sqlite3.connect(self.db)) as conn:
            return conn.execute("SELECT status, payload FROM submissions").fetchall()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=20)


@pytest.fixture
def gunicorn(tmp_path):
    servers = []

    def start(**settings):
        servers.append(Gunicorn(tmp_path, **settings))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def patient(i):
    return {"name": f"Concurrent Patient {i}", "email": f"concurrent{i}@example.com",
            "phone": f"303-555-{i:04d}", "message": f"Simultaneous message number {i}.", "page": "/contact/"}


@pytest.mark.slow
def test_fifty_simultaneous_posts_are_all_stored_and_delivered(gunicorn, smtp_server):
    server = gunicorn(FORMS_MAILER=smtp_server.url, FORMS_RATE_LIMIT="1000/minute")
    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(lambda i: server.post("/api/contact", patient(i)), range(50)))
    assert [status for status, body, _ in answers] == [200] * 50
    rows = server.rows()
    assert len(rows) == 50 and {status for status, _ in rows} == {"delivered"}
    assert sorted(json.loads(p)["name"] for _, p in rows) == sorted(patient(i)["name"] for i in range(50))
    messages = smtp_server.messages
    assert len(messages) == 50 and len({m["Message-ID"] for m in messages}) == 50
    assert sorted(m["Subject"] for m in messages) == sorted(f"Contact request from Concurrent Patient {i}"
                                                            for i in range(50))
    # The server's own logs (JSON events and the access log) hold none of what the patients sent.
    server.stop()
    log = server.log.read_text()
    assert '"event": "submission.accepted"' in log
    for i in range(50):
        for value in patient(i).values():
            if value != "/contact/":
                assert value not in log


@pytest.mark.slow
def test_rate_limit_holds_across_worker_processes(gunicorn, tmp_path):
    server = gunicorn(FORMS_MAILER=f"maildir:{tmp_path}/mail", FORMS_RATE_LIMIT="10/hour")
    with ThreadPoolExecutor(max_workers=30) as pool:
        answers = list(pool.map(lambda i: server.post("/api/contact", patient(i)), range(30)))
    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [200] * 10 + [429] * 20
    assert all(1 <= int(headers["Retry-After"]) <= 3600 for status, _, headers in answers if status == 429)
    assert len(server.rows()) == 10

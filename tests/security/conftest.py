"""Fixtures of the security suite: the form service's own fixtures (reused, not copied), an app
factory with security settings, the stored rows, and a real CAPTCHA verify endpoint on 127.0.0.1."""
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from forms_lambda import create_app
from tests.forms.conftest import _clean_environment, dynamo_config, maildir, sqlite_config  # noqa: F401

# A valid contact post; `started` is long ago, so it is never "too fast".
CONTACT = {"name": "Ann Patient", "email": "ann@example.com", "phone": "303-555-0123",
           "message": "I have chronic pain. Can I call?", "page": "/contact/", "website": "",
           "started": "1764300000000"}


@pytest.fixture
def make_app(sqlite_config):
    """create_app on SQLite + Maildir in tmp, unthrottled unless a test sets FORMS_RATE_LIMIT."""
    def make(**settings):
        return create_app({**sqlite_config, "FORMS_RATE_LIMIT": "off", **settings, "TESTING": True})
    return make


def stored(app):
    """{(kind, status): count} of the submissions the app's store holds."""
    rows = app.extensions["forms_lambda"].store._run(
        "SELECT kind, status, COUNT(*) AS n FROM submissions GROUP BY kind, status")
    return {(r["kind"], r["status"]): r["n"] for r in rows}


class CaptchaVerifyServer:
    """Answers siteverify POSTs like Turnstile/hCaptcha: success only for the token "pass".

    Tokens "slow", "broken" and "error" make it hang, answer non-JSON, or answer HTTP 500.
    """

    def __init__(self):
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                server.requests.append(form)
                token = form.get("response", "")
                if token == "slow":
                    time.sleep(2)
                if token == "error":
                    self.send_response(500)
                    self.end_headers()
                    return
                body = b"<html>" if token == "broken" else json.dumps(
                    {"success": token == "pass", "error-codes": [] if token == "pass" else ["invalid-input-response"]}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/siteverify"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def captcha_server():
    server = CaptchaVerifyServer()
    server.start()
    yield server
    server.stop()

"""Fixtures of the security suite: a real CAPTCHA verify endpoint on 127.0.0.1."""
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


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

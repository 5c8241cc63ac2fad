"""Build the site and run it the way `make run` does, in a scratch folder, on a free port.

Shared by the end-to-end fixtures (tests/e2e/conftest.py), the site tests and `make audit` (tests/e2e/lighthouse.py),
so that both look at exactly what a visitor gets: Pelican's output served by gunicorn running
`forms_lambda.local:create_local_app()`, with its security headers, and the form service under /api.
"""

import contextlib
import email
import email.policy
import mailbox
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from localhost import free_port, wait_for_http
from tests.support import ROOT
from tests.support.site_build import build_site

BIN = Path(sys.executable).parent
CLINIC_INBOX = "clinic@localhost"


def server_env(workdir, port, site_dir, **settings):
    """The configuration `make run` reads from the environment, pointed into workdir (plus `settings`)."""
    workdir = Path(workdir)
    return {
        **os.environ,
        "FORMS_SITE_DIR": str(site_dir),
        "FORMS_MAILER": f"maildir:{workdir / 'mail'}",
        "FORMS_STORE": f"sqlite:///{workdir / 'forms.sqlite3'}",
        "FORMS_SITE_URL": f"http://127.0.0.1:{port}",
        "FORMS_CLINIC_INBOX": CLINIC_INBOX,
        "FORMS_VAR_DIR": str(workdir / "var"),
        "FORMS_SECRET_KEY": "end-to-end-tests-only",
        # A browser driven by a test fills a form faster than any person; the "too fast" bot check
        # has its own tests, so here it would only drop the very emails these tests look for.
        "FORMS_MIN_SUBMIT_SECONDS": "0",
        **settings,
    }


class SiteServer:
    def __init__(self, workdir, port, site_dir, env=None):
        self.env = env
        self.workdir = Path(workdir)
        self.port = port
        self.site_dir = Path(site_dir)
        self.url = f"http://127.0.0.1:{port}"
        self.mail_dir = self.workdir / "mail"


@contextlib.contextmanager
def running_site(workdir, site_dir=None, **settings):
    """Serve a copy of site_dir (default: the site built into workdir/output) after `init`ing the store, with
    gunicorn as `make run` does; stop it on exit. The copy gets the compressed files, not a build others read.
    `settings`: more FORMS_* variables."""
    workdir = Path(workdir)
    site_dir = shutil.copytree(site_dir, workdir / "output") if site_dir else build_site(workdir / "output")
    port = free_port()
    env = server_env(workdir, port, site_dir, **settings)
    subprocess.run(
        [sys.executable, "-m", "forms_lambda", "init"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    # The same command lines as `make serve`: compress the site (gzip, brotli), then serve it.
    subprocess.run([sys.executable, "-m", "whitenoise.compress", "--quiet", str(site_dir)], check=True)
    # Same process group as the tests, so Ctrl-C stops it too; SIGTERM makes gunicorn's master stop its workers.
    with open(workdir / "server.log", "ab") as log:
        proc = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--config",
                "python:forms_lambda.gunicorn_conf",
                "forms_lambda.local:create_local_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = SiteServer(workdir, port, site_dir, env)
    try:
        wait_for_http(f"{server.url}/")
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Outbox:
    """What the form service sent, read from its Maildir as any mail client would."""

    def __init__(self, path):
        self.path = Path(path)

    def messages(self):
        if not (self.path / "new").is_dir():
            return []
        box = mailbox.Maildir(self.path, factory=None, create=False)
        return [email.message_from_bytes(box.get_bytes(key), policy=email.policy.default) for key in box.iterkeys()]

    def wait_for(self, text, count=1, timeout=10.0):
        """The messages whose headers or text contain `text`, once there are `count` of them.

        Waits because delivery may follow the HTTP answer; asserts on content, never on time taken."""
        deadline = time.monotonic() + timeout
        while True:
            found = [
                m for m in self.messages() if text in body_text(m) or any(text in str(value) for value in m.values())
            ]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.1)


def body_text(message):
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part else ""

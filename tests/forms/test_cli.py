"""The staff's commands: `python -m forms_lambda` and `flask --app forms_lambda` as real processes, the commands
themselves in this process (Flask's CLI runner); and `make serve`'s gunicorn command."""

import csv
import io
import os
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from forms_lambda import create_app
from forms_lambda.stores import Subscriber
from localhost import free_port, wait_for_http
from tests.support.forms import SECRET, run_command, text_body, wait_until


@pytest.fixture
def settings(tmp_path):
    return {
        "FORMS_VAR_DIR": str(tmp_path / "var"),
        "FORMS_SECRET_KEY": SECRET,
        "FORMS_STORE": f"sqlite:///{tmp_path}/forms.sqlite3",
        "FORMS_MAILER": f"maildir:{tmp_path}/mail",
        "FORMS_DELIVERY": "inline",
    }


@pytest.fixture
def env(settings):
    """The environment of a process started as the staff start one (PYTHONPATH: the project, from tests/conftest)."""
    return {**os.environ, **settings}


def command_line(env, *args):
    """`python -m forms_lambda ARGS` as a process of its own: what the Makefile, the docs and cron run."""
    return subprocess.run([sys.executable, "-m", "forms_lambda", *args], env=env, capture_output=True, text=True)


def test_python_m_forms_lambda_runs_a_command(env, tmp_path):
    r = command_line(env, "init")
    assert (r.returncode, r.stdout) == (0, "store ready: sqlite\n")
    assert (tmp_path / "forms.sqlite3").exists()


def test_flask_runs_the_same_commands(env, tmp_path):
    flask = Path(sys.executable).parent / "flask"
    r = subprocess.run([flask, "--app", "forms_lambda", "init"], env=env, capture_output=True, text=True)
    assert (r.returncode, r.stdout) == (0, "store ready: sqlite\n")
    r = subprocess.run([flask, "--app", "forms_lambda", "status"], env=env, capture_output=True, text=True)
    assert r.returncode == 0 and "oldest pending: none" in r.stdout


@pytest.mark.parametrize(
    "setting",
    [{"FORMS_STORE": "mysql://x"}, {"FORMS_SECRET_KEY": "short"}, {"FORMS_DELIVERY": "pigeon"}],
    ids=["store", "secret", "delivery"],
)
def test_configuration_errors_name_the_variable_without_a_traceback(env, setting):
    r = command_line({**env, **setting}, "init")
    assert r.returncode == 2 and next(iter(setting)) in r.stderr and "Traceback" not in r.stderr
    assert r.stderr.startswith("configuration error: ")


def test_unknown_commands_and_options_are_usage_errors(settings):
    app = create_app(settings)
    for args in (["bogus"], ["retry", "--limit", "many"], ["export", "--status", "bogus"], ["forget"]):
        result = run_command(*args, app=app)
        assert result.exit_code == 2 and "Usage:" in result.stderr, args


def test_help_lists_every_command():
    result = run_command("--help", app=create_app({"FORMS_SECRET_KEY": SECRET}))
    for name in ("init", "retry", "status", "failed", "spam", "purge", "export", "notify", "unsubscribe", "forget"):
        assert f"  {name} " in result.stdout, name


def test_init_creates_the_store(settings, tmp_path):
    result = run_command("init", app=create_app(settings))
    assert (result.exit_code, result.stdout) == (0, "store ready: sqlite\n")
    assert (tmp_path / "forms.sqlite3").exists()


def test_retry_delivers_what_was_left_pending(settings, smtp_server):
    down = create_app({**settings, "FORMS_MAILER": "smtp://127.0.0.1:9"})
    down.test_client().post("/api/contact", data={"name": "Ann", "email": "ann@example.com", "message": "Hi"})
    r = run_command("retry", app=down)
    assert r.exit_code == 1 and "still pending 1" in r.stdout
    up = create_app({**settings, "FORMS_MAILER": smtp_server.url})
    r = run_command("retry", app=up)
    assert r.exit_code == 0 and "delivered 1" in r.stdout
    [msg] = smtp_server.messages
    assert msg["Subject"] == "Contact request from Ann" and "Hi" in text_body(msg)
    assert "still pending 0" in run_command("retry", app=up).stdout


def test_export_writes_subscribers_with_consent_as_csv(settings):
    app = create_app({**settings, "FORMS_DOUBLE_OPT_IN": "0"})
    for address in ("b@example.com", "a@example.com"):
        app.test_client().post("/api/subscribe", data={"email": address, "page": "/blog/x/"})
    r = run_command("export", app=app)
    assert r.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    # both were created in the same second: the order between them is not defined
    assert sorted(row["email"] for row in rows) == ["a@example.com", "b@example.com"]
    assert all(row["status"] == "confirmed" and row["opt_in_page"] == "/blog/x/" and row["opt_in_at"] for row in rows)
    assert run_command("export", "--status", "pending", app=app).stdout.strip().count("\n") == 0  # header only


def test_gunicorn_serves_site_and_forms_on_one_port(env, tmp_path, maildir):
    """What `make serve` runs: a newcomer posts the form and finds the email under var/mail, delivered by
    the server's own delivery thread once the answer has gone."""
    site = tmp_path / "site"
    (site / "thanks").mkdir(parents=True)
    (site / "index.html").write_text("<!doctype html><title>Home</title><h1>Home</h1>")
    (site / "thanks" / "index.html").write_text("<!doctype html><title>Thanks</title><h1>Thank you</h1>")
    port = free_port()
    server_env = {k: v for k, v in env.items() if k != "FORMS_DELIVERY"}  # the server's default
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "forms_lambda.local:create_local_app()",
        ],
        env={**server_env, "FORMS_SITE_DIR": str(site)},
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/")
        data = urllib.parse.urlencode({"name": "Ann", "email": "ann@example.com", "message": "Hello"}).encode()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contact", data=data) as r:  # follows the 303
            assert r.url.endswith("/thanks/")
            assert BeautifulSoup(r.read(), "lxml").h1.get_text() == "Thank you"
            assert r.headers["X-Frame-Options"] == "DENY"
        [msg] = wait_until(maildir)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert msg["Subject"] == "Contact request from Ann"


@pytest.mark.parametrize("address", ["=cmd@example.com", "+sum@example.com", "-x@example.com", "@evil@example.com"])
def test_export_cells_are_never_spreadsheet_formulas(settings, address):
    """A valid address may start with =, + or -: in a spreadsheet the cell would be a formula (CSV injection)."""
    app = create_app(settings)
    store = app.extensions["forms_lambda"].store
    store.add_subscriber(
        Subscriber(
            email=address, opt_in_page='=HYPERLINK("https://evil.example")', opt_in_at="2026-11-28T10:00:00+00:00"
        )
    )
    [row] = list(csv.DictReader(io.StringIO(run_command("export", app=app).stdout)))
    assert row["email"] == "'" + address and row["opt_in_page"].startswith("'=HYPERLINK")
    assert row["opt_in_at"] == "2026-11-28T10:00:00+00:00"  # ordinary cells as they are
    assert not any(value.startswith(("=", "+", "-", "@", "\t", "\r")) for value in row.values())

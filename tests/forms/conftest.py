"""Fixtures for the form service's own tests: an app on SQLite + Maildir, its client and store, and the staff's
command line on both stores."""

import pytest

from forms_lambda import create_app
from tests.support.forms import run_command


@pytest.fixture
def config(sqlite_config):
    return sqlite_config


@pytest.fixture
def app(config):
    return create_app({**config, "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def store(app):
    return app.extensions["forms_lambda"].store


@pytest.fixture(params=["sqlite", "dynamodb"])
def staff(request, monkeypatch, config, smtp_server):
    """The command line against each store, with a relay that can refuse; returns (run, relay, store)."""
    settings = {**config, "FORMS_MAILER": smtp_server.url, "FORMS_MAX_ATTEMPTS": "2", "FORMS_RETRY_BASE_SECONDS": "0"}
    if request.param == "dynamodb":
        settings.update(FORMS_STORE=request.getfixturevalue("dynamo_config")["FORMS_STORE"])
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    app = create_app()

    def run(*args):
        result = run_command(*args, app=app)
        return result.exit_code, result.stdout

    return run, smtp_server, app.extensions["forms_lambda"]

"""Fixtures of the security suite: an app factory with security settings, and gunicorn as `make serve` runs it
(the form service's fixtures on real backends are the whole suite's, in tests/conftest.py)."""

import pytest

from forms_lambda import create_app
from tests.support.forms import FROZEN_TIME
from tests.support.servers import Gunicorn


@pytest.fixture
def make_app(sqlite_config):
    """create_app on SQLite + Maildir in tmp, unthrottled unless a test sets FORMS_RATE_LIMIT; its rate-limit
    clock stands at FROZEN_TIME (tests move it with `app.extensions["forms_lambda"].clock`)."""

    def make(**settings):
        app = create_app({**sqlite_config, "FORMS_RATE_LIMIT": "off", **settings, "TESTING": True})
        app.extensions["forms_lambda"].clock = lambda: FROZEN_TIME
        return app

    return make


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

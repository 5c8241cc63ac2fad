"""Fixtures for the form service: an app on real backends (SQLite + Maildir, or DynamoDB + SES in moto_server)."""

import mailbox
import re

import boto3
import pytest

from forms_lambda import create_app
from forms_lambda.stores.dynamo import DynamoStore
from tests.forms.support import INBOX, SECRET, SENDER, parse, ses_messages


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch, tmp_path):
    """Tests never see the developer's FORMS_* settings, nor write into the repository's var/."""
    import os

    for name in list(os.environ):
        if name.startswith("FORMS_") or name == "AWS_LAMBDA_FUNCTION_NAME":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def sqlite_config(tmp_path):
    return {
        "FORMS_STORE": f"sqlite:///{tmp_path}/forms.sqlite3",
        "FORMS_MAILER": f"maildir:{tmp_path}/mail",
        "FORMS_VAR_DIR": str(tmp_path / "var"),
        "FORMS_SECRET_KEY": SECRET,
        "FORMS_SENDER": SENDER,
        "FORMS_CLINIC_INBOX": INBOX,
        "FORMS_SITE_URL": "https://clinic.example",
        # The limiter runs but never throttles these tests (tests/security tests the limits).
        "FORMS_RATE_LIMIT": "10000/minute",
        # Delivered in the request's thread, so a test reads the email as soon as the request returns;
        # the server's own worker thread is tested through gunicorn (tests/forms/test_delivery.py).
        "FORMS_DELIVERY": "inline",
    }


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


@pytest.fixture
def maildir(tmp_path):
    """What MaildirMailer delivered, parsed, oldest first."""

    def messages():
        path = tmp_path / "mail"
        if not all((path / part).is_dir() for part in ("new", "cur", "tmp")):
            return []  # none yet (a server process may be creating the folder this very moment)
        box = mailbox.Maildir(path, create=False)
        # Maildir names start with <seconds>.M<microseconds>: their delivery order
        order = lambda key: tuple(int(n) for n in re.match(r"(\d+)\.M(\d+)P\d+Q(\d+)", key).groups())
        return [parse(box.get_bytes(key)) for key in sorted(box.keys(), key=order)]

    return messages


@pytest.fixture
def dynamo_config(moto_server, sqlite_config):
    boto3.client("sesv2").create_email_identity(EmailIdentity="clinic.example")
    DynamoStore("test-forms").init()
    return {**sqlite_config, "FORMS_STORE": "dynamodb://test-forms", "FORMS_MAILER": "ses"}


@pytest.fixture(params=["sqlite+maildir", "dynamodb+ses"])
def backend(request, sqlite_config, maildir):
    """An app on each pair of real backends, with a function returning the emails it sent."""
    if request.param == "sqlite+maildir":
        return create_app({**sqlite_config, "TESTING": True}), maildir
    moto = request.getfixturevalue("moto_server")
    config = request.getfixturevalue("dynamo_config")
    return create_app({**config, "TESTING": True}), lambda: ses_messages(moto)

"""Helpers for the form service's tests: what a person posts, reading the emails that real servers received,
the rows the store holds and its SQLite file, waiting for delivery."""

import email
import email.policy
import itertools
import re
import sqlite3
import time
import uuid
from contextlib import closing
from urllib.parse import urlsplit

SECRET = "test-secret-key-0123456789abcdef"
SENDER = "Vitalitas Clinic <no-reply@clinic.example>"
INBOX = "frontdesk@clinic.example"
JSON = {"Accept": "application/json"}


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def text_body(msg):
    return msg.get_body(preferencelist=("plain",)).get_content()


def html_body(msg):
    return msg.get_body(preferencelist=("html",)).get_content()


def link(msg, path):
    """The path+query of the first link to `path` in the plain-text body."""
    url = re.search(rf"\S+{re.escape(path)}\?token=\S+", text_body(msg)).group(0)
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def sqlite_rows(store, sql, params=()):
    """Run `sql` on a SqliteStore's file through a connection of the test's own, as an operator's sqlite3 shell
    would: the rows, and what it wrote committed."""
    with closing(sqlite3.connect(store.path)) as conn, conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql, params).fetchall()


def sqlite_fault(monkeypatch, store, pragma):
    """Make every connection the SqliteStore opens from now on run `pragma` first: a fault SQLite keeps per
    connection, such as a read-only file (query_only) or a full disk (max_page_count)."""
    connect = store.connect

    def connect_with_fault():
        conn = connect()
        conn.execute(pragma)
        return conn

    monkeypatch.setattr(store, "connect", connect_with_fault)


def ses_messages(moto):
    """What SES (moto_server) was asked to send as raw MIME, parsed."""
    return [parse(m["raw_data"].encode()) for m in moto.data()["ses"]["RawMessage"]]


def wait_until(condition, timeout=30.0):
    """Poll `condition()` until it returns something true, or `timeout` seconds pass: its last value, for the
    test to assert on. Delivery follows the answer, so a test waits for what it checks, never for a time."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


_sequence = itertools.count(4_210_000_000_000_000_000_001)


def stream_event(table, items, event_name="INSERT"):
    """The event Lambda receives from the table's DynamoDB stream (KEYS_ONLY, as deploy/template.yaml and
    DynamoStore.init make it) for these real items of `table` (e.g. "test-forms-submissions")."""
    import boto3

    client = boto3.client("dynamodb")
    arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    region = arn.split(":")[3]
    return {
        "Records": [
            {
                "eventID": uuid.uuid4().hex,
                "eventName": event_name,
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": region,
                "dynamodb": {
                    "ApproximateCreationDateTime": int(time.time()),
                    "Keys": {"pk": item["pk"], "sk": item["sk"]},
                    "SequenceNumber": str(next(_sequence)),
                    "SizeBytes": 120,
                    "StreamViewType": "KEYS_ONLY",
                },
                "eventSourceARN": arn,
            }
            for item in items
        ]
    }


def table_items(table):
    """Every item of a DynamoDB table, as the low-level API returns them (typed attribute values)."""
    import boto3

    return boto3.client("dynamodb").scan(TableName=table, ConsistentRead=True)["Items"]


def new_submissions_event(prefix, seen=()):
    """The stream event for the submissions of `prefix` not in `seen` (ids): what the stream would carry."""
    items = [i for i in table_items(f"{prefix}-submissions") if i["id"]["S"] not in seen]
    return stream_event(f"{prefix}-submissions", items)


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


def stored(app):
    """{(kind, status): count} of the submissions the app's store holds."""
    return app.extensions["forms_lambda"].store.count_submissions()


def delivery_order(maildir_key):
    """Sort key of a Maildir message: its name starts with <seconds>.M<microseconds>, when it was delivered."""
    match = re.match(r"(\d+)\.M(\d+)P\d+Q(\d+)", maildir_key)
    return tuple(int(number) for number in match.groups())


def run_command(*args, app=None):
    """A staff command, `python -m forms_lambda ARGS`, run in this process through Flask's CLI runner: on `app`,
    or on an app built from the environment as the command line builds it. click's Result: exit_code, stdout,
    stderr (an exception the command raises fails the test)."""
    from forms_lambda import create_app

    app = app or create_app()
    return app.test_cli_runner().invoke(args=[str(arg) for arg in args], catch_exceptions=False)

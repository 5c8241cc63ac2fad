"""Structured logs: JSON lines with ids and outcomes; personal data cannot get in."""

import io
import json
import logging

import pytest

from forms_lambda import logs


@pytest.fixture
def captured():
    stream = io.StringIO()
    logs.configure(stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logs.configure()


def test_events_are_json_lines_with_only_allowed_fields(captured):
    logs.log_event(
        "contact.accepted",
        submission_id="a1234567b89c",
        outcome="stored",
        email="jane@example.com",
        name="Jane Roe",
        message="my pain",
        attempts=2,
    )
    (line,) = captured()
    assert line["event"] == "contact.accepted"
    assert line["submission_id"] == "a1234567b89c"
    assert line["attempts"] == 2 and line["level"] == "info" and line["time"].endswith("Z")
    assert not {"email", "name", "message"} & set(line)


@pytest.mark.parametrize(
    "error, leaked",
    [
        ("(550, b'5.1.1 <jane.roe+x@example.com>: Recipient address rejected')", "jane.roe+x@example.com"),
        ("bad phone (303) 555-0143 in field", "555-0143"),
        ("call +1 303.555.0143", "555.0143"),
        ("Peña Nieto <pena@exämple.com>", "pena@"),
    ],
)
def test_error_texts_are_redacted(captured, error, leaked):
    logs.log_event("delivery.failed", submission_id="0123456789abcdef0123456789abcdef", error=error)
    (line,) = captured()
    assert leaked not in json.dumps(line)
    assert line["submission_id"] == "0123456789abcdef0123456789abcdef"


def test_tracebacks_are_redacted_too(captured):
    try:
        raise ValueError("refused {'jane@example.com': (550, 'no such user')}")
    except ValueError:
        logs.log_event("delivery.failed", level=logging.ERROR, exc_info=True, submission_id="abc")
    (line,) = captured()
    assert line["error_type"] == "ValueError" and "Traceback" in line["traceback"]
    assert "jane@example.com" not in line["traceback"]


def test_numbers_and_dates_that_are_not_phones_survive(captured):
    logs.log_event("retry.finished", delivered=1234567, path="/api/contact", error="at 2026-11-28T10:20:20Z")
    (line,) = captured()
    assert line["delivered"] == 1234567
    assert line["error"] == "at 2026-11-28T10:20:20Z"

"""The real server process (gunicorn, several workers) on SQLite under simultaneous posts."""

import functools
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from forms_lambda import subscribers
from forms_lambda.stores.sqlite import SqliteStore
from forms_lambda.tokens import Tokens
from tests.support.forms import SECRET, wait_until


def patient(i):
    return {
        "name": f"Concurrent Patient {i}",
        "email": f"concurrent{i}@example.com",
        "phone": f"303-555-{i:04d}",
        "message": f"Simultaneous message number {i}.",
        "page": "/contact/",
    }


@pytest.mark.slow
def test_fifty_simultaneous_posts_are_all_stored_and_delivered(gunicorn, smtp_server):
    server = gunicorn(FORMS_MAILER=smtp_server.url, FORMS_RATE_LIMIT="1000/minute")
    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(lambda i: server.post("/api/contact", patient(i)), range(50)))
    assert [status for status, body, _ in answers] == [200] * 50
    # Delivered by the workers' delivery threads, after the answers.
    wait_until(lambda: server.count("delivered") == 50)
    rows = server.rows()
    assert len(rows) == 50 and {status for status, _ in rows} == {"delivered"}
    assert sorted(json.loads(p)["name"] for _, p in rows) == sorted(patient(i)["name"] for i in range(50))
    messages = smtp_server.messages
    assert len(messages) == 50 and len({m["Message-ID"] for m in messages}) == 50
    assert sorted(m["Subject"] for m in messages) == sorted(
        f"Contact request from Concurrent Patient {i}" for i in range(50)
    )
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


@pytest.mark.slow
def post_together(server, barrier, path):
    """Post to `path` as soon as every thread holding `barrier` is ready: the posts race."""
    barrier.wait()
    return server.post(path, {})[0]


def test_confirm_and_unsubscribe_racing_through_the_server(gunicorn, tmp_path, maildir):
    """A smaller run of tests/forms/test_lifecycle.py's races through gunicorn's worker processes: the final state
    is what the last answer said, and each confirmation brings exactly one welcome email."""
    server = gunicorn(FORMS_MAILER=f"maildir:{tmp_path}/mail", FORMS_RATE_LIMIT="off")
    store, tokens = SqliteStore(server.db), Tokens(SECRET, 3600)
    rounds = []
    for i in range(10):
        subscriber = subscribers.opt_in(store, f"racer{i}@example.com", "2026-11-01T10:00:00+00:00", "/")
        confirm = f"/api/subscribe/confirm?token={tokens.confirm_token(subscriber.id, subscriber.opt_in_id)}"
        other = confirm if i % 2 else f"/api/unsubscribe?token={tokens.unsubscribe_token(subscriber.id)}"
        post = functools.partial(post_together, server, threading.Barrier(2))
        with ThreadPoolExecutor(max_workers=2) as pool:
            rounds.append((subscriber, other == confirm, list(pool.map(post, [confirm, other]))))
    wait_until(lambda: server.count("pending") == 0)
    welcomed = [str(m["To"]) for m in maildir()]
    for subscriber, both_confirm, statuses in rounds:
        after = store.get_subscriber_by_id(subscriber.id)
        if both_confirm:
            assert statuses == [200, 200] and after.status == "confirmed"
            assert welcomed.count(subscriber.email) == 1
        else:
            assert statuses[1] == 200 and after.status == "unsubscribed"
            assert (statuses[0] == 200) == bool(after.confirmed_at)
            assert welcomed.count(subscriber.email) <= (statuses[0] == 200)

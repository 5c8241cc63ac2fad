"""Rate limit logic: parsing, client addresses behind proxies, atomic counters in real stores."""
import multiprocessing
import sqlite3
from contextlib import closing

import boto3
import pytest

from forms_lambda.stores.dynamo import DynamoStore
from forms_lambda.stores.sqlite import SqliteStore
from forms_lambda.ratelimit import (RateLimit, client_address, hit_dynamo, hit_sqlite, parse_rate_limit,
                                    window_bounds)


@pytest.mark.parametrize("text, expected", [
    ("5/minute", RateLimit(5, 60)),
    ("10/10minutes", RateLimit(10, 600)),
    ("10 / 10 min", RateLimit(10, 600)),
    ("100/3600", RateLimit(100, 3600)),
    ("3/s", RateLimit(3, 1)),
    ("1000/hour", RateLimit(1000, 3600)),
    ("50/2days", RateLimit(50, 172800)),
    ("off", None),
])
def test_rate_limits_parse(text, expected):
    assert parse_rate_limit(text) == expected


@pytest.mark.parametrize("text", ["", "5", "five/minute", "5/fortnight", "0/minute", "5/0", "5/30days", "-1/m"])
def test_bad_rate_limits_are_refused(text):
    with pytest.raises(ValueError):
        parse_rate_limit(text)


@pytest.mark.parametrize("remote, forwarded, proxies, expected", [
    ("198.51.100.7", None, 0, "198.51.100.7"),
    # Without trusted proxies a client-written header is ignored.
    ("198.51.100.7", "203.0.113.1", 0, "198.51.100.7"),
    ("10.0.0.2", "203.0.113.1", 1, "203.0.113.1"),
    # Spoofed entries to the left of what the trusted proxy appended are ignored.
    ("10.0.0.2", "1.2.3.4, 5.6.7.8, 203.0.113.1", 1, "203.0.113.1"),
    ("10.0.0.2", "1.2.3.4, 203.0.113.1, 10.0.0.9", 2, "203.0.113.1"),
    # Fewer entries than proxies: the chain is not what we were told, trust only the peer.
    ("10.0.0.2", "203.0.113.1", 2, "10.0.0.2"),
    ("10.0.0.2", "not-an-ip", 1, "unknown"),
    ("2001:db8:1:2:aaaa::1", None, 0, "2001:db8:1:2::/64"),
    ("10.0.0.2", "2001:db8:1:2:bbbb::9", 1, "2001:db8:1:2::/64"),
    ("::ffff:198.51.100.7", None, 0, "198.51.100.7"),
    ("", None, 0, "unknown"),
])
def test_client_address(remote, forwarded, proxies, expected):
    environ = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        environ["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_address(environ, proxies) == expected


@pytest.mark.parametrize("context", [{"http": {"sourceIp": "203.0.113.5"}},  # HTTP API (2.0)
                                     {"identity": {"sourceIp": "203.0.113.5"}}])  # REST (1.0)
def test_on_lambda_the_source_ip_wins_over_a_forged_remote_addr(context):
    # apig-wsgi sets REMOTE_ADDR from the client-written X-Forwarded-For on REST events.
    environ = {"REMOTE_ADDR": "6.6.6.6", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.5",
               "apig_wsgi.request_context": context}
    assert client_address(environ, 0) == "203.0.113.5"


def test_windows_are_aligned():
    assert window_bounds(1000.5, 60) == (960, 1020)


def open_limits(path):
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.execute("CREATE TABLE IF NOT EXISTS rate_limits (key TEXT PRIMARY KEY, hits INTEGER NOT NULL,"
                 " expires_at INTEGER NOT NULL)")
    return conn


def test_sqlite_counter_allows_the_limit_then_says_when_to_retry(tmp_path):
    with closing(open_limits(tmp_path / "l.db")) as conn:
        results = [hit_sqlite(conn, "1.2.3.4|/api/contact", 60, 3, now=1000.5) for _ in range(4)]
        assert results == [(True, 0)] * 3 + [(False, 20)]
        # Another route and another address have their own counters.
        assert hit_sqlite(conn, "1.2.3.4|/api/subscribe", 60, 3, now=1000.5) == (True, 0)
        assert hit_sqlite(conn, "1.2.3.5|/api/contact", 60, 3, now=1000.5) == (True, 0)
        # The next window starts afresh.
        assert hit_sqlite(conn, "1.2.3.4|/api/contact", 60, 3, now=1020.0) == (True, 0)
        assert conn.execute("SELECT hits FROM rate_limits WHERE key = '1.2.3.4|/api/contact'").fetchone() == (1,)


def _hammer(path, hits, results):
    with closing(open_limits(path)) as conn:
        results.put(sum(hit_sqlite(conn, "k", 3600, 50, now=7200.0)[0] for _ in range(hits)))


def test_sqlite_counter_is_exact_across_processes(tmp_path):
    path = tmp_path / "l.db"
    open_limits(path).close()
    results = multiprocessing.get_context("fork").Queue()
    workers = [multiprocessing.get_context("fork").Process(target=_hammer, args=(path, 30, results))
               for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert sum(results.get(timeout=5) for _ in workers) == 50


def test_dynamo_counter_with_ttl(moto_server):
    DynamoStore("t").init()
    client = boto3.client("dynamodb")
    results = [hit_dynamo(client, "t-limits", "1.2.3.4|/api/contact", 60, 2, now=1000.5) for _ in range(3)]
    assert results == [(True, 0), (True, 0), (False, 20)]
    assert hit_dynamo(client, "t-limits", "1.2.3.4|/api/contact", 60, 2, now=1020.0) == (True, 0)
    table = boto3.resource("dynamodb").Table("t-limits")
    item = table.get_item(Key={"pk": "limit#1.2.3.4|/api/contact", "sk": "960"})["Item"]
    assert item["hits"] == 3 and item["expires_at"] == 1020
    ttl = client.describe_time_to_live(TableName="t-limits")["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expires_at" and ttl["TimeToLiveStatus"] == "ENABLED"


@pytest.mark.parametrize("backend", ["sqlite", "dynamodb"])
def test_store_hit_rate_limit(request, tmp_path, backend):
    if backend == "sqlite":
        store = SqliteStore(tmp_path / "forms.sqlite3")
    else:
        request.getfixturevalue("moto_server")
        store = DynamoStore("s")
        store.init()
    assert [store.hit_rate_limit("a|/api/contact", 600, 2)[0] for _ in range(3)] == [True, True, False]
    allowed, retry_after = store.hit_rate_limit("a|/api/contact", 600, 2)
    assert not allowed and 1 <= retry_after <= 600

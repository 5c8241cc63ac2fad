"""Rate limit logic: parsing, atomic counters in real stores."""

import multiprocessing
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

from forms_lambda.ratelimit import RateLimit, parse_rate_limit
from forms_lambda.stores.dynamo import DynamoStore
from forms_lambda.stores.sqlite import SqliteStore
from tests.support.forms import sqlite_rows


@pytest.mark.parametrize(
    "text, expected",
    [
        ("5/minute", RateLimit(5, 60)),
        ("10/10minutes", RateLimit(10, 600)),
        ("10 / 10 min", RateLimit(10, 600)),
        ("100/3600", RateLimit(100, 3600)),
        ("3/s", RateLimit(3, 1)),
        ("1000/hour", RateLimit(1000, 3600)),
        ("50/2days", RateLimit(50, 172800)),
        ("off", None),
    ],
)
def test_rate_limits_parse(text, expected):
    assert parse_rate_limit(text) == expected


@pytest.mark.parametrize("text", ["", "5", "five/minute", "5/fortnight", "0/minute", "5/0", "5/30days", "-1/m"])
def test_bad_rate_limits_are_refused(text):
    with pytest.raises(ValueError):
        parse_rate_limit(text)


@pytest.fixture(params=["sqlite", "dynamodb"])
def hit(request, tmp_path):
    """hit(key, window, limit, now) on each store's own rate limiter."""
    if request.param == "sqlite":
        store = SqliteStore(tmp_path / "forms.sqlite3")
    else:
        request.getfixturevalue("moto_server")
        store = DynamoStore("s")
        store.init()
    return lambda key, window, limit, now: store.hit_rate_limit(key, window, limit, now=now)


T0 = 1_800_000_000.25  # any time: nothing is aligned to minutes or windows any more


def test_the_limit_at_once_then_one_per_interval(hit):
    """3/minute: three at once, then one every 20 s; Retry-After says when the next one is allowed."""
    assert [hit("a|/api/contact", 60, 3, T0) for _ in range(4)] == [(True, 0)] * 3 + [(False, 20)]
    assert hit("a|/api/contact", 60, 3, T0 + 5) == (False, 15)  # a refused hit costs nothing: still 15 s
    assert hit("a|/api/contact", 60, 3, T0 + 19.5) == (False, 1)
    assert hit("a|/api/contact", 60, 3, T0 + 20) == (True, 0)
    assert hit("a|/api/contact", 60, 3, T0 + 20.5) == (False, 20)
    # Another route and another address have their own buckets.
    assert hit("a|/api/subscribe", 60, 3, T0) == (True, 0)
    assert hit("b|/api/contact", 60, 3, T0) == (True, 0)
    # A bucket left alone refills completely.
    assert [hit("a|/api/contact", 60, 3, T0 + 600)[0] for _ in range(4)] == [True, True, True, False]


@pytest.mark.parametrize("start", [1_800_000_000.0, 1_799_999_999.95, 1_800_000_299.9])
def test_never_twice_the_limit_around_a_windows_edge(hit, start):
    """10/10minutes. Fixed windows let 10 through just before a window ended and 10 more just after; here never
    more than 10 in a burst, and one a minute after, wherever windows would have started."""
    sent = [hit("a|/api/contact", 600, 10, start + i * 0.1)[0] for i in range(15)]  # hammering, across the edge
    assert sent.count(True) == 10
    later = [hit("a|/api/contact", 600, 10, start + 5 + i * 5)[0] for i in range(24)]  # two minutes, every 5 s
    assert later.count(True) == 2


@pytest.mark.parametrize("window, limit", [(86400, 3), (1, 1), (3600, 100), (7 * 86400, 1)])
def test_limits_of_every_size(hit, window, limit):
    assert all(hit("k", window, limit, T0)[0] for _ in range(limit))
    allowed, retry_after = hit("k", window, limit, T0)
    assert not allowed and retry_after == max(1, round(window / limit))
    assert hit("k", window, limit, T0 + window / limit)[0]


def test_sqlite_bucket_is_one_row_per_key(tmp_path):
    store = SqliteStore(tmp_path / "forms.sqlite3")
    for i in range(5):
        store.hit_rate_limit("1.2.3.4|/api/contact", 60, 3, now=T0 + i)
    rows = sqlite_rows(store, "SELECT key, tat FROM rate_buckets")
    assert [(r["key"], r["tat"]) for r in rows] == [("1.2.3.4|/api/contact", T0 + 60)]


def _hammer(path, hits, results):
    store = SqliteStore(path)
    results.put(sum(store.hit_rate_limit("k", 3600, 50, now=T0)[0] for _ in range(hits)))


def test_sqlite_bucket_is_exact_across_processes(tmp_path):
    path = tmp_path / "forms.sqlite3"
    SqliteStore(path)
    results = multiprocessing.get_context("fork").Queue()
    workers = [multiprocessing.get_context("fork").Process(target=_hammer, args=(path, 30, results)) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert sum(results.get(timeout=5) for _ in workers) == 50


def test_dynamo_bucket_with_ttl(moto_server):
    store = DynamoStore("t")
    store.init()
    client = boto3.client("dynamodb")
    results = [store.hit_rate_limit("1.2.3.4|/api/contact", 60, 2, now=T0) for _ in range(3)]
    assert results == [(True, 0), (True, 0), (False, 30)]
    table = boto3.resource("dynamodb").Table("t-limits")
    item = table.get_item(Key={"pk": "limit#1.2.3.4|/api/contact", "sk": "gcra"})["Item"]
    assert float(item["tat"]) == T0 + 60 and item["expires_at"] >= T0 + 60
    ttl = client.describe_time_to_live(TableName="t-limits")["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expires_at" and ttl["TimeToLiveStatus"] == "ENABLED"
    # An item whose time has passed (TTL is late by up to two days) counts as an empty bucket.
    assert store.hit_rate_limit("1.2.3.4|/api/contact", 60, 2, now=T0 + 3600) == (True, 0)


def test_dynamo_bucket_is_exact_under_concurrent_hits(moto_server):
    store = DynamoStore("c")
    store.init()
    with ThreadPoolExecutor(max_workers=8) as pool:
        allowed = list(pool.map(lambda _: store.hit_rate_limit("k", 3600, 10, now=T0)[0], range(24)))
    assert allowed.count(True) == 10

"""The newsletter's store methods behave the same on SqliteStore and DynamoStore (moto_server)."""

import pytest

from forms_lambda.stores import FAILED, SENDING, SENT, Post


def test_posts_are_added_once_and_listed_by_date(any_store):
    assert any_store.add_post(Post("/blog/b/", title="B", published="2026-02-01T00:00:00+00:00"))
    assert any_store.add_post(Post("/blog/a/", title="A", published="2026-01-01T00:00:00+00:00", status="archived"))
    assert not any_store.add_post(Post("/blog/a/", title="A again", published="2026-03-01T00:00:00+00:00"))
    posts = any_store.list_posts()
    assert [(p.path, p.title, p.status) for p in posts] == [
        ("/blog/a/", "A", "archived"),
        ("/blog/b/", "B", "announcing"),
    ]
    any_store.set_post_status("/blog/b/", "announced")
    assert any_store.list_posts()[1].status == "announced"
    with pytest.raises(ValueError):
        any_store.set_post_status("/blog/b/", "bogus")


def test_a_send_is_claimed_once(any_store):
    assert any_store.claim_send("/blog/a/", "s1")
    assert not any_store.claim_send("/blog/a/", "s1")
    assert any_store.claim_send("/blog/b/", "s1")  # another post: its own record
    assert any_store.list_sends("/blog/a/") == {"s1": SENDING}
    any_store.finish_send("/blog/a/", "s1", SENT)
    assert not any_store.claim_send("/blog/a/", "s1")
    assert any_store.list_sends("/blog/a/") == {"s1": SENT}


def test_a_failed_send_can_be_claimed_again(any_store):
    assert any_store.claim_send("/blog/a/", "s1")
    any_store.finish_send("/blog/a/", "s1", FAILED, "SMTP: refused")
    assert any_store.list_sends("/blog/a/") == {"s1": FAILED}
    assert any_store.claim_send("/blog/a/", "s1")
    assert any_store.list_sends("/blog/a/") == {"s1": SENDING}


def test_an_interrupted_send_is_taken_over_only_when_stale(any_store):
    assert any_store.claim_send("/blog/a/", "s1")
    assert not any_store.claim_send("/blog/a/", "s1", stale_before="2000-01-01T00:00:00+00:00")
    assert any_store.claim_send("/blog/a/", "s1", stale_before="9999-01-01T00:00:00+00:00")
    any_store.finish_send("/blog/a/", "s1", SENT)
    assert not any_store.claim_send("/blog/a/", "s1", stale_before="9999-01-01T00:00:00+00:00")


def test_many_sends_are_listed(any_store):
    for i in range(120):
        any_store.claim_send("/blog/a/", f"s{i}")
    sends = any_store.list_sends("/blog/a/")
    assert len(sends) == 120 and set(sends.values()) == {SENDING}

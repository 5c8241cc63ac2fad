"""A notify run lists the confirmed readers once, then mails them over minutes: whoever unsubscribes or
bounces meanwhile is not mailed, and the article still counts as announced to everyone else."""

import pytest

from forms_lambda import create_app, subscribers
from forms_lambda.newsletter import Newsletter
from forms_lambda.stores import Post, Subscriber
from forms_lambda.subscribers import State

CONFIRMED_AT = "2026-01-01T00:01:00+00:00"


@pytest.fixture
def services(tmp_path, smtp_server, monkeypatch):
    monkeypatch.setenv("FORMS_STORE", f"sqlite:///{tmp_path}/forms.sqlite3")
    monkeypatch.setenv("FORMS_MAILER", smtp_server.url)
    monkeypatch.setenv("FORMS_SENDER", "Vitalitas <news@clinic.example>")
    monkeypatch.setenv("FORMS_SITE_URL", "https://clinic.example")
    monkeypatch.setenv("FORMS_SECRET_KEY", "a-test-secret-key-of-some-length")
    monkeypatch.setenv("FORMS_SEND_RATE", "1000")
    monkeypatch.setenv("FORMS_VAR_DIR", str(tmp_path / "var"))
    return create_app({"TESTING": True}).extensions["forms_lambda"]


@pytest.mark.parametrize("leave", [subscribers.unsubscribe, "suppress", "erased"])
def test_who_leaves_after_the_run_listed_them_is_not_mailed(services, smtp_server, leave):
    store = services.store
    for address in ("stays@example.org", "leaves@example.org"):
        store.add_subscriber(Subscriber(email=address, status=State.CONFIRMED, confirmed_at=CONFIRMED_AT))
    post = Post(path="/blog/new/", title="New", link="https://clinic.example/blog/new/", status="announcing")
    store.add_post(post)
    post = next(p for p in store.list_posts() if p.path == post.path)
    listed = store.list_subscribers(status=State.CONFIRMED)

    leaver = store.get_subscriber("leaves@example.org")
    if leave == "suppress":
        subscribers.suppress(store, leaver.email)
    elif leave == "erased":
        store.forget_person(leaver.email, leaver.id)
    else:
        leave(store, leaver.id)

    counts = Newsletter(services).send_post(post, listed)
    assert [str(m["To"]) for m in smtp_server.messages] == ["stays@example.org"]
    assert counts["sent"] == 1 and counts["left"] == 1
    assert counts["complete"]  # announced: nobody still confirmed is owed this article
    assert store.list_sends(post.path) == {store.get_subscriber("stays@example.org").id: "sent"}

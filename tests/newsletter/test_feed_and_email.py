"""Reading a built site's Atom feed, and the announcement email built from it."""

import email
import email.policy
import re
from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup

from forms_lambda import emails
from forms_lambda.config import load_settings
from forms_lambda.newsletter import html_to_text, read_feed
from forms_lambda.stores import Post, Subscriber

ARTICLES = [
    ("newer", "Newer & better", "<p>Second <em>summary</em>.</p><p>More.</p>", "2026-03-01T09:00:00-07:00"),
    (
        "ketamine-for-chronic-pain",
        "Ketamine for Chronic Pain",
        "<p>Ketamine &amp; pain.</p>",
        "2026-01-15T10:00:00-07:00",
    ),
]


def test_feed_entries_oldest_first_with_absolute_links(tmp_path, feed_writer):
    feed_writer(tmp_path, ARTICLES)
    articles = read_feed(tmp_path, "https://clinic.example")
    assert [a.title for a in articles] == ["Ketamine for Chronic Pain", "Newer & better"]
    first = articles[0]
    assert first.link == "https://clinic.example/blog/ketamine-for-chronic-pain/"
    assert first.path == "/blog/ketamine-for-chronic-pain/"
    assert first.summary == "Ketamine & pain."
    assert first.date.startswith("2026-01-15T10:00:00")
    assert first.id.startswith("tag:")
    assert articles[1].summary == "Second summary.\n\nMore."


def test_links_are_on_the_public_origin_whatever_siteurl_the_build_used(tmp_path, feed_writer):
    feed_writer(tmp_path, ARTICLES, site_url="http://127.0.0.1:8000")
    articles = read_feed(tmp_path, "https://www.clinic.example")
    assert articles[0].link == "https://www.clinic.example/blog/ketamine-for-chronic-pain/"
    assert articles[0].path == "/blog/ketamine-for-chronic-pain/"


def test_long_summaries_are_cut_at_a_word():
    text = html_to_text("<p>" + "word " * 300 + "</p>")
    assert len(text) <= 601 and text.endswith("word…")
    assert html_to_text("<script>x</script><p>a<br>b</p>") == "a\n\nb"


def settings(**env):
    return load_settings(
        {
            "FORMS_SECRET_KEY": "s" * 32,
            "FORMS_SENDER": "Vitalitas <news@clinic.example>",
            "FORMS_SITE_URL": "https://clinic.example",
            "FORMS_CLINIC_ADDRESS": "1 Main Street; Denver, CO 80202",
            **env,
        }
    )


def mailto_url(token):
    return f"mailto:clinic@localhost?subject=unsubscribe%20{token}"


def test_announcement_email_has_title_summary_link_footer_and_list_headers():
    post = Post(
        "/blog/a/",
        title="Ketamine & pain: what to know",
        link="https://clinic.example/blog/a/",
        summary="First paragraph.\n\nSecond <b>one</b>.",
    )
    subscriber = Subscriber(email="pat@example.org")
    token = "t" * 150  # long: headers must keep it whole
    url = f"https://clinic.example/api/unsubscribe?token={token}"
    raw = emails.announcement_email(settings(), post, subscriber, url, token).as_bytes()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    header = raw.split(b"\nList-Unsubscribe: ")[1].split(b"\n")[0]  # one line, never folded or encoded
    assert header == f"<{url}>, <{mailto_url(token)}>".encode()
    assert msg["Subject"] == "Ketamine & pain: what to know"
    assert msg["To"] == "pat@example.org"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = [part.strip().strip("<>") for part in str(msg["List-Unsubscribe"]).split(",")]
    assert https == url
    assert mailto.startswith("mailto:clinic@localhost?subject=")
    assert parse_qs(urlsplit(mailto).query)["subject"] == [f"unsubscribe {token}"]
    text = msg.get_body(("plain",)).get_content()
    for expected in (
        "Ketamine & pain: what to know",
        "First paragraph.",
        "https://clinic.example/blog/a/",
        "1 Main Street\nDenver, CO 80202",
        url,
    ):
        assert expected in text
    soup = BeautifulSoup(msg.get_body(("html",)).get_content(), "html.parser")
    assert soup.h1.get_text() == "Ketamine & pain: what to know"
    assert [p.get_text() for p in soup.find_all("p")][:2] == ["First paragraph.", "Second <b>one</b>."]
    assert soup.find("a", string="Read the article")["href"] == "https://clinic.example/blog/a/"
    assert soup.find("a", string="Unsubscribe")["href"] == url
    assert "Denver, CO 80202" in soup.footer.get_text()
    # Nothing that runs or loads: the one <style> (the dark palette) fetches nothing either.
    assert not soup.find_all(["script", "img", "iframe", "link"])
    assert [style.parent.name for style in soup.find_all("style")] == ["head"]
    assert not re.search(r"url\(|@import", soup.style.get_text())


def test_the_same_pair_always_gets_the_same_message_id():
    post = Post("/blog/a/", title="A", link="https://clinic.example/blog/a/")
    a, b = Subscriber(email="a@example.org"), Subscriber(email="b@example.org")
    ids = [emails.announcement_email(settings(), post, s, "https://x/u", "t")["Message-ID"] for s in (a, a, b)]
    assert ids[0] == ids[1] != ids[2]


def test_non_ascii_titles_survive_the_round_trip():
    title = "Ketamine – what’s new for “treatment-resistant” depression? " * 3
    post = Post("/blog/a/", title=title.strip(), link="https://clinic.example/blog/a/", summary="Café.")
    raw = emails.announcement_email(settings(), post, Subscriber(email="a@example.org"), "https://x/u", "t").as_bytes()
    assert all(len(line) <= 998 for line in raw.split(b"\n"))
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == title.strip()
    assert "Café." in msg.get_body(("plain",)).get_content()

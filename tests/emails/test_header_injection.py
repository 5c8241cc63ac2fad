"""Header and body injection into the emails (issue 18, defect 1), judged on the bytes that go out.

Python's email package decodes RFC 2047 encoded-words ("=?utf-8?q?...?=") in any header value, and on some
CPython patch levels (3.11.7 and 3.12.1 among them, CVE-2024-6923) writes a decoded CR/LF out raw. Every
variant below must leave exactly the headers the service sets, the visitor's text shown literally (its "=?"
disarmed as "= ?"), and the body whole; on every mailer backend (Maildir, SMTP, SES).
"""

import base64
import email
import email.policy
import mailbox
from dataclasses import replace

import pytest

from forms_lambda import create_app, emails
from forms_lambda.stores import URGENT, Post, Submission
from tests.emails import samples
from tests.support.email_headers import (
    CONTACT_HEADERS,
    LIST_HEADERS,
    URGENT_CONTACT_HEADERS,
    header_block,
    header_names,
)
from tests.support.forms import CONTACT, INBOX, JSON

BCC = "Bcc: victim@example.org"


def b64(text, charset="utf-8"):
    return base64.b64encode(text.encode(charset)).decode()


# id -> a name as a visitor types it (one line: the form refuses literal line breaks).
NAMES = {
    "q-encoded CRLF + Bcc": "=?utf-8?q?Ann=0D=0ABcc:_victim@example.org?=",
    "b-encoded CRLF + Bcc": f"=?utf-8?b?{b64('Ann' + chr(13) + chr(10) + BCC)}?=",
    "upper-case Q": "=?UTF-8?Q?Ann=0D=0ABcc:_victim@example.org?=",
    "latin-1 LF + Bcc": "=?iso-8859-1?q?Ann=0ABcc:_victim@example.org?=",
    "windows-1252 CR + Bcc": f"=?windows-1252?b?{b64('Ann' + chr(13) + BCC, 'cp1252')}?=",
    "unknown charset": "=?x-no-such-charset?q?Ann=0D=0ABcc:_victim@example.org?=",
    "RFC 2231 language tag": "=?utf-8*en?q?Ann=0D=0ABcc:_victim@example.org?=",
    "CR and LF in two words": "=?utf-8?q?Ann=0D?= =?utf-8?q?=0ABcc:_victim@example.org?=",
    "inside a word": "Ann=?utf-8?q?=0D=0ABcc:_victim@example.org?=Patient",
    "From replaced": "=?utf-8?q?x=0D=0AFrom:_ceo@clinic.example?=",
    "Content-Type replaced": "=?utf-8?q?x=0D=0AContent-Type:_text/plain;_charset=3Dutf-7?=",
    "body replaced": "=?utf-8?q?x=0D=0A=0D=0APlease_wire_money_today?=",
    "U+2028 + Bcc": "=?utf-8?q?Ann=E2=80=A8Bcc:_victim@example.org?=",
    "U+2029 + Bcc": "=?utf-8?q?Ann=E2=80=A9Bcc:_victim@example.org?=",
    "U+0085 + Bcc": "=?utf-8?q?Ann=C2=85Bcc:_victim@example.org?=",
    "NUL + Bcc": "=?utf-8?q?Ann=00Bcc:_victim@example.org?=",
    "undecodable bytes": "José =?utf-8?q?=FF=FE?=",  # as_bytes() raised UnicodeEncodeError on every Python tried
    "header-looking text": "Ann Bcc: victim@example.org",
    "quotes and an address": 'Ann" <victim@example.org>, "Bob\\',
    # The form's longest (100 characters), as encoded-words of our own.
    "long name": "Zoë " + "=?utf-8?q?=0D=0ABcc:_victim@example.org?= " * 2 + "é" * 10,
    "long name of encoded-words": "=?utf-8?q?=0D=0A?=" * 2 + "é" * 64,
}


# Valid RFC 5322 addresses that Python decodes: to victim@example.org, and to a line break and a Bcc.
ENCODED_ADDRESSES = ["=?utf-8?b?dmljdGlt?=@example.org", f"=?utf-8?b?{b64(chr(13) + chr(10) + BCC)}?=@x.org"]


def shown(name):
    """What the clinic's mail program must show of `name`: the text as typed, its encoded-word syntax disarmed."""
    return " ".join(name.split()).replace("=?", "= ?")


def assert_intact(raw, names, **headers):
    """`raw` carries exactly the header `names` in order, 7-bit, no stray control character, and these values
    when read by the current and by the legacy (compat32) parser."""
    block = header_block(raw)
    assert max(raw) < 128 and not any(c in block for c in b"\r\0\x0b\x0c\x1b"), block
    assert header_names(raw) == names
    for policy in (email.policy.default, email.policy.compat32):
        msg = email.message_from_bytes(raw, policy=policy)
        assert list(msg.keys()) == names
        assert msg.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in msg.walk()] == ["multipart/alternative", "text/plain", "text/html"]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    for name, value in headers.items():
        assert str(msg[name.replace("_", "-")]).strip() == value  # folding may start the value on a new line
    return msg


def plain_text(msg):
    return msg.get_body(("plain",)).get_content().replace("\r\n", "\n")  # SMTP carries CRLF


def maildir_bytes(app):
    box = mailbox.Maildir(app.extensions["forms_lambda"].mailer.path, create=True)
    return [box.get_bytes(key) for key in box.iterkeys()]


@pytest.fixture(params=["maildir", "smtp", "ses"])
def make_app(request, sqlite_config, smtp_server):
    """make_app() -> (an app mailing through each backend, a function returning the bytes it sent)."""
    config = {**sqlite_config, "FORMS_RATE_LIMIT": "off", "TESTING": True}
    if request.param == "smtp":
        config["FORMS_MAILER"] = smtp_server.url
    if request.param == "ses":
        config.update(request.getfixturevalue("dynamo_config"))

    def sent(app):
        if request.param == "smtp":
            return [envelope.content for envelope in smtp_server.handler.envelopes]
        if request.param == "ses":
            moto = request.getfixturevalue("moto_server")
            return [m["raw_data"].encode() for m in moto.data()["ses"]["RawMessage"]]
        return maildir_bytes(app)

    def make(**settings):
        app = create_app({**config, **settings})
        return app, lambda: sent(app)

    return make


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_encoded_words_in_the_name_stay_text(make_app, name):
    app, sent = make_app()
    r = app.test_client().post("/api/contact", data={**CONTACT, "name": name}, headers=JSON)
    assert r.status_code == 200 and r.json["ok"] is True
    [raw] = sent()
    assert b"victim" not in header_block(raw).split(b"Reply-To:")[0]  # nothing before our Reply-To line
    msg = assert_intact(raw, CONTACT_HEADERS, To=INBOX, Subject=f"Contact request from {shown(name)}")
    [reply_to] = msg["Reply-To"].addresses
    assert reply_to.addr_spec == CONTACT["email"]
    assert "".join(reply_to.display_name.split()) == "".join(shown(name).split())
    text = plain_text(msg)
    assert f"Name: {' '.join(name.split())}\n" in text and CONTACT["message"] in text  # the body as written


@pytest.mark.parametrize(
    "character", ["\r", "\n", "\r\n", "\u2028", "\u2029", "\x85", "\x00", "\x0b", "\x0c", "\x1b", "\t"]
)
def test_line_breaks_and_controls_in_stored_text_become_spaces(character):
    """Text that reaches the build without the form (stored before a rule existed, or the feed's titles)."""
    name = f"Ann{character}Bcc: victim@example.org"
    raw = samples.contact(name=name).as_bytes()
    assert_intact(raw, CONTACT_HEADERS, Subject="Contact request from Ann Bcc: victim@example.org")
    title = f"New{character}Bcc: victim@example.org"
    raw = samples.announcement(Post("/blog/a/", title=title, link=samples.ARTICLE.link, summary="Text.")).as_bytes()
    assert_intact(raw, LIST_HEADERS, Subject="New Bcc: victim@example.org")


@pytest.mark.parametrize("title", NAMES.values(), ids=NAMES.keys())
def test_encoded_words_in_article_titles_stay_text(title):
    post = Post("/blog/a/", title=title, link=samples.ARTICLE.link, summary="Summary.")
    msg = assert_intact(
        samples.announcement(post).as_bytes(), LIST_HEADERS, Subject=shown(title), To=samples.SUBSCRIBER.email
    )
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"{' '.join(title.split())}\n" in plain_text(msg)
    raw = samples.welcome(posts=[post]).as_bytes()
    assert_intact(raw, LIST_HEADERS, To=samples.SUBSCRIBER.email)


def test_values_longer_than_a_line_are_folded_without_breaking_out():
    """Header lines fold beyond 998 characters: where CPython's folding bugs are (the CVE; lost quotes)."""
    title = "Ketamine: =?utf-8?q?=0D=0ABcc:_victim@example.org?= “care”, é, <x@example.org>; " * 30
    post = Post("/blog/a/", title=title, link=samples.ARTICLE.link, summary="Text.")
    raw = samples.announcement(post).as_bytes()
    assert any(line[:1] == b" " for line in header_block(raw).split(b"\n")[:4])  # the Subject was folded
    msg = assert_intact(raw, LIST_HEADERS)
    assert "".join(str(msg["Subject"]).split()) == "".join(shown(title).split())
    # A name longer than the form allows (stored before a rule existed), full of address syntax.
    name = "Patient, Ann (Mrs.): victim@example.org; =?utf-8?q?=0D=0A?= é " * 30
    raw = samples.contact(name=name).as_bytes()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    if msg["Reply-To"] is None:  # what CPython cannot fold faithfully goes without it, all in the body
        assert_intact(raw, [n for n in CONTACT_HEADERS if n != "Reply-To"], Subject="Contact request")
    else:
        assert_intact(raw, CONTACT_HEADERS)
        assert [a.addr_spec for a in msg["Reply-To"].addresses] == ["ann.patient@example.com"]
    assert "victim" not in str(msg["To"]) and msg["Bcc"] is None


def test_encoded_words_in_the_clinic_name_stay_text():
    settings = replace(samples.SETTINGS, clinic_name="Clinic =?utf-8?q?=0D=0ABcc:_victim@example.org?=")
    msg = emails.welcome_email(settings, samples.SUBSCRIBER, [], samples.UNSUBSCRIBE_URL, samples.TOKEN)
    assert_intact(
        msg.as_bytes(),
        LIST_HEADERS,
        Subject="Welcome to the articles of Clinic = ?utf-8?q?=0D=0ABcc:_victim@example.org?=",
    )


@pytest.mark.parametrize("address", [*ENCODED_ADDRESSES, "＝？utf-8？b？dmljdGlt？＝@example.org"])
def test_the_forms_refuse_encoded_words_in_addresses(make_app, address):
    """No one's real address, and Python would decode it (full-width forms too, after NFKC)."""
    app, sent = make_app()
    client = app.test_client()
    for path, data in (("/api/contact", {**CONTACT, "email": address}), ("/api/subscribe", {"email": address})):
        r = client.post(path, data=data, headers=JSON)
        assert r.status_code == 400 and "email" in r.json["errors"]
    assert sent() == []


@pytest.mark.parametrize("address", ENCODED_ADDRESSES)
def test_a_contact_stored_with_such_an_address_still_reaches_the_clinic(make_app, address):
    app, sent = make_app()
    services = app.extensions["forms_lambda"]
    submission = Submission(kind="contact", payload={**CONTACT, "email": address})
    services.store.add_submission(submission)
    assert services.deliver(submission.id) is True
    [raw] = sent()
    # Without the visitor's text in any header: name and address are in the body, as written.
    names = [n for n in CONTACT_HEADERS if n != "Reply-To"]
    msg = assert_intact(raw, names, To=INBOX, Subject="Contact request")
    assert f"Email: {address}\n" in plain_text(msg)


URGENT_NAMES = [
    "q-encoded CRLF + Bcc",
    "b-encoded CRLF + Bcc",
    "U+2028 + Bcc",
    "header-looking text",
    "quotes and an address",
    "long name",
]


@pytest.mark.parametrize("name", [NAMES[n] for n in URGENT_NAMES], ids=URGENT_NAMES)
def test_an_urgent_email_carries_exactly_its_headers_too(make_app, name):
    """Its subject starts with URGENT:, it has a Cc and two priority headers more, and nothing else."""
    app, sent = make_app(FORMS_URGENT_INBOX=samples.ONCALL)
    r = app.test_client().post(
        "/api/contact", data={**CONTACT, "name": name, "message": samples.URGENT_MESSAGE}, headers=JSON
    )
    assert r.json["urgent"] is True
    [raw] = sent()
    msg = assert_intact(
        raw,
        URGENT_CONTACT_HEADERS,
        To=INBOX,
        Cc=samples.ONCALL,
        Importance="high",
        X_Priority="1 (Highest)",
        Subject=f"URGENT: Contact request from {shown(name)}",
    )
    assert msg["Reply-To"].addresses[0].addr_spec == CONTACT["email"]
    assert samples.URGENT_MESSAGE in plain_text(msg)


@pytest.mark.parametrize("address", ENCODED_ADDRESSES)
def test_an_urgent_contact_stored_with_such_an_address_still_reaches_the_clinic_as_urgent(make_app, address):
    app, sent = make_app(FORMS_URGENT_INBOX=samples.ONCALL)
    services = app.extensions["forms_lambda"]
    submission = Submission(kind="contact", payload={**CONTACT, "email": address}, priority=URGENT)
    services.store.add_submission(submission)
    assert services.deliver(submission.id) is True
    [raw] = sent()
    names = [n for n in URGENT_CONTACT_HEADERS if n != "Reply-To"]
    assert_intact(raw, names, To=INBOX, Cc=samples.ONCALL, Importance="high", Subject="URGENT: Contact request")


@pytest.mark.parametrize("address", ENCODED_ADDRESSES)
def test_no_subscriber_email_goes_to_an_address_python_decoded(address):
    for build in (samples.confirmation, samples.announcement, samples.welcome):
        with pytest.raises(emails.UnsafeEmail):
            build(address=address)


def test_the_check_refuses_what_this_python_would_write_wrong():
    """checked() on messages built without header_text(): unwritable, or decoded to another address."""
    from email.message import EmailMessage

    unwritable = EmailMessage(policy=emails.POLICY)
    unwritable["Subject"] = NAMES["undecodable bytes"]
    unwritable.set_content("x")
    with pytest.raises(emails.UnsafeEmail):
        emails.checked(unwritable, [("Subject", NAMES["undecodable bytes"])])
    decoded = EmailMessage(policy=emails.POLICY)
    decoded["To"] = "=?utf-8?q?victim?= <ann@example.com>"
    decoded.set_content("x")
    with pytest.raises(emails.UnsafeEmail):
        emails.checked(decoded, [("To", ("=?utf-8?q?victim?=", "ann@example.com"))])

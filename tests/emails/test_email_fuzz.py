"""Hypothesis fuzzes every field that reaches a header (name, email, article title, clinic name; page, phone and
message ride along) through the real email build: whatever the text, the bytes carry exactly the headers the
code set, by name and count, its values as set, and the body parts whole."""

import base64
import email
import email.policy
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from forms_lambda import emails
from forms_lambda.forms import LIMITS, ContactForm
from forms_lambda.stores import Post, Submission, Subscriber
from tests.emails import samples
from tests.support.email_headers import (
    CONFIRM_HEADERS,
    CONTACT_HEADERS,
    LIST_HEADERS,
    URGENT_CONTACT_HEADERS,
    header_names,
)
from tests.support.forms import CONTACT

pytestmark = pytest.mark.slow  # Hypothesis builds hundreds of emails

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

# What an attacker puts inside an encoded-word: line breaks of every kind, NUL, a header, a blank line.
PAYLOADS = st.lists(
    st.sampled_from(
        [
            "\r",
            "\n",
            "\r\n",
            "\u2028",
            "\u2029",
            "\x85",
            "\x00",
            "\t",
            "Bcc: v@example.org",
            "From: ceo@clinic.example",
            "Content-Type: text/html",
            "\r\n\r\nbody",
            " ",
            "é",
            "=?",
            "?=",
            '"',
            "\\",
            "<",
            ">",
            ",",
            ";",
            ":",
            "@",
        ]
    ),
    max_size=6,
).map("".join) | st.text(max_size=12)
CHARSETS = ["utf-8", "UTF-8", "iso-8859-1", "windows-1252", "us-ascii", "utf-16", "utf-8*en", "x-unknown"]


def encode(payload, charset, how):
    data = payload.encode(charset.split("*")[0] if charset not in ("x-unknown",) else "utf-8", errors="replace")
    if how in "bB":
        return f"=?{charset}?{how}?{base64.b64encode(data).decode()}?="
    return f"=?{charset}?{how}?{''.join(f'={b:02X}' for b in data)}?="


encoded_words = st.builds(encode, PAYLOADS, st.sampled_from(CHARSETS), st.sampled_from("qQbB"))
# Text as a visitor, a feed or a stored row may carry it: encoded-words, line breaks and anything else, mixed.
hostile = st.lists(st.one_of(encoded_words, PAYLOADS, st.text(max_size=8)), max_size=30).map("".join)
# Addresses the form accepts (email-validator's ASCII forms), and ones with encoded-word local parts.
addresses = st.one_of(st.emails(), st.builds(lambda w: f"{w}@example.org", encoded_words))


def parse(raw, policy=email.policy.default):
    return email.message_from_bytes(raw, policy=policy)


def assert_exactly(msg, names):
    """The serialised `msg`: exactly `names` (in order, once each) by every reader, and the body parts as built."""
    raw = msg.as_bytes()
    assert header_names(raw) == names
    assert list(parse(raw, email.policy.compat32).keys()) == names
    parsed = parse(raw)
    assert list(parsed.keys()) == names
    assert emails.body_parts(parsed) == emails.body_parts(msg)
    assert [p.get_content_type() for p in parsed.walk()] == ["multipart/alternative", "text/plain", "text/html"]
    return parsed


def squeezed(text):
    return "".join(str(text).split())


@FUZZ
@given(name=hostile, address=addresses, phone=hostile, page=hostile, message=hostile)
@example(name="=?utf-8?q?x=0D=0ABcc:_v@example.org?=", address="ann@example.com", phone="", page="/", message="Hi")
def test_contact_email_carries_exactly_our_headers(name, address, phone, page, message):
    """Straight into the build (as a row stored before any form rule would arrive): it is always buildable."""
    payload = {"name": name, "email": address, "phone": phone, "page": page, "message": message}
    msg = emails.contact_email(samples.SETTINGS, Submission(kind="contact", payload=payload))
    # An address Python would decode, or a name longer than the form allows (folded, where CPython's bugs are):
    # the fallback may be needed, with no visitor text in any header (it is all in the body).
    if msg["Reply-To"] is None and ("=?" in address or len(name) > LIMITS["name"]):
        parsed = assert_exactly(msg, [n for n in CONTACT_HEADERS if n != "Reply-To"])
        assert parsed["Subject"] == "Contact request"
    else:
        parsed = assert_exactly(msg, CONTACT_HEADERS)
        assert squeezed(parsed["Subject"]) == squeezed(f"Contact request from {emails.header_text(name)}")
        [reply_to] = parsed["Reply-To"].addresses
        assert reply_to.addr_spec == address
        assert squeezed(reply_to.display_name) == squeezed(emails.header_text(name))
    assert str(parsed["To"]) == samples.SETTINGS.clinic_inbox
    lines = message.replace("\r\n", "\n").replace("\r", "\n")  # text parts end lines with LF
    assert lines.rstrip() in parsed.get_body(("plain",)).get_content()


@settings(FUZZ, max_examples=50)
@given(name=hostile, address=addresses, message=hostile)
def test_an_urgent_contact_email_carries_exactly_its_headers(name, address, message):
    msg = samples.urgent_contact(name=name, email=address, message=message)
    if msg["Reply-To"] is None:  # the fallback, as above
        parsed = assert_exactly(msg, [n for n in URGENT_CONTACT_HEADERS if n != "Reply-To"])
        assert parsed["Subject"] == "URGENT: Contact request"
    else:
        parsed = assert_exactly(msg, URGENT_CONTACT_HEADERS)
        assert squeezed(parsed["Subject"]) == squeezed(f"URGENT: Contact request from {emails.header_text(name)}")
    assert (parsed["Importance"], parsed["X-Priority"], str(parsed["Cc"])) == ("high", "1 (Highest)", samples.ONCALL)


@FUZZ
@given(name=hostile, address=addresses)
def test_what_the_contact_form_accepts_gets_all_its_headers(name, address):
    """Through the form first: whatever it accepts is sent with the patient's name and Reply-To."""
    form = ContactForm({**CONTACT, "name": name, "email": address})
    if not form.validate():
        return
    msg = samples.contact(name=form.cleaned["name"], email=form.cleaned["email"])
    parsed = assert_exactly(msg, CONTACT_HEADERS)
    assert parsed["Reply-To"].addresses[0].addr_spec == form.cleaned["email"]


@FUZZ
@given(title=hostile, summary=hostile, clinic_name=hostile.filter(lambda t: t.strip()), address=st.emails())
def test_newsletter_emails_carry_exactly_our_headers(title, summary, clinic_name, address):
    settings = replace(samples.SETTINGS, clinic_name=clinic_name)
    post = Post("/blog/a/", title=title, link=samples.ARTICLE.link, summary=summary)
    subscriber = Subscriber(email=address)
    announcement = emails.announcement_email(settings, post, subscriber, samples.UNSUBSCRIBE_URL, samples.TOKEN)
    parsed = assert_exactly(announcement, LIST_HEADERS)
    assert squeezed(parsed["Subject"]) == squeezed(emails.header_text(title))
    assert parsed["To"].addresses[0].addr_spec == address
    assert squeezed(parsed["List-Id"]) == squeezed(
        f"{emails.header_text(clinic_name)} articles <articles.clinic.example>"
    )
    welcome = emails.welcome_email(settings, subscriber, [post], samples.UNSUBSCRIBE_URL, samples.TOKEN)
    assert squeezed(assert_exactly(welcome, LIST_HEADERS)["Subject"]) == squeezed(
        emails.header_text(f"Welcome to the articles of {clinic_name}")
    )
    confirmation = emails.confirmation_email(
        settings,
        Submission(kind="subscribe", payload={}),
        subscriber,
        samples.BUTTONS["confirmation"][1],
        samples.UNSUBSCRIBE_URL,
    )
    assert_exactly(confirmation, CONFIRM_HEADERS)

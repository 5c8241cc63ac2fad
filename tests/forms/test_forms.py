"""ContactForm and SubscribeForm: what they accept, clean and refuse."""

import pytest

from forms_lambda.forms import ContactForm, SubscribeForm, normalize_email


def contact(**fields):
    form = ContactForm({"name": "Ann", "email": "ann@example.com", "message": "Hi", **fields})
    form.validate()
    return form


def test_clean_contact():
    form = contact(
        name="  Ann   Lee ",
        email=" Ann@Example.COM ",
        phone="(303) 555-0123",
        message="a\r\nb\r\n",
        page="/contact/",
        elapsed_ms="46000",
    )
    assert form.errors == {}
    assert form.cleaned == {
        "name": "Ann Lee",
        "email": "Ann@example.com",
        "phone": "(303) 555-0123",
        "message": "a\nb",
        "page": "/contact/",
        "website": "",
        "elapsed_ms": 46000,
    }
    assert not form.is_spam


@pytest.mark.parametrize("name", ["Ann\r\nBcc: x@example.com", "Ann\nX", "Ann\rX", "Ann\x00", ""])
def test_names_that_could_break_a_header_are_refused(name):
    assert "name" in contact(name=name).errors


@pytest.mark.parametrize(
    "email", ["ann@example.com\r\nBcc: x@example.com", "ann", "ann@", "@example.com", "ann@example", "a b@example.com"]
)
def test_bad_emails_are_refused(email):
    assert "email" in contact(email=email).errors


@pytest.mark.parametrize(
    "phone,expected", [("", ""), ("303-555-0123", "(303) 555-0123"), ("+44 20 7946 0958", "+44 20 7946 0958")]
)
def test_phone_is_optional_and_formatted(phone, expected):
    form = contact(phone=phone)
    assert form.errors == {} and form.cleaned["phone"] == expected


@pytest.mark.parametrize("phone", ["12", "call me", "+1 303 555 0123 999999", "1" * 33])
def test_bad_phones_are_refused(phone):
    assert "phone" in contact(phone=phone).errors


@pytest.mark.parametrize("page", ["//evil.example/", "https://evil.example/", "/a b", "/a\r\nX: y", "x"])
def test_foreign_or_odd_pages_are_dropped(page):
    form = contact(page=page)
    assert form.errors == {} and form.cleaned["page"] == ""


def test_honeypot_marks_spam():
    assert contact(website="http://spam.example").is_spam
    assert contact(website="http://spam.example").spam_reason(3) == "honeypot"


@pytest.mark.parametrize(
    "elapsed, reason",
    [
        ("0", "too fast"),
        ("999", "too fast"),
        ("2999", "too fast"),  # a bot posts as the page arrives
        ("3000", None),
        ("46000", None),
        ("86400000", None),  # a person, however long the page stayed open
        ("", None),  # no JavaScript, or the page was cached before the field existed: not evidence
        ("-1000", None),
        ("1e3", None),
        ("yesterday", None),
        ("\u00b2", None),
        ("86400001", None),  # not a measurement
    ],
)
def test_too_fast_is_measured_by_how_long_the_page_was_open(elapsed, reason):
    form = contact(elapsed_ms=elapsed)
    assert form.errors == {}
    assert form.spam_reason(3) == reason
    assert form.spam_reason(0) is None  # FORMS_MIN_SUBMIT_SECONDS=0 turns the check off


@pytest.mark.parametrize("skew_ms", [-3_600_000, 3_600_000])
def test_the_visitors_wall_clock_is_never_read(skew_ms):
    """A phone whose clock is an hour off, on a page cached before `elapsed_ms` (it sends `started`, its wall
    clock at load): no evidence either way, so a person is never held for their clock."""
    import time

    started = str(int(time.time() * 1000) + skew_ms)
    assert contact(started=started).spam_reason(3) is None
    assert contact(started=started, elapsed_ms="46000").spam_reason(3) is None


def test_message_refuses_control_characters():
    assert "message" in contact(message="hi\x1b[31m").errors


def test_subscribe_form_needs_only_an_email():
    form = SubscribeForm({"email": "reader@example.com"})
    assert form.validate() and form.cleaned["email"] == "reader@example.com"
    assert not SubscribeForm({}).validate()


def test_normalize_email_lowercases_for_one_record_per_address():
    assert normalize_email("Reader@Example.COM") == normalize_email("reader@example.com") == "reader@example.com"

"""ContactForm and SubscribeForm: what they accept, clean and refuse."""
import pytest

from forms_lambda.forms import ContactForm, SubscribeForm, normalize_email


def contact(**fields):
    form = ContactForm({"name": "Ann", "email": "ann@example.com", "message": "Hi", **fields})
    form.validate()
    return form


def test_clean_contact():
    form = contact(name="  Ann   Lee ", email=" Ann@Example.COM ", phone="(303) 555-0123", message="a\r\nb\r\n",
                   page="/contact/", started="1764300000000")
    assert form.errors == {}
    assert form.cleaned == {"name": "Ann Lee", "email": "Ann@example.com", "phone": "(303) 555-0123",
                            "message": "a\nb", "page": "/contact/", "website": "", "started": 1764300000000}
    assert not form.is_spam


@pytest.mark.parametrize("name", ["Ann\r\nBcc: x@example.com", "Ann\nX", "Ann\rX", "Ann\x00", ""])
def test_names_that_could_break_a_header_are_refused(name):
    assert "name" in contact(name=name).errors


@pytest.mark.parametrize("email", ["ann@example.com\r\nBcc: x@example.com", "ann", "ann@", "@example.com",
                                   "ann@example", "a b@example.com"])
def test_bad_emails_are_refused(email):
    assert "email" in contact(email=email).errors


@pytest.mark.parametrize("phone,expected", [("", ""), ("303-555-0123", "(303) 555-0123"),
                                            ("+44 20 7946 0958", "+44 20 7946 0958")])
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


def test_message_refuses_control_characters():
    assert "message" in contact(message="hi\x1b[31m").errors


def test_subscribe_form_needs_only_an_email():
    form = SubscribeForm({"email": "reader@example.com"})
    assert form.validate() and form.cleaned["email"] == "reader@example.com"
    assert not SubscribeForm({}).validate()


def test_normalize_email_lowercases_for_one_record_per_address():
    assert normalize_email("Reader@Example.COM") == normalize_email("reader@example.com") == "reader@example.com"

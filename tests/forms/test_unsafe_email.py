"""A stored submission whose email our own checks refuse (an address stored before today's form checks)
fails at its first attempt, with a reason staff can read and no personal data, rather than being retried for
hours to the same refusal; the submissions after it go out. A contact message with the same values is
still delivered (its headers are written safely), so the clinic never loses one."""

import pytest

from forms_lambda import create_app
from forms_lambda.services import ANY_TIME
from forms_lambda.stores import Submission, Subscriber

PATIENT = {"name": "Ann Patient", "email": "ann@example.com", "message": "Please call me back.", "page": "/contact/"}
OLD_ADDRESSES = [
    "=?utf-8?q?bcc=3Aother=40example=2Ecom?=@example.com",  # an encoded-word in the address
    "ann@example.com\r\nBcc: other@example.com",  # CR/LF, stored by an older form
    "ann@example.com\nBcc: other@example.com",
]


@pytest.fixture
def services(config):
    return create_app({**config, "FORMS_MAX_ATTEMPTS": "8"}).extensions["forms_lambda"]


@pytest.mark.parametrize("address", OLD_ADDRESSES)
def test_a_welcome_to_an_address_our_checks_refuse_fails_at_once(services, maildir, address):
    subscriber = Subscriber(email=address, status="confirmed", confirmed_at="2026-01-01T00:00:00+00:00")
    services.store.add_subscriber(subscriber)
    unsafe = Submission(kind="welcome", payload={"subscriber_id": subscriber.id})
    services.store.add_submission(unsafe)
    services.store.add_submission(Submission(kind="contact", payload={**PATIENT, "name": "Next Patient"}))

    services.deliver_due(now=ANY_TIME)

    stored = services.store.get_submission(unsafe.id)
    assert (stored.status, stored.attempts) == ("failed", 1)
    assert stored.last_error.startswith("the email cannot be")
    assert "example.com" not in stored.last_error
    assert [m["Subject"] for m in maildir()] == ["Contact request from Next Patient"]


@pytest.mark.parametrize("address", OLD_ADDRESSES)
def test_a_contact_message_with_such_an_address_still_reaches_the_clinic(services, maildir, address):
    services.store.add_submission(Submission(kind="contact", payload={**PATIENT, "email": address}))
    services.deliver_due(now=ANY_TIME)
    [message] = maildir()
    assert message["Subject"].startswith("Contact request")
    assert "Please call me back." in message.get_body(("plain",)).get_content()
    assert "Bcc" not in message and "other@example.com" not in str(message.get("Reply-To", ""))

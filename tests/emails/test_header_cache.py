"""emails.Headers and emails.ParsedOnce only save work: an email reads back exactly as with the email package's own
header factory, header by header, for each kind of email."""

import email
import email.policy

from forms_lambda import emails
from tests.emails import samples


def read(raw, policy):
    msg = email.message_from_bytes(raw, policy=policy)
    headers = [(name, str(value), type(value).__mro__[1:]) for name, value in msg.items()]
    parts = [(part.get_content_type(), part.get_content()) for part in msg.walk() if not part.is_multipart()]
    return headers, parts


def test_an_email_reads_back_as_with_the_standard_header_factory():
    for build in (samples.contact, samples.urgent_contact, samples.confirmation, samples.announcement, samples.welcome):
        raw = build().as_bytes()
        cached = email.policy.default.clone(header_factory=emails.ParsedOnce(emails.HEADERS))
        assert read(raw, cached) == read(raw, email.policy.default), build.__name__


def test_a_header_read_twice_is_parsed_once():
    factory = emails.ParsedOnce(emails.HEADERS)
    first = factory("Content-Type", "text/plain; charset=utf-8")
    assert factory("Content-Type", "text/plain; charset=utf-8") is first
    assert factory("Content-Type", "text/html; charset=utf-8").content_type == "text/html"
    assert emails.HEADERS["Subject"] is emails.HEADERS["subject"]  # one class per header name

"""Helpers for the form service's tests: reading the emails that real servers received."""
import email
import email.policy
import re
from urllib.parse import urlsplit

SECRET = "test-secret-key-0123456789abcdef"
SENDER = "Vitalitas Clinic <no-reply@clinic.example>"
INBOX = "frontdesk@clinic.example"
JSON = {"Accept": "application/json"}


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def text_body(msg):
    return msg.get_body(preferencelist=("plain",)).get_content()


def html_body(msg):
    return msg.get_body(preferencelist=("html",)).get_content()


def link(msg, path):
    """The path+query of the first link to `path` in the plain-text body."""
    url = re.search(rf"\S+{re.escape(path)}\?token=\S+", text_body(msg)).group(0)
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def ses_messages(moto):
    """What SES (moto_server) was asked to send as raw MIME, parsed."""
    return [parse(m["raw_data"].encode()) for m in moto.data()["ses"]["RawMessage"]]

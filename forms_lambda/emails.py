"""Building the emails the service sends: plain text plus an HTML alternative, from the Jinja templates in
templates/email/ (autoescaped HTML), with headers that carry exactly what we set on every CPython patch level.

Python's email package decodes RFC 2047 encoded-words ("=?utf-8?q?...?=") wherever they appear in a header
value, and some patch levels (3.11.7 and 3.12.1 among them; CVE-2024-6923) then write a decoded line break out
raw: a visitor's name could add a Bcc or replace the body. So text from visitors and the feed goes into headers
through header_text(), which never lets it read as an encoded-word, and every email passes checked(), which
serialises it and parses it back as a mail system would before anyone may send it.
"""

import email
import email.policy
import hashlib
import re
from datetime import datetime
from email.errors import MessageError
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import quote

import jinja2

from .logs import log_event


class Headers(HeaderRegistry):
    """The email package's header factory, minus its cost: HeaderRegistry makes a new class with type() every time
    a header is set or read, the same two classes combined each time; here once per header name."""

    def __init__(self):
        super().__init__()
        self.classes = {}

    def __getitem__(self, name):
        key = name.lower()
        if key not in self.classes:
            self.classes[key] = super().__getitem__(name)
        return self.classes[key]


class ParsedOnce:
    """The header factory of one parsed email (checked()): the parser stores header values as text and the email
    package parses one again at every read (the parser itself reads Content-Type some thirty times); here each
    (name, value) is parsed once. Header objects do not change once made, so the same one can be handed out."""

    def __init__(self, headers):
        self.headers = headers
        self.parsed = {}

    def __getitem__(self, name):
        return self.headers[name]

    def __call__(self, name, value):
        key = (name, value)
        if key not in self.parsed:
            self.parsed[key] = self.headers[name](name, value)
        return self.parsed[key]


HEADERS = Headers()
# 7-bit on the wire (quoted-printable or base64 for anything else): SES asks for it, and no relay has to convert
# 8-bit text. Header lines are folded only beyond 998 characters (RFC 5322's limit): CPython's folder is where its
# header bugs live (the CVE; and it drops the quotes around a display name it folds, so "Ann: x@example.org"
# became a group with another address), and the List-Unsubscribe URLs stay whole. CPython releases with the CVE
# fix can also refuse to write a broken header.
POLICY = email.policy.default.clone(cte_type="7bit", max_line_length=998, header_factory=HEADERS)
if hasattr(POLICY, "verify_generated_headers"):
    POLICY = POLICY.clone(verify_generated_headers=True)

# Not Flask's render_template: emails are also built outside any request (notify, retry on a schedule).
TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("forms_lambda", "templates/email"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)

# Control characters (C0, DEL, C1) and the Unicode line and paragraph separators: never inside a header line.
NOT_IN_HEADERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class UnsafeEmail(ValueError):
    """The email would not reach its reader as built: a header would break, change or not be written."""


def header_text(value):
    """Text from a visitor or the feed, fit for a header: one line, and never RFC 2047 syntax.

    "=?" becomes "= ?", which no decoder reads as the start of an encoded-word; a real name or title has no "=?".
    """
    return " ".join(NOT_IN_HEADERS.sub(" ", value).split()).replace("=?", "= ?")


def reading(value):
    """A header value as its reader gets it: (display name, address) pairs, or the text.

    A tuple is what we set (display name, address), compared as given: the address must come out of the
    parser as it went in. Whitespace does not count: Python's own parser puts a space between the
    encoded-words it folds a long non-ASCII name into, which RFC 2047 says to drop.
    """
    if isinstance(value, tuple):
        return (("".join(value[0].split()), value[1]),)
    if hasattr(value, "addresses"):
        return tuple(("".join(a.display_name.split()), a.addr_spec) for a in value.addresses)
    return "".join(str(value).split())


def readings(headers):
    return [(name.lower(), reading(value)) for name, value in headers]


def body_parts(msg):
    return [(part.get_content_type(), part.get_content()) for part in msg.walk() if not part.is_multipart()]


def checked(msg, fields):
    """`msg`, once its bytes are shown to carry exactly `fields` (the (name, value) pairs it was given, in order)
    plus the MIME headers of its body, and exactly its body parts; else UnsafeEmail.

    The bytes are parsed back as a receiving mail system would: an injected line shows up there as a header
    we never set, a value (or address) Python decoded into something else, or a body we did not write.
    """
    try:
        raw = msg.as_bytes()
    except (ValueError, MessageError) as e:  # UnicodeEncodeError; HeaderWriteError where the CVE fix is in
        raise UnsafeEmail(f"the email cannot be written: {type(e).__name__}") from e
    reader = email.policy.default.clone(header_factory=ParsedOnce(HEADERS))
    parsed = email.message_from_bytes(raw, policy=reader)
    mime_headers = msg.items()[len(fields) :]  # MIME-Version and Content-Type, from set_content()
    if readings(parsed.items()) != readings([*fields, *mime_headers]) or body_parts(parsed) != body_parts(msg):
        raise UnsafeEmail("the email's bytes say something else than what was built")
    # The mailers send these very bytes (mailers.message_bytes) rather than write the email out again: an email
    # is not changed once built.
    msg.checked_bytes = raw
    return msg


def render(template, **context):
    """The (plain text, HTML) bodies of an email from templates/email/<template>.txt and .html."""
    return tuple(TEMPLATES.get_template(f"{template}.{kind}").render(**context) for kind in ("txt", "html"))


def message_id(key, domain):
    """A Message-ID derived from `key` (e.g. a submission id): a retried delivery keeps its id,
    so the recipient's mail system can recognise a duplicate."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def new_message(settings, *, to, subject, template, context, msgid=None, reply_to=None, cc="", headers=()):
    """A checked email; `reply_to` is (display name, address); `cc` an address for a copy; `headers` more
    (name, text) pairs."""
    text, html = render(
        template, clinic_name=settings.clinic_name, site_url=settings.site_url, title=subject, **context
    )
    sender = settings.sender_address
    fields = [("From", (sender.display_name, sender.addr_spec)), ("To", ("", to))]
    if cc:
        fields.append(("Cc", ("", cc)))
    if reply_to:
        fields.append(("Reply-To", (header_text(reply_to[0]), reply_to[1])))
    fields += [
        ("Subject", header_text(subject)),
        ("Date", format_datetime(datetime.now().astimezone())),
        ("Message-ID", msgid or make_msgid(domain=settings.sender_domain)),
        *headers,
    ]
    try:
        msg = EmailMessage(policy=POLICY)
        for name, value in fields:
            msg[name] = Address(display_name=value[0], addr_spec=value[1]) if isinstance(value, tuple) else value
        msg.set_content(text)
        msg.add_alternative(html, subtype="html")
    except (ValueError, MessageError) as e:  # an address Python will not write, a header it cannot parse
        raise UnsafeEmail(f"the email cannot be built: {type(e).__name__}") from e
    return checked(msg, fields)


def local_time(settings, iso_utc):
    when = datetime.fromisoformat(iso_utc).astimezone(settings.timezone)
    return when.strftime("%A, %B %-d, %Y at %-I:%M %p %Z")


# An urgent message (crisis language, see crisis.py) is flagged high priority in every mail program that reads
# either header (Outlook and Exchange write both), and opens with what staff need to know.
URGENT_HEADERS = (("Importance", "high"), ("X-Priority", "1 (Highest)"))
URGENT_NOTE = (
    "This message contains words from the website's crisis phrase list (about suicide or self-harm, for "
    "example): please read it now. The list is a keyword match, so it can be wrong either way.",
    "When the message was sent, the website showed the sender how to reach the 988 Suicide & Crisis Lifeline "
    "(call or text 988) and to call 911 in an emergency.",
)


def contact_email(settings, submission):
    """To the clinic's inbox; Reply-To the patient so staff can simply answer. An urgent one says so in its
    subject, headers and first lines, with a copy to FORMS_URGENT_INBOX."""
    data = submission.payload
    page = f"{settings.site_url}{data['page']}" if data.get("page") else "(unknown)"
    rows = [
        ("Name", data["name"]),
        ("Email", data["email"]),
        ("Phone", data.get("phone") or "(not given)"),
        ("Page", page),
        ("Received", local_time(settings, submission.created_at)),
    ]
    context = {
        "rows": rows,
        "message": data["message"],
        "reply_url": "mailto:" + quote(data["email"], safe="@"),
        "urgent_note": URGENT_NOTE if submission.urgent else (),
    }
    msgid = message_id(f"submission:{submission.id}", settings.sender_domain)
    subject = "URGENT: Contact request" if submission.urgent else "Contact request"
    common = {"to": settings.clinic_inbox, "template": "contact", "context": context, "msgid": msgid}
    if submission.urgent:
        common.update(cc=settings.urgent_inbox, headers=URGENT_HEADERS)
    try:
        return new_message(
            settings, subject=f"{subject} from {data['name']}", reply_to=(data["name"], data["email"]), **common
        )
    except UnsafeEmail:
        # E.g. an address stored before the form refused encoded-word syntax. The request must still reach
        # the clinic: without the visitor's text in any header (name and address are in the body).
        log_event("email.headers_dropped", submission_id=submission.id, kind=submission.kind)
        return new_message(settings, subject=subject, **common)


def confirmation_email(settings, submission, subscriber, confirm_url, unsubscribe_url):
    context = {
        "confirm_url": confirm_url,
        "unsubscribe_url": unsubscribe_url,
        "days": settings.confirm_max_age // 86400 or 1,
    }
    return new_message(
        settings,
        to=subscriber.email,
        subject="Please confirm your subscription",
        template="confirm",
        context=context,
        msgid=message_id(f"submission:{submission.id}", settings.sender_domain),
    )


# Newsletter emails (notify, welcome): list headers and a CAN-SPAM footer on every one.


def unsubscribe_mailto(settings, token):
    return f"mailto:{settings.unsubscribe_mailto}?subject={quote('unsubscribe ' + token)}"


def newsletter_message(settings, *, to, subject, template, context, msgid, unsubscribe_url, token):
    """A list email: footer with the clinic's postal address, RFC 2369 + RFC 8058 one-click unsubscribe."""
    headers = [
        ("List-Unsubscribe", f"<{unsubscribe_url}>, <{unsubscribe_mailto(settings, token)}>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ("List-Id", f"{header_text(settings.clinic_name)} articles <articles.{settings.sender_domain}>"),
    ]
    context = {**context, "address_lines": settings.clinic_address.splitlines(), "unsubscribe_url": unsubscribe_url}
    return new_message(
        settings, to=to, subject=subject, template=template, context=context, msgid=msgid, headers=headers
    )


def announcement_email(settings, post, subscriber, unsubscribe_url, token):
    """One new article, to one subscriber; the Message-ID is the same on every attempt for this pair."""
    return newsletter_message(
        settings,
        to=subscriber.email,
        subject=post.title,
        template="announcement",
        context={"post": post},
        msgid=message_id(f"post:{post.path}:{subscriber.id}", settings.sender_domain),
        unsubscribe_url=unsubscribe_url,
        token=token,
    )


def welcome_email(settings, subscriber, posts, unsubscribe_url, token):
    """After confirmation: what to expect, and the latest articles (newest first)."""
    return newsletter_message(
        settings,
        to=subscriber.email,
        subject=f"Welcome to the articles of {settings.clinic_name}",
        template="welcome",
        context={"posts": posts},
        msgid=message_id(f"welcome:{subscriber.id}:{subscriber.confirmed_at}", settings.sender_domain),
        unsubscribe_url=unsubscribe_url,
        token=token,
    )

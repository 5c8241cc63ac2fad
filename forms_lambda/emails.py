"""Building the emails the service sends: plain text plus an HTML alternative, every value escaped."""
import email.policy
import hashlib
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from html import escape


# 7-bit on the wire (quoted-printable or base64 for anything else): SES asks for it, and no relay
# has to convert 8-bit text.
POLICY = email.policy.default.clone(cte_type="7bit")


def message_id(key, domain):
    """A Message-ID derived from `key` (e.g. a submission id): a retried delivery keeps its id,
    so the recipient's mail system can recognise a duplicate."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def new_message(settings, *, to, subject, text, html, msgid=None, reply_to=None):
    msg = EmailMessage(policy=POLICY)
    msg["From"] = settings.sender
    msg["To"] = to
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.now().astimezone())
    msg["Message-ID"] = msgid or make_msgid(domain=settings.sender_domain)
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def html_page(title, body):
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title></head>\n'
            f"<body>\n{body}\n</body></html>\n")


def local_time(settings, iso_utc):
    when = datetime.fromisoformat(iso_utc).astimezone(settings.timezone)
    return when.strftime("%A, %B %-d, %Y at %-I:%M %p %Z")


def contact_email(settings, submission):
    """To the clinic's inbox; Reply-To the patient so staff can simply answer."""
    data = submission.payload
    received = local_time(settings, submission.created_at)
    page = f"{settings.site_url}{data['page']}" if data.get("page") else "(unknown)"
    rows = [("Name", data["name"]), ("Email", data["email"]), ("Phone", data.get("phone") or "(not given)"),
            ("Page", page), ("Received", received)]
    text = "\n".join(f"{k}: {v}" for k, v in rows) + f"\n\nMessage:\n{data['message']}\n"
    html = html_page(
        f"Contact request from {data['name']}",
        "<h1>Contact request</h1>\n<table>\n"
        + "\n".join(f"<tr><th scope=\"row\">{k}</th><td>{escape(v)}</td></tr>" for k, v in rows)
        + "\n</table>\n<h2>Message</h2>\n"
        + "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>\n" for p in data["message"].split("\n\n")))
    return new_message(
        settings, to=settings.clinic_inbox,
        reply_to=Address(display_name=data["name"], addr_spec=data["email"]),
        subject=f"Contact request from {data['name']}", text=text, html=html,
        msgid=message_id(f"submission:{submission.id}", settings.sender_domain))


def confirmation_email(settings, submission, subscriber, confirm_url, unsubscribe_url):
    name = settings.clinic_name
    text = (f"Please confirm that you want to receive new articles from {name} by email:\n\n"
            f"{confirm_url}\n\n"
            f"This link works for {settings.confirm_max_age // 86400 or 1} day(s). If you did not ask for this, "
            "ignore this email and you will not hear from us again.\n\n"
            f"Unsubscribe at any time: {unsubscribe_url}\n")
    html = html_page(
        "Please confirm your subscription",
        f"<h1>Please confirm your subscription</h1>\n"
        f"<p>Please confirm that you want to receive new articles from {escape(name)} by email.</p>\n"
        f'<p><a href="{escape(confirm_url)}">Yes, subscribe me</a></p>\n'
        "<p>If you did not ask for this, ignore this email and you will not hear from us again.</p>\n"
        f'<p><a href="{escape(unsubscribe_url)}">Unsubscribe</a></p>')
    return new_message(
        settings, to=subscriber.email, subject="Please confirm your subscription",
        text=text, html=html, msgid=message_id(f"submission:{submission.id}", settings.sender_domain))

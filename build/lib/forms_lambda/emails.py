"""Building the emails the service sends: plain text plus an HTML alternative, every value escaped."""
import email.policy
import hashlib
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from html import escape
from urllib.parse import quote


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


# Newsletter emails (notify, welcome): list headers and a CAN-SPAM footer on every one.

def unsubscribe_mailto(settings, token):
    return f"mailto:{settings.unsubscribe_mailto}?subject={quote('unsubscribe ' + token)}"


def newsletter_message(settings, *, to, subject, text, html, msgid, unsubscribe_url, token):
    """A list email: footer with the clinic's postal address, RFC 2369 + RFC 8058 one-click unsubscribe."""
    lines = [settings.clinic_name, *settings.clinic_address.splitlines()]
    reason = f"You receive this email because you subscribed to new articles on {settings.site_url}."
    text += ("\n-- \n" + "\n".join(lines) + f"\n\n{reason}\nUnsubscribe with one click: {unsubscribe_url}\n")
    html += ("\n<hr>\n<footer>\n<p>" + "<br>\n".join(escape(line) for line in lines) + "</p>\n"
             f'<p>{escape(reason)} <a href="{escape(unsubscribe_url)}">Unsubscribe</a></p>\n</footer>')
    msg = new_message(settings, to=to, subject=subject, text=text, html=html_page(subject, html), msgid=msgid)
    # Long header lines are fine up to 998 characters; folding must never split or encode the URLs.
    msg.policy = msg.policy.clone(max_line_length=998)
    msg["List-Unsubscribe"] = f"<{unsubscribe_url}>, <{unsubscribe_mailto(settings, token)}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["List-Id"] = f"{settings.clinic_name} articles <articles.{settings.sender_domain}>"
    return msg


def paragraphs(text):
    return "".join(f"<p>{escape(p)}</p>\n" for p in text.split("\n\n") if p.strip())


def announcement_email(settings, post, subscriber, unsubscribe_url, token):
    """One new article, to one subscriber; the Message-ID is the same on every attempt for this pair."""
    text = f"{post.title}\n\n{post.summary}\n\nRead the article: {post.link}\n"
    html = (f"<h1>{escape(post.title)}</h1>\n{paragraphs(post.summary)}"
            f'<p><a href="{escape(post.link)}">Read the article</a></p>')
    return newsletter_message(settings, to=subscriber.email, subject=post.title, text=text, html=html,
                              msgid=message_id(f"post:{post.path}:{subscriber.id}", settings.sender_domain),
                              unsubscribe_url=unsubscribe_url, token=token)


def welcome_email(settings, subscriber, posts, unsubscribe_url, token):
    """After confirmation: what to expect, and the latest articles (newest first)."""
    subject = f"Welcome to the articles of {settings.clinic_name}"
    intro = f"Thank you for subscribing. We will email you when {settings.clinic_name} publishes a new article."
    if posts:
        text = intro + "\n\nOur latest articles:\n\n" + "".join(f"- {p.title}\n  {p.link}\n" for p in posts)
        html = (f"<h1>{escape(subject)}</h1>\n<p>{escape(intro)}</p>\n<h2>Our latest articles</h2>\n<ul>\n"
                + "".join(f'<li><a href="{escape(p.link)}">{escape(p.title)}</a></li>\n' for p in posts) + "</ul>")
    else:
        text = intro + f"\n\nVisit us: {settings.site_url}/\n"
        html = (f"<h1>{escape(subject)}</h1>\n<p>{escape(intro)}</p>\n"
                f'<p><a href="{escape(settings.site_url)}/">Visit our website</a></p>')
    return newsletter_message(settings, to=subscriber.email, subject=subject, text=text, html=html,
                              msgid=message_id(f"welcome:{subscriber.id}:{subscriber.confirmed_at}",
                                               settings.sender_domain),
                              unsubscribe_url=unsubscribe_url, token=token)

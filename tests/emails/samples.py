"""One email of each kind the service sends, built by its own code from realistic content: what the tests of
looks, spam scores and injection read. (The clinic's real name and article; addresses on example domains.)"""

import dataclasses

from forms_lambda import emails
from forms_lambda.config import load_settings
from forms_lambda.stores import URGENT, Post, Submission, Subscriber

SITE_URL = "https://clinic.example"
SETTINGS = load_settings(
    {
        "FORMS_SECRET_KEY": "a-test-secret-key-of-some-length",
        "FORMS_SITE_URL": SITE_URL,
        "FORMS_SENDER": "Vitalitas Denver <no-reply@clinic.example>",
        "FORMS_CLINIC_INBOX": "frontdesk@clinic.example",
        "FORMS_CLINIC_ADDRESS": "1600 Downing Street, Suite 200;Denver, CO 80218",
    }
)
SUBSCRIBER = Subscriber(email="pat.reader@example.org", confirmed_at="2026-11-02T16:00:00+00:00")
TOKEN = "eyJzIjoiMDFKRDdYIn0.Z0r4bA.3xQ9mU1h0bQfWJpVd8sYtq6m2Lk"
UNSUBSCRIBE_URL = f"{SITE_URL}/api/unsubscribe?token={TOKEN}"
ARTICLE = Post(
    "/blog/ketamine-for-chronic-pain/",
    title="Ketamine for Chronic Pain",
    link=f"{SITE_URL}/blog/ketamine-for-chronic-pain/",
    summary="About 50 million Americans live with chronic pain. How ketamine infusion therapy works on the "
    "nervous system, and when it may help after other treatments have not.",
)
OLDER = Post(
    "/blog/what-to-expect/",
    title="What to Expect at Your First Infusion",
    link=f"{SITE_URL}/blog/what-to-expect/",
    summary="A calm room, a nurse at your side.",
)


ONCALL = "oncall@clinic.example"
URGENT_MESSAGE = (
    "Hello,\n\nSince the accident the pain never stops, and some nights I want to end my life.\n"
    "Could someone call me?\n\nAnn"
)


def contact(
    name="Ann Patient",
    email="ann.patient@example.com",
    phone="(303) 555-0123",
    page="/contact/",
    message="Hello,\n\nI have had back pain for six years and my doctor mentioned ketamine.\n"
    "Could someone call me about a first appointment?\n\nThank you, Ann",
    urgent=False,
):
    """The clinic's email about a contact message; `urgent`: one in crisis language, with an on-call inbox set."""
    submission = Submission(
        kind="contact",
        payload={"name": name, "email": email, "phone": phone, "page": page, "message": message},
        priority=URGENT if urgent else 0,
    )
    settings = dataclasses.replace(SETTINGS, urgent_inbox=ONCALL) if urgent else SETTINGS
    return emails.contact_email(settings, submission)


def urgent_contact(message=URGENT_MESSAGE, **fields):
    return contact(message=message, urgent=True, **fields)


def confirmation(address=SUBSCRIBER.email):
    return emails.confirmation_email(
        SETTINGS,
        Submission(kind="subscribe", payload={}),
        Subscriber(email=address),
        f"{SITE_URL}/api/subscribe/confirm?token={TOKEN}",
        UNSUBSCRIBE_URL,
    )


def announcement(post=ARTICLE, address=SUBSCRIBER.email):
    return emails.announcement_email(SETTINGS, post, Subscriber(email=address), UNSUBSCRIBE_URL, TOKEN)


def welcome(posts=(ARTICLE, OLDER), address=SUBSCRIBER.email):
    return emails.welcome_email(SETTINGS, Subscriber(email=address), list(posts), UNSUBSCRIBE_URL, TOKEN)


BUILDERS = {
    "contact": contact,
    "urgent contact": urgent_contact,
    "confirmation": confirmation,
    "announcement": announcement,
    "welcome": welcome,
}
# The one action of each email: its button's text and where it goes.
BUTTONS = {
    "contact": ("Reply by email", "mailto:ann.patient@example.com"),
    "urgent contact": ("Reply by email", "mailto:ann.patient@example.com"),
    "confirmation": ("Yes, subscribe me", f"{SITE_URL}/api/subscribe/confirm?token={TOKEN}"),
    "announcement": ("Read the article", ARTICLE.link),
    "welcome": ("Visit our website", f"{SITE_URL}/"),
}

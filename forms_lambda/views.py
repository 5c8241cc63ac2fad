"""The HTTP contract (docs/http.md): /api/contact, /api/subscribe, confirm, unsubscribe, challenge, health."""

import logging

from flask import Blueprint, jsonify, render_template, request, url_for
from werkzeug.exceptions import NotFound

from . import subscribers
from .captcha import FIELD as CAPTCHA_FIELD
from .crisis import in_crisis_language
from .forms import ContactForm, SubscribeForm, normalize_email
from .logs import log_event
from .responses import form_data, invalid, safe_back, success, wants_json
from .services import current_services
from .stores import SPAM, URGENT, StoreError, Submission
from .stores.base import utcnow
from .tokens import ExpiredToken, InvalidToken

bp = Blueprint("api", __name__, url_prefix="/api")

CONTACT_THANKS = "Thank you! We received your message and will get back to you soon."
URGENT_THANKS = (
    "We received your message. Please do not wait for our answer: call or text 988 now, or call 911 in an emergency."
)
CHECK_INBOX = "Almost done! Please check your inbox and click the link to confirm your subscription."
SUBSCRIBED = "You've been subscribed! Watch your inbox for updates!"
UNSUBSCRIBED = "You have been unsubscribed. You will not receive further emails from us."
ONE_CLICK = b"List-Unsubscribe=One-Click"
CONFIRM_EXPIRED = "This confirmation link has expired. Please subscribe again."
CONFIRM_INVALID = "This confirmation link is not valid. Please subscribe again."
CONFIRM_USED_UP = "This confirmation link is no longer valid. Please subscribe again."


def captcha_refusal(services, form):
    """None when the spam check is off or solved (the challenge is then used); else the 400 answer saying why."""
    if services.captcha is None:
        return None
    message = services.captcha.check(form.data.get(CAPTCHA_FIELD))
    return invalid({CAPTCHA_FIELD: message}, back=safe_back(form.data.get("page"))) if message else None


def hold_as_spam(services, form, kind, payload, priority=0):
    """Answer a bot like a person, but keep its post out of every inbox (kept for review only)."""
    reason = form.spam_reason(services.settings.min_submit_seconds)
    if reason is None:
        return False
    submission = Submission(kind=kind, payload={**payload, "spam_reason": reason}, status=SPAM, priority=priority)
    services.store.add_submission(submission)
    log_event(
        "submission.spam",
        submission_id=submission.id,
        kind=kind,
        reason=reason,
        outcome="held",
        urgent=submission.urgent or None,
    )
    return True


def contact_answer(urgent):
    """Thanks; for a message in crisis language, the 988 and 911 help first (/thanks/urgent/, or "urgent" for
    the page's script, which shows the same help beside the form)."""
    if urgent:
        return success(URGENT_THANKS, "/thanks/urgent/", urgent=True)
    return success(CONTACT_THANKS, "/thanks/")


@bp.post("/contact")
def contact():
    form = ContactForm(form_data())
    # Matched on the text as sent, so that a form sent back for a mistake shows the help too (the form's
    # cleaning changes nothing the match reads: line breaks, NFC, spaces at the ends).
    urgent = in_crisis_language(form.data.get("message"))
    if not form.validate():
        return invalid(form.errors, back=safe_back(form.data.get("page")), urgent=urgent)
    services = current_services()
    fields = {k: form.cleaned[k] for k in ("name", "email", "phone", "message", "page")}
    priority = URGENT if urgent else 0
    # Kept whole: a person caught by mistake (a very quick typist) can still be answered.
    if hold_as_spam(services, form, "contact", fields, priority):
        return contact_answer(urgent)
    refusal = captcha_refusal(services, form)
    if refusal:
        return refusal
    services.accept("contact", fields, priority)  # stored, then delivered after the answer (urgent first)
    return contact_answer(urgent)


@bp.post("/subscribe")
def subscribe():
    form = SubscribeForm(form_data())
    if not form.validate():
        return invalid(form.errors, back=safe_back(form.data.get("page")))
    services = current_services()
    double = services.settings.double_opt_in
    answer = (CHECK_INBOX, "/subscribe/check-your-inbox/") if double else (SUBSCRIBED, "/subscribed/")
    # No address kept: a bot may well type someone else's.
    if hold_as_spam(services, form, "subscribe", {"page": form.cleaned["page"]}):
        return success(*answer)
    refusal = captcha_refusal(services, form)
    if refusal:
        return refusal
    # The same work (store, hand over) and the same answer whatever the address's past, so neither the answer
    # nor its time tells whether someone subscribes: delivery looks the address up (services.subscribe_email).
    services.accept("subscribe", {"email": normalize_email(form.cleaned["email"]), "page": form.cleaned["page"]})
    return success(*answer)


# Links in emails: GET (and HEAD, which Flask answers with the GET view) only shows a page with a button, since
# mail scanners and link previews follow links; the button POSTs, and only a POST changes anything.
def confirm_link(services):
    """(subscriber id, opt-in id) of the confirm link, or (None, the 400 answer)."""
    try:
        return services.tokens.read_confirm_token(request.args.get("token", "")), None
    except ExpiredToken:
        return None, invalid({"token": CONFIRM_EXPIRED})
    except InvalidToken:
        return None, invalid({"token": CONFIRM_INVALID})


def in_opt_in(subscriber, opt_in_id, state):
    """True when the subscriber is in `state` in the opt-in the confirm link was made for."""
    return subscriber is not None and subscriber.opt_in_id == opt_in_id and subscriber.status == state


@bp.get("/subscribe/confirm")
def confirm_page():
    services = current_services()
    ids, refusal = confirm_link(services)
    if refusal:
        return refusal
    subscriber_id, opt_in_id = ids
    subscriber = services.store.get_subscriber_by_id(subscriber_id)
    if in_opt_in(subscriber, opt_in_id, subscribers.State.CONFIRMED):
        return success(SUBSCRIBED, "/subscribed/")
    if not in_opt_in(subscriber, opt_in_id, subscribers.State.PENDING):
        return invalid({"token": CONFIRM_USED_UP})  # unsubscribed since, or opted in again
    return render_template(
        "confirm.html",
        title="Confirm your subscription",
        clinic_name=services.settings.clinic_name,
        action=url_for("api.confirm", token=request.args["token"]),
    )


@bp.post("/subscribe/confirm")
def confirm():
    services = current_services()
    ids, refusal = confirm_link(services)
    if refusal:
        return refusal
    subscriber_id, opt_in_id = ids
    if subscribers.confirm(services.store, subscriber_id, opt_in_id, utcnow(), request.path):
        log_event("subscriber.confirmed", subscriber_id=subscriber_id)
        services.welcome(subscriber_id)
    elif not in_opt_in(services.store.get_subscriber_by_id(subscriber_id), opt_in_id, subscribers.State.CONFIRMED):
        return invalid({"token": CONFIRM_USED_UP})  # unsubscribed meanwhile: an old link must not undo that
    return success(SUBSCRIBED, "/subscribed/")


def unsubscribe_link(services):
    """The subscriber id of the unsubscribe link, or (None, the 400 answer)."""
    try:
        return services.tokens.read_unsubscribe_token(request.args.get("token", "")), None
    except InvalidToken:
        return None, invalid({"token": "This unsubscribe link is not valid."})


@bp.get("/unsubscribe")
def unsubscribe_page():
    services = current_services()
    _, refusal = unsubscribe_link(services)
    if refusal:
        return refusal
    return render_template(
        "unsubscribe.html",
        title="Unsubscribe",
        done=False,
        clinic_name=services.settings.clinic_name,
        action=url_for("api.unsubscribe", token=request.args["token"]),
    )


@bp.post("/unsubscribe")
def unsubscribe():
    # A mail provider's RFC 8058 one-click POST (body List-Unsubscribe=One-Click, any content type) gets a 200,
    # a visitor's button a 303 to the site's page.
    services = current_services()
    subscriber_id, refusal = unsubscribe_link(services)
    if refusal:
        return refusal
    if subscribers.unsubscribe(services.store, subscriber_id):
        log_event("subscriber.unsubscribed", subscriber_id=subscriber_id)
    one_click = request.form.get("List-Unsubscribe") == "One-Click" or ONE_CLICK in request.get_data()
    if one_click and not wants_json():
        return render_template("unsubscribe.html", title="Unsubscribed", done=True, message=UNSUBSCRIBED)
    return success(UNSUBSCRIBED, "/unsubscribed/")


@bp.get("/challenge")
def challenge():
    """A new spam-check challenge for the form's widget (FORMS_CAPTCHA=altcha); never cached (no-store)."""
    services = current_services()
    if services.captcha is None:
        raise NotFound("The spam check is off: the forms need no challenge.")
    return jsonify(services.captcha.challenge())


@bp.get("/health")
def health():
    """200 while the store can save a submission (it writes to find out), else 503: a monitor can tell."""
    services = current_services()
    backends = {
        "store": services.store.name,
        "mailer": services.mailer.name,
        "double_opt_in": services.settings.double_opt_in,
    }
    try:
        services.store.check_writable()
    except StoreError:
        log_event("health.store_unwritable", level=logging.ERROR, status=503)
        return jsonify(ok=False, error="The store cannot save submissions.", **backends), 503
    return jsonify(ok=True, **backends)

"""The HTTP contract of DESIGN.md: /api/contact, /api/subscribe, confirm, unsubscribe, health."""
import logging

from flask import Blueprint, jsonify, request

from .forms import ContactForm, SubscribeForm, normalize_email
from .responses import form_data, invalid, safe_back, success
from .services import current_services
from .stores import Submission, Subscriber
from .stores.base import utcnow
from .tokens import ExpiredToken, InvalidToken

log = logging.getLogger("forms_lambda")
bp = Blueprint("api", __name__, url_prefix="/api")

CONTACT_THANKS = "Thank you! We received your message and will get back to you soon."
CHECK_INBOX = "Almost done! Please check your inbox and click the link to confirm your subscription."
SUBSCRIBED = "You've been subscribed! Watch your inbox for updates!"
UNSUBSCRIBED = "You have been unsubscribed. You will not receive further emails from us."


@bp.post("/contact")
def contact():
    form = ContactForm(form_data())
    if not form.validate():
        return invalid(form.errors, back=safe_back(form.data.get("page")))
    if form.is_spam:
        log.info("honeypot filled kind=contact")
        return success(CONTACT_THANKS, "/thanks/")
    services = current_services()
    fields = {k: form.cleaned[k] for k in ("name", "email", "phone", "message", "page")}
    submission = Submission(kind="contact", payload=fields)
    services.store.add_submission(submission)  # stored first: nothing accepted is lost
    log.info("accepted submission=%s kind=contact", submission.id)
    services.deliver(submission)  # a failure stays pending for `retry`; the visitor's part is done
    return success(CONTACT_THANKS, "/thanks/")


@bp.post("/subscribe")
def subscribe():
    form = SubscribeForm(form_data())
    if not form.validate():
        return invalid(form.errors, back=safe_back(form.data.get("page")))
    services = current_services()
    double = services.settings.double_opt_in
    answer = (CHECK_INBOX, "/subscribe/check-your-inbox/") if double else (SUBSCRIBED, "/subscribed/")
    if form.is_spam:
        log.info("honeypot filled kind=subscribe")
        return success(*answer)
    now, page = utcnow(), form.cleaned["page"]
    new = Subscriber(email=normalize_email(form.cleaned["email"]), opt_in_at=now, opt_in_page=page)
    subscriber = services.store.add_subscriber(new)
    # The answer is the same whatever the address's past, so the form cannot tell who subscribes.
    if subscriber.status in ("confirmed", "suppressed"):
        return success(*answer)
    if subscriber.id != new.id:  # known, pending or unsubscribed: this is a fresh opt-in
        subscriber = services.store.set_subscriber_status(subscriber.id, "pending", opt_in_at=now,
                                                          opt_in_page=page, confirmed_at="", confirm_page="")
    if not double:
        services.store.set_subscriber_status(subscriber.id, "confirmed", confirmed_at=now, confirm_page=page)
        log.info("subscribed subscriber=%s single opt-in", subscriber.id)
        return success(*answer)
    submission = Submission(kind="subscribe", payload={"subscriber_id": subscriber.id})
    services.store.add_submission(submission)
    log.info("accepted submission=%s kind=subscribe subscriber=%s", submission.id, subscriber.id)
    services.deliver(submission)
    return success(*answer)


@bp.get("/subscribe/confirm")
def confirm():
    services = current_services()
    try:
        subscriber_id = services.tokens.read_confirm_token(request.args.get("token", ""))
    except ExpiredToken:
        return invalid({"token": "This confirmation link has expired. Please subscribe again."})
    except InvalidToken:
        return invalid({"token": "This confirmation link is not valid. Please subscribe again."})
    subscriber = services.store.get_subscriber_by_id(subscriber_id)
    if subscriber is None:
        return invalid({"token": "This confirmation link is not valid. Please subscribe again."})
    if subscriber.status == "pending":
        services.store.set_subscriber_status(subscriber.id, "confirmed", confirmed_at=utcnow(),
                                             confirm_page=request.path)
        log.info("confirmed subscriber=%s", subscriber.id)
    elif subscriber.status != "confirmed":  # unsubscribed or suppressed since: an old link must not undo that
        return invalid({"token": "This confirmation link is no longer valid. Please subscribe again."})
    return success(SUBSCRIBED, "/subscribed/")


@bp.route("/unsubscribe", methods=["GET", "POST"])
def unsubscribe():
    # POST is RFC 8058 one-click (List-Unsubscribe-Post); its body needs no reading.
    services = current_services()
    try:
        subscriber_id = services.tokens.read_unsubscribe_token(request.args.get("token", ""))
    except InvalidToken:
        return invalid({"token": "This unsubscribe link is not valid."})
    subscriber = services.store.get_subscriber_by_id(subscriber_id)
    if subscriber is not None and subscriber.status in ("pending", "confirmed"):
        services.store.set_subscriber_status(subscriber.id, "unsubscribed", unsubscribed_at=utcnow())
        log.info("unsubscribed subscriber=%s", subscriber.id)
    return success(UNSUBSCRIBED, "/unsubscribed/")


@bp.get("/health")
def health():
    services = current_services()
    return jsonify(ok=True, store=services.store.name, mailer=services.mailer.name,
                   double_opt_in=services.settings.double_opt_in)

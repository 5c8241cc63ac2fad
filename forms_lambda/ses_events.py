"""SES bounce and complaint events from Amazon SNS: invoking the Lambda function, or posted to /api/ses-events.

On AWS the topic invokes the function (Protocol lambda): Lambda lets only that topic do so, and handle_sns_event
checks the topic against FORMS_SNS_TOPIC_ARNS. Over HTTPS anyone can post, so only a message whose SNS
signature verifies is acted on (403 otherwise). Either way a hard (Permanent) bounce or a complaint marks the
recipient suppressed: `notify` mails confirmed subscribers only, and a suppressed address that subscribes again
is not sent a confirmation.
"""

import logging
from email.utils import parseaddr

from email_validator import EmailNotValidError
from flask import Blueprint, current_app, jsonify, request

from .forms import normalize_email
from .logs import log_event
from .responses import read_json
from .services import current_services

bp = Blueprint("ses_events", __name__, url_prefix="/api")
SNS_MAX_BYTES = 300 * 1024  # SNS messages are up to 256 KiB, more than a form may send


def verifier():
    """One SnsVerifier per app, so a warm Lambda keeps its certificate cache; built on first use."""
    app = current_app
    if "sns_verifier" not in app.extensions:
        from .sns import SnsVerifier, fetch_url  # cryptography is imported only when SNS calls

        app.extensions["sns_verifier"] = SnsVerifier(
            app.config.get("SNS_FETCH") or fetch_url, current_services().settings.sns_topic_arns
        )
    return app.extensions["sns_verifier"]


def suppressed_recipients(event):
    """The addresses an SES event says must never be mailed again: hard bounces and complaints."""
    kind = event.get("eventType") or event.get("notificationType")
    if kind == "Bounce" and (event.get("bounce") or {}).get("bounceType") == "Permanent":
        recipients = event["bounce"].get("bouncedRecipients") or []
    elif kind == "Complaint":
        recipients = (event.get("complaint") or {}).get("complainedRecipients") or []
    else:
        return []
    addresses = []
    for recipient in recipients:
        try:
            addresses.append(normalize_email(parseaddr(str(recipient.get("emailAddress", "")))[1]))
        except (EmailNotValidError, AttributeError):
            continue
    return addresses


@bp.post("/ses-events")
def ses_events():
    from .sns import InvalidSnsMessage

    request.max_content_length = SNS_MAX_BYTES
    try:
        # SNS posts JSON with Content-Type text/plain: read the body whatever its type says.
        message = verifier().verify(read_json(request.get_data()))
    except InvalidSnsMessage as e:
        log_event("ses_events.rejected", level=logging.WARNING, reason=str(e), status=403)
        return jsonify(ok=False, error="Forbidden", message="Not a verified SNS message."), 403
    if message["Type"] == "SubscriptionConfirmation":
        try:
            verifier().confirm_subscription(message)
        except Exception as e:  # SNS repeats the confirmation; a later attempt may reach AWS
            log_event("ses_events.confirmation_failed", level=logging.WARNING, error_type=type(e).__name__, status=503)
            return jsonify(ok=False, error="Service Unavailable"), 503
        log_event("ses_events.subscribed", sns_message_id=message.get("MessageId"))
    elif message["Type"] == "Notification":
        apply_notification(message)
    return jsonify(ok=True)


def apply_notification(message):
    """Suppress the addresses an SNS Notification's SES event names; returns how many."""
    from .subscribers import suppress

    event = read_json(message.get("Message"))
    addresses = suppressed_recipients(event) if isinstance(event, dict) else []
    store = current_services().store
    for address in addresses:
        subscriber = suppress(store, address)
        log_event("subscriber.suppressed", subscriber_id=subscriber.id if subscriber else None)
    log_event("ses_events.notification", sns_message_id=message.get("MessageId"), count=len(addresses))
    return len(addresses)


def is_sns_event(event):
    """True for the event SNS invokes a Lambda function with: {"Records": [{"EventSource": "aws:sns", ...}]}."""
    records = event.get("Records") if isinstance(event, dict) else None
    return (
        bool(records)
        and isinstance(records, list)
        and all(
            isinstance(r, dict) and r.get("EventSource") == "aws:sns" and isinstance(r.get("Sns"), dict)
            for r in records
        )
    )


def handle_sns_event(event):
    """SNS's direct delivery to the function. An error (the store is down) fails the invocation, so Lambda retries.

    Only FORMS_SNS_TOPIC_ARNS's topics are acted on (none configured: none). No age limit here, unlike over
    HTTPS: only the topics Lambda's resource policy names can invoke the function, and Lambda retries a failed
    invocation for up to six hours."""
    topics = current_services().settings.sns_topic_arns
    suppressed = ignored = 0
    for record in event["Records"]:
        message = record["Sns"]
        if message.get("TopicArn") not in topics:
            log_event("ses_events.rejected", level=logging.WARNING, reason="topic not allowed")
            ignored += 1
        elif message.get("Type") == "Notification":
            suppressed += apply_notification(message)
    return {"ok": True, "suppressed": suppressed, "ignored": ignored}

"""AWS Lambda entry: the same Flask app behind API Gateway (HTTP API payload 2.0 or REST 1.0), plus delivery.

- DynamoDB Streams batches (new submissions) are delivered (`delivery.deliver_stream_records`).
- EventBridge schedules, or an operator's `aws lambda invoke`, send {"forms_lambda": TASK}: "retry" (deliver
  what is due, and log `delivery.status` for the alarms), "purge", or "status" (the counts `status` prints).
- SNS delivers SES bounces and complaints ({"Records": [{"Sns": ...}]}).
- Every other event is an HTTP request for apig-wsgi.

`notify` is the entry of the stack's NotifyFunction, the newsletter's own function (see its docstring).
"""

import io
import sys
import time

from apig_wsgi import make_lambda_handler

from . import create_app, ses_events
from .delivery import deliver_stream_records
from .logs import log_event

_app = None
_lambda_handler = None
# Leave this much of the function's time when a sweep stops delivering (one more SES send, the answer).
SWEEP_MARGIN_MS = 5000


def retry(services, context):
    budget = context.get_remaining_time_in_millis() - SWEEP_MARGIN_MS if context else None
    tried, delivered = services.deliver_due(deadline=None if budget is None else time.monotonic() + budget / 1000)
    return {"tried": tried, "delivered": delivered, **status(services, context)}


def status(services, context):
    report = services.delivery_status()
    failed = sum(n for (kind, state), n in report.counts.items() if state == "failed")
    pending = sum(n for (kind, state), n in report.counts.items() if state == "pending")
    # CloudWatch metric filters (deploy/template.yaml) read these fields for the alarms.
    log_event("delivery.status", pending=pending, failed=failed, oldest_pending_seconds=report.oldest_pending_seconds)
    return {
        "pending": pending,
        "failed": failed,
        "oldest_pending_seconds": report.oldest_pending_seconds,
        "failed_ids": [s.id for s in report.failed[:50]],
    }


TASKS = {"retry": retry, "purge": lambda services, context: services.purge(), "status": status}


def handler(event, context):
    global _app, _lambda_handler
    if _lambda_handler is None:
        # Built on the first event, after the environment is final; warm invocations reuse it.
        _app = create_app()
        _lambda_handler = make_lambda_handler(_app, binary_support=True)
    if isinstance(event, dict) and event.get("Records") and event["Records"][0].get("eventSource") == "aws:dynamodb":
        with _app.app_context():
            return deliver_stream_records(_app.extensions["forms_lambda"], event["Records"])
    task = event.get("forms_lambda") if isinstance(event, dict) else None
    if task in TASKS:
        with _app.app_context():
            return {"ok": True, "task": task, **TASKS[task](_app.extensions["forms_lambda"], context)}
    if ses_events.is_sns_event(event):
        with _app.app_context():
            return ses_events.handle_sns_event(event)
    return _lambda_handler(event, context)


def notify(event, context):
    """The NotifyFunction: email the published site's new articles (FORMS_NOTIFY_SITE) once to every subscriber.

    It does this and nothing else, whatever the event holds: the publish workflow, which may invoke it, can
    start a mailing but never read the subscriber list, the signing keys, or send mail of its own.
    Returns notify's summary (counts and article titles, never an address) and its exit code.
    """
    global _app
    if _app is None:
        _app = create_app()
    from .newsletter import Newsletter

    summary = io.StringIO()
    with _app.app_context():
        services = _app.extensions["forms_lambda"]
        code = Newsletter(services, out=summary).run(services.settings.notify_site)
    sys.stdout.write(summary.getvalue())  # into the function's log as well
    return {"ok": code == 0, "exit_code": code, "summary": summary.getvalue()}

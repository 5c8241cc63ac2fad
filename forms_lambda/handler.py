"""AWS Lambda entry: the same Flask app behind API Gateway (HTTP API payload 2.0 or REST 1.0).

EventBridge schedules invoke it with {"forms_lambda": "retry"} (deliver what the mailer could not
take earlier) or {"forms_lambda": "purge"}; SNS with SES bounces and complaints ({"Records": [{"Sns": ...}]});
every other event is an HTTP request for apig-wsgi.

`notify` is the entry of the stack's NotifyFunction, the newsletter's own function (see its docstring).
"""
import io
import sys

from apig_wsgi import make_lambda_handler

from . import create_app, ses_events

_app = None
_lambda_handler = None
SCHEDULED = {"retry": lambda services: dict(zip(("tried", "delivered"), services.retry_pending())),
             "purge": lambda services: {"deleted": services.purge()}}


def handler(event, context):
    global _app, _lambda_handler
    if _lambda_handler is None:
        # Built on the first event, after the environment is final; warm invocations reuse it.
        _app = create_app()
        _lambda_handler = make_lambda_handler(_app, binary_support=True)
    task = event.get("forms_lambda") if isinstance(event, dict) else None
    if task in SCHEDULED:
        with _app.app_context():
            return {"ok": True, "task": task, **SCHEDULED[task](_app.extensions["forms_lambda"])}
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

"""AWS Lambda entry: the same Flask app behind API Gateway (HTTP API payload 2.0 or REST 1.0).

EventBridge schedules invoke it with {"forms_lambda": "retry"} (deliver what the mailer could not
take earlier) or {"forms_lambda": "purge"}; SNS with SES bounces and complaints ({"Records": [{"Sns": ...}]});
every other event is an HTTP request for apig-wsgi.
"""
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

"""Structured logs: one JSON object per line, carrying ids and outcomes, never personal data.

The service handles a clinic's patients: a log line must never hold a name, email, phone or
message. So events take only the fields named in FIELDS (anything else is dropped), and every
line, tracebacks included, passes through `redact`, because library errors quote what they were
given (an SMTP refusal names the recipient, a parser error quotes the input).
"""

import json
import logging
import re
import sys
import time
import traceback

LOGGER_NAME = "forms_lambda"
# What a log line may carry: identifiers, outcomes and counts.
FIELDS = frozenset(
    {
        "submission_id",
        "subscriber_id",
        "kind",
        "outcome",
        "reason",
        "status",
        "method",
        "route",
        "path",
        "error",
        "error_type",
        "attempts",
        "count",
        "delivered",
        "failed",
        "deleted",
        "retry_after",
        "backend",
        "duration_ms",
        "command",
        "limit",
        "window",
        "next_attempt_at",
        "pending",
        "oldest_pending_seconds",
        "urgent",  # true for a contact message in crisis language; which words matched is never logged
        # forget and purge (forms_lambda/forget.py): counts, and whether a keyed hash was kept
        "subscriber",
        "submissions",
        "sends",
        "kept_hash",
        "forgotten",
        "sns_message_id",  # SES events (forms_lambda/ses_events.py); a topic's ARN would be redacted (account number)
    }
)
EMAIL = re.compile(r"[^\s<>\"'(),;:]+@[^\s<>\"'(),;:]+")
# Seven or more digits, possibly split by spaces, dots, dashes or parentheses: a phone number.
PHONE = re.compile(r"(?<!\w)\+?\(?\d(?:[\s().-]*\d){6,}(?!\w)")
PRINTABLE = re.compile(r"[^\x20-\x7e]")


def redact(text):
    """Mask anything that looks like an email address or a phone number."""
    return PHONE.sub("[number]", EMAIL.sub("[email]", text))


class JsonFormatter(logging.Formatter):
    def format(self, record):
        line = {"event": record.getMessage(), **getattr(record, "fields", {})}
        if record.exc_info:
            line["error_type"] = record.exc_info[0].__name__
            line["traceback"] = self.formatException(record.exc_info)
        line = {key: redact(value) if isinstance(value, str) else value for key, value in line.items()}
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created))
        return json.dumps({"time": stamp, "level": record.levelname.lower(), **line}, default=str, ensure_ascii=True)


def get_logger():
    return logging.getLogger(LOGGER_NAME)


def configure(stream=None, level=logging.INFO):
    """Send the service's logs as JSON lines to stderr (CloudWatch on Lambda); idempotent."""
    logger = get_logger()
    for handler in list(logger.handlers):
        if getattr(handler, "forms_lambda_json", False):
            logger.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.forms_lambda_json = True
    logger.addHandler(handler)
    logger.setLevel(level)
    # Lambda's runtime puts its own handler on the root logger: do not log every line twice.
    logger.propagate = False
    return logger


def clean_fields(fields):
    """Keep only the allowed fields; values become short single-line ASCII strings or numbers."""
    kept = {}
    for key, value in fields.items():
        if key not in FIELDS or value is None:
            continue
        if not isinstance(value, (int, float, bool)):
            value = PRINTABLE.sub("?", str(value))[:300]
        kept[key] = value
    return kept


def log_event(event, level=logging.INFO, exc_info=None, **fields):
    """Log `event` (a fixed name like "contact.accepted") with identifiers and outcomes only."""
    get_logger().log(level, event, exc_info=exc_info, extra={"fields": clean_fields(fields)})


def log_exception(event, error, **fields):
    """Log an unexpected error: its type and where it happened, never its message (messages
    quote data, e.g. the text that failed to encode)."""
    frames = "".join(traceback.format_tb(error.__traceback__))
    get_logger().error(
        event,
        extra={"fields": {**clean_fields(fields), "error_type": type(error).__name__, "traceback": redact(frames)}},
    )


def init_app(app):
    """Log every request under /api as one JSON line: method, route, status, time taken, no query."""
    configure()
    from flask import g, request

    @app.before_request
    def _start_timer():
        g.log_started = time.monotonic()

    @app.after_request
    def _log_request(response):
        started = g.pop("log_started", None)
        log_event(
            "request",
            method=request.method,
            path=request.path,
            status=response.status_code,
            duration_ms=round((time.monotonic() - started) * 1000) if started else None,
        )
        return response

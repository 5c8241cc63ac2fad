"""Rate limits per client address and form, shared by every process and Lambda instance.

GCRA (the generic cell rate algorithm: a token bucket kept as one time per key). A limit of N per W seconds lets
a client send N at once, then one more every W/N seconds as the bucket refills. Fixed windows let 2N through in
a moment (N at one window's end, N more at the next one's start); here a burst is never more than N, and any
span of s seconds holds at most N + s*N/W.

The store keeps, per key, the "theoretical arrival time" (TAT): when the bucket will be full again. A hit at
`now` raises it to max(TAT, now) + W/N, and is allowed while that is at most now + W; a refused hit changes
nothing, and may come again when the TAT is back at now + W - W/N (Retry-After). The check and the write are
one store operation (one SQLite statement, DynamoDB conditional updates), so concurrent workers cannot both
slip under the limit. Every POST to a public form counts one hit for (address, route); past the limit the
answer is 429 with Retry-After.
"""

import ipaddress
import math
import re
import time
from dataclasses import dataclass

DEFAULT = "10/10minutes"
UNITS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}
LIMIT = re.compile(r"(\d+)/(\d*)([a-z]*)")


@dataclass(frozen=True)
class RateLimit:
    limit: int  # hits allowed per window
    window: int  # seconds


def parse_rate_limit(text):
    """'5/minute', '10/10minutes', '100/3600' (seconds) -> RateLimit; 'off' -> None."""
    text = text.replace(" ", "").lower()
    if text in ("off", "0", "none"):
        return None
    match = LIMIT.fullmatch(text)
    if not match or not (match.group(2) or match.group(3)):
        raise ValueError(f"a rate limit looks like 5/minute, 10/10minutes or 100/3600, got {text!r}")
    hits, amount, unit = int(match.group(1)), int(match.group(2) or 1), match.group(3) or "s"
    if unit not in UNITS:
        unit = unit.removesuffix("s")
    if unit not in UNITS:
        raise ValueError(f"unknown time unit in rate limit {text!r}: use seconds, minutes, hours or days")
    window = amount * UNITS[unit]
    if hits < 1 or not 1 <= window <= 7 * 86400:
        raise ValueError(f"a rate limit needs at least 1 hit per 1 second to 7 days, got {text!r}")
    return RateLimit(hits, window)


# Set by cloudfront.py for a request proven to come through the site's CloudFront distribution: the viewer's
# address from CloudFront-Viewer-Address (sourceIp is then a CloudFront edge, shared by many visitors).
VIEWER_ADDRESS = "forms_lambda.viewer_address"


def peer_address(environ):
    """The address the request came from over TCP, or the viewer's that CloudFront vouches for.

    On Lambda that is the sourceIp API Gateway saw: apig-wsgi fills REMOTE_ADDR from the first
    X-Forwarded-For entry on REST (1.0) events, and that entry is whatever the client wrote.
    """
    if environ.get(VIEWER_ADDRESS):
        return environ[VIEWER_ADDRESS]
    context = environ.get("apig_wsgi.request_context") or {}
    source = (context.get("http") or context.get("identity") or {}).get("sourceIp")
    return source or environ.get("REMOTE_ADDR") or ""


def client_ip(environ, trusted_proxies):
    """The visitor's IP address, or None when what we were given is not one.

    With N trusted proxies in front (FORMS_TRUSTED_PROXIES), each appends the address it saw to
    X-Forwarded-For, so the Nth entry from the right is the one the outermost trusted proxy saw;
    anything further left was written by the client and is ignored. With 0 the peer itself is
    the client (REMOTE_ADDR; on Lambda the event's sourceIp).
    """
    address = peer_address(environ)
    if trusted_proxies and not environ.get(VIEWER_ADDRESS):
        forwarded = [a.strip() for a in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= trusted_proxies:
            address = forwarded[-trusted_proxies]
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return None
    return ip.ipv4_mapped if ip.version == 6 and ip.ipv4_mapped else ip


def client_address(environ, trusted_proxies):
    """The visitor as the limiter counts them: the IPv4 address, or the IPv6 /64 (one visitor
    usually holds a whole /64), or "unknown"."""
    ip = client_ip(environ, trusted_proxies)
    if ip is None:
        return "unknown"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def interval(window_seconds, limit):
    """Seconds the bucket takes to gain room for one more hit."""
    return window_seconds / limit


def retry_after(tat, now, window_seconds, limit):
    """Whole seconds until a refused hit would be allowed, given the stored TAT."""
    return max(1, math.ceil(tat + interval(window_seconds, limit) - window_seconds - now))


def hit_sqlite(conn, key, window_seconds, limit, now=None):
    """One hit on `key` in a SQLite table rate_buckets(key, tat): (allowed, retry_after seconds)."""
    now = time.time() if now is None else now
    step = interval(window_seconds, limit)
    # One statement, run under SQLite's write lock: exact across processes. A new key (or one whose TAT has
    # passed) starts at now; a full bucket makes the WHERE false and the statement return nothing.
    row = conn.execute(
        "INSERT INTO rate_buckets (key, tat) VALUES (:key, :now + :step)"
        " ON CONFLICT (key) DO UPDATE SET tat = MAX(tat, :now) + :step"
        " WHERE MAX(tat, :now) + :step <= :now + :window RETURNING tat",
        {"key": key, "now": now, "step": step, "window": window_seconds},
    ).fetchone()
    if row is not None:
        return True, 0
    (tat,) = conn.execute("SELECT tat FROM rate_buckets WHERE key = ?", (key,)).fetchone()
    return False, retry_after(tat, now, window_seconds, limit)


def _number(value):
    return {"N": repr(value)}


def hit_dynamo(client, table, key, window_seconds, limit, now=None):
    """One hit on `key` in the DynamoDB table <prefix>-limits: one item per key, gone by TTL once empty."""
    from botocore.exceptions import ClientError

    now = time.time() if now is None else now
    step = interval(window_seconds, limit)
    item_key = {"pk": {"S": f"limit#{key}"}, "sk": {"S": "gcra"}}
    # TTL may delete the item once its TAT has passed: it then holds nothing a new item would not.
    expires = {":expires": {"N": str(math.ceil(now + window_seconds))}}

    def update(expression, condition, values):
        try:
            client.update_item(
                TableName=table,
                Key=item_key,
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeValues={**values, **expires},
            )
            return True
        except ClientError as e:
            if e.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return False

    for _ in range(3):  # two conditional updates, each atomic on the server; a race between them goes round again
        # An empty bucket (no item, or its TAT has passed): this hit starts it.
        if update(
            "SET tat = :tat, expires_at = :expires",
            "attribute_not_exists(tat) OR tat <= :now",
            {":tat": _number(now + step), ":now": _number(now)},
        ):
            return True, 0
        # Hits in the bucket: one more while there is room.
        if update(
            "SET tat = tat + :step, expires_at = :expires",
            "tat > :now AND tat <= :room",
            {":step": _number(step), ":now": _number(now), ":room": _number(now + window_seconds - step)},
        ):
            return True, 0
        item = client.get_item(TableName=table, Key=item_key, ConsistentRead=True).get("Item")
        if item is not None and float(item["tat"]["N"]) > now:
            return False, retry_after(float(item["tat"]["N"]), now, window_seconds, limit)
    return False, max(1, math.ceil(step))


# One client may subscribe this many addresses a day (with any FORMS_RATE_LIMIT but off): each gets a
# confirmation email, and services.py caps those at 3 a day per mailbox.
SUBSCRIPTIONS_PER_DAY = RateLimit(10, 86400)


def init_app(app):
    """Count every POST to a public form, and every spam-check challenge asked for; past the limit answer 429 with
    Retry-After."""
    from flask import request
    from werkzeug.exceptions import TooManyRequests

    from .logs import log_event
    from .origins import FORM_PATHS
    from .stores import StoreError

    services = app.extensions["forms_lambda"]
    limit, proxies = services.settings.rate_limit, services.settings.trusted_proxies

    @app.before_request
    def _rate_limit():
        counted = (request.method == "POST" and request.path in FORM_PATHS) or request.path == "/api/challenge"
        if limit is None or not counted:
            return
        key = f"{client_address(request.environ, proxies)}|{request.path}"
        limits = [(key, limit)] + ([(f"{key}|day", SUBSCRIPTIONS_PER_DAY)] if request.path == "/api/subscribe" else [])
        try:
            for key, each in limits:  # the next is counted only when this one allowed the post
                allowed, wait = services.store.hit_rate_limit(key, each.window, each.limit, now=services.clock())
                if not allowed:
                    break
        except StoreError:
            # Fail open: if the store is down the post cannot be stored anyway and gets its own 503.
            log_event("ratelimit.unavailable", level=30, path=request.path)
            return
        if not allowed:
            log_event("ratelimit.refused", path=request.path, status=429, retry_after=wait)
            raise TooManyRequests(
                "You have sent this form many times in a short while. Please wait a few minutes and try again.",
                retry_after=wait,
            )

"""Rate limits per client address and form, shared by every process and Lambda instance.

A fixed-window counter kept in the store (SQLite locally, DynamoDB on Lambda): every POST to a
public form counts one hit for (address, route, window); past the limit the answer is 429 with
Retry-After until the window ends. The count is taken in one atomic store operation, so
concurrent workers cannot both slip under the limit.
"""
import ipaddress
import math
import re
import time
from dataclasses import dataclass

DEFAULT = "10/10minutes"
UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600,
         "d": 86400, "day": 86400}
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


def peer_address(environ):
    """The address the request came from over TCP.

    On Lambda that is the sourceIp API Gateway saw: apig-wsgi fills REMOTE_ADDR from the first
    X-Forwarded-For entry on REST (1.0) events, and that entry is whatever the client wrote.
    """
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
    if trusted_proxies:
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


def window_bounds(now, window):
    """(start, end) of the fixed window holding `now`, in whole epoch seconds."""
    start = int(now) - int(now) % window
    return start, start + window


def verdict(hits, limit, window_end, now):
    """(allowed, retry_after seconds) once the window's count is `hits`."""
    if hits <= limit:
        return True, 0
    return False, max(1, math.ceil(window_end - now))


def hit_sqlite(conn, key, window_seconds, limit, now=None):
    """One hit on `key` in a SQLite table rate_limits(key, hits, expires_at), atomically."""
    now = time.time() if now is None else now
    _, end = window_bounds(now, window_seconds)
    # One statement: SQLite runs it under its write lock, so the count is exact across processes.
    (hits,) = conn.execute(
        "INSERT INTO rate_limits (key, hits, expires_at) VALUES (?, 1, ?)"
        " ON CONFLICT (key) DO UPDATE SET"
        "  hits = CASE WHEN expires_at = excluded.expires_at THEN hits + 1 ELSE 1 END,"
        "  expires_at = excluded.expires_at"
        " RETURNING hits", (key, end)).fetchone()
    return verdict(hits, limit, end, now)


def hit_dynamo(client, table, key, window_seconds, limit, now=None):
    """One hit on `key` in the DynamoDB table <prefix>-limits: one item per window, gone by TTL."""
    now = time.time() if now is None else now
    start, end = window_bounds(now, window_seconds)
    # ADD is atomic on the server: concurrent Lambda instances each get their own count back.
    answer = client.update_item(
        TableName=table, Key={"pk": {"S": f"limit#{key}"}, "sk": {"S": str(start)}},
        UpdateExpression="ADD hits :one SET expires_at = :expires",
        ExpressionAttributeValues={":one": {"N": "1"}, ":expires": {"N": str(end)}},
        ReturnValues="UPDATED_NEW")
    return verdict(int(answer["Attributes"]["hits"]["N"]), limit, end, now)


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
        try:
            allowed, retry_after = services.store.hit_rate_limit(key, limit.window, limit.limit)
        except StoreError:
            # Fail open: if the store is down the post cannot be stored anyway and gets its own 503.
            log_event("ratelimit.unavailable", level=30, path=request.path)
            return
        if not allowed:
            log_event("ratelimit.refused", path=request.path, status=429, retry_after=retry_after)
            raise TooManyRequests("You have sent this form many times in a short while. "
                                  "Please wait a few minutes and try again.", retry_after=retry_after)

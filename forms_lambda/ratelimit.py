"""Rate limits per client address and form, shared by every process and Lambda instance.

GCRA (the generic cell rate algorithm: a token bucket kept as one time per key). A limit of N per W seconds lets
a client send N at once, then one more every W/N seconds as the bucket refills. Fixed windows let 2N through in
a moment (N at one window's end, N more at the next one's start); here a burst is never more than N, and any
span of s seconds holds at most N + s*N/W.

The store keeps, per key, the "theoretical arrival time" (TAT): when the bucket will be full again. A hit at
`now` raises it to max(TAT, now) + W/N, and is allowed while that is at most now + W; a refused hit changes
nothing, and may come again when the TAT is back at now + W - W/N (Retry-After). The check and the write are
one store operation (Store.hit_rate_limit: one SQLite statement, DynamoDB conditional updates), so concurrent
workers cannot both slip under the limit. Every POST to a public form counts one hit for (address, route); past
the limit the answer is 429 with Retry-After.
"""

import logging
import re
from dataclasses import dataclass

from flask import request
from werkzeug.exceptions import TooManyRequests

from .cloudfront import client_address
from .logs import log_event
from .origins import FORM_PATHS
from .stores import StoreError

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


# One client may subscribe this many addresses a day (with any FORMS_RATE_LIMIT but off): each gets a
# confirmation email, and services.py caps those at 3 a day per mailbox.
SUBSCRIPTIONS_PER_DAY = RateLimit(10, 86400)


def init_app(app):
    """Count every POST to a public form, and every spam-check challenge asked for; past the limit answer 429 with
    Retry-After."""
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
            log_event("ratelimit.unavailable", level=logging.WARNING, path=request.path)
            return
        if not allowed:
            log_event("ratelimit.refused", path=request.path, status=429, retry_after=wait)
            raise TooManyRequests(
                "You have sent this form many times in a short while. Please wait a few minutes and try again.",
                retry_after=wait,
            )

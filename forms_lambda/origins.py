"""Origin checks and CORS for the two public forms.

A browser always says where a POST comes from (Origin, or at least Referer), and a foreign page
cannot forge it: so a form post from any origin other than the site's own (FORMS_SITE_URL, or the
host the request was sent to) or one listed in FORMS_ALLOWED_ORIGINS is refused with 403. A post
with neither header does not come from a browser page, so there is no victim to protect; the rate
limit still applies. Token-carrying routes (unsubscribe, confirm) are not checked: the token is
their authority, and mail providers post RFC 8058 one-click unsubscribes from their own servers.
"""

from urllib.parse import urlsplit

FORM_PATHS = frozenset({"/api/contact", "/api/subscribe"})
# What a browser strips from both ends of a URL (C0 controls and space), and removes anywhere (tab, newline).
C0_AND_SPACE = "".join(map(chr, range(0x21)))
TAB_AND_NEWLINE = {ord("\t"): None, ord("\n"): None, ord("\r"): None}
DEFAULT_PORTS = {"http": 80, "https": 443}
PREFLIGHT_MAX_AGE = "600"


def origin_of(url):
    """'HTTPS://Example.org:443/page' -> 'https://example.org'; None unless an http(s) URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if port and port != DEFAULT_PORTS[parts.scheme.lower()]:
        host = f"{host}:{port}"
    return f"{parts.scheme.lower()}://{host}"


def same_site_path(value):
    """`value` as a link within our own site ("/path?query#fragment"), or None when a browser would read it as
    anything else: judged by the WHATWG URL Standard's rules for a relative URL on an https page. A browser
    strips C0 controls and spaces from both ends, removes every tab and newline, and reads "\\" as "/", so
    "/\\evil.example" and "/<TAB>/evil.example" both mean "//evil.example": another host. The value returned
    is the cleaned one, so a page links to exactly what the browser would have followed."""
    if not isinstance(value, str):
        return None
    url = value.strip(C0_AND_SPACE).translate(TAB_AND_NEWLINE).replace("\\", "/")
    if not url.startswith("/") or url.startswith("//") or not url.isprintable() or " " in url:
        return None
    return url


def request_origin(headers):
    """The origin a request says it comes from: Origin, else Referer; None if it says nothing.

    An unreadable value (including the "null" of sandboxed frames and file: pages) is "null",
    which no configuration allows.
    """
    for name in ("Origin", "Referer"):
        value = headers.get(name, "")
        if value:
            return origin_of(value) or "null"
    return None


class OriginPolicy:
    def __init__(self, site_url, allowed_origins=()):
        self.allowed = {origin_of(site_url), *(origin_of(o) for o in allowed_origins)} - {None}

    def allows(self, origin, own_origin):
        return origin is None or origin == own_origin or origin in self.allowed

    def cors_origin(self, headers, own_origin):
        """The value for Access-Control-Allow-Origin, or None: only an allowed Origin is echoed."""
        origin = request_origin({"Origin": headers.get("Origin", "")})
        return origin if origin and origin != "null" and self.allows(origin, own_origin) else None


def init_app(app):
    """Check every request to a public form against the site's origins; add CORS headers."""
    from flask import request
    from werkzeug.exceptions import Forbidden

    from .logs import log_event

    settings = app.extensions["forms_lambda"].settings
    policy = OriginPolicy(settings.site_url, settings.allowed_origins)
    refusal = "This form only accepts posts from our own website."

    def own_origin():
        return origin_of(request.host_url)

    @app.before_request
    def _check_origin():
        if request.path not in FORM_PATHS:
            return None
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            return _preflight()
        if request.method == "POST" and not policy.allows(request_origin(request.headers), own_origin()):
            log_event("origin.refused", path=request.path, status=403)
            raise Forbidden(refusal)
        return None

    def _preflight():
        origin = policy.cors_origin(request.headers, own_origin())
        if origin is None or request.headers["Access-Control-Request-Method"] != "POST":
            raise Forbidden(refusal)
        response = app.response_class(status=204)
        response.headers.update(
            {
                "Access-Control-Allow-Methods": "POST",
                "Access-Control-Allow-Headers": "Content-Type, Accept",
                "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
            }
        )
        return response

    @app.after_request
    def _cors_headers(response):
        if request.path in FORM_PATHS:
            response.vary.add("Origin")
            origin = policy.cors_origin(request.headers, own_origin())
            if origin:
                response.headers["Access-Control-Allow-Origin"] = origin
        return response

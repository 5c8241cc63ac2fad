"""Who sent a request: the visitor's address, as the rate limiter counts it, and (on AWS, FORMS_ORIGIN_SECRET_ARN
set) only requests that came through the site's CloudFront distribution are served.

The distribution adds a secret header, X-Origin-Verify, to every request it forwards to the API (its value is
generated into the Secrets Manager secret OriginSecret: deploy/template.yaml, docs/security.md). A request
without it, or with another value, was sent to the API's own URL and is refused with 403 before anything
else, rate limits included. For one with it, the visitor is the viewer address CloudFront reports in
CloudFront-Viewer-Address (the origin request policy adds it), not the edge server API Gateway sees as
sourceIp, which many visitors share.
"""

import hmac
import ipaddress
import logging

from .logs import log_event

HEADER = "X-Origin-Verify"
VIEWER = "CloudFront-Viewer-Address"
# Set for a request proven to come through the distribution: sourceIp is then an edge server, not the visitor.
VIEWER_ADDRESS = "forms_lambda.viewer_address"


def viewer_ip(value):
    """The address of "203.0.113.7:46532" or "2001:db8::7:46532" (IPv6 unbracketed, the port last), or None."""
    host, _, port = value.strip().rpartition(":")
    try:
        return str(ipaddress.ip_address(host)) if port.isdigit() else None
    except ValueError:
        return None


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


def vouched(keys, value):
    """True when `value` is one of the secret's values (the current one, or one a rotation keeps for now)."""

    def known():
        return any(hmac.compare_digest(value.encode(), key.encode()) for key in keys.keys)

    return bool(value) and (known() or (keys.refresh() and known()))


def init_app(app):
    from flask import request
    from werkzeug.exceptions import Forbidden

    keys = app.extensions["forms_lambda"].origin_keys
    if keys is None:
        return

    @app.before_request
    def _through_cloudfront():
        if not vouched(keys, request.headers.get(HEADER, "")):
            log_event("cloudfront.refused", path=request.path, status=403)
            raise Forbidden("Please use the website's own address.")
        ip = viewer_ip(request.headers.get(VIEWER, ""))
        if ip is None:
            log_event("cloudfront.no_viewer_address", level=logging.WARNING, path=request.path)
        else:
            request.environ[VIEWER_ADDRESS] = ip

"""Behind CloudFront (on AWS, FORMS_ORIGIN_SECRET_ARN set): only requests that came through the site's
distribution are served, and the visitor is who CloudFront says.

The distribution adds a secret header, X-Origin-Verify, to every request it forwards to the API (its value is
generated into the Secrets Manager secret OriginSecret: deploy/template.yaml, docs/security.md). A request
without it, or with another value, was sent to the API's own URL and is refused with 403 before anything
else, rate limits included. For one with it, the rate limiter counts the viewer address CloudFront reports in
CloudFront-Viewer-Address (the origin request policy adds it), not the edge server API Gateway sees as
sourceIp, which many visitors share.
"""

import hmac
import ipaddress

from .logs import log_event
from .ratelimit import VIEWER_ADDRESS

HEADER = "X-Origin-Verify"
VIEWER = "CloudFront-Viewer-Address"


def viewer_ip(value):
    """The address of "203.0.113.7:46532" or "2001:db8::7:46532" (IPv6 unbracketed, the port last), or None."""
    host, _, port = value.strip().rpartition(":")
    try:
        return str(ipaddress.ip_address(host)) if port.isdigit() else None
    except ValueError:
        return None


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
            log_event("cloudfront.no_viewer_address", level=30, path=request.path)
        else:
            request.environ[VIEWER_ADDRESS] = ip

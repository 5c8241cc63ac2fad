"""Behind CloudFront -> HTTP API (payload 2.0): the limiter counts each visitor (CloudFront-Viewer-Address), not the
edge server many visitors share, and only requests that carry CloudFront's secret origin header are served. Without
CloudFront, the client address behind trusted proxies and on Lambda."""

import json
from urllib.parse import urlencode

import boto3
import pytest

import forms_lambda.handler
from forms_lambda.cloudfront import client_address, viewer_ip
from forms_lambda.handler import handler
from tests.support.forms import CONTACT
from tests.support.lambda_events import FORM, body_json, header, http_api_event, run_schedule

ORIGIN_VALUE, PREVIOUS_VALUE = "origin-value-0123456789abcdefABCDEF", "older-origin-value-0123456789abcdef"
EDGE = "130.176.98.12"  # a CloudFront edge server: API Gateway's sourceIp for every visitor it serves


@pytest.fixture
def behind_cloudfront(lambda_env, moto_server, monkeypatch):
    """The function as the stack deploys it: the origin header's values in Secrets Manager, 1 post per hour."""
    arn = boto3.client("secretsmanager").create_secret(
        Name="origin", SecretString=json.dumps({"key": ORIGIN_VALUE, "previous": [PREVIOUS_VALUE]})
    )["ARN"]
    monkeypatch.setenv("FORMS_ORIGIN_SECRET_ARN", arn)
    monkeypatch.setenv("FORMS_RATE_LIMIT", "1/hour")
    monkeypatch.setattr(forms_lambda.handler, "_lambda_handler", None)


def through_cloudfront(
    viewer="198.51.100.7:53211",
    edge=EDGE,
    origin_value=ORIGIN_VALUE,
    path="/api/contact",
    body=None,
    extra=None,
    method="POST",
):
    """The event API Gateway hands the function for a request CloudFront forwarded (its headers, as the origin
    request policy of deploy/template.yaml lets them through, lower-cased by HTTP API)."""
    headers = {
        **FORM,
        "Origin": "https://clinic.example",
        "Via": "2.0 9f1b2c.cloudfront.net (CloudFront)",
        "X-Amz-Cf-Id": "4Pq7R3VZ1Y8lRsyBaWw6d5QJYH4lq2b7cQ==",
        "User-Agent": "Amazon CloudFront",
        "X-Forwarded-For": f"{(viewer or '').rpartition(':')[0]}, {edge}",
    }
    if viewer is not None:
        headers["CloudFront-Viewer-Address"] = viewer
    if origin_value is not None:
        headers["X-Origin-Verify"] = origin_value
    event = http_api_event(
        method, path, urlencode(body or CONTACT).encode() if method == "POST" else b"", {**headers, **(extra or {})}
    )
    event["requestContext"]["http"]["sourceIp"] = edge
    return handler(event, None)


def test_two_visitors_behind_one_edge_each_have_their_own_limit(behind_cloudfront, maildir):
    assert through_cloudfront("198.51.100.7:53211")["statusCode"] == 200
    limited = through_cloudfront("198.51.100.7:60001")  # the same visitor, another connection
    assert limited["statusCode"] == 429 and int(header(limited, "Retry-After")) > 3000
    assert through_cloudfront("198.51.100.8:53211")["statusCode"] == 200  # a neighbour at the same edge
    assert through_cloudfront("203.0.113.50:443", edge="64.252.70.1")["statusCode"] == 200
    assert through_cloudfront("198.51.100.7:1", edge="64.252.70.1")["statusCode"] == 429  # another edge: same one
    run_schedule()
    assert len(maildir()) == 3


def test_ipv6_visitors_are_counted_by_their_64(behind_cloudfront):
    assert through_cloudfront("2001:db8:1:2:aaaa::1:40000")["statusCode"] == 200
    assert through_cloudfront("2001:db8:1:2:bbbb::9:40001")["statusCode"] == 429
    assert through_cloudfront("2001:db8:1:3::1:40002")["statusCode"] == 200


def test_a_forged_forwarded_for_does_not_make_a_new_visitor(behind_cloudfront):
    assert through_cloudfront()["statusCode"] == 200
    again = through_cloudfront(extra={"X-Forwarded-For": "192.0.2.1, 192.0.2.2, " + EDGE})
    assert again["statusCode"] == 429


@pytest.mark.parametrize(
    "case, origin_value, viewer",
    [
        ("the API's own URL, no header", None, "198.51.100.7:1"),
        ("a guessed value", "guess", "198.51.100.7:1"),
        ("an empty value", "", "198.51.100.7:1"),
        ("the value with a space", ORIGIN_VALUE + " ", "198.51.100.7:1"),
        ("a forged viewer address without the header", None, "10.0.0.1:1"),
    ],
)
@pytest.mark.parametrize("path", ["/api/contact", "/api/subscribe", "/api/health", "/api/unsubscribe"])
def test_a_request_that_did_not_come_through_cloudfront_is_refused(
    behind_cloudfront, maildir, case, origin_value, viewer, path
):
    body = CONTACT if path == "/api/contact" else {"email": "ann@example.com"}
    method = "GET" if path == "/api/health" else "POST"
    answer = through_cloudfront(viewer, origin_value=origin_value, path=path, body=body, method=method)
    assert answer["statusCode"] == 403 and body_json(answer)["ok"] is False
    # Not counted either: the visitor's own request through CloudFront still gets through.
    assert through_cloudfront(viewer, path=path, body=body, method=method)["statusCode"] in (200, 303, 400)
    run_schedule()
    assert len(maildir()) <= 1


def test_the_value_a_rotation_keeps_is_accepted(behind_cloudfront):
    assert through_cloudfront(origin_value=PREVIOUS_VALUE)["statusCode"] == 200


def test_without_a_viewer_address_the_request_is_served_and_counted_as_unknown(behind_cloudfront):
    assert through_cloudfront(viewer=None)["statusCode"] == 200
    assert through_cloudfront(viewer="not-an-address")["statusCode"] == 429  # the same "unknown" visitor


def test_locally_no_header_is_needed(lambda_env, maildir):
    """Without FORMS_ORIGIN_SECRET_ARN (make run, tests) nothing changes: sourceIp is the visitor."""
    answer = handler(http_api_event("POST", "/api/contact", urlencode(CONTACT).encode(), FORM), None)
    assert answer["statusCode"] == 200


@pytest.mark.parametrize(
    "value, ip",
    [
        ("198.51.100.7:53211", "198.51.100.7"),
        ("2001:db8::7:46532", "2001:db8::7"),
        ("::ffff:198.51.100.7:1", "::ffff:c633:6407"),  # counted as 198.51.100.7 (client_ip)
        ("198.51.100.7", None),
        ("[2001:db8::7]:1", None),
        ("", None),
        ("example.org:80", None),
        (" 10.0.0.1:1 ", "10.0.0.1"),
    ],
)
def test_viewer_ip(value, ip):
    assert viewer_ip(value) == ip


@pytest.mark.parametrize(
    "remote, forwarded, proxies, expected",
    [
        ("198.51.100.7", None, 0, "198.51.100.7"),
        # Without trusted proxies a client-written header is ignored.
        ("198.51.100.7", "203.0.113.1", 0, "198.51.100.7"),
        ("10.0.0.2", "203.0.113.1", 1, "203.0.113.1"),
        # Spoofed entries to the left of what the trusted proxy appended are ignored.
        ("10.0.0.2", "1.2.3.4, 5.6.7.8, 203.0.113.1", 1, "203.0.113.1"),
        ("10.0.0.2", "1.2.3.4, 203.0.113.1, 10.0.0.9", 2, "203.0.113.1"),
        # Fewer entries than proxies: the chain is not what we were told, trust only the peer.
        ("10.0.0.2", "203.0.113.1", 2, "10.0.0.2"),
        ("10.0.0.2", "not-an-ip", 1, "unknown"),
        ("2001:db8:1:2:aaaa::1", None, 0, "2001:db8:1:2::/64"),
        ("10.0.0.2", "2001:db8:1:2:bbbb::9", 1, "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.7", None, 0, "198.51.100.7"),
        ("", None, 0, "unknown"),
    ],
)
def test_client_address(remote, forwarded, proxies, expected):
    environ = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        environ["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_address(environ, proxies) == expected


@pytest.mark.parametrize(
    "context",
    [
        {"http": {"sourceIp": "203.0.113.5"}},  # HTTP API (2.0)
        {"identity": {"sourceIp": "203.0.113.5"}},
    ],
)  # REST (1.0)
def test_on_lambda_the_source_ip_wins_over_a_forged_remote_addr(context):
    # apig-wsgi sets REMOTE_ADDR from the client-written X-Forwarded-For on REST events.
    environ = {
        "REMOTE_ADDR": "6.6.6.6",
        "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.5",
        "apig_wsgi.request_context": context,
    }
    assert client_address(environ, 0) == "203.0.113.5"

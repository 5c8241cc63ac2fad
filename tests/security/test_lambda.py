"""On Lambda: the limiter keys on API Gateway's sourceIp, origins are checked against FORMS_SITE_URL."""

from urllib.parse import urlencode

import pytest

from forms_lambda.handler import handler
from tests.forms.test_handler import (
    FORM,
    body_json,
    header,
    http_api_event,
    lambda_env,  # noqa: F401 (a fixture)
    rest_event,
    run_schedule,
)
from tests.security.conftest import CONTACT


def post(make_event, source_ip, headers=None):
    event = make_event("POST", "/api/contact", urlencode(CONTACT).encode(), {**FORM, **(headers or {})})
    if "http" in event["requestContext"]:
        event["requestContext"]["http"]["sourceIp"] = source_ip
    else:
        event["requestContext"]["identity"]["sourceIp"] = source_ip
    return handler(event, None)


@pytest.mark.parametrize("make_event", [http_api_event, rest_event])
def test_rate_limit_keys_on_the_source_ip(lambda_env, maildir, monkeypatch, make_event):
    monkeypatch.setenv("FORMS_RATE_LIMIT", "1/hour")  # the real clock: an hour is longer than any test
    assert post(make_event, "198.51.100.1")["statusCode"] == 200
    # A forged X-Forwarded-For does not make a new visitor: no trusted proxy is configured.
    limited = post(make_event, "198.51.100.1", {"X-Forwarded-For": "192.0.2.77"})
    assert limited["statusCode"] == 429 and 3500 <= int(header(limited, "Retry-After")) <= 3600
    assert body_json(limited)["ok"] is False
    assert post(make_event, "198.51.100.2")["statusCode"] == 200
    run_schedule()
    assert len(maildir()) == 2


@pytest.mark.parametrize("origin, status", [("https://clinic.example", 200), ("https://evil.example", 403)])
def test_origin_is_checked_against_the_site_url(lambda_env, maildir, origin, status):
    response = post(http_api_event, "198.51.100.3", {"Origin": origin})
    assert response["statusCode"] == status
    run_schedule()
    assert len(maildir()) == (1 if status == 200 else 0)

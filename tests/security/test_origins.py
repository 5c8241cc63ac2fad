"""Origin parsing and the origin policy (the app-level checks are in test_hostile_inputs)."""

import pytest

from forms_lambda.origins import OriginPolicy, origin_of, request_origin


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://Clinic.example/contact/", "https://clinic.example"),
        ("https://clinic.example:443", "https://clinic.example"),
        ("http://127.0.0.1:8000/x?y#z", "http://127.0.0.1:8000"),
        ("http://[::1]:8000/", "http://[::1]:8000"),
        ("null", None),
        ("javascript:alert(1)", None),
        ("file:///etc/passwd", None),
        ("https://clinic.example:99999/", None),
        ("https://", None),
    ],
)
def test_origin_of(url, expected):
    assert origin_of(url) == expected


@pytest.mark.parametrize(
    "headers, expected",
    [
        ({}, None),
        ({"Origin": "", "Referer": ""}, None),
        ({"Origin": "https://evil.example"}, "https://evil.example"),
        ({"Origin": "null"}, "null"),
        ({"Referer": "https://clinic.example/contact/"}, "https://clinic.example"),
        # Origin wins over Referer: a foreign page cannot hide behind a friendly Referer.
        ({"Origin": "https://evil.example", "Referer": "https://clinic.example/"}, "https://evil.example"),
    ],
)
def test_request_origin(headers, expected):
    assert request_origin(headers) == expected


def test_policy_allows_own_site_and_configured_origins_only():
    policy = OriginPolicy("https://clinic.example", ["https://www.clinic.example"])
    own = "http://127.0.0.1:5000"
    assert policy.allows(None, own)
    assert policy.allows("https://clinic.example", own)
    assert policy.allows("https://www.clinic.example", own)
    assert policy.allows(own, own)
    for foreign in ("https://evil.example", "http://clinic.example", "https://clinic.example.evil.example", "null"):
        assert not policy.allows(foreign, own)
    assert policy.cors_origin({"Origin": "https://www.clinic.example"}, own) == "https://www.clinic.example"
    assert policy.cors_origin({"Origin": "https://evil.example"}, own) is None
    assert policy.cors_origin({"Origin": "null"}, own) is None

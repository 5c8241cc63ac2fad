"""The CAPTCHA verifier against a real verify endpoint on 127.0.0.1: it passes only what it must."""
import pytest

from forms_lambda.captcha import PROVIDERS, CaptchaVerifier, make_verifier


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_a_solved_captcha_passes_and_the_secret_and_address_are_sent(captcha_server, provider):
    verifier = CaptchaVerifier(provider, "s3cret", captcha_server.url, timeout=1)
    assert verifier.verify("pass", "203.0.113.9") is True
    assert captcha_server.requests == [{"secret": "s3cret", "response": "pass", "remoteip": "203.0.113.9"}]


@pytest.mark.parametrize("token", ["wrong", "slow", "broken", "error"])
def test_anything_but_a_confirmed_success_fails_closed(captcha_server, token):
    verifier = CaptchaVerifier("turnstile", "s3cret", captcha_server.url, timeout=0.3)
    assert verifier.verify(token, "203.0.113.9") is False


@pytest.mark.parametrize("token", ["", None, "x" * 5000, ["pass"]])
def test_missing_or_absurd_tokens_are_refused_without_asking(captcha_server, token):
    verifier = CaptchaVerifier("hcaptcha", "s3cret", captcha_server.url, timeout=1)
    assert verifier.verify(token) is False
    assert captcha_server.requests == []


def test_an_unreachable_provider_fails_closed(captcha_server):
    url = captcha_server.url
    captcha_server.stop()
    assert CaptchaVerifier("turnstile", "s3cret", url, timeout=0.5).verify("pass") is False


def test_each_provider_reads_its_own_widget_field():
    assert make_verifier("off", "") is None
    assert make_verifier("turnstile", "s").field == "cf-turnstile-response"
    assert make_verifier("hcaptcha", "s").field == "h-captcha-response"
    assert make_verifier("turnstile", "s").verify_url.startswith("https://challenges.cloudflare.com/")

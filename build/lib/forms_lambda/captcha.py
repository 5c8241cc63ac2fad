"""Optional server-side CAPTCHA check: Cloudflare Turnstile or hCaptcha, chosen by FORMS_CAPTCHA.

Both providers take the same siteverify POST (secret, response, remoteip) and answer JSON with
"success". The check fails closed: if the provider cannot be reached in time, the visitor is asked
to try again (400), because letting unverified posts through would make the CAPTCHA pointless.
"""
import json
import urllib.error
import urllib.parse
import urllib.request

from .logs import log_event

PROVIDERS = {
    # provider: (verify URL, form field the widget fills in)
    "turnstile": ("https://challenges.cloudflare.com/turnstile/v0/siteverify", "cf-turnstile-response"),
    "hcaptcha": ("https://api.hcaptcha.com/siteverify", "h-captcha-response"),
}
MAX_TOKEN = 4096
ERROR = "Please complete the verification and try again."


class CaptchaVerifier:
    def __init__(self, provider, secret, verify_url="", timeout=5.0):
        default_url, self.field = PROVIDERS[provider]
        self.provider = provider
        self.secret = secret
        self.verify_url = verify_url or default_url
        self.timeout = timeout

    def verify(self, token, remote_ip=""):
        """True only when the provider confirms `token`; False on any doubt."""
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN:
            return False
        data = {"secret": self.secret, "response": token}
        if remote_ip:
            data["remoteip"] = remote_ip
        request = urllib.request.Request(self.verify_url, data=urllib.parse.urlencode(data).encode(),
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read(65536))
        except (OSError, ValueError) as e:  # URLError, HTTPError and timeouts are OSErrors
            log_event("captcha.unavailable", level=30, backend=self.provider, error_type=type(e).__name__)
            return False
        return isinstance(answer, dict) and answer.get("success") is True


def make_verifier(provider, secret, verify_url="", timeout=5.0):
    """The configured verifier, or None when FORMS_CAPTCHA is off."""
    if provider in ("", "off"):
        return None
    return CaptchaVerifier(provider, secret, verify_url, timeout)

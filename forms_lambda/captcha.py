"""The forms' spam check (FORMS_CAPTCHA=altcha): a proof of work the visitor's browser solves, all first-party.

`GET /api/challenge` hands out an ALTCHA challenge (the `altcha` package, proof of work v2, PBKDF2/SHA-256) signed
with a key derived from the service's signing keys. The theme's <altcha-widget> (the npm package, vendored into
theme/static/vendor/altcha/) solves it in Web Workers when the form is sent and puts the answer in the form's
`altcha` field; `check` verifies it here: the signature, the expiry, the work, and that the challenge was not used
before (the store keeps its signature until it expires, so one solved challenge sends one form). No request leaves
the site and nothing about the visitor is kept.

The server chooses the number the browser must find (the library's deterministic mode), so the work is known in
advance: on average 3/4 of FORMS_CAPTCHA_DIFFICULTY key derivations of COST iterations each, and checking an
answer costs the server one HMAC.
"""

import base64
import hashlib
import hmac
import json
import secrets
import time

from .logs import log_event

ALGORITHM = "PBKDF2/SHA-256"  # the worker theme/static/js/forms.js registers for the widget is PBKDF2's
COST = 100  # PBKDF2 iterations per attempt
# Long enough for a person who starts writing a long message after the page asked for a challenge (the widget
# asks when the form is sent; an expired challenge is solved again, see forms.js).
CHALLENGE_SECONDS = 3600
FIELD = "altcha"  # the form field the widget fills in
MAX_PAYLOAD = 4096  # an answer is about 700 characters

# What a browser without JavaScript (or one that could not load the widget) gets: no answer came with the form.
NEEDS_JAVASCRIPT = (
    "This form checks that a person is sending it with a small puzzle your browser solves with "
    "JavaScript, and no answer came with it. Please turn JavaScript on and send the form again, or "
    "call us at {phone}."
)
NOT_SOLVED = "The check that a person is sending this form did not pass. Please send the form again."
EXPIRED = "The check that a person is sending this form has expired. Please send the form again."


class Altcha:
    def __init__(self, keys, store, difficulty, phone):
        """keys: SigningKeys (the signing key last); store: where used challenges are recorded."""
        self.keys, self.store, self.difficulty, self.phone = keys, store, difficulty, phone

    @staticmethod
    def _secrets(key):
        """(challenge secret, derived-key secret) for one signing key: its own purposes, never the key itself."""
        derive = lambda purpose: hmac.new(key.encode(), purpose, hashlib.sha256).hexdigest()  # noqa: E731
        return derive(b"forms-lambda.altcha-challenge"), derive(b"forms-lambda.altcha-key")

    def challenge(self):
        """A new challenge, as the widget reads it (JSON)."""
        import altcha  # here and in _verify(): only a service with the spam check on loads it (cold starts)

        challenge_secret, key_secret = self._secrets(self.keys.keys[-1])
        half = self.difficulty // 2
        challenge = altcha.create_challenge(
            ALGORITHM,
            COST,
            counter=half + secrets.randbelow(self.difficulty - half),
            expires_at=int(time.time()) + CHALLENGE_SECONDS,
            hmac_secret=challenge_secret,
            hmac_key_secret=key_secret,
        )
        return challenge.to_dict()

    def check(self, payload):
        """None when `payload` answers a challenge of ours, unexpired and unused (it is then used); else the
        message for the visitor."""
        if not isinstance(payload, str) or not payload.strip():
            return self._refuse("missing", NEEDS_JAVASCRIPT.format(phone=self.phone))
        if len(payload) > MAX_PAYLOAD:
            return self._refuse("invalid", NOT_SOLVED)
        try:
            result = self._verify(payload)
        except Exception:
            return self._refuse("invalid", NOT_SOLVED)
        if result.invalid_signature and self.keys.refresh():  # a key rotation this copy has not seen yet
            result = self._verify(payload)
        if result.expired:
            return self._refuse("expired", EXPIRED)
        if not result.verified:
            return self._refuse("invalid", NOT_SOLVED)
        challenge = json.loads(base64.b64decode(payload))["challenge"]
        if not self.store.use_once(f"altcha#{challenge['signature']}", challenge["parameters"]["expiresAt"]):
            return self._refuse("replayed", NOT_SOLVED)
        return None

    def _verify(self, payload):
        """altcha's verdict with the newest key whose signature matches (an older key still listed checks what was
        handed out before a rotation)."""
        import altcha

        for key in reversed(self.keys.keys):
            challenge_secret, key_secret = self._secrets(key)
            result = altcha.verify_solution(payload, challenge_secret, hmac_key_secret=key_secret)
            if not result.invalid_signature:
                return result
        return result

    @staticmethod
    def _refuse(reason, message):
        log_event("captcha.refused", reason=reason, status=400)
        return message


def make_captcha(settings, keys, store):
    """The configured check, or None when FORMS_CAPTCHA is off."""
    if settings.captcha != "altcha":
        return None
    return Altcha(keys, store, settings.captcha_difficulty, settings.clinic_phone)

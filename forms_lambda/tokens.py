"""Signed tokens for links in emails.

They carry only opaque ids (the subscriber's, and in a confirm link the opt-in's): a signed payload is
merely base64, and links end up in proxy and CDN logs. Each purpose has its own salt, so one kind of token can
never be replayed as another. Tokens are signed with the newest key and accepted with any
key still listed (forms_lambda/signing_keys.py: a key rotation breaks no link).
"""

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from .signing_keys import SigningKeys

CONFIRM_SALT = "forms-lambda.subscribe-confirm"
UNSUBSCRIBE_SALT = "forms-lambda.unsubscribe"


class InvalidToken(Exception):
    """The token was tampered with, made for another purpose, or malformed."""


class ExpiredToken(InvalidToken):
    """The token was genuine but is older than its allowed age."""


class Tokens:
    def __init__(self, keys, confirm_max_age):
        """keys: SigningKeys, or one key (text)."""
        self.keys = keys if isinstance(keys, SigningKeys) else SigningKeys(keys)
        self.confirm_max_age = confirm_max_age

    # Built per use: the keys may change under a warm Lambda (SigningKeys.refresh).
    def _confirm(self):
        return URLSafeTimedSerializer(self.keys.keys, salt=CONFIRM_SALT)

    def _unsubscribe(self):
        # Unsubscribe links must work forever (old emails stay in inboxes): no timestamp.
        return URLSafeSerializer(self.keys.keys, salt=UNSUBSCRIBE_SALT)

    def confirm_token(self, subscriber_id, opt_in_id):
        """A confirm link is good for one opt-in only: after an unsubscribe and a new opt-in (perhaps a
        stranger's), an old confirmation email cannot confirm the new one."""
        return self._confirm().dumps([subscriber_id, opt_in_id])

    def read_confirm_token(self, token):
        """(subscriber id, opt-in id)."""
        return self._read(lambda: self._confirm().loads(token, max_age=self.confirm_max_age), _confirm_ids)

    def unsubscribe_token(self, subscriber_id):
        return self._unsubscribe().dumps(subscriber_id)

    def read_unsubscribe_token(self, token):
        return self._read(lambda: self._unsubscribe().loads(token))

    def _read(self, load, ids=None):
        """load()'s subscriber id (or what `ids` makes of it); a bad signature is tried once more if the keys
        changed (a rotation)."""
        ids = ids or _subscriber_id
        while True:
            try:
                return ids(load())
            except SignatureExpired:
                raise ExpiredToken() from None
            except BadSignature:
                if not self.keys.refresh():
                    raise InvalidToken() from None


def _subscriber_id(value):
    if not isinstance(value, str) or not value:
        raise InvalidToken()
    return value


def _confirm_ids(value):
    if not isinstance(value, list) or len(value) != 2 or not isinstance(value[1], str):
        raise InvalidToken()
    return _subscriber_id(value[0]), value[1]

"""Signed tokens for links in emails.

They carry only the opaque subscriber id: a signed payload is merely base64, and links
end up in proxy and CDN logs. Each purpose has its own salt, so one kind of token can
never be replayed as another.
"""
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

CONFIRM_SALT = "forms-lambda.subscribe-confirm"
UNSUBSCRIBE_SALT = "forms-lambda.unsubscribe"


class InvalidToken(Exception):
    """The token was tampered with, made for another purpose, or malformed."""


class ExpiredToken(InvalidToken):
    """The token was genuine but is older than its allowed age."""


class Tokens:
    def __init__(self, secret_key, confirm_max_age):
        self.confirm_max_age = confirm_max_age
        self._confirm = URLSafeTimedSerializer(secret_key, salt=CONFIRM_SALT)
        # Unsubscribe links must work forever (old emails stay in inboxes): no timestamp.
        self._unsubscribe = URLSafeSerializer(secret_key, salt=UNSUBSCRIBE_SALT)

    def confirm_token(self, subscriber_id):
        return self._confirm.dumps(subscriber_id)

    def read_confirm_token(self, token):
        try:
            value = self._confirm.loads(token, max_age=self.confirm_max_age)
        except SignatureExpired:
            raise ExpiredToken() from None
        except BadSignature:
            raise InvalidToken() from None
        return _subscriber_id(value)

    def unsubscribe_token(self, subscriber_id):
        return self._unsubscribe.dumps(subscriber_id)

    def read_unsubscribe_token(self, token):
        try:
            value = self._unsubscribe.loads(token)
        except BadSignature:
            raise InvalidToken() from None
        return _subscriber_id(value)


def _subscriber_id(value):
    if not isinstance(value, str) or not value:
        raise InvalidToken()
    return value

"""The keys that sign the tokens in emails: FORMS_SECRET_KEY locally, a Secrets Manager secret on AWS.

On AWS the function's environment holds only the secret's ARN (FORMS_SECRET_ARN): the keys are read from Secrets
Manager at cold start, so `lambda:GetFunctionConfiguration` shows no key. The secret is JSON:

    {"key": "<signs new tokens>", "previous": ["<older key, still accepted>", ...]}

A rotation (`python -m deploy.stack rotate-key`) writes a new "key" and moves the old one to "previous", in one
step that breaks no link: unsubscribe links in emails already sent keep working (they never expire), a running
copy of the function that still signs with the old key signs tokens every other copy accepts, and a copy that
meets a token signed with a key it does not know yet reads the secret again (at most once a minute) before it
says the token is invalid.
"""

import json
import logging
import threading
import time

from .config import ConfigError
from .logs import log_event

REFRESH_INTERVAL_SECONDS = 60
MIN_KEY_LENGTH = 16


class SigningKeys:
    """The keys tokens are checked with, oldest first, the signing key last (itsdangerous's order)."""

    def __init__(self, keys, load=None, clock=time.monotonic):
        self.keys = [keys] if isinstance(keys, str) else list(keys)
        self._load, self._clock = load, clock
        self._loaded_at = clock()
        self._lock = threading.Lock()

    def refresh(self):
        """Read the keys again, in case a rotation added one; True when they changed.

        At most once per REFRESH_INTERVAL_SECONDS, so a flood of forged tokens costs at most one read a minute.
        """
        if self._load is None:
            return False
        with self._lock:
            if self._clock() - self._loaded_at < REFRESH_INTERVAL_SECONDS:
                return False
            self._loaded_at = self._clock()
            try:
                keys = self._load()
            except Exception as e:  # keep the keys we have: the next refresh may reach Secrets Manager
                log_event("signing_keys.refresh_failed", level=logging.WARNING, error=type(e).__name__)
                return False
            changed, self.keys = keys != self.keys, keys
        if changed:
            log_event("signing_keys.refreshed", count=len(keys))
        return changed


def parse_secret(text):
    """The keys of a secret's JSON text, oldest first; ValueError (never quoting the secret) when malformed."""
    try:
        value = json.loads(text)
    except ValueError:
        raise ValueError("the secret is not JSON") from None
    if not isinstance(value, dict):
        raise ValueError('the secret is not a JSON object with a "key"')
    key, previous = value.get("key"), value.get("previous", [])
    if not isinstance(previous, list):
        raise ValueError('"previous" in the secret is not a list of keys')
    keys = [*reversed(previous), key]
    if not all(isinstance(k, str) and len(k) >= MIN_KEY_LENGTH for k in keys):
        raise ValueError(
            f'every key in the secret ("key" and "previous") must be at least {MIN_KEY_LENGTH} characters of text'
        )
    return keys


def from_secret(arn, client=None, setting="FORMS_SECRET_ARN"):
    """SigningKeys read from the Secrets Manager secret `arn` now (cold start) and again on refresh(); a
    ConfigError names `setting` when it cannot be read. (The CloudFront origin secret has the same shape.)"""
    if client is None:
        import boto3  # only where the keys live in AWS

        client = boto3.client("secretsmanager")

    def load():
        return parse_secret(client.get_secret_value(SecretId=arn)["SecretString"])

    try:
        return SigningKeys(load(), load)
    except Exception as e:  # AWS's errors (AccessDenied, not found) and parse_secret's never quote the secret
        raise ConfigError(f"{setting}: cannot read the keys from {arn}: {e or type(e).__name__}") from None

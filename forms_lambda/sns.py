"""Verifying Amazon SNS messages (how SES bounce and complaint events reach us).

Anyone can POST to /api/ses-events, so a message is trusted only when it comes from one of our own topics
(FORMS_SNS_TOPIC_ARNS; none configured means none is trusted: any AWS account's messages carry a valid SNS
signature), is less than an hour old, and its signature checks out against a certificate that SNS itself serves:
https, from sns.<region>.amazonaws.com for a real region, the topic's. The cheap checks come first: a certificate
is fetched only for a message that passed all of them.
See https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
"""

import base64
import datetime
import re
import threading
import urllib.parse
import urllib.request

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

# An AWS region: us-east-1, eu-central-2, ap-southeast-4, us-gov-west-1, us-isob-east-1, cn-north-1, ...
REGION = r"[a-z]{2}(?:-gov|-iso[a-z]?)?-(?:north|south|east|west|central|(?:north|south)(?:east|west))-\d{1,2}"
SNS_HOST = re.compile(rf"sns\.(?P<region>{REGION})\.amazonaws\.com(?P<cn>\.cn)?")
TOPIC_ARN = re.compile(rf"arn:aws[a-z-]*:sns:(?P<region>{REGION}):\d{{12}}:[A-Za-z0-9_-]{{1,256}}")
# A message older than this is refused (a replay); one dated further ahead than SKEW, too.
MAX_AGE = datetime.timedelta(hours=1)
SKEW = datetime.timedelta(minutes=5)

# The fields that are signed, in the order AWS concatenates them.
SIGNED_FIELDS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
    "UnsubscribeConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
}
HASHES = {"1": hashes.SHA1, "2": hashes.SHA256}
MAX_CACHED_CERTIFICATES = 32


class InvalidSnsMessage(Exception):
    """The message is not a genuine SNS message (answer 403)."""


def fetch_url(url):
    """Default fetcher: the certificate (or SubscribeURL) over https, with a short timeout."""
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read()


def sns_region(url):
    """The region of an https URL on an SNS endpoint (the only place certificates and SubscribeURLs may point
    to), else None."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except (ValueError, TypeError, AttributeError):
        return None
    host = SNS_HOST.fullmatch(parts.hostname or "")
    if (
        parts.scheme != "https"
        or parts.username
        or parts.password
        or port not in (None, 443)
        or host is None
        or bool(host["cn"]) != host["region"].startswith("cn-")
    ):
        return None
    return host["region"]


def is_sns_url(url):
    return sns_region(url) is not None


def timestamp(message):
    """The message's Timestamp (ISO 8601, UTC), or InvalidSnsMessage."""
    try:
        value = datetime.datetime.fromisoformat(str(message.get("Timestamp", "")).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidSnsMessage("Timestamp is not a time") from None
    if value.tzinfo is None:
        raise InvalidSnsMessage("Timestamp has no time zone")
    return value


def canonical_string(message):
    """The bytes SNS signed: each signed field present, as 'Name\\nvalue\\n'."""
    fields = SIGNED_FIELDS.get(message.get("Type"))
    if fields is None:
        raise InvalidSnsMessage("unknown message type")
    lines = []
    for name in fields:
        if name in message:
            if not isinstance(message[name], str):
                raise InvalidSnsMessage(f"{name} is not a string")
            lines.append(f"{name}\n{message[name]}\n")
        elif name != "Subject":
            raise InvalidSnsMessage(f"missing {name}")
    return "".join(lines).encode("utf-8")


class SnsVerifier:
    """Checks SNS signatures; keeps the fetched certificates so a warm Lambda fetches each once.

    `fetch(url) -> bytes` is injectable so tests can serve their own certificate from 127.0.0.1.
    """

    def __init__(self, fetch=fetch_url, topic_arns=(), clock=None):
        self.fetch = fetch
        self.topic_arns = set(topic_arns)
        self.clock = clock or (lambda: datetime.datetime.now(datetime.UTC))
        self._certificates = {}
        self._lock = threading.Lock()

    def verify(self, message):
        """Return the message when genuine, else raise InvalidSnsMessage."""
        if not isinstance(message, dict):
            raise InvalidSnsMessage("not a JSON object")
        if message.get("TopicArn") not in self.topic_arns:  # none configured: none allowed
            raise InvalidSnsMessage("topic not allowed")
        topic = TOPIC_ARN.fullmatch(message["TopicArn"])
        if topic is None or topic["region"] != sns_region(message.get("SigningCertURL")):
            raise InvalidSnsMessage("certificate URL is not an SNS https URL of the topic's region")
        age = self.clock() - timestamp(message)
        if not -SKEW <= age <= MAX_AGE:
            raise InvalidSnsMessage("Timestamp too old or in the future")
        algorithm = HASHES.get(message.get("SignatureVersion"))
        if algorithm is None:
            raise InvalidSnsMessage("unknown signature version")
        data = canonical_string(message)
        try:
            signature = base64.b64decode(message.get("Signature") or "", validate=True)
        except (ValueError, TypeError) as e:
            raise InvalidSnsMessage("signature is not base64") from e
        certificate = self.certificate(message.get("SigningCertURL"))
        try:
            certificate.public_key().verify(signature, data, padding.PKCS1v15(), algorithm())
        except (InvalidSignature, TypeError, ValueError) as e:
            raise InvalidSnsMessage("bad signature") from e
        return message

    def certificate(self, url):
        if not isinstance(url, str) or not is_sns_url(url) or not urllib.parse.urlsplit(url).path.endswith(".pem"):
            raise InvalidSnsMessage("certificate URL is not an SNS https URL")
        with self._lock:
            certificate = self._certificates.get(url)
        if certificate is None:
            try:
                certificate = x509.load_pem_x509_certificate(self.fetch(url))
            except Exception as e:  # network errors, bad PEM: either way the message cannot be trusted
                raise InvalidSnsMessage("certificate unavailable") from e
            with self._lock:
                if len(self._certificates) >= MAX_CACHED_CERTIFICATES:
                    self._certificates.clear()
                self._certificates[url] = certificate
        now = self.clock()
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            raise InvalidSnsMessage("certificate expired")
        return certificate

    def confirm_subscription(self, message):
        """Visit the SubscribeURL of a verified SubscriptionConfirmation, so SNS starts delivering."""
        url = message.get("SubscribeURL")
        if not is_sns_url(url):
            raise InvalidSnsMessage("SubscribeURL is not an SNS https URL")
        self.fetch(url)

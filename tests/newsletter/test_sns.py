"""SNS signature verification against a certificate served from 127.0.0.1 through the injectable fetcher."""

import pytest

from forms_lambda.sns import InvalidSnsMessage, SnsVerifier, is_sns_url

EVENT = {"notificationType": "Bounce", "bounce": {"bounceType": "Permanent"}}


def verifier_of(sns_endpoint, **options):
    """A verifier that trusts the endpoint's topic (none is trusted unless configured)."""
    return SnsVerifier(sns_endpoint.fetch, **{"topic_arns": [sns_endpoint.topic_arn], **options})


@pytest.mark.parametrize("version", ["1", "2"])
def test_genuine_notification_is_accepted(sns_endpoint, version):
    message = sns_endpoint.notification(EVENT, version)
    assert verifier_of(sns_endpoint).verify(message) is message


def test_subscription_confirmation_is_accepted_and_visits_subscribe_url(sns_endpoint):
    verifier = verifier_of(sns_endpoint)
    message = verifier.verify(sns_endpoint.subscription_confirmation())
    verifier.confirm_subscription(message)
    assert sns_endpoint.fetched[-1] == message["SubscribeURL"]


def test_certificate_is_fetched_once_and_cached(sns_endpoint):
    verifier = verifier_of(sns_endpoint)
    before = len(sns_endpoint.fetched)
    for _ in range(3):
        verifier.verify(sns_endpoint.notification(EVENT))
    assert sns_endpoint.fetched[before:] == [sns_endpoint.cert_url]


def test_tampered_message_is_rejected(sns_endpoint):
    message = sns_endpoint.notification(EVENT)
    message["Message"] = message["Message"].replace("Bounce", "Complaint")
    with pytest.raises(InvalidSnsMessage, match="bad signature"):
        verifier_of(sns_endpoint).verify(message)


def test_signature_by_another_key_is_rejected(sns_endpoint):
    other_key, _ = sns_endpoint.make_certificate()
    message = sns_endpoint.notification({}, key=other_key)
    with pytest.raises(InvalidSnsMessage, match="bad signature"):
        verifier_of(sns_endpoint).verify(message)


@pytest.mark.parametrize(
    "url",
    [
        "https://attacker.example.com/cert.pem",
        "http://sns.us-east-1.amazonaws.com/cert.pem",
        "https://sns.us-east-1.amazonaws.com.evil.com/cert.pem",
        "https://evil.com/sns.us-east-1.amazonaws.com/cert.pem",
        "https://sns.us-east-1.amazonaws.com:8443/cert.pem",
        "https://user@sns.us-east-1.amazonaws.com/cert.pem",
        "https://127.0.0.1/cert.pem",
        # Only sns.<a real region>.amazonaws.com, the topic's region, and a .pem.
        "https://sns.s3.amazonaws.com/cert.pem",
        "https://sns.x.amazonaws.com/cert.pem",
        "https://sns.us-east.amazonaws.com/cert.pem",
        "https://sns.us-east-1-evil.amazonaws.com/cert.pem",
        "https://sns.evil-east-1.amazonaws.com/cert.pem",
        "https://sns.us-east-1.amazonaws.com.cn/cert.pem",  # .cn only for China's regions
        "https://sns.us-west-2.amazonaws.com/cert.pem",  # a real region, but not the topic's
        "https://sns.us-east-1.amazonaws.com/cert.txt",
        "https://sns.us-east-1.amazonaws.com/",
    ],
)
def test_foreign_certificate_host_is_rejected_without_fetching(sns_endpoint, url):
    message = sns_endpoint.notification({}, cert_url=url)
    before = len(sns_endpoint.fetched)
    with pytest.raises(InvalidSnsMessage, match="certificate URL"):
        verifier_of(sns_endpoint).verify(message)
    assert len(sns_endpoint.fetched) == before


def test_sns_url_accepts_china_regions():
    assert is_sns_url("https://sns.cn-north-1.amazonaws.com.cn/x.pem")
    assert not is_sns_url("https://sns.us-east-1.amazonaws.co/x.pem")
    assert not is_sns_url(None)


@pytest.mark.parametrize(
    "change",
    [
        {"SignatureVersion": "3"},
        {"Type": "Other"},
        {"Signature": "not base64!"},
        {"MessageId": None},
    ],
)
def test_malformed_messages_are_rejected(sns_endpoint, change):
    message = {**sns_endpoint.notification(EVENT), **change}
    with pytest.raises(InvalidSnsMessage):
        verifier_of(sns_endpoint).verify(message)


def test_subscribe_url_must_point_at_sns(sns_endpoint):
    verifier = verifier_of(sns_endpoint)
    with pytest.raises(InvalidSnsMessage):
        verifier.confirm_subscription({"SubscribeURL": "https://127.0.0.1/confirm"})


def test_topic_allow_list(sns_endpoint):
    message = sns_endpoint.notification(EVENT)
    SnsVerifier(sns_endpoint.fetch, topic_arns=[sns_endpoint.topic_arn]).verify(message)
    with pytest.raises(InvalidSnsMessage, match="topic"):
        SnsVerifier(sns_endpoint.fetch, topic_arns=["arn:aws:sns:us-east-1:1:other"]).verify(message)


# Fail closed, and cheap checks first: none of these fetches a certificate.
def test_no_topic_configured_trusts_no_message(sns_endpoint):
    before = len(sns_endpoint.fetched)
    for message in (sns_endpoint.notification(EVENT), sns_endpoint.subscription_confirmation()):
        with pytest.raises(InvalidSnsMessage, match="topic"):
            SnsVerifier(sns_endpoint.fetch).verify(message)
    assert len(sns_endpoint.fetched) == before


@pytest.mark.parametrize(
    "seconds_ago, accepted",
    [
        (0, True),
        (59 * 60, True),
        (-4 * 60, True),  # a clock a little ahead of SNS's
        (61 * 60, False),
        (2 * 3600, False),
        (30 * 86400, False),
        (-10 * 60, False),
        (-365 * 86400, False),
    ],
)
def test_only_messages_of_the_last_hour_are_trusted(sns_endpoint, seconds_ago, accepted):
    message = sns_endpoint.notification(EVENT, Timestamp=sns_endpoint.timestamp(seconds_ago))
    verifier = verifier_of(sns_endpoint)
    verifier.verify(sns_endpoint.notification(EVENT))  # its certificate is cached: count the fetches after
    before = len(sns_endpoint.fetched)
    if accepted:
        assert verifier.verify(message) is message
    else:
        with pytest.raises(InvalidSnsMessage, match="Timestamp"):
            verifier.verify(message)
    assert len(sns_endpoint.fetched) == before


@pytest.mark.parametrize("timestamp", ["", "yesterday", "2026-11-28T10:00:00", "2026-13-45T99:00:00Z", None, 17])
def test_a_missing_or_unreadable_timestamp_is_refused(sns_endpoint, timestamp):
    message = {**sns_endpoint.notification(EVENT), "Timestamp": timestamp}
    if timestamp is None:
        del message["Timestamp"]
    before = len(sns_endpoint.fetched)
    with pytest.raises(InvalidSnsMessage):
        verifier_of(sns_endpoint).verify(message)
    assert len(sns_endpoint.fetched) == before


@pytest.mark.parametrize(
    "host",
    [
        "sns.us-east-1.amazonaws.com",
        "sns.eu-central-2.amazonaws.com",
        "sns.ap-southeast-4.amazonaws.com",
        "sns.us-gov-west-1.amazonaws.com",
        "sns.cn-northwest-1.amazonaws.com.cn",
        "sns.il-central-1.amazonaws.com",
    ],
)
def test_real_regions_are_sns_hosts(host):
    assert is_sns_url(f"https://{host}/SimpleNotificationService-abc.pem")

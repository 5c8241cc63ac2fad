"""SNS signature verification against a certificate served from 127.0.0.1 through the injectable fetcher."""
import pytest

from forms_lambda.sns import InvalidSnsMessage, SnsVerifier, is_sns_url


EVENT = {"notificationType": "Bounce", "bounce": {"bounceType": "Permanent"}}


@pytest.mark.parametrize("version", ["1", "2"])
def test_genuine_notification_is_accepted(sns_endpoint, version):
    message = sns_endpoint.notification(EVENT, version)
    assert SnsVerifier(sns_endpoint.fetch).verify(message) is message


def test_subscription_confirmation_is_accepted_and_visits_subscribe_url(sns_endpoint):
    verifier = SnsVerifier(sns_endpoint.fetch)
    message = verifier.verify(sns_endpoint.subscription_confirmation())
    verifier.confirm_subscription(message)
    assert sns_endpoint.fetched[-1] == message["SubscribeURL"]


def test_certificate_is_fetched_once_and_cached(sns_endpoint):
    verifier = SnsVerifier(sns_endpoint.fetch)
    before = len(sns_endpoint.fetched)
    for _ in range(3):
        verifier.verify(sns_endpoint.notification(EVENT))
    assert sns_endpoint.fetched[before:] == [sns_endpoint.cert_url]


def test_tampered_message_is_rejected(sns_endpoint):
    message = sns_endpoint.notification(EVENT)
    message["Message"] = message["Message"].replace("Bounce", "Complaint")
    with pytest.raises(InvalidSnsMessage, match="bad signature"):
        SnsVerifier(sns_endpoint.fetch).verify(message)


def test_signature_by_another_key_is_rejected(sns_endpoint):
    other_key, _ = sns_endpoint.make_certificate()
    message = sns_endpoint.sign({"Type": "Notification", "MessageId": "x", "TopicArn": sns_endpoint.topic_arn,
                                 "Message": "{}", "Timestamp": "2026-11-28T10:00:00.000Z"}, key=other_key)
    with pytest.raises(InvalidSnsMessage, match="bad signature"):
        SnsVerifier(sns_endpoint.fetch).verify(message)


@pytest.mark.parametrize("url", [
    "https://attacker.example.com/cert.pem",
    "http://sns.us-east-1.amazonaws.com/cert.pem",
    "https://sns.us-east-1.amazonaws.com.evil.com/cert.pem",
    "https://evil.com/sns.us-east-1.amazonaws.com/cert.pem",
    "https://sns.us-east-1.amazonaws.com:8443/cert.pem",
    "https://user@sns.us-east-1.amazonaws.com/cert.pem",
    "https://127.0.0.1/cert.pem",
])
def test_foreign_certificate_host_is_rejected_without_fetching(sns_endpoint, url):
    message = sns_endpoint.sign({"Type": "Notification", "MessageId": "x", "TopicArn": sns_endpoint.topic_arn,
                                 "Message": "{}", "Timestamp": "2026-11-28T10:00:00.000Z"}, cert_url=url)
    before = len(sns_endpoint.fetched)
    with pytest.raises(InvalidSnsMessage, match="certificate URL"):
        SnsVerifier(sns_endpoint.fetch).verify(message)
    assert len(sns_endpoint.fetched) == before


def test_sns_url_accepts_china_regions():
    assert is_sns_url("https://sns.cn-north-1.amazonaws.com.cn/x.pem")
    assert not is_sns_url("https://sns.us-east-1.amazonaws.co/x.pem")
    assert not is_sns_url(None)


@pytest.mark.parametrize("change", [
    {"SignatureVersion": "3"}, {"Type": "Other"}, {"Signature": "not base64!"}, {"MessageId": None},
])
def test_malformed_messages_are_rejected(sns_endpoint, change):
    message = {**sns_endpoint.notification(EVENT), **change}
    with pytest.raises(InvalidSnsMessage):
        SnsVerifier(sns_endpoint.fetch).verify(message)


def test_subscribe_url_must_point_at_sns(sns_endpoint):
    verifier = SnsVerifier(sns_endpoint.fetch)
    with pytest.raises(InvalidSnsMessage):
        verifier.confirm_subscription({"SubscribeURL": "https://127.0.0.1/confirm"})


def test_topic_allow_list(sns_endpoint):
    message = sns_endpoint.notification(EVENT)
    SnsVerifier(sns_endpoint.fetch, topic_arns=[sns_endpoint.topic_arn]).verify(message)
    with pytest.raises(InvalidSnsMessage, match="topic"):
        SnsVerifier(sns_endpoint.fetch, topic_arns=["arn:aws:sns:us-east-1:1:other"]).verify(message)

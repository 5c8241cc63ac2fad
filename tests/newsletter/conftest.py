"""Fixtures for the newsletter tests: an SNS signer with its own key and certificate, served from 127.0.0.1."""

import base64
import datetime
import http.server
import threading
import urllib.parse
import urllib.request

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from forms_lambda.sns import canonical_string

CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:ses-events"


def make_certificate(common_name="sns.amazonaws.com"):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.PEM)


class FakeSnsEndpoint:
    """A real HTTP server on 127.0.0.1 standing in for sns.<region>.amazonaws.com.

    `fetch` is the injectable fetcher: it rewrites the https SNS URL to this server and records what was fetched.
    """

    def __init__(self):
        self.key, self.pem = make_certificate()
        self.fetched = []
        self.cert_url, self.topic_arn = CERT_URL, TOPIC_ARN
        self.make_certificate = make_certificate
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = (
                    endpoint.pem
                    if urllib.parse.urlsplit(self.path).path.endswith(".pem")
                    else b"<ConfirmSubscriptionResponse/>"
                )
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def fetch(self, url):
        self.fetched.append(url)
        parts = urllib.parse.urlsplit(url)
        local = urllib.parse.urlunsplit(("http", f"127.0.0.1:{self.server.server_port}", parts.path, parts.query, ""))
        with urllib.request.urlopen(local, timeout=5) as r:
            return r.read()

    def sign(self, message, version="2", key=None, cert_url=CERT_URL):
        message = {**message, "SignatureVersion": version, "SigningCertURL": cert_url}
        algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()
        signature = (key or self.key).sign(canonical_string(message), padding.PKCS1v15(), algorithm)
        return {**message, "Signature": base64.b64encode(signature).decode()}

    @staticmethod
    def timestamp(seconds_ago=0):
        """A Timestamp as SNS writes them: now, or `seconds_ago`."""
        when = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=seconds_ago)
        return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def notification(self, event, version="2", key=None, cert_url=CERT_URL, **fields):
        import json

        return self.sign(
            {
                "Type": "Notification",
                "MessageId": "a1b2",
                "TopicArn": TOPIC_ARN,
                "Message": json.dumps(event),
                "Timestamp": self.timestamp(),
                **fields,
            },
            version,
            key,
            cert_url,
        )

    def subscription_confirmation(self):
        return self.sign(
            {
                "Type": "SubscriptionConfirmation",
                "MessageId": "c3d4",
                "Token": "tok123",
                "TopicArn": TOPIC_ARN,
                "Message": "You have chosen to subscribe...",
                "SubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription"
                "&TopicArn=" + TOPIC_ARN + "&Token=tok123",
                "Timestamp": self.timestamp(),
            }
        )

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def sns_endpoint():
    endpoint = FakeSnsEndpoint()
    yield endpoint
    endpoint.close()


def write_feed(site_dir, articles, site_url=""):
    """Write output/feeds/all.atom.xml as Pelican does (feedgenerator's Atom1Feed, links joined to SITEURL).

    articles: (slug, title, summary_html, iso date) tuples.
    """
    from pathlib import Path

    from feedgenerator import Atom1Feed, get_tag_uri

    feed = Atom1Feed(title="Clinic", link=site_url + "/", feed_url=f"{site_url}/feeds/all.atom.xml", description="")
    for slug, title, summary, date in articles:
        link = urllib.parse.urljoin(site_url + "/", f"blog/{slug}/")
        when = datetime.datetime.fromisoformat(date)
        feed.add_item(
            title=title,
            link=link,
            unique_id=get_tag_uri(link, when),
            description=summary,
            content=f"<p>Full text of {title}</p>",
            pubdate=when,
        )
    path = Path(site_dir) / "feeds" / "all.atom.xml"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        feed.write(f, "utf-8")
    return path


@pytest.fixture
def feed_writer():
    return write_feed

"""SesMailer: Amazon SES v2 SendEmail with raw MIME, so that every header is ours."""

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from .base import MailerError, message_bytes


class SesMailer:
    name = "ses"

    def __init__(self, client=None, configuration_set=None):
        self._client = client
        self.configuration_set = configuration_set

    @property
    def client(self):
        # Created on first send: a client costs ~270 ms, which a health check should not pay.
        if self._client is None:
            self._client = boto3.client("sesv2")
        return self._client

    def send(self, msg):
        recipients = [a.addr_spec for h in ("To", "Cc") for a in getattr(msg.get(h), "addresses", ())]
        kwargs = {"ConfigurationSetName": self.configuration_set} if self.configuration_set else {}
        try:
            self.client.send_email(
                FromEmailAddress=msg["From"].addresses[0].addr_spec,
                Destination={"ToAddresses": recipients},
                Content={"Raw": {"Data": message_bytes(msg)}},
                **kwargs,
            )
        except ClientError as e:
            raise MailerError(f"SES: {e.response['Error'].get('Code', 'error')}") from e
        except BotoCoreError as e:
            raise MailerError(f"SES: {type(e).__name__}") from e

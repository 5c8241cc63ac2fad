"""Each Mailer delivers a whole EmailMessage, every header ours, or raises MailerError."""

import boto3
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from forms_lambda.emails import POLICY
from forms_lambda.mailers import MailerError, make_mailer
from forms_lambda.mailers.maildir import MaildirMailer
from forms_lambda.mailers.ses import SesMailer
from localhost import free_port
from tests.support.forms import ses_messages, text_body
from tests.support.servers import RecordingHandler


def message(sender="Clinic <no-reply@clinic.example>"):
    from email.message import EmailMessage

    msg = EmailMessage(policy=POLICY)
    msg["From"] = sender
    msg["To"] = "frontdesk@clinic.example"
    msg["Reply-To"] = "Ann <ann@example.com>"
    msg["Subject"] = "Hello"
    msg["Message-ID"] = "<abc123@clinic.example>"
    msg.set_content("Body text")
    msg.add_alternative("<p>Body text</p>", subtype="html")
    return msg


def test_ses_sends_raw_mime_with_our_headers(moto_server):
    boto3.client("sesv2").create_email_identity(EmailIdentity="clinic.example")
    make_mailer("ses").send(message())
    [sent] = ses_messages(moto_server)
    assert sent["Reply-To"] == "Ann <ann@example.com>"
    assert sent["Message-ID"] == "<abc123@clinic.example>"
    assert text_body(sent).strip() == "Body text"


def test_ses_refusal_is_a_mailer_error(moto_server):
    with pytest.raises(MailerError, match="SES"):
        SesMailer().send(message(sender="Clinic <no-reply@unverified.example>"))


def test_smtp_with_auth():
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"p@ss word", handled=False)

    handler = RecordingHandler()
    port = free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, authenticator=authenticator, auth_require_tls=False
    )
    controller.start()
    try:
        make_mailer(f"smtp://forms:p%40ss%20word@127.0.0.1:{port}").send(message())
        with pytest.raises(MailerError):
            make_mailer(f"smtp://forms:wrong@127.0.0.1:{port}").send(message())
    finally:
        controller.stop()
    assert logins[0] == (b"forms", b"p@ss word")
    [msg] = handler.messages
    assert msg["Message-ID"] == "<abc123@clinic.example>"


def test_smtp_url_options():
    assert make_mailer("smtps://mail.example").port == 465
    mailer = make_mailer("smtp://mail.example?starttls=1")
    assert (mailer.port, mailer.starttls, mailer.ssl) == (587, True, False)


def test_unreachable_smtp_is_a_mailer_error():
    with pytest.raises(MailerError, match="SMTP"):
        make_mailer(f"smtp://127.0.0.1:{free_port()}").send(message())


def test_maildir_is_readable_by_mail_clients(tmp_path, maildir):
    MaildirMailer(tmp_path / "mail").send(message())
    assert (tmp_path / "mail" / "new").is_dir() and (tmp_path / "mail" / "cur").is_dir()
    [msg] = maildir()
    assert msg["Reply-To"] == "Ann <ann@example.com>"


def test_unwritable_maildir_is_a_mailer_error(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(MailerError):
        MaildirMailer(tmp_path / "file").send(message())


def test_maildir_writes_the_bytes_checked_read_back(tmp_path):
    """An email the service built is written as the bytes emails.checked() read back and compared, not
    serialised a second time (a third of what building it costs), for each kind of email."""
    from tests.emails import samples

    for build in (samples.contact, samples.confirmation, samples.welcome):
        msg = build()
        checked = msg.as_bytes()

        def written_again(*args, **kwargs):
            raise AssertionError("the email was serialised again")

        msg.as_bytes = written_again
        MaildirMailer(tmp_path / build.__name__).send(msg)
        [written] = (tmp_path / build.__name__ / "new").iterdir()
        assert written.read_bytes() == checked

"""Validation of the two public forms: ContactForm and SubscribeForm.

Every field is bounded; anything that can reach a mail header (name, email, page) refuses
line breaks, so no visitor can add headers to our emails.
"""

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email

from .origins import same_site_path

LIMITS = {"name": 100, "email": 254, "phone": 32, "message": 5000, "page": 300, "website": 200, "elapsed_ms": 16}
# Longer than any visit: a larger "time the page was open" is not a measurement (a day in milliseconds).
MAX_ELAPSED_MS = 86_400_000
# Control characters other than tab and newline have no place in a form (and \r is normalised away).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# U+FFFD is what undecodable body bytes became; lone surrogates come from JSON "\ud800" escapes
# and cannot even be stored as UTF-8.
UNREADABLE = re.compile("[\ud800-\udfff\ufffd]")


def ascii_email(address):
    """The address as every mail system can carry it, or EmailNotValidError.

    NFKC first, so full-width letters typed with an input method become the ASCII they look
    like; then only ASCII is allowed before the @ (no SMTPUTF8: our relays and SES may not carry
    it, and look-alike letters from other scripts would let one address pose as another), and the
    domain is written in its ASCII (IDNA) form, so a look-alike domain shows as xn--...
    """
    address = unicodedata.normalize("NFKC", address)
    return validate_email(address, check_deliverability=False, allow_smtputf8=False).ascii_email


def normalize_email(address):
    """The key a subscriber is known by: syntax-checked, offline, ASCII and lower-cased."""
    return ascii_email(address).lower()


# Providers where dots in the local part reach the same mailbox (and their other domain name).
DOTLESS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def mailbox(address):
    """The mailbox a normalised address reaches, for caps on what one person can be sent: victim+1@ and
    victim+2@ are one mailbox (subaddresses, RFC 5233), and so are v.ictim@gmail.com and victim@googlemail.com."""
    local, _, domain = address.lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in DOTLESS:
        local, domain = local.replace(".", ""), DOTLESS[domain]
    return f"{local}@{domain}"


class Form:
    """Cleans `data` (a mapping of field -> str) into `cleaned`, or collects `errors` per field."""

    fields = ()

    def __init__(self, data):
        self.data = data
        self.cleaned = {}
        self.errors = {}

    def validate(self):
        for field in self.fields:
            value = self.data.get(field)
            if value is None:
                value = ""
            if not isinstance(value, str):
                self.errors[field] = "This field must be text."
                continue
            if len(value) > LIMITS[field]:
                self.errors[field] = f"Please use at most {LIMITS[field]} characters."
                continue
            if UNREADABLE.search(value):
                self.errors[field] = "This field contains characters we cannot read."
                continue
            try:
                self.cleaned[field] = getattr(self, f"clean_{field}")(value)
            except ValueError as e:
                self.errors[field] = str(e)
        return not self.errors

    @property
    def is_spam(self):
        """The honeypot field `website` is hidden from people; only bots fill it in."""
        return bool(self.cleaned.get("website"))

    def spam_reason(self, min_seconds):
        """Why a valid post looks like a bot's ("honeypot", "too fast"), or None.

        `elapsed_ms` is how long the page was open when the form was sent, measured by the page itself on
        its monotonic clock (performance.now()): no clock set wrong can make a person look fast. Missing
        (no JavaScript, an old cached page) or absurd, it is no evidence either way.
        """
        if self.is_spam:
            return "honeypot"
        elapsed = self.cleaned.get("elapsed_ms")
        if elapsed is not None and elapsed < min_seconds * 1000:
            return "too fast"
        return None

    def clean_email(self, value):
        value = value.strip()
        if not value:
            raise ValueError("Please enter your email address.")
        if "\r" in value or "\n" in value:
            raise ValueError("Please enter a valid email address.")
        try:
            address = ascii_email(value)
        except EmailNotValidError:
            address = ""
        # "=?" is RFC 2047 syntax, which Python's email package decodes even inside an address: valid, but no
        # one's address has it (checked after ascii_email's NFKC, which makes full-width "\uff1d\uff1f" an "=?").
        if not address or "=?" in address:
            raise ValueError("Please enter a valid email address, like name@example.com.")
        return address

    def clean_page(self, value):
        # Where the form was sent from: a same-site path, or nothing.
        return same_site_path(value) or ""

    def clean_website(self, value):
        return value.strip()

    def clean_elapsed_ms(self, value):
        # Filled by JS when the form is sent; empty without it. Anything but a plausible count is ignored.
        value = value.strip()
        return int(value) if value.isascii() and value.isdigit() and int(value) <= MAX_ELAPSED_MS else None


class ContactForm(Form):
    fields = ("name", "email", "phone", "message", "page", "website", "elapsed_ms")

    def clean_name(self, value):
        if "\r" in value or "\n" in value or CONTROL.search(value):
            # The name goes into the Subject: a line break there could add headers.
            raise ValueError("Please enter your name on one line.")
        value = " ".join(value.split())
        if not value:
            raise ValueError("Please enter your name.")
        return value

    def clean_phone(self, value):
        value = value.strip()
        if not value:
            return ""
        # Imported when a number is typed: subscriptions and messages without one skip loading its metadata
        # (about 15 ms of a Lambda cold start).
        import phonenumbers

        try:
            number = phonenumbers.parse(value, "US")
        except phonenumbers.NumberParseException:
            raise ValueError("Please enter a valid phone number, or leave it empty.") from None
        if not phonenumbers.is_possible_number(number):
            raise ValueError("Please enter a valid phone number, or leave it empty.")
        fmt = (
            phonenumbers.PhoneNumberFormat.NATIONAL
            if number.country_code == 1
            else phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
        return phonenumbers.format_number(number, fmt)

    def clean_message(self, value):
        value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
        if CONTROL.search(value):
            raise ValueError("Your message contains characters we cannot accept.")
        if not value:
            raise ValueError("Please enter a message.")
        return value


class SubscribeForm(Form):
    fields = ("email", "page", "website", "elapsed_ms")

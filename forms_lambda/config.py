"""Settings from environment variables (12-factor), validated once at startup.

Each setting is one field of `Settings`, whose metadata (`setting()`) holds its environment variable, its default
(which serves `make run`), the function that reads it and one line of help. The defaults, the parsing and the settings
table of the README and docs/configuration.md (settings_table.py) all come from those fields. An invalid value
stops startup with a ConfigError naming the variable, so a misconfigured Lambda fails at deploy, not on a visitor.
"""

import os
import re
import secrets
import tempfile
from dataclasses import dataclass, field, fields
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .clinic import postal_address, read_shared
from .origins import origin_of
from .ratelimit import RateLimit, parse_rate_limit

DELIVERY_MODES = ("worker", "stream", "inline")
CAPTCHAS = ("off", "altcha")  # pelicanconf.py accepts the same
TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}
S3_SITE = re.compile(r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^\x00-\x1f]*)?")
SECRET_ARN = re.compile(r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+")


class ConfigError(ValueError):
    """A setting is missing or invalid; the message names the environment variable."""


def _text(value):
    """Test configs (and the defaults below) may say True/60 where the environment says "1"/"60"."""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


@dataclass(frozen=True)
class Source:
    """What settings are read from: each variable's text (its default's where unset), and clinic.toml, whose
    facts stand in for FORMS_CLINIC_NAME, FORMS_CLINIC_ADDRESS and FORMS_CAPTCHA when those are empty."""

    text: dict
    clinic_toml: dict

    def __getitem__(self, name):
        return self.text[name]

    def get(self, name, default=""):
        return self.text.get(name, default)


# Readers: each takes the Source and the variable's name, and returns the value or raises ConfigError naming
# the variable.


def _as_is(env, name):
    return env[name]


def _path(env, name):
    return Path(env[name])


def _number(kind, convert, low, high, unit=""):
    """A reader of a number from low to high; `kind` and `unit` say in errors what is expected."""

    def show(number):
        return f"{number:g}" if isinstance(number, float) else str(number)

    def read(env, name):
        try:
            value = convert(env[name])
        except ValueError:
            raise ConfigError(f"{name} must be {kind}, got {env[name]!r}") from None
        if not low <= value <= high:
            raise ConfigError(f"{name} must be between {show(low)} and {show(high)}{unit}, got {show(value)}")
        return value

    return read


def _whole_number(low, high):
    return _number("a whole number", int, low, high)


def _seconds(low, high):
    return _number("a number of seconds", float, low, high, " seconds")


_send_rate = _number("a number of messages per second", float, 0.01, 10000, " messages per second")


def _flag(env, name):
    value = env[name].strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ConfigError(f"{name} must be 1 or 0, got {env[name]!r}")


def _address(name, value, *, allow_name):
    if "\r" in value or "\n" in value:
        raise ConfigError(f"{name} must not contain line breaks")
    display, addr = parseaddr(value)
    if not addr or (display and not allow_name):
        raise ConfigError(f"{name} is not an email address: {value!r}")
    try:
        # Only syntax: local domains (localhost) serve `make run`, which email-validator refuses.
        address = Address(display_name=display, addr_spec=addr)
    except (ValueError, IndexError):
        address = None
    if address is None or not address.username or ("." not in address.domain and address.domain != "localhost"):
        raise ConfigError(f"{name} is not a valid email address: {value!r}")
    return address


def _inbox(env, name):
    return _address(name, env[name], allow_name=False).addr_spec


def _optional_inbox(env, name):
    return _inbox(env, name) if env[name] else ""


def _sender(env, name):
    sender = _address(name, env[name], allow_name=True)
    if env["FORMS_MAILER"] == "ses" and sender.domain == "localhost":
        raise ConfigError(f"{name} must be set to an address SES has verified when FORMS_MAILER=ses")
    return sender


def _unsubscribe_mailto(env, name):
    return _address(name, env[name] or env["FORMS_CLINIC_INBOX"], allow_name=False).addr_spec


def _store_url(env, name):
    url = env[name]
    if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        return url
    if url.startswith("dynamodb://") and re.fullmatch(r"[A-Za-z0-9_.-]{1,200}", url[len("dynamodb://") :]):
        return url
    raise ConfigError(f"{name} must be sqlite:///<path> or dynamodb://<table-prefix>, got {url!r}")


def _has_valid_port(parts):
    try:
        return parts.port is None or 0 <= parts.port <= 65535
    except ValueError:  # urlsplit reads the port only when asked, and raises for one that is not a number
        return False


def _mailer_url(env, name):
    url = env[name]
    if url == "ses" or (url.startswith("maildir:") and len(url) > len("maildir:")):
        return url
    parts = urlsplit(url)
    if parts.scheme in ("smtp", "smtps") and parts.hostname:
        if not _has_valid_port(parts):
            raise ConfigError(f"{name} has an invalid port")
        return url
    # Do not echo the value: an SMTP URL may carry a password.
    raise ConfigError(f"{name} must be maildir:<path>, smtp://[user:pass@]host[:port][?starttls=1], smtps://... or ses")


def _site_url(env, name):
    site = urlsplit(env[name])
    if site.scheme not in ("http", "https") or not site.netloc or site.path not in ("", "/") or site.query:
        raise ConfigError(f"{name} must be an origin like https://example.org, got {env[name]!r}")
    return f"{site.scheme}://{site.netloc}"


def _timezone(env, name):
    try:
        return ZoneInfo(env[name])
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{name} is not a known time zone: {env[name]!r}") from None


def _clinic_name(env, name):
    value = env[name].strip() or env.clinic_toml["clinic"]["name"].strip()
    if "\r" in value or "\n" in value or len(value) > 100:
        raise ConfigError(f"{name} must be one line of at most 100 characters")
    return value


def _clinic_address(env, name):
    # CAN-SPAM: every newsletter carries the clinic's postal address (lines separated by "\n" or ";").
    address = env[name].replace("\\n", "\n").replace(";", "\n")
    address = "\n".join(line.strip() for line in address.splitlines() if line.strip())
    address = address or postal_address(env.clinic_toml["clinic"])
    if len(address) > 300:
        raise ConfigError(f"{name} must be at most 300 characters")
    return address


def _captcha(env, name):
    """FORMS_CAPTCHA, else clinic.toml's: the site build decides the same way (pelicanconf.py)."""
    captcha = env[name].strip().lower() or env.clinic_toml["forms"]["captcha"].strip().lower()
    if captcha not in CAPTCHAS:
        raise ConfigError(
            f"{name} (or [forms] captcha in clinic.toml) must be {' or '.join(CAPTCHAS)}, got {captcha!r}"
        )
    return captcha


def _rate_limit(env, name):
    try:
        return parse_rate_limit(env[name])
    except ValueError as e:
        raise ConfigError(f"{name}: {e}") from None


def _allowed_origins(env, name):
    origins = []
    for value in env[name].replace(",", " ").split():
        origin = origin_of(value)
        if origin is None:
            raise ConfigError(f"{name} must list origins like https://www.example.org, got {value!r}")
        origins.append(origin)
    return tuple(origins)


def _sns_topics(env, name):
    topics = tuple(t.strip() for t in env[name].split(",") if t.strip())
    if any(not t.startswith("arn:aws") for t in topics):
        raise ConfigError(f"{name} must be a comma-separated list of SNS topic ARNs")
    return topics


def _notify_site(env, name):
    site = env[name].strip()
    if not site or (site.startswith("s3://") and not S3_SITE.fullmatch(site)):
        raise ConfigError(f"{name} must be a folder or s3://<bucket>[/<prefix>], got {site!r}")
    return site


def _delivery(env, name):
    # On Lambda the table's stream delivers (deploy/template.yaml); a thread there would be frozen
    # between invocations.
    default = "stream" if env.get("AWS_LAMBDA_FUNCTION_NAME") else "worker"
    mode = (env[name] or default).strip().lower()
    if mode not in DELIVERY_MODES:
        raise ConfigError(f"{name} must be {', '.join(DELIVERY_MODES[:-1])} or {DELIVERY_MODES[-1]}, got {env[name]!r}")
    return mode


def _secret_arn(env, name):
    arn = env[name]
    if arn and not SECRET_ARN.fullmatch(arn):
        raise ConfigError(f"{name} must be the ARN of a Secrets Manager secret, got {arn!r}")
    return arn


def _signing_keys_arn(env, name):
    arn = _secret_arn(env, name)
    if arn and env["FORMS_SECRET_KEY"]:
        raise ConfigError(f"{name} and FORMS_SECRET_KEY are both set: set only one")
    return arn


def _secret_key(env, name):
    key = env[name]
    if key:
        if len(key) < 16:
            raise ConfigError(f"{name} must be at least 16 characters")
        return key
    if env["FORMS_SECRET_ARN"]:
        return ""  # the keys are in Secrets Manager (forms_lambda/signing_keys.py)
    if env.get("AWS_LAMBDA_FUNCTION_NAME"):
        raise ConfigError(
            f"FORMS_SECRET_ARN (or {name}) is required on AWS Lambda (tokens in emails are signed with it)"
        )
    # Locally: generate once, so links in emails keep working across restarts.
    path = Path(env["FORMS_VAR_DIR"]) / "secret_key"
    if not path.exists():
        _create_once(path, secrets.token_urlsafe(32))
    return path.read_text().strip()


def _create_once(path, text):
    """Write path with text unless it exists, so that processes starting together all read one file: the
    text goes to a private temporary file first, which becomes `path` in one step (a hard link fails when
    another process got there first) and is never seen half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)


def setting(variable, default, read, help, *, shown_default=None):
    """The metadata of a Settings field read from the environment variable `variable` by `read`. `default` is
    the text used when the variable is unset (or a value that reads as it); `shown_default`, what the docs say
    when that text is empty."""
    return {"variable": variable, "default": _text(default), "read": read, "help": help, "shown": shown_default}


@dataclass(frozen=True)
class Settings:
    """The service's settings: one field per environment variable, in the docs' order (and last clinic.toml's
    phone, which no variable overrides)."""

    store_url: str = field(
        metadata=setting(
            "FORMS_STORE",
            "sqlite:///var/forms.sqlite3",
            _store_url,
            "where submissions, subscribers and send records are kept: `sqlite:///<path>`, or `dynamodb://<table-prefix>`"
            " (the tables `<prefix>-submissions`, `-subscribers`, `-sends`, `-limits`)",
        )
    )
    mailer_url: str = field(
        metadata=setting(
            "FORMS_MAILER",
            "maildir:var/mail",
            _mailer_url,
            "how emails leave: `maildir:<folder>` (read them with any mail client), `smtp://[user:pass@]host[:port]`"
            " (`?starttls=1`), `smtps://...`, or `ses` (boto3)",
        )
    )
    sender_address: Address = field(
        metadata=setting(
            "FORMS_SENDER",
            "Clinic <no-reply@localhost>",
            _sender,
            "the From of every email; with `ses`, an address at a domain SES has verified",
        )
    )
    clinic_inbox: str = field(
        metadata=setting(
            "FORMS_CLINIC_INBOX",
            "clinic@localhost",
            _inbox,
            "where contact requests go (an address, without a name)",
        )
    )
    urgent_inbox: str = field(
        metadata=setting(
            "FORMS_URGENT_INBOX",
            "",
            _optional_inbox,
            "an on-call address that gets a copy (Cc) of every urgent contact message: one in crisis language"
            " (`forms_lambda/crisis_phrases.json`, see the README's *Urgent messages*)",
            shown_default="empty: none",
        )
    )
    site_url: str = field(
        metadata=setting(
            "FORMS_SITE_URL",
            "http://127.0.0.1:8000",
            _site_url,
            "the site's public origin: the links in emails, and an origin allowed to post the forms",
        )
    )
    secret_key: str = field(
        metadata=setting(
            "FORMS_SECRET_KEY",
            "",
            _secret_key,
            "signs the tokens in links and keys the spam check's challenges and the hashes `forget` keeps (at least 16"
            " characters); required on Lambda unless `FORMS_SECRET_ARN` is set; never both",
            shown_default="generated once into `FORMS_VAR_DIR/secret_key`",
        )
    )
    secret_arn: str = field(
        metadata=setting(
            "FORMS_SECRET_ARN",
            "",
            _signing_keys_arn,
            'on AWS: the Secrets Manager secret holding the signing keys (`{"key": ..., "previous": [...]}`), read at'
            " cold start; rotation in `docs/deploy.md`",
            shown_default="empty",
        )
    )
    origin_secret_arn: str = field(
        metadata=setting(
            "FORMS_ORIGIN_SECRET_ARN",
            "",
            _secret_arn,
            "on AWS: the Secrets Manager secret whose value CloudFront adds to every request as `X-Origin-Verify`; when"
            " set, a request without it is refused (403) and the client address is `CloudFront-Viewer-Address`"
            " (`docs/security.md`)",
            shown_default="empty",
        )
    )
    timezone: ZoneInfo = field(
        metadata=setting(
            "FORMS_TIMEZONE",
            "America/Denver",
            _timezone,
            "the time zone of times written in emails to the clinic",
        )
    )
    double_opt_in: bool = field(
        metadata=setting(
            "FORMS_DOUBLE_OPT_IN",
            True,
            _flag,
            "`1`: a subscription counts once its owner clicks the link in the confirmation email; `0`: at once",
        )
    )
    confirm_max_age: int = field(
        metadata=setting(
            "FORMS_CONFIRM_MAX_AGE",
            7 * 24 * 3600,
            _whole_number(60, 90 * 24 * 3600),
            "seconds a confirmation link works (7 days; 60 seconds to 90 days)",
        )
    )
    max_bytes: int = field(
        metadata=setting(
            "FORMS_MAX_BYTES",
            64 * 1024,
            _whole_number(1024, 10 * 1024 * 1024),
            "the largest request body accepted, in bytes (1 KiB to 10 MiB); larger gets 413",
        )
    )
    var_dir: Path = field(
        metadata=setting(
            "FORMS_VAR_DIR",
            "var",
            _path,
            "the folder for the generated secret key (on Lambda `/tmp/forms`)",
        )
    )
    clinic_name: str = field(
        metadata=setting(
            "FORMS_CLINIC_NAME",
            "",
            _clinic_name,
            "the clinic's name in emails (one line, at most 100 characters)",
            shown_default="empty: `clinic.toml`'s",
        )
    )
    clinic_address: str = field(
        metadata=setting(
            "FORMS_CLINIC_ADDRESS",
            "",
            _clinic_address,
            "the postal address every newsletter and welcome email carries; lines separated by `;`"
            " (at most 300 characters)",
            shown_default="empty: `clinic.toml`'s",
        )
    )
    ses_configuration_set: str = field(
        metadata=setting(
            "FORMS_SES_CONFIGURATION_SET",
            "",
            _as_is,
            "the SES configuration set emails are sent with (its events report bounces and complaints)",
            shown_default="empty",
        )
    )
    rate_limit: RateLimit | None = field(
        metadata=setting(
            "FORMS_RATE_LIMIT",
            "10/10minutes",
            _rate_limit,
            "per client address and route: posts to each form, and spam-check challenges; `5/minute`, `100/3600`"
            " (seconds) or `off`; past it 429 with `Retry-After`",
        )
    )
    trusted_proxies: int = field(
        metadata=setting(
            "FORMS_TRUSTED_PROXIES",
            0,
            _whole_number(0, 10),
            "how many proxies in front of the service append to `X-Forwarded-For` (0 to 10): the Nth entry from the"
            " right is the client",
        )
    )
    allowed_origins: tuple = field(
        metadata=setting(
            "FORMS_ALLOWED_ORIGINS",
            "",
            _allowed_origins,
            "more origins (besides `FORMS_SITE_URL` and the host the request came to) whose pages may post the forms,"
            " separated by spaces or commas",
            shown_default="empty",
        )
    )
    min_submit_seconds: int = field(
        metadata=setting(
            "FORMS_MIN_SUBMIT_SECONDS",
            3,
            _whole_number(0, 3600),
            "a post sent sooner after its page loaded (the page's own measure, `elapsed_ms`) is held as spam"
            " (0 to 3600)",
        )
    )
    captcha: str = field(
        metadata=setting(
            "FORMS_CAPTCHA",
            "",
            _captcha,
            "the spam check, `off` or `altcha`; the site build reads it too, so set it for both"
            " (`docs/configuration.md`)",
            shown_default="empty: `clinic.toml`'s",
        )
    )
    captcha_difficulty: int = field(
        metadata=setting(
            "FORMS_CAPTCHA_DIFFICULTY",
            5000,
            _whole_number(1, 1_000_000),
            "the spam check's work: at most this many key derivations for the browser, 3/4 of it on average"
            " (1 to 1,000,000); about a second on a phone at the default",
        )
    )
    retention_days: int = field(
        metadata=setting(
            "FORMS_RETENTION_DAYS",
            30,
            _whole_number(1, 3650),
            "days after which `purge` deletes delivered submissions and spam, and forgets subscribers who unsubscribed"
            " or never confirmed (1 to 3650); DynamoDB's TTL deletes submissions too",
        )
    )
    send_rate: float = field(
        metadata=setting(
            "FORMS_SEND_RATE",
            14,
            _send_rate,
            "newsletter emails per second at most (SES's sending rate of the account)",
        )
    )
    send_concurrency: int = field(
        metadata=setting(
            "FORMS_SEND_CONCURRENCY",
            4,
            _whole_number(1, 64),
            "newsletter emails sent at once (1 to 64)",
        )
    )
    unsubscribe_mailto: str = field(
        metadata=setting(
            "FORMS_UNSUBSCRIBE_MAILTO",
            "",
            _unsubscribe_mailto,
            "the address of the `mailto:` in `List-Unsubscribe`",
            shown_default="`FORMS_CLINIC_INBOX`",
        )
    )
    welcome_email: bool = field(
        metadata=setting(
            "FORMS_WELCOME_EMAIL",
            True,
            _flag,
            "`1`: a welcome email with the latest articles after a confirmation",
        )
    )
    welcome_articles: int = field(
        metadata=setting(
            "FORMS_WELCOME_ARTICLES",
            3,
            _whole_number(0, 10),
            "how many articles the welcome email lists (0 to 10)",
        )
    )
    sns_topic_arns: tuple = field(
        metadata=setting(
            "FORMS_SNS_TOPIC_ARNS",
            "",
            _sns_topics,
            "comma-separated SNS topic ARNs whose SES events are acted on; empty: none",
            shown_default="empty",
        )
    )
    notify_site: str = field(
        metadata=setting(
            "FORMS_NOTIFY_SITE",
            "output",
            _notify_site,
            "the built site whose feed `notify` reads: a folder, or `s3://<bucket>[/<prefix>]` (the NotifyFunction's)",
        )
    )
    delivery: str = field(
        metadata=setting(
            "FORMS_DELIVERY",
            "",
            _delivery,
            "who delivers a stored submission: `worker`, a thread in each server process; `stream`, the submissions"
            " table's DynamoDB stream (the request only stores); `inline`, before the request returns (tests only)",
            shown_default="`worker` (`stream` on Lambda)",
        )
    )
    max_attempts: int = field(
        metadata=setting(
            "FORMS_MAX_ATTEMPTS",
            8,
            _whole_number(1, 100),
            "delivery attempts before a submission is `failed` (1 to 100)",
        )
    )
    retry_base_seconds: float = field(
        metadata=setting(
            "FORMS_RETRY_BASE_SECONDS",
            60,
            _seconds(0, 86400),
            "the wait after the first failed attempt, doubled after each (0 to 86400)",
        )
    )
    retry_max_seconds: float = field(
        metadata=setting(
            "FORMS_RETRY_MAX_SECONDS",
            3600,
            _seconds(0, 7 * 86400),
            "the longest wait between attempts (0 to 7 days)",
        )
    )
    delivery_poll_seconds: float = field(
        metadata=setting(
            "FORMS_DELIVERY_POLL_SECONDS",
            30,
            _seconds(0.05, 3600),
            "how often the local delivery thread sweeps up what is due (0.05 to 3600)",
        )
    )
    site_dir: str = field(
        metadata=setting(
            "FORMS_SITE_DIR",
            "output",
            _as_is,
            "the local server only (`forms_lambda/local.py`): the built site it serves; `make serve` sets it to"
            " `OUTPUTDIR`",
        )
    )
    # not a setting: clinic.toml's phone, which the service offers a visitor the spam check keeps out
    clinic_phone: str

    @property
    def sender_domain(self):
        return self.sender_address.domain or "localhost"


SETTINGS = [f for f in fields(Settings) if "variable" in f.metadata]


def defaults():
    """Every setting's default, as the environment would say it: {"FORMS_STORE": "sqlite:///...", ...}."""
    return {f.metadata["variable"]: f.metadata["default"] for f in SETTINGS}


def load_settings(environ=None):
    """Build Settings from environ (default os.environ); raise ConfigError on the first bad value."""
    environ = os.environ if environ is None else environ
    try:
        clinic_toml = read_shared()  # the clinic's facts, which the site shows too (forms_lambda/clinic.py)
    except ValueError as e:
        raise ConfigError(str(e)) from None
    env = Source({**defaults(), **{name: _text(value) for name, value in environ.items()}}, clinic_toml)
    values = {f.name: f.metadata["read"](env, f.metadata["variable"]) for f in SETTINGS}
    return Settings(**values, clinic_phone=clinic_toml["clinic"]["phone"])

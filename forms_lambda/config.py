"""Settings from environment variables (12-factor), validated once at startup.

Every setting has a default that serves `make run`; an invalid value stops startup with
a ConfigError naming the variable, so a misconfigured Lambda fails at deploy, not on a visitor.
"""

import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .clinic import postal_address, read_shared
from .origins import origin_of
from .ratelimit import RateLimit, parse_rate_limit

DEFAULTS = {
    "FORMS_STORE": "sqlite:///var/forms.sqlite3",
    "FORMS_MAILER": "maildir:var/mail",
    "FORMS_SENDER": "Clinic <no-reply@localhost>",
    "FORMS_CLINIC_INBOX": "clinic@localhost",
    "FORMS_SITE_URL": "http://127.0.0.1:8000",
    "FORMS_TIMEZONE": "America/Denver",
    "FORMS_DOUBLE_OPT_IN": "1",
    "FORMS_CONFIRM_MAX_AGE": str(7 * 24 * 3600),
    "FORMS_MAX_BYTES": str(64 * 1024),
    "FORMS_VAR_DIR": "var",
    # Empty: clinic.toml's, which the site shows too (forms_lambda/clinic.py).
    "FORMS_CLINIC_NAME": "",
    # Optional: an on-call address that gets a copy (Cc) of every urgent contact message (forms_lambda/crisis.py).
    "FORMS_URGENT_INBOX": "",
    # Abuse and privacy (see ratelimit.py, origins.py, captcha.py, and `purge`).
    "FORMS_RATE_LIMIT": "10/10minutes",
    "FORMS_TRUSTED_PROXIES": "0",
    "FORMS_ALLOWED_ORIGINS": "",
    "FORMS_MIN_SUBMIT_SECONDS": "3",
    # Empty: clinic.toml's [forms] captcha, which the site build reads too (pelicanconf.py).
    "FORMS_CAPTCHA": "",
    "FORMS_CAPTCHA_DIFFICULTY": "5000",
    "FORMS_RETENTION_DAYS": "30",
    # newsletter (notify, welcome email, SES events); the address's default is clinic.toml's, as the name's
    "FORMS_CLINIC_ADDRESS": "",
    "FORMS_SEND_RATE": "14",
    "FORMS_SEND_CONCURRENCY": "4",
    "FORMS_WELCOME_EMAIL": "1",
    "FORMS_WELCOME_ARTICLES": "3",
    "FORMS_SNS_TOPIC_ARNS": "",
    # the built site whose feed `notify` reads: a folder, or s3://<bucket>[/<prefix>] (the NotifyFunction's)
    "FORMS_NOTIFY_SITE": "output",
    # delivery (services.py, delivery.py); FORMS_DELIVERY's default depends on where the service runs
    "FORMS_MAX_ATTEMPTS": "8",
    "FORMS_RETRY_BASE_SECONDS": "60",
    "FORMS_RETRY_MAX_SECONDS": "3600",
    "FORMS_DELIVERY_POLL_SECONDS": "30",
}
DELIVERY_MODES = ("worker", "stream", "inline")
CAPTCHAS = ("off", "altcha")  # pelicanconf.py accepts the same
TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}


class ConfigError(ValueError):
    """A setting is missing or invalid; the message names the environment variable."""


@dataclass(frozen=True)
class Settings:
    store_url: str
    mailer_url: str
    sender: str
    sender_address: Address
    clinic_inbox: str
    site_url: str
    secret_key: str  # empty when the keys are read from FORMS_SECRET_ARN
    timezone: ZoneInfo
    double_opt_in: bool
    confirm_max_age: int
    max_bytes: int
    var_dir: Path
    clinic_name: str
    ses_configuration_set: str
    rate_limit: RateLimit | None = parse_rate_limit(DEFAULTS["FORMS_RATE_LIMIT"])
    trusted_proxies: int = 0
    allowed_origins: tuple = ()
    min_submit_seconds: int = 3
    captcha: str = "off"
    captcha_difficulty: int = 5000
    clinic_phone: str = ""
    retention_days: int = 30
    clinic_address: str = ""
    unsubscribe_mailto: str = ""
    send_rate: float = 14.0
    send_concurrency: int = 4
    welcome_email: bool = True
    welcome_articles: int = 3
    sns_topic_arns: tuple = ()
    secret_arn: str = ""
    # Behind CloudFront: the secret holding the header value CloudFront adds (forms_lambda/cloudfront.py).
    origin_secret_arn: str = ""
    notify_site: str = "output"
    delivery: str = "worker"
    max_attempts: int = 8
    retry_base_seconds: float = 60.0
    retry_max_seconds: float = 3600.0
    delivery_poll_seconds: float = 30.0
    urgent_inbox: str = ""

    @property
    def sender_domain(self):
        return self.sender_address.domain or "localhost"


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


def _int(env, name, low, high):
    try:
        value = int(env[name])
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {env[name]!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _rate(env, name):
    try:
        value = float(env[name])
    except ValueError:
        raise ConfigError(f"{name} must be a number of messages per second, got {env[name]!r}") from None
    if not 0.01 <= value <= 10000:
        raise ConfigError(f"{name} must be between 0.01 and 10000 messages per second, got {value}")
    return value


def _seconds(env, name, low, high):
    try:
        value = float(env[name])
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {env[name]!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low:g} and {high:g} seconds, got {value:g}")
    return value


def _delivery(env):
    # On Lambda the table's stream delivers (deploy/template.yaml); a thread there would be frozen
    # between invocations.
    default = "stream" if env.get("AWS_LAMBDA_FUNCTION_NAME") else "worker"
    mode = (env.get("FORMS_DELIVERY") or default).strip().lower()
    if mode not in DELIVERY_MODES:
        raise ConfigError(
            f"FORMS_DELIVERY must be {', '.join(DELIVERY_MODES[:-1])} or {DELIVERY_MODES[-1]}, "
            f"got {env['FORMS_DELIVERY']!r}"
        )
    return mode


def _bool(env, name):
    value = env[name].strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ConfigError(f"{name} must be 1 or 0, got {env[name]!r}")


S3_SITE = re.compile(r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^\x00-\x1f]*)?")
SECRET_ARN = re.compile(r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+")


def _arn(env, name):
    arn = env.get(name, "")
    if arn and not SECRET_ARN.fullmatch(arn):
        raise ConfigError(f"{name} must be the ARN of a Secrets Manager secret, got {arn!r}")
    return arn


def _secret_arn(env):
    arn = _arn(env, "FORMS_SECRET_ARN")
    if arn and env.get("FORMS_SECRET_KEY"):
        raise ConfigError("FORMS_SECRET_ARN and FORMS_SECRET_KEY are both set: set only one")
    return arn


def _secret_key(env, var_dir):
    key = env.get("FORMS_SECRET_KEY", "")
    if key:
        if len(key) < 16:
            raise ConfigError("FORMS_SECRET_KEY must be at least 16 characters")
        return key
    if env.get("FORMS_SECRET_ARN"):
        return ""  # the keys are in Secrets Manager (forms_lambda/signing_keys.py)
    if env.get("AWS_LAMBDA_FUNCTION_NAME"):
        raise ConfigError(
            "FORMS_SECRET_ARN (or FORMS_SECRET_KEY) is required on AWS Lambda (tokens in emails are signed with it)"
        )
    # Locally: generate once, so links in emails keep working across restarts.
    path = var_dir / "secret_key"
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


def _rate_limit(env):
    try:
        return parse_rate_limit(env["FORMS_RATE_LIMIT"])
    except ValueError as e:
        raise ConfigError(f"FORMS_RATE_LIMIT: {e}") from None


def _allowed_origins(env):
    origins = []
    for value in env["FORMS_ALLOWED_ORIGINS"].replace(",", " ").split():
        origin = origin_of(value)
        if origin is None:
            raise ConfigError(f"FORMS_ALLOWED_ORIGINS must list origins like https://www.example.org, got {value!r}")
        origins.append(origin)
    return tuple(origins)


def _captcha(env, shared):
    """FORMS_CAPTCHA, else clinic.toml's: the site build decides the same way (pelicanconf.py)."""
    captcha = env["FORMS_CAPTCHA"].strip().lower() or shared["forms"]["captcha"].strip().lower()
    if captcha not in CAPTCHAS:
        raise ConfigError(
            f"FORMS_CAPTCHA (or [forms] captcha in clinic.toml) must be {' or '.join(CAPTCHAS)}, got {captcha!r}"
        )
    return captcha


def _text(value):
    """Test configs may say True/60 where the environment says "1"/"60"."""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def check_store_url(url):
    if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        return
    if url.startswith("dynamodb://") and re.fullmatch(r"[A-Za-z0-9_.-]{1,200}", url[len("dynamodb://") :]):
        return
    raise ConfigError(f"FORMS_STORE must be sqlite:///<path> or dynamodb://<table-prefix>, got {url!r}")


def check_mailer_url(url):
    if url == "ses" or (url.startswith("maildir:") and len(url) > len("maildir:")):
        return
    parts = urlsplit(url)
    if parts.scheme in ("smtp", "smtps") and parts.hostname:
        try:
            parts.port
        except ValueError:
            raise ConfigError("FORMS_MAILER has an invalid port") from None
        return
    # Do not echo the value: an SMTP URL may carry a password.
    raise ConfigError(
        "FORMS_MAILER must be maildir:<path>, smtp://[user:pass@]host[:port][?starttls=1], smtps://... or ses"
    )


def load_settings(environ=None):
    """Build Settings from environ (default os.environ); raise ConfigError on the first bad value."""
    env = {**DEFAULTS, **{k: _text(v) for k, v in (environ if environ is not None else os.environ).items()}}
    check_store_url(env["FORMS_STORE"])
    check_mailer_url(env["FORMS_MAILER"])
    sender = _address("FORMS_SENDER", env["FORMS_SENDER"], allow_name=True)
    if env["FORMS_MAILER"] == "ses" and sender.domain == "localhost":
        raise ConfigError("FORMS_SENDER must be set to an address SES has verified when FORMS_MAILER=ses")
    inbox = _address("FORMS_CLINIC_INBOX", env["FORMS_CLINIC_INBOX"], allow_name=False)
    urgent_inbox = env["FORMS_URGENT_INBOX"]  # optional: empty is none
    urgent_inbox = _address("FORMS_URGENT_INBOX", urgent_inbox, allow_name=False).addr_spec if urgent_inbox else ""
    site = urlsplit(env["FORMS_SITE_URL"])
    if site.scheme not in ("http", "https") or not site.netloc or site.path not in ("", "/") or site.query:
        raise ConfigError(f"FORMS_SITE_URL must be an origin like https://example.org, got {env['FORMS_SITE_URL']!r}")
    try:
        tz = ZoneInfo(env["FORMS_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"FORMS_TIMEZONE is not a known time zone: {env['FORMS_TIMEZONE']!r}") from None
    try:
        shared = read_shared()
    except ValueError as e:
        raise ConfigError(str(e)) from None
    clinic = shared["clinic"]
    name = env["FORMS_CLINIC_NAME"].strip() or clinic["name"].strip()
    if "\r" in name or "\n" in name or len(name) > 100:
        raise ConfigError("FORMS_CLINIC_NAME must be one line of at most 100 characters")
    var_dir = Path(env["FORMS_VAR_DIR"])
    # CAN-SPAM: every newsletter carries the clinic's postal address (lines separated by "\n" or ";").
    address = env["FORMS_CLINIC_ADDRESS"].replace("\\n", "\n").replace(";", "\n")
    address = "\n".join(line.strip() for line in address.splitlines() if line.strip()) or postal_address(clinic)
    if len(address) > 300:
        raise ConfigError("FORMS_CLINIC_ADDRESS must be at most 300 characters")
    unsubscribe_mailto = _address(
        "FORMS_UNSUBSCRIBE_MAILTO", env.get("FORMS_UNSUBSCRIBE_MAILTO") or inbox.addr_spec, allow_name=False
    )
    topics = tuple(t.strip() for t in env["FORMS_SNS_TOPIC_ARNS"].split(",") if t.strip())
    if any(not t.startswith("arn:aws") for t in topics):
        raise ConfigError("FORMS_SNS_TOPIC_ARNS must be a comma-separated list of SNS topic ARNs")
    notify_site = env["FORMS_NOTIFY_SITE"].strip()
    if not notify_site or (notify_site.startswith("s3://") and not S3_SITE.fullmatch(notify_site)):
        raise ConfigError(f"FORMS_NOTIFY_SITE must be a folder or s3://<bucket>[/<prefix>], got {notify_site!r}")
    return Settings(
        store_url=env["FORMS_STORE"],
        mailer_url=env["FORMS_MAILER"],
        sender=str(sender),
        sender_address=sender,
        clinic_inbox=inbox.addr_spec,
        urgent_inbox=urgent_inbox,
        site_url=f"{site.scheme}://{site.netloc}",
        secret_arn=_secret_arn(env),
        origin_secret_arn=_arn(env, "FORMS_ORIGIN_SECRET_ARN"),
        secret_key=_secret_key(env, var_dir),
        timezone=tz,
        double_opt_in=_bool(env, "FORMS_DOUBLE_OPT_IN"),
        confirm_max_age=_int(env, "FORMS_CONFIRM_MAX_AGE", 60, 90 * 24 * 3600),
        max_bytes=_int(env, "FORMS_MAX_BYTES", 1024, 10 * 1024 * 1024),
        var_dir=var_dir,
        clinic_name=name,
        ses_configuration_set=env.get("FORMS_SES_CONFIGURATION_SET", ""),
        rate_limit=_rate_limit(env),
        trusted_proxies=_int(env, "FORMS_TRUSTED_PROXIES", 0, 10),
        allowed_origins=_allowed_origins(env),
        min_submit_seconds=_int(env, "FORMS_MIN_SUBMIT_SECONDS", 0, 3600),
        captcha=_captcha(env, shared),
        captcha_difficulty=_int(env, "FORMS_CAPTCHA_DIFFICULTY", 1, 1_000_000),
        clinic_phone=clinic["phone"],
        retention_days=_int(env, "FORMS_RETENTION_DAYS", 1, 3650),
        clinic_address=address,
        unsubscribe_mailto=unsubscribe_mailto.addr_spec,
        send_rate=_rate(env, "FORMS_SEND_RATE"),
        send_concurrency=_int(env, "FORMS_SEND_CONCURRENCY", 1, 64),
        welcome_email=_bool(env, "FORMS_WELCOME_EMAIL"),
        welcome_articles=_int(env, "FORMS_WELCOME_ARTICLES", 0, 10),
        sns_topic_arns=topics,
        notify_site=notify_site,
        delivery=_delivery(env),
        max_attempts=_int(env, "FORMS_MAX_ATTEMPTS", 1, 100),
        retry_base_seconds=_seconds(env, "FORMS_RETRY_BASE_SECONDS", 0, 86400),
        retry_max_seconds=_seconds(env, "FORMS_RETRY_MAX_SECONDS", 0, 7 * 86400),
        delivery_poll_seconds=_seconds(env, "FORMS_DELIVERY_POLL_SECONDS", 0.05, 3600),
    )

"""Settings from the environment: local defaults, and startup errors that name the variable."""

import multiprocessing
import os
import stat
from pathlib import Path

import pytest

from forms_lambda import ConfigError, create_app
from forms_lambda.config import SETTINGS, defaults, load_settings


def test_defaults_serve_make_run(tmp_path):
    settings = load_settings({"FORMS_VAR_DIR": str(tmp_path / "var")})
    assert settings.store_url == "sqlite:///var/forms.sqlite3"
    assert settings.mailer_url == "maildir:var/mail"
    assert settings.clinic_inbox == "clinic@localhost"
    assert settings.site_url == "http://127.0.0.1:8000"
    assert str(settings.timezone) == "America/Denver"
    assert settings.double_opt_in is True
    assert (
        settings.delivery,
        settings.max_attempts,
        settings.retry_base_seconds,
        settings.retry_max_seconds,
        settings.delivery_poll_seconds,
    ) == ("worker", 8, 60, 3600, 30)


def test_each_default_is_a_value_its_reader_accepts(tmp_path):
    """Set explicitly, the defaults' text reads as leaving the variables unset does."""
    var = str(tmp_path / "var")
    assert load_settings({**defaults(), "FORMS_VAR_DIR": var}) == load_settings({"FORMS_VAR_DIR": var})


def test_every_setting_has_its_own_variable_and_a_line_of_help():
    variables = [f.metadata["variable"] for f in SETTINGS]
    assert len(variables) == len(set(variables)) and all(v.startswith("FORMS_") for v in variables)
    # one line of a Markdown table's cell
    assert all(f.metadata["help"] and not set(f.metadata["help"]) & {"\n", "|"} for f in SETTINGS)


def test_the_urgent_inbox_is_optional(tmp_path):
    env = {"FORMS_VAR_DIR": str(tmp_path / "var")}
    assert load_settings(env).urgent_inbox == ""
    assert load_settings({**env, "FORMS_URGENT_INBOX": ""}).urgent_inbox == ""  # an empty template parameter
    assert load_settings({**env, "FORMS_URGENT_INBOX": "oncall@clinic.example"}).urgent_inbox == "oncall@clinic.example"


def test_on_lambda_the_stream_delivers(tmp_path):
    env = {"FORMS_VAR_DIR": str(tmp_path / "var"), "AWS_LAMBDA_FUNCTION_NAME": "forms", "FORMS_SECRET_KEY": "k" * 32}
    assert load_settings(env).delivery == "stream"
    assert load_settings({**env, "FORMS_DELIVERY": "worker"}).delivery == "worker"


def test_local_secret_key_is_generated_once_and_private(tmp_path):
    env = {"FORMS_VAR_DIR": str(tmp_path / "var")}
    first = load_settings(env).secret_key
    assert len(first) >= 32 and load_settings(env).secret_key == first
    assert stat.S_IMODE(os.stat(tmp_path / "var" / "secret_key").st_mode) == 0o600


def _read_secret_keys_at_once(barrier, var_dirs, keys):
    for var_dir in var_dirs:
        barrier.wait()
        keys.put((var_dir, load_settings({"FORMS_VAR_DIR": var_dir}).secret_key))


@pytest.mark.parametrize("processes", [2, 8])
def test_processes_starting_at_once_agree_on_one_secret_key(tmp_path, processes):
    """`make serve` starts two gunicorn workers at once on a fresh checkout: both must boot, with one key.
    The processes race for the key of one fresh var/ after another (some with var/ already there)."""
    var_dirs = [str(tmp_path / f"{n}" / "var") for n in range(100)]
    for var in var_dirs[::2]:
        Path(var).mkdir(parents=True)
    context = multiprocessing.get_context("fork")
    barrier, keys = context.Barrier(processes), context.Queue()
    racing = [
        context.Process(target=_read_secret_keys_at_once, args=(barrier, var_dirs, keys)) for _ in range(processes)
    ]
    for process in racing:
        process.start()
    read = {}
    for _ in range(processes * len(var_dirs)):
        var, key = keys.get(timeout=30)
        read.setdefault(var, set()).add(key)
    for process in racing:
        process.join(timeout=30)
    assert [p.exitcode for p in racing] == [0] * processes
    for var in var_dirs:
        assert read[var] == {(Path(var) / "secret_key").read_text()}
        assert [p.name for p in Path(var).iterdir()] == ["secret_key"]  # no temporary file left behind


@pytest.mark.parametrize(
    "env,variable",
    [
        ({"AWS_LAMBDA_FUNCTION_NAME": "forms"}, "FORMS_SECRET_KEY"),
        ({"FORMS_SECRET_KEY": "short"}, "FORMS_SECRET_KEY"),
        ({"FORMS_MAILER": "ses"}, "FORMS_SENDER"),
        ({"FORMS_MAILER": "carrier-pigeon"}, "FORMS_MAILER"),
        ({"FORMS_STORE": "postgres://db"}, "FORMS_STORE"),
        ({"FORMS_STORE": "dynamodb://bad prefix"}, "FORMS_STORE"),
        ({"FORMS_SENDER": "Clinic <no-reply@localhost>\r\nBcc: x@example.com"}, "FORMS_SENDER"),
        ({"FORMS_SENDER": "not an address"}, "FORMS_SENDER"),
        ({"FORMS_CLINIC_INBOX": "Front Desk <desk@clinic.example>"}, "FORMS_CLINIC_INBOX"),
        ({"FORMS_SITE_URL": "clinic.example"}, "FORMS_SITE_URL"),
        ({"FORMS_SITE_URL": "https://clinic.example/blog"}, "FORMS_SITE_URL"),
        ({"FORMS_TIMEZONE": "Mars/Olympus"}, "FORMS_TIMEZONE"),
        ({"FORMS_DOUBLE_OPT_IN": "maybe"}, "FORMS_DOUBLE_OPT_IN"),
        ({"FORMS_CONFIRM_MAX_AGE": "soon"}, "FORMS_CONFIRM_MAX_AGE"),
        ({"FORMS_MAX_BYTES": "10"}, "FORMS_MAX_BYTES"),
        ({"FORMS_DELIVERY": "queue"}, "FORMS_DELIVERY"),
        ({"FORMS_MAX_ATTEMPTS": "0"}, "FORMS_MAX_ATTEMPTS"),
        ({"FORMS_MAX_ATTEMPTS": "eight"}, "FORMS_MAX_ATTEMPTS"),
        ({"FORMS_RETRY_BASE_SECONDS": "-1"}, "FORMS_RETRY_BASE_SECONDS"),
        ({"FORMS_RETRY_BASE_SECONDS": "nan"}, "FORMS_RETRY_BASE_SECONDS"),
        ({"FORMS_RETRY_MAX_SECONDS": "a while"}, "FORMS_RETRY_MAX_SECONDS"),
        ({"FORMS_DELIVERY_POLL_SECONDS": "0"}, "FORMS_DELIVERY_POLL_SECONDS"),
        ({"FORMS_DELIVERY_POLL_SECONDS": "inf"}, "FORMS_DELIVERY_POLL_SECONDS"),
        ({"FORMS_URGENT_INBOX": "on call"}, "FORMS_URGENT_INBOX"),
        ({"FORMS_URGENT_INBOX": "On Call <oncall@clinic.example>"}, "FORMS_URGENT_INBOX"),
        ({"FORMS_URGENT_INBOX": "oncall@clinic.example\r\nBcc: x@example.com"}, "FORMS_URGENT_INBOX"),
        ({"FORMS_URGENT_INBOX": "oncall@clinic.example\n"}, "FORMS_URGENT_INBOX"),
        ({"FORMS_URGENT_INBOX": "oncall@clinic"}, "FORMS_URGENT_INBOX"),
        ({"FORMS_URGENT_INBOX": " "}, "FORMS_URGENT_INBOX"),
        ({"FORMS_MAILER": "smtp://host:99999"}, "FORMS_MAILER"),
        ({"FORMS_SECRET_ARN": "not-an-arn"}, "FORMS_SECRET_ARN"),
        ({"FORMS_ORIGIN_SECRET_ARN": "not-an-arn"}, "FORMS_ORIGIN_SECRET_ARN"),
        ({"FORMS_CLINIC_NAME": "Two\nlines"}, "FORMS_CLINIC_NAME"),
        ({"FORMS_CLINIC_ADDRESS": "x" * 301}, "FORMS_CLINIC_ADDRESS"),
        ({"FORMS_RATE_LIMIT": "lots"}, "FORMS_RATE_LIMIT"),
        ({"FORMS_TRUSTED_PROXIES": "11"}, "FORMS_TRUSTED_PROXIES"),
        ({"FORMS_ALLOWED_ORIGINS": "clinic.example"}, "FORMS_ALLOWED_ORIGINS"),
        ({"FORMS_MIN_SUBMIT_SECONDS": "-1"}, "FORMS_MIN_SUBMIT_SECONDS"),
        ({"FORMS_CAPTCHA": "recaptcha"}, "FORMS_CAPTCHA"),
        ({"FORMS_CAPTCHA_DIFFICULTY": "0"}, "FORMS_CAPTCHA_DIFFICULTY"),
        ({"FORMS_RETENTION_DAYS": "0"}, "FORMS_RETENTION_DAYS"),
        ({"FORMS_RETENTION_DAYS": "thirty"}, "FORMS_RETENTION_DAYS"),
        ({"FORMS_SEND_RATE": "0"}, "FORMS_SEND_RATE"),
        ({"FORMS_SEND_RATE": "fast"}, "FORMS_SEND_RATE"),
        ({"FORMS_SEND_CONCURRENCY": "65"}, "FORMS_SEND_CONCURRENCY"),
        ({"FORMS_UNSUBSCRIBE_MAILTO": "desk"}, "FORMS_UNSUBSCRIBE_MAILTO"),
        ({"FORMS_WELCOME_EMAIL": "2"}, "FORMS_WELCOME_EMAIL"),
        ({"FORMS_WELCOME_ARTICLES": "11"}, "FORMS_WELCOME_ARTICLES"),
        ({"FORMS_SNS_TOPIC_ARNS": "topic"}, "FORMS_SNS_TOPIC_ARNS"),
        ({"FORMS_NOTIFY_SITE": "s3://B"}, "FORMS_NOTIFY_SITE"),
        ({"FORMS_NOTIFY_SITE": " "}, "FORMS_NOTIFY_SITE"),
    ],
)
def test_invalid_settings_stop_startup_naming_the_variable(tmp_path, env, variable):
    with pytest.raises(ConfigError, match=variable):
        load_settings({"FORMS_VAR_DIR": str(tmp_path / "var"), **env})


def test_smtp_password_is_not_echoed(tmp_path):
    with pytest.raises(ConfigError) as error:
        load_settings({"FORMS_VAR_DIR": str(tmp_path), "FORMS_MAILER": "smtp://user:s3cret@host:notaport"})
    assert "s3cret" not in str(error.value)


def test_ses_with_a_real_sender_is_accepted(tmp_path):
    settings = load_settings(
        {"FORMS_VAR_DIR": str(tmp_path), "FORMS_MAILER": "ses", "FORMS_SENDER": "Vitalitas <no-reply@clinic.example>"}
    )
    assert settings.sender_domain == "clinic.example"


def test_create_app_reads_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FORMS_STORE", f"sqlite:///{tmp_path}/env.sqlite3")
    monkeypatch.setenv("FORMS_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("FORMS_DOUBLE_OPT_IN", "0")
    r = create_app().test_client().get("/api/health")
    assert r.json["double_opt_in"] is False
    assert (tmp_path / "env.sqlite3").exists()


def test_test_config_may_use_python_values(tmp_path):
    app = create_app(
        {
            "FORMS_VAR_DIR": str(tmp_path),
            "FORMS_STORE": f"sqlite:///{tmp_path}/t.sqlite3",
            "FORMS_DOUBLE_OPT_IN": False,
            "FORMS_CONFIRM_MAX_AGE": 600,
        }
    )
    settings = app.extensions["forms_lambda"].settings
    assert settings.double_opt_in is False and settings.confirm_max_age == 600

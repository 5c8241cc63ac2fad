"""Token keys: several accepted at once (a rotation), the newest signs, read from Secrets Manager by ARN."""

import json

import boto3
import pytest

from forms_lambda import ConfigError, create_app
from forms_lambda.config import load_settings
from forms_lambda.signing_keys import REFRESH_INTERVAL_SECONDS, SigningKeys, from_secret
from forms_lambda.tokens import ExpiredToken, InvalidToken, Tokens

OLD, NEW, STRANGER = "old-key-0123456789abcdef", "new-key-0123456789abcdef", "someone-elses-key-0123456789"


def test_with_two_keys_tokens_of_either_are_accepted_and_the_newest_signs():
    both = Tokens(SigningKeys([OLD, NEW]), 3600)
    # (make a token, read one, what the link carries)
    kinds = [
        ("unsubscribe_token", "read_unsubscribe_token", lambda n: (f"sub-{n}",), lambda n: f"sub-{n}"),
        (
            "confirm_token",
            "read_confirm_token",
            lambda n: (f"sub-{n}", f"opt-in-{n}"),
            lambda n: (f"sub-{n}", f"opt-in-{n}"),
        ),
    ]
    for make, read, args, ids in kinds:
        assert getattr(both, read)(getattr(Tokens(OLD, 3600), make)(*args(1))) == ids(1)
        assert getattr(both, read)(getattr(Tokens(NEW, 3600), make)(*args(2))) == ids(2)
        signed_by_both = getattr(both, make)(*args(3))
        assert getattr(Tokens(NEW, 3600), read)(signed_by_both) == ids(3)
        with pytest.raises(InvalidToken):
            getattr(Tokens(OLD, 3600), read)(signed_by_both)
        with pytest.raises(InvalidToken):
            getattr(both, read)(getattr(Tokens(STRANGER, 3600), make)(*args(4)))


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_an_unknown_key_makes_a_warm_copy_read_the_keys_again_at_most_once_a_minute():
    clock, loads = Clock(), []
    secret = {"keys": [OLD]}

    def load():
        loads.append(clock.now)
        return list(secret["keys"])

    warm = Tokens(SigningKeys([OLD], load, clock), 3600)
    secret["keys"] = [OLD, NEW]  # rotated meanwhile
    new_token = Tokens(NEW, 3600).unsubscribe_token("sub-1")
    with pytest.raises(InvalidToken):  # too soon after the cold start: no read
        warm.read_unsubscribe_token(new_token)
    clock.now += REFRESH_INTERVAL_SECONDS
    assert warm.read_unsubscribe_token(new_token) == "sub-1"
    assert len(loads) == 1
    forged = Tokens(STRANGER, 3600).unsubscribe_token("sub-1")
    clock.now += REFRESH_INTERVAL_SECONDS
    for _ in range(50):  # a flood of forged tokens
        with pytest.raises(InvalidToken):
            warm.read_unsubscribe_token(forged)
    assert len(loads) == 2


def test_an_expired_confirmation_is_expired_whatever_the_keys(monkeypatch):
    loads = []
    tokens = Tokens(SigningKeys([OLD], lambda: loads.append(1) or [OLD], Clock()), 60)
    token = tokens.confirm_token("sub-1", "opt-in-1")
    monkeypatch.setattr("time.time", lambda: 10**10)
    with pytest.raises(ExpiredToken):
        tokens.read_confirm_token(token)
    assert loads == []


def test_a_failed_refresh_keeps_the_keys_it_has(caplog):
    clock = Clock()

    def unreachable():
        raise ConnectionError("no route to Secrets Manager")

    keys = SigningKeys([OLD], unreachable, clock)
    clock.now += REFRESH_INTERVAL_SECONDS
    assert keys.refresh() is False and keys.keys == [OLD]
    assert "signing_keys.refresh_failed" in caplog.text


@pytest.fixture
def secret(moto_server):
    def make(value):
        text = value if isinstance(value, str) else json.dumps(value)
        return boto3.client("secretsmanager").create_secret(Name=f"key-{abs(hash(text))}", SecretString=text)["ARN"]

    return make


def test_the_function_reads_its_keys_from_the_secret_at_startup(secret, tmp_path):
    arn = secret({"key": NEW, "previous": [OLD]})
    app = create_app(
        {
            "FORMS_SECRET_ARN": arn,
            "FORMS_VAR_DIR": str(tmp_path / "var"),
            "FORMS_STORE": f"sqlite:///{tmp_path}/forms.sqlite3",
            "FORMS_MAILER": f"maildir:{tmp_path}/m",
            "AWS_LAMBDA_FUNCTION_NAME": "forms",
        }
    )
    tokens = app.extensions["forms_lambda"].tokens
    assert tokens.keys.keys == [OLD, NEW]
    assert Tokens(NEW, 60).read_unsubscribe_token(tokens.unsubscribe_token("sub-1")) == "sub-1"
    assert not (tmp_path / "var" / "secret_key").exists()


@pytest.mark.parametrize(
    "value,message",
    [
        ("not json " + NEW, "the secret is not JSON"),
        (["a list"], 'not a JSON object with a "key"'),
        ({"key": "short"}, "at least 16 characters"),
        ({"key": NEW, "previous": OLD}, '"previous" in the secret is not a list'),
        ({"key": NEW, "previous": [12345678901234567890]}, "at least 16 characters"),
    ],
)
def test_a_malformed_secret_stops_startup_without_quoting_it(secret, value, message):
    arn = secret(value)
    with pytest.raises(ConfigError, match="FORMS_SECRET_ARN") as error:
        from_secret(arn)
    assert message in str(error.value) and NEW not in str(error.value)


def test_a_missing_secret_stops_startup_naming_the_variable(moto_server):
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:nothing-here-AbCdEf"
    with pytest.raises(ConfigError, match=f"FORMS_SECRET_ARN: cannot read the keys from {arn}"):
        from_secret(arn)


@pytest.mark.parametrize(
    "env,message",
    [
        ({"FORMS_SECRET_ARN": "my-secret"}, "FORMS_SECRET_ARN must be the ARN of a Secrets Manager secret"),
        ({"FORMS_SECRET_ARN": "arn:aws:s3:::bucket"}, "FORMS_SECRET_ARN must be the ARN"),
        (
            {
                "FORMS_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbCdEf",
                "FORMS_SECRET_KEY": NEW,
            },
            "FORMS_SECRET_ARN and FORMS_SECRET_KEY are both set",
        ),
        ({"AWS_LAMBDA_FUNCTION_NAME": "forms"}, "FORMS_SECRET_ARN (or FORMS_SECRET_KEY) is required on AWS Lambda"),
        ({"FORMS_ORIGIN_SECRET_ARN": "origin-value"}, "FORMS_ORIGIN_SECRET_ARN must be the ARN of a Secrets Manager"),
    ],
)
def test_invalid_key_settings_stop_startup_naming_the_variable(tmp_path, env, message):
    with pytest.raises(ConfigError) as error:
        load_settings({"FORMS_VAR_DIR": str(tmp_path / "var"), **env})
    assert message in str(error.value)


def test_an_unreadable_origin_secret_stops_startup_naming_its_variable(moto_server, tmp_path):
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:no-origin-AbCdEf"
    with pytest.raises(ConfigError, match=f"FORMS_ORIGIN_SECRET_ARN: cannot read the keys from {arn}"):
        create_app(
            {
                "FORMS_ORIGIN_SECRET_ARN": arn,
                "FORMS_VAR_DIR": str(tmp_path / "var"),
                "FORMS_STORE": f"sqlite:///{tmp_path}/forms.sqlite3",
            }
        )

"""The clinic's facts come from clinic.toml for the site and the service alike; the environment overrides them."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import pelicanconf
from forms_lambda import ConfigError, clinic
from forms_lambda.config import load_settings
from tests.support import make_dry_run

ROOT = Path(__file__).resolve().parents[2]


def settings(tmp_path, **env):
    return load_settings({"FORMS_VAR_DIR": str(tmp_path / "var"), **env})


def test_the_service_and_the_site_read_the_same_facts(tmp_path):
    facts = clinic.read_clinic()
    assert facts == pelicanconf.CLINIC
    assert pelicanconf.FORMS_CAPTCHA == settings(tmp_path).captcha == clinic.read_shared()["forms"]["captcha"]
    loaded = settings(tmp_path)
    assert loaded.clinic_name == facts["name"] == "Vitalitas Denver Ketamine Infusion Center"
    assert loaded.clinic_address.splitlines() == [facts["street"], f"Denver, CO {facts['postal_code']}"]


@pytest.mark.parametrize("value", ["", "  ", ";", " ; ;"])
def test_an_empty_address_setting_means_the_sites_address(tmp_path, value):
    """The stack passes its ClinicAddress parameter, empty unless the operator gave one."""
    assert settings(tmp_path, FORMS_CLINIC_ADDRESS=value).clinic_address == clinic.postal_address(clinic.read_clinic())


def test_the_environment_overrides_name_and_address(tmp_path):
    loaded = settings(tmp_path, FORMS_CLINIC_NAME="Vitalitas Clinic", FORMS_CLINIC_ADDRESS="PO Box 1; Denver, CO 80201")
    assert (loaded.clinic_name, loaded.clinic_address) == ("Vitalitas Clinic", "PO Box 1\nDenver, CO 80201")


FORMS = '\n[forms]\ncaptcha = "off"\n'
FACTS = '[clinic]\nname = "V"\nphone = "1"\nstreet = "1 Main"\ncity = "Denver"\nregion = "CO"\npostal_code = "80202"\n'


@pytest.mark.parametrize(
    "text,missing",
    [
        (None, "cannot read"),
        ("[clinic\nname = 1", "cannot read"),
        (
            '[other]\nname = "x"',
            "needs [clinic] name, [clinic] phone, [clinic] street, [clinic] city, [clinic] region, "
            "[clinic] postal_code, [forms] captcha",
        ),
        (FACTS.replace('"1 Main"', '" "') + FORMS, "needs [clinic] street"),
        (FACTS.replace('"80202"', "80202") + FORMS, "needs [clinic] postal_code"),
        (FACTS, "needs [forms] captcha"),
        (FACTS + FORMS.replace('"off"', "false"), "needs [forms] captcha"),
        (FACTS + FORMS.replace('"off"', '"turnstile"'), "must be off or altcha, got 'turnstile'"),
    ],
)
def test_a_missing_or_broken_clinic_file_stops_startup_naming_it(tmp_path, monkeypatch, text, missing):
    path = tmp_path / "clinic.toml"
    if text is not None:
        path.write_text(text)
    monkeypatch.setattr(clinic, "CLINIC_FILE", path)
    with pytest.raises(ConfigError, match=re.escape(missing)) as error:
        settings(tmp_path)
    assert str(path) in str(error.value) or "clinic.toml" in str(error.value)


@pytest.mark.parametrize(
    "in_file,in_environment,result",
    [("off", "", "off"), ("altcha", "", "altcha"), ("altcha", "off", "off"), ("off", "ALTCHA ", "altcha")],
)
def test_the_spam_check_is_clinic_tomls_unless_the_environment_says(
    tmp_path, monkeypatch, in_file, in_environment, result
):
    path = tmp_path / "clinic.toml"
    path.write_text(FACTS + FORMS.replace('"off"', f'"{in_file}"'))
    monkeypatch.setattr(clinic, "CLINIC_FILE", path)
    assert settings(tmp_path, FORMS_CAPTCHA=in_environment).captcha == result


@pytest.mark.parametrize("value", ["0", "hard", "2000000"])
def test_a_bad_difficulty_stops_startup_naming_it(tmp_path, value):
    with pytest.raises(ConfigError, match="FORMS_CAPTCHA_DIFFICULTY"):
        settings(tmp_path, FORMS_CAPTCHA="altcha", FORMS_CAPTCHA_DIFFICULTY=value)


def test_the_lambda_package_carries_the_clinic_file(tmp_path):
    """The code `make build-FormsFunction` copies into the package, run from there: the same facts, no repository."""
    dry = make_dry_run("build-FormsFunction", ARTIFACTS_DIR=tmp_path)
    copy = next(part for line in dry for part in line.split("&&") if part.strip().startswith("cp "))
    subprocess.run(shlex.split(copy), cwd=ROOT, check=True)
    script = (
        "import sys; sys.path.insert(0, '.'); import forms_lambda; assert forms_lambda.__file__.startswith('.')"
        " or forms_lambda.__file__.startswith(sys.argv[1]); from forms_lambda.config import load_settings; "
        "print(load_settings({'FORMS_VAR_DIR': '/tmp/unused', 'FORMS_SECRET_KEY': 'k' * 32}).clinic_address)"
    )
    # -I: neither the repository (PYTHONPATH, the current folder) nor anything else is on the path, only the package
    run = subprocess.run(
        [sys.executable, "-I", "-c", script, str(tmp_path)], cwd=tmp_path, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == clinic.postal_address(clinic.read_clinic())

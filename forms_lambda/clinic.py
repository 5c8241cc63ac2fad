"""clinic.toml, the one file the site build (pelicanconf.py) and the form service both read, so they cannot disagree.

[clinic]: the service takes the clinic's name (emails' sender name, footers), its phone (what to do without
JavaScript) and its postal address (every newsletter carries it, CAN-SPAM) from there, unless FORMS_CLINIC_NAME or
FORMS_CLINIC_ADDRESS say otherwise (config.py): so `make notify` after `make run` mails the address the site shows,
with nothing to set. [forms]: `captcha`, the spam check the pages show and the service requires (FORMS_CAPTCHA
overrides it for both).
"""

import tomllib
from pathlib import Path

# In the repository next to forms_lambda/, and so in the Lambda package (Makefile: LAMBDA_PACKAGE copies both).
CLINIC_FILE = Path(__file__).resolve().parent.parent / "clinic.toml"
ADDRESS_FIELDS = ("street", "city", "region", "postal_code")


def read_shared(path=None):
    """clinic.toml as a dict; ValueError naming the file when it is missing or lacks what the service uses."""
    path = Path(path or CLINIC_FILE)
    try:
        with open(path, "rb") as f:
            shared = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ValueError(f"cannot read the clinic's facts from {path}: {e}") from None
    clinic, forms = shared.get("clinic"), shared.get("forms")
    missing = [
        f"[clinic] {key}"
        for key in ("name", "phone", *ADDRESS_FIELDS)
        if not isinstance(clinic, dict) or not isinstance(clinic.get(key), str) or not clinic[key].strip()
    ]
    if not isinstance(forms, dict) or not isinstance(forms.get("captcha"), str):
        missing.append("[forms] captcha")
    if missing:
        raise ValueError(f"{path}: needs {', '.join(missing)}")
    return shared


def read_clinic(path=None):
    """clinic.toml's [clinic] table: the clinic's facts."""
    return read_shared(path)["clinic"]


def postal_address(clinic):
    """The address as the site's footer shows it, one line per line: street, then city, region and postal code."""
    return f"{clinic['street']}\n{clinic['city']}, {clinic['region']} {clinic['postal_code']}"

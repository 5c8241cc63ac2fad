"""The clinic's facts from clinic.toml, the one file the site build (pelicanconf.py) and the form service both read.

The service takes the clinic's name (emails' sender name, footers) and its postal address (every newsletter carries
it, CAN-SPAM) from there, unless FORMS_CLINIC_NAME or FORMS_CLINIC_ADDRESS say otherwise (config.py): so
`make notify` after `make run` mails the address the site shows, with nothing to set.
"""
import tomllib
from pathlib import Path

# In the repository next to forms_lambda/, and so in the Lambda package (Makefile: LAMBDA_PACKAGE copies both).
CLINIC_FILE = Path(__file__).resolve().parent.parent / "clinic.toml"
ADDRESS_FIELDS = ("street", "city", "region", "postal_code")


def read_clinic(path=None):
    """clinic.toml's [clinic] table; ValueError naming the file when it is missing or lacks what the service uses."""
    path = Path(path or CLINIC_FILE)
    try:
        with open(path, "rb") as f:
            clinic = tomllib.load(f).get("clinic")
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ValueError(f"cannot read the clinic's facts from {path}: {e}") from None
    missing = [key for key in ("name", "phone", *ADDRESS_FIELDS)
               if not isinstance(clinic, dict) or not isinstance(clinic.get(key), str) or not clinic[key].strip()]
    if missing:
        raise ValueError(f"{path}: [clinic] needs {', '.join(missing)}")
    return clinic


def postal_address(clinic):
    """The address as the site's footer shows it, one line per line: street, then city, region and postal code."""
    return f"{clinic['street']}\n{clinic['city']}, {clinic['region']} {clinic['postal_code']}"

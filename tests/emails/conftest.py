"""The email tests reuse the form service's fixtures (an app on real backends), not copies of them."""

from tests.forms.conftest import _clean_environment, dynamo_config, maildir, sqlite_config  # noqa: F401

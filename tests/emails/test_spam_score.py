"""SpamAssassin (Debian's, its shipped rules, local tests only: no network) scores each kind of email below 3."""

import re
import shutil
import subprocess

import pytest

from tests.emails.samples import BUILDERS, SETTINGS

pytestmark = pytest.mark.slow  # runs SpamAssassin on every email

LIMIT = 3.0
# An urgent contact request goes to the clinic's own inboxes, whose filters must never take it for spam: below
# SpamAssassin's own threshold (required_score 5), where the words that make it urgent may cost points.
LIMITS = {"urgent contact": 5.0}
# GTUBE: the test string every SpamAssassin scores as spam, so a broken scorer cannot pass for a clean email.
GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"


def spam_score(raw, home):
    """SpamAssassin's score and the rules it hit; -L: local tests only, no Bayes, nothing written to $HOME."""
    executable = shutil.which("spamassassin")
    assert executable, "SpamAssassin is missing: `make system-deps` installs Debian's spamassassin"
    result = subprocess.run(
        [executable, "-L", "-t", "-x", "--cf=use_bayes 0", "--cf=bayes_auto_learn 0"],
        input=raw,
        capture_output=True,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    status = re.search(
        rb"^X-Spam-Status: .*?score=(-?[\d.]+).*?tests=(.*?)autolearn", result.stdout, re.MULTILINE | re.DOTALL
    )
    assert status, result.stdout[-2000:] + result.stderr[-2000:]
    return float(status.group(1)), b"".join(status.group(2).split()).decode()


@pytest.mark.parametrize("kind", BUILDERS)
def test_each_email_scores_below_3(kind, tmp_path):
    score, rules = spam_score(BUILDERS[kind]().as_bytes(), tmp_path)
    print(f"SpamAssassin {kind}: {score} ({rules})")  # shown with -s: the number the report quotes
    assert score < LIMITS.get(kind, LIMIT), f"{kind} scores {score}: {rules}"


def test_the_scorer_can_fail(tmp_path):
    from forms_lambda import emails
    from forms_lambda.stores import Post, Subscriber

    spam = Post("/blog/x/", title="A message", link="https://clinic.example/blog/x/", summary=GTUBE)
    score, rules = spam_score(
        emails.announcement_email(
            SETTINGS, spam, Subscriber(email="a@example.org"), "https://clinic.example/u", "t"
        ).as_bytes(),
        tmp_path,
    )
    assert score >= LIMIT and "GTUBE" in rules

"""The privacy audit itself can fail a run: a posted name in a log line turns a green run red, with or
without pytest-xdist's workers (`make test` runs with them)."""

import pytest

from tests.support import ROOT

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.slow  # runs pytest in new processes

A_FORM_THAT_LOGS = """
import logging
from flask import Flask, request

app = Flask(__name__)


@app.post("/api/contact")
def contact():
    logging.getLogger("clinic").warning("{what}", request.form["name"])
    return "thanks"


def test_a_patient_writes():
    assert app.test_client().post("/api/contact", data={{"name": "Jordan Patientname"}}).status_code == 200
"""


@pytest.mark.parametrize(
    "workers, what, leaks",
    [
        ([], "message from %s", True),
        (["-n", "2"], "message from %s", True),
        (["-n", "2"], "message %.0s1f3a", False),
    ],
    ids=["name logged, one process", "name logged, xdist workers", "id logged, xdist workers"],
)
def test_a_name_in_a_log_line_fails_the_run(pytester, monkeypatch, workers, what, leaks):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makepyfile(test_form=A_FORM_THAT_LOGS.format(what=what))
    result = pytester.runpytest_subprocess("-p", "tests.security.privacy_audit", "-p", "no:cacheprovider", *workers)
    result.assert_outcomes(passed=1)
    if leaks:
        assert result.ret == pytest.ExitCode.TESTS_FAILED
        result.stdout.fnmatch_lines(["*privacy audit FAILED: 1 posted values appear in the logs*Jordan Patientname*"])
    else:
        assert result.ret == pytest.ExitCode.OK
        result.stdout.fnmatch_lines(["*privacy audit: * log lines hold none of the 1 personal values*"])

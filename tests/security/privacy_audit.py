"""A pytest plugin that audits the whole run: no log line may hold personal data a test posted.

Every name, email, phone and message posted to the forms of an in-process app is remembered
(Flask's request_finished signal); every log record of the run is kept as the service writes it
(JSON for the service's logger). At the end, any posted value found in any line fails the run.
Servers run as subprocesses check their own logs in their tests (test_concurrency).
"""
import logging
import re

import pytest

PERSONAL = ("name", "email", "phone", "message")
FORM_PATHS = ("/api/contact", "/api/subscribe")
# Short values, values of hex digits and dashes only (ids, numbers) and paths (fuzzers put "/contact/"
# in any field; logs name paths) can appear in logs by chance.
NOT_CHECKED = re.compile(r"[0-9A-Fa-f\s.-]*|/\S*")


class Audit(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.values = set()
        self.lines = []
        self.leaks = []

    def emit(self, record):
        from forms_lambda.logs import LOGGER_NAME, JsonFormatter

        try:
            if record.name == LOGGER_NAME:
                line = JsonFormatter().format(record)
            else:
                line = logging.Formatter("%(name)s %(levelname)s %(message)s").format(record)
        except Exception as e:  # a record that cannot even be formatted is still evidence
            line = f"{record.name} unformattable {record.msg!r} {record.args!r} {e}"
        self.lines.append(line)

    def remember(self, sender, response, **extra):
        from flask import request

        if request.method != "POST" or request.path not in FORM_PATHS:
            return
        try:
            data = request.get_json(silent=True) if request.is_json else request.form.to_dict()
        except Exception:
            return
        if not isinstance(data, dict):
            return
        for field in PERSONAL:
            value = data.get(field)
            if isinstance(value, str):
                value = value.strip()
                if len(value) >= 6 and not NOT_CHECKED.fullmatch(value):
                    self.values.add(value)

    def check(self):
        text = "\n".join(self.lines)
        self.leaks = sorted(v for v in self.values if v in text or v.lower() in text.lower())
        return not self.leaks


_audit = Audit()


def pytest_sessionstart(session):
    from flask import request_finished

    from forms_lambda.logs import LOGGER_NAME

    logging.getLogger().addHandler(_audit)
    logging.getLogger(LOGGER_NAME).addHandler(_audit)
    # weak=False: the plugin lives as long as the run.
    request_finished.connect(_audit.remember, weak=False)


def pytest_sessionfinish(session, exitstatus):
    if _audit.values and not _audit.check():
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if not _audit.values:
        return
    if not _audit.check():
        terminalreporter.write_line(f"privacy audit FAILED: {len(_audit.leaks)} posted values appear in the logs, "
                                    f"e.g. {_audit.leaks[:3]!r}", red=True)
    else:
        terminalreporter.write_line(f"privacy audit: {len(_audit.lines)} log lines hold none of the "
                                    f"{len(_audit.values)} personal values the tests posted")

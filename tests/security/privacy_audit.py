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
    if hasattr(session.config, "workeroutput"):
        # A pytest-xdist worker: the controller judges the run (a worker's exit status does not reach it).
        _audit.check()
        # Escaped: fuzzers post lone surrogates, which execnet cannot send.
        safe = [value.encode("utf-8", "backslashreplace").decode() for value in _audit.values]
        leaks = [value.encode("utf-8", "backslashreplace").decode() for value in _audit.leaks]
        session.config.workeroutput["privacy_audit"] = {"lines": len(_audit.lines), "values": safe, "leaks": leaks}
        return
    if _totals["leaks"] or _totals["silent"] or (_audit.values and not _audit.check()):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# What the pytest-xdist workers reported; empty without xdist.
_totals = {"lines": 0, "values": set(), "leaks": set(), "silent": []}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    report = getattr(node, "workeroutput", {}).get("privacy_audit")
    if report is None:  # a worker that could not report: its lines were not audited
        _totals["silent"].append(node.gateway.id)
    else:
        _totals["lines"] += report["lines"]
        _totals["values"].update(report["values"])
        _totals["leaks"].update(report["leaks"])


def pytest_terminal_summary(terminalreporter):
    if _audit.values:
        _audit.check()
    lines = len(_audit.lines) + _totals["lines"]
    values = _audit.values | _totals["values"]
    leaks = sorted(set(_audit.leaks) | _totals["leaks"])
    if _totals["silent"]:
        terminalreporter.write_line(f"privacy audit FAILED: workers {_totals['silent']} sent no report", red=True)
    if not values:
        return
    if leaks:
        terminalreporter.write_line(
            f"privacy audit FAILED: {len(leaks)} posted values appear in the logs, e.g. {leaks[:3]!r}", red=True
        )
    else:
        terminalreporter.write_line(
            f"privacy audit: {lines} log lines hold none of the {len(values)} personal values the tests posted"
        )

"""The locks: every package pinned with its hashes, installed with --require-hashes, and in step with pyproject.toml."""

import re
import tomllib
from pathlib import Path

import pytest

from tests.support import make_dry_run

ROOT = Path(__file__).resolve().parents[2]
LOCKS = ["requirements.txt", "requirements-lambda.txt", "requirements-build.txt"]
REQUIREMENT = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)((?:\s*\\\n\s+--hash=sha256:[0-9a-f]{64})*)", re.M)


def pins(lock):
    """{normalised name: (version, number of hashes)} of a lock file."""
    text = (ROOT / lock).read_text()
    found = {
        re.sub(r"[-_.]+", "-", m.group(1)).lower(): (m.group(2), m.group(3).count("--hash="))
        for m in REQUIREMENT.finditer(text)
    }
    requirement_lines = [line for line in text.splitlines() if line and not line.startswith((" ", "#"))]
    assert len(found) == len(requirement_lines), f"{lock} has a line that is not name==version with hashes"
    return found


def direct_dependencies(*lists):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    specs = [*project["build-system"]["requires"]] if "build" in lists else []
    specs += project["project"]["dependencies"] if "runtime" in lists else []
    for extra in ("site", "local", "dev"):
        specs += project["project"]["optional-dependencies"][extra] if extra in lists else []
    return {re.sub(r"[-_.]+", "-", s.split("==")[0].split("[")[0]).lower(): s.split("==")[1] for s in specs}


@pytest.mark.parametrize("lock", LOCKS)
def test_every_locked_package_has_hashes(lock):
    locked = pins(lock)
    assert locked and all(hashes >= 1 for _, hashes in locked.values()), lock


@pytest.mark.parametrize(
    "lock,lists",
    [
        ("requirements.txt", ("runtime", "site", "local", "dev")),
        ("requirements-lambda.txt", ("runtime",)),
        ("requirements-build.txt", ("build",)),
    ],
)
def test_each_lock_holds_pyproject_pins(lock, lists):
    locked = pins(lock)
    assert {name: locked.get(name, (None,))[0] for name in direct_dependencies(*lists)} == direct_dependencies(*lists)


def test_the_lambda_package_has_the_versions_the_tests_ran_with():
    everything, lambda_ = pins("requirements.txt"), pins("requirements-lambda.txt")
    assert {name: version for name, (version, _) in lambda_.items()} == {name: everything[name][0] for name in lambda_}


def test_every_install_checks_hashes():
    """make venv and the Lambda build refuse a package whose file does not match the lock."""
    dry = make_dry_run("venv", "build-FormsFunction", ARTIFACTS_DIR="/tmp/x")
    installs = [line for line in dry if "pip install" in line]
    assert len(installs) == 3 and all("--require-hashes" in line for line in installs), installs

"""Helpers the tests import: plain functions, classes and constants (fixtures live in the conftest.py files,
where pytest finds them)."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def repository_files():
    """The repository's files as a clone has them (tracked, and new ones not ignored), relative to ROOT."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    return [name for name in listing.stdout.decode().split("\0") if name]


def make_dry_run(*targets, **variables):
    """The commands `make` would run for targets (all of them, up to date or not), one per line, without running
    them. --no-print-directory: under `make test` make would add its Entering/Leaving lines."""
    return subprocess.run(
        ["make", "--no-print-directory", "-n", "--always-make", *targets, *(f"{k}={v}" for k, v in variables.items())],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()

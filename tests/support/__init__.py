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

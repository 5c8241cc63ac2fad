"""Helpers the tests import: plain functions, classes and constants (fixtures live in the conftest.py files,
where pytest finds them)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

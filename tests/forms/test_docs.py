"""The repository stands alone: its docs say what the code does (the routes, every setting), and nothing points to
notes a person who clones it does not have."""

import re
import subprocess
from pathlib import Path

import pytest

from forms_lambda.config import DEFAULTS

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def table_rows(markdown, heading):
    """The cells of the first table under `heading` (a line starting with #), header row left out."""
    lines = markdown.split(f"{heading}\n", 1)[1].splitlines()
    rows = [
        line
        for line in lines[: next((i for i, text in enumerate(lines) if text.startswith("#")), len(lines))]
        if line.startswith("|")
    ]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def test_the_documented_routes_are_the_apps_with_their_methods(app):
    documented = {
        row[0].strip("`"): {m.strip() for m in row[1].split(",")}
        for row in table_rows((DOCS / "http.md").read_text(), "## Routes")
    }
    served = {}
    for rule in app.url_map.iter_rules():  # a path may have a view per method (confirm: GET page, POST button)
        if rule.rule.startswith("/api/"):
            served.setdefault(rule.rule, set()).update(set(rule.methods) - {"HEAD", "OPTIONS"})
    assert documented == served


def settings_read_by_the_service():
    names = set()
    for path in (ROOT / "forms_lambda").rglob("*.py"):
        names |= set(re.findall(r"[\"'](FORMS_[A-Z_]+)[\"']", path.read_text()))
    return names


def test_every_setting_the_service_reads_is_documented_with_its_default():
    rows = table_rows((DOCS / "configuration.md").read_text(), "## The form service: `FORMS_*` environment variables")
    documented = {row[0].strip("`"): row[1] for row in rows}
    assert set(documented) == settings_read_by_the_service()
    assert set(DEFAULTS) <= set(documented)
    for name, default in DEFAULTS.items():
        if default:
            assert documented[name] == f"`{default}`", name
        else:
            assert documented[name].startswith("empty"), name


@pytest.mark.parametrize(
    "pointer", ["DESIGN.md", "TOOLING.md", "../shared", "shared notes", "team brief", "team's seed", "interface list"]
)
def test_nothing_points_outside_the_repository(pointer):
    files = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    pointing = [
        name
        for name in files
        if name
        and (ROOT / name).is_file()
        and name != "tests/forms/test_docs.py"
        and not name.startswith("theme/static/vendor/")
        and pointer.lower() in (ROOT / name).read_text(errors="replace").lower()
    ]
    assert pointing == []


def test_the_readme_leads_to_every_page_of_docs():
    readme = (ROOT / "README.md").read_text()
    assert readme.startswith("# ") and readme.index("make run") < readme.index("make test") < readme.index("##")
    for page in DOCS.glob("*.md"):
        assert f"(docs/{page.name})" in readme, page.name
    for link in re.findall(r"\]\((docs/[^)#]+)", readme):
        assert (ROOT / link).is_file(), link

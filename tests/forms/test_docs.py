"""The repository stands alone: its docs say what the code does (the routes, every setting), and nothing points to
notes a person who clones it does not have."""

import re
from pathlib import Path

import pytest

from forms_lambda.config import SETTINGS
from forms_lambda.settings_table import TABLE_END, TABLE_START, settings_table, with_settings_table
from tests.support import repository_files

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


def test_every_setting_the_service_reads_is_a_field_of_settings():
    """The docs' tables are generated from the fields, so a variable read anywhere else would go undocumented."""
    assert settings_read_by_the_service() == {f.metadata["variable"] for f in SETTINGS}


@pytest.mark.parametrize("name", ["README.md", "docs/configuration.md"])
def test_the_settings_tables_are_the_settings_fields(name):
    text = (ROOT / name).read_text()
    assert text == with_settings_table(text), f"{name}'s settings table is stale: run `make docs-settings`"


def test_the_settings_table_is_replaced_between_its_markers_only():
    stale = f"# Settings\n\n{TABLE_START}| `FORMS_OLD` | `1` | gone |\n{TABLE_END}\nMore text.\n"
    assert with_settings_table(stale) == f"# Settings\n\n{TABLE_START}{settings_table()}{TABLE_END}\nMore text.\n"
    rows = table_rows(with_settings_table(stale), "# Settings")
    assert [row[0] for row in rows] == [f"`{f.metadata['variable']}`" for f in SETTINGS]
    defaults = {row[0]: row[1] for row in rows}
    assert defaults["`FORMS_RETENTION_DAYS`"] == "`30`" and defaults["`FORMS_DOUBLE_OPT_IN`"] == "`1`"
    assert defaults["`FORMS_DELIVERY`"] == "`worker` (`stream` on Lambda)"
    with pytest.raises(ValueError, match="settings table"):
        with_settings_table("# Settings\n\nno markers\n")


@pytest.mark.parametrize(
    "pointer", ["DESIGN.md", "TOOLING.md", "../shared", "shared notes", "team brief", "team's seed", "interface list"]
)
def test_nothing_points_outside_the_repository(pointer):
    pointing = [
        name
        for name in repository_files()
        if (ROOT / name).is_file()
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

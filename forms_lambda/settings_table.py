"""The settings table of README.md and docs/configuration.md, generated from the fields of config.Settings:
`python -m forms_lambda.settings_table FILE...` (`make docs-settings`) rewrites it between its markers."""

import sys
from pathlib import Path

from .config import SETTINGS


def settings_table():
    """The Markdown table of every setting that the README and docs/configuration.md show."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for f in SETTINGS:
        meta = f.metadata
        default = meta["shown"] or f"`{meta['default']}`"
        rows.append(f"| `{meta['variable']}` | {default} | {meta['help']} |")
    return "\n".join(rows) + "\n"


TABLE_START = "<!-- settings table: generated from forms_lambda/config.py by `make docs-settings`; do not edit -->\n"
TABLE_END = "<!-- end of the settings table -->\n"


def with_settings_table(markdown):
    """`markdown` with the text between the settings table's markers replaced by the current table."""
    before, start, rest = markdown.partition(TABLE_START)
    _, end, after = rest.partition(TABLE_END)
    if not start or not end:
        raise ValueError(f"no settings table to replace: it goes between the lines {TABLE_START}and {TABLE_END}")
    return f"{before}{TABLE_START}{settings_table()}{TABLE_END}{after}"


if __name__ == "__main__":
    for name in sys.argv[1:]:
        path = Path(name)
        path.write_text(with_settings_table(path.read_text()))

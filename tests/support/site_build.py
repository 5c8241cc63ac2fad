"""Pelican run as `make html` runs it, into a folder of the test's choosing."""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT


def build_site(output, settings="pelicanconf.py", content=None, site_url=None, env=None, **overrides):
    """Run Pelican (as `make html` does) into `output`; returns it as a Path.

    `site_url` replaces SITEURL and FEED_DOMAIN; `overrides` are more Pelican settings (-e, as JSON).
    The content cache goes into `output`'s parent, so builds never share or touch the repository's cache/.
    """
    output = Path(output)
    overrides = {"CACHE_PATH": str(output.parent / f"{output.name}-cache"), **overrides}
    if site_url is not None:
        overrides.update(SITEURL=site_url, FEED_DOMAIN=site_url)
    cmd = [
        sys.executable,
        "-m",
        "pelican",
        str(content or ROOT / "content"),
        "-o",
        str(output),
        "-s",
        str(ROOT / settings),
        "--fatal",
        "errors",
        "-e",
        *(f"{key}={json.dumps(value)}" for key, value in overrides.items()),
    ]
    # The spam check only when asked for (`env`): a developer's FORMS_CAPTCHA must not change what tests see.
    inherited = {k: v for k, v in os.environ.items() if k != "FORMS_CAPTCHA"}
    # COLUMNS: Pelican's log lines unwrapped, whatever the length of the temporary folder's name.
    result = subprocess.run(
        cmd, cwd=ROOT, env={**inherited, "COLUMNS": "1000", **(env or {})}, capture_output=True, text=True
    )
    assert result.returncode == 0, f"pelican failed:\n{result.stdout}\n{result.stderr}"
    return output

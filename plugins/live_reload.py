"""`make devserver` reloads the author's browser when a build finishes; other builds are left as they are.

With LIVE_RELOAD on (the Makefile's devserver target sets it), base.html loads /livereload.js, and every build
ends by writing /livereload.txt, a stamp that changes with each build: the script asks for it every second
and reloads the page when it changed. Both come from this folder into output/ only then, and a build without
LIVE_RELOAD removes them, so neither `make html` nor `make publish` ships them. Same origin, no inline code:
the site's Content-Security-Policy allows it as it is.
"""

import os
import time
from pathlib import Path

from pelican import signals

SCRIPT = Path(__file__).with_name("live_reload.js")
OUTPUT_FILES = ("livereload.js", "livereload.txt")


def write_stamp(pelican):
    output = Path(pelican.output_path)
    if not pelican.settings.get("LIVE_RELOAD"):
        for name in OUTPUT_FILES:
            (output / name).unlink(missing_ok=True)
        return
    (output / "livereload.js").write_bytes(SCRIPT.read_bytes())
    # Written last and whole (replace), so the browser reloads onto a finished build.
    temporary = output / f"livereload.txt.{os.getpid()}.tmp"
    temporary.write_text(str(time.time_ns()), encoding="utf-8")
    os.replace(temporary, output / "livereload.txt")


def register():
    signals.finalized.connect(write_stamp)

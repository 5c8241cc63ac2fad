"""`python -m bench.markdown_floor FOLDER`: Python-Markdown alone converts every .md file of FOLDER on every CPU.

With the MARKDOWN setting of our pelicanconf.py (the site's extensions), one Markdown instance per process
reset between files, forked workers: what a site build with Python-Markdown cannot go below, however fast
the rest of it. No Pelican, no templates, nothing written. Prints the number of files converted.
"""

import multiprocessing
import os
import sys
from pathlib import Path

from markdown import Markdown
from pelican.settings import read_settings

ROOT = Path(__file__).resolve().parent.parent


def markdown_settings():
    """pelicanconf.py's MARKDOWN, with its extensions listed as Pelican's reader lists them."""
    settings = dict(read_settings(str(ROOT / "pelicanconf.py"))["MARKDOWN"])
    settings["extensions"] = list(settings.get("extension_configs", {}))
    return settings


def convert(paths):
    md = Markdown(**markdown_settings())
    for path in paths:
        md.reset()
        md.convert(Path(path).read_text(encoding="utf-8"))
    return len(paths)


def main(folder):
    paths = sorted(str(p) for p in Path(folder).glob("*.md"))
    workers = os.cpu_count() or 1
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        print(sum(pool.map(convert, [paths[i::workers] for i in range(workers)])))


if __name__ == "__main__":
    main(sys.argv[1])

"""The clinic's site with example content: the real content/ plus tests/site/fixtures/clinic/ (people, a
reviewed article with sources and pictures, a FAQ page), plus a phone photo made here.

Used by the site's tests (tests/conftest.py's `clinic_site`), the end-to-end tests and `make audit`.
"""

import shutil
from pathlib import Path

from bench.corpus import make_photo
from tests.support import ROOT

FIXTURE = ROOT / "tests" / "site" / "fixtures" / "clinic"
PHOTO = "images/infusion-room.jpg"  # 4000 x 3000, with GPS in its EXIF
ARTICLE = "/blog/what-to-expect-at-your-first-infusion/"
FAQ = "/frequently-asked-questions/"


def clinic_content(dest):
    """Write the example content into dest (a new folder); returns it."""
    dest = Path(dest)
    shutil.copytree(ROOT / "content", dest)
    for folder in ("people", "articles", "pages", "images"):
        shutil.copytree(FIXTURE / folder, dest / folder, dirs_exist_ok=True)
    make_photo(dest / PHOTO)
    return dest

"""The clinic's site with example content: the real content/ plus tests/site/fixtures/clinic/ (people, a
reviewed article with sources and pictures, a FAQ page), plus a phone photo made here.

Used by the site's tests (tests/conftest.py's `clinic_site`), the end-to-end tests and `make audit`.
"""
import shutil
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "site" / "fixtures" / "clinic"
PHOTO = "images/infusion-room.jpg"  # 4000 x 3000, with GPS in its EXIF
ARTICLE = "/blog/what-to-expect-at-your-first-infusion/"
FAQ = "/frequently-asked-questions/"
# Where the photo was "taken": Denver, in EXIF's degrees, minutes, seconds.
GPS = {1: "N", 2: (39.0, 44.0, 21.0), 3: "W", 4: (104.0, 59.0, 3.0)}
GPS_IFD, MAKE, ORIENTATION = 0x8825, 0x010F, 0x0112


def make_photo(path, size=(4000, 3000), orientation=1, gps=True):
    """A phone-like JPEG: gradients and sensor noise (so it compresses like a photo), camera EXIF with GPS."""
    width, height = size
    noise = Image.effect_noise((width, height), 32)
    red = Image.linear_gradient("L").resize((width, height)).point(lambda v: 60 + v // 2)
    blue = red.transpose(Image.Transpose.ROTATE_180)
    photo = Image.merge("RGB", (red, Image.blend(noise, red, 0.5), blue))
    exif = Image.Exif()
    exif[MAKE] = "Example Phone"
    exif[ORIENTATION] = orientation
    if gps:
        exif.get_ifd(GPS_IFD).update(GPS)
    path.parent.mkdir(parents=True, exist_ok=True)
    photo.save(path, "JPEG", quality=92, exif=exif.tobytes())
    return path


def clinic_content(dest):
    """Write the example content into dest (a new folder); returns it."""
    dest = Path(dest)
    shutil.copytree(ROOT / "content", dest)
    for folder in ("people", "articles", "pages", "images"):
        shutil.copytree(FIXTURE / folder, dest / folder, dirs_exist_ok=True)
    make_photo(dest / PHOTO)
    return dest

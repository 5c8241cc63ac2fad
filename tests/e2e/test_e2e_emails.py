"""Each email's HTML as a phone shows it, light and dark: in the clinic's colours, its one button big and legible,
nothing loaded from anywhere, no axe violations. The pictures are kept in test-artifacts/screenshots/."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.emails.samples import BUILDERS, BUTTONS

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 800}
# The colours in force on an element and the nearest painted background behind it (as rgb tuples).
COLOURS = """element => {
  const rgb = value => value.match(/[\\d.]+/g).slice(0, 4).map(Number);
  let layer = element;
  while (layer && (rgb(getComputedStyle(layer).backgroundColor)[3] === 0)) layer = layer.parentElement;
  return {text: rgb(getComputedStyle(element).color).slice(0, 3),
          background: rgb(getComputedStyle(layer || document.body).backgroundColor).slice(0, 3)};
}"""


def luminance(rgb):
    """WCAG 2.1 relative luminance."""

    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(colours):
    lighter, darker = sorted((luminance(colours["text"]), luminance(colours["background"])), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", BUILDERS)
def test_email_on_a_phone(browser, artifacts, kind, scheme):
    msg = BUILDERS[kind]()
    context = browser.new_context(viewport=PHONE, color_scheme=scheme, java_script_enabled=True)
    requests = []
    context.route("**/*", lambda route: (requests.append(route.request.url), route.abort()))
    page = context.new_page()
    try:
        page.set_content(msg.get_body(("html",)).get_content())
        assert requests == []  # no remote image, font, stylesheet or tracking pixel
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]

        label, href = BUTTONS[kind]
        button = page.get_by_role("link", name=label)
        assert button.count() == 1 and button.get_attribute("href") == href and button.is_visible()
        box = button.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44  # a thumb's size (WCAG 2.5.5)
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert contrast(button.evaluate(COLOURS)) >= 4.5

        card = page.locator("main")
        # Every kind of text on it (headings, paragraphs, labels, links, the footer) is legible: WCAG AA.
        for selector in ("header", "h1", "h2", "p", "dt", "dd", "li a", "footer div", "footer a"):
            for text in page.locator(selector).all():
                assert contrast(text.evaluate(COLOURS)) >= 4.5, (selector, text.inner_text())
        # The dark palette is in force only in dark mode.
        assert (luminance(card.evaluate(COLOURS)["background"]) < 0.05) == (scheme == "dark")
        assert page.locator("h1").evaluate("e => getComputedStyle(e).fontSize") >= "24px"

        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()

        path = artifacts / "screenshots" / f"email-{kind}-{scheme}-{PHONE['width']}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=path, full_page=True)
        assert path.stat().st_size > 1000
    finally:
        context.close()

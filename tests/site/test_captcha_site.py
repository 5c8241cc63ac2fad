"""The spam check on the pages (FORMS_CAPTCHA=altcha): the vendored ALTCHA widget in each form, nothing else.

The widget is the npm package `altcha` (package.json pins it, package-lock.json holds its hash), copied by
`make vendor-altcha` into theme/static/vendor/altcha/: its build for a strict CSP, its stylesheet, its PBKDF2
worker and its license. The site builds without Node; these tests check the copy against the locked package.
"""

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from site_helpers import CLINIC, output_file

ROOT = Path(__file__).resolve().parents[2]
VENDORED = ROOT / "theme" / "static" / "vendor" / "altcha"
# vendored file -> the file of the npm package it is a copy of
PACKAGE_FILES = {
    "altcha.min.js": "dist/external/altcha.min.js",
    "altcha.css": "dist/external/altcha.css",
    "pbkdf2.js": "dist/workers/pbkdf2.js",
    "LICENSE.txt": "LICENSE.txt",
}


def parsed(site, url):
    return BeautifulSoup(output_file(site, url).read_text(encoding="utf-8"), "lxml")


def article_url(site):
    return "/" + next(site.glob("blog/*/index.html")).parent.relative_to(site).as_posix() + "/"


def test_by_default_no_page_has_the_spam_check(html_files):
    for path, soup in html_files:
        assert soup.find("altcha-widget") is None, path
        assert not [s for s in soup.find_all("script", src=True) if "altcha" in s["src"]], path


@pytest.mark.parametrize("url,forms", [("article", ["contact", "subscribe"]), ("/contact/", ["contact"])])
def test_with_it_on_each_form_carries_the_widget_and_says_what_happens_without_javascript(captcha_site, url, forms):
    soup = parsed(captcha_site, article_url(captcha_site) if url == "article" else url)
    for form_id in forms:
        form = soup.find("form", id=form_id)
        (widget,) = form.find_all("altcha-widget")
        assert (widget["challenge"], widget["name"], widget["auto"]) == ("/api/challenge", "altcha", "onsubmit")
        assert output_file(captcha_site, widget["data-worker"]).read_bytes() == (VENDORED / "pbkdf2.js").read_bytes()
        notice = BeautifulSoup(form.find("noscript").decode_contents(), "lxml")
        assert "needs JavaScript" in notice.get_text() and CLINIC["phone"] in notice.get_text()
        if form_id == "contact":  # just before its button (the subscribe form's sits next to the address)
            assert [t.name for t in form.find_all(["altcha-widget", "button"])] == ["altcha-widget", "button"]
    scripts = [s["src"] for s in soup.find_all("script", src=True)]
    assert len(scripts) == 2 and "/vendor/altcha/altcha.min." in scripts[0] and "/js/forms." in scripts[1]
    assert soup.find("script", src=scripts[0])["type"] == "module"  # deferred like forms.js, and run before it
    styles = [link["href"] for link in soup.find_all("link", rel="stylesheet")]
    assert any("/vendor/altcha/altcha." in href for href in styles)
    for href in [*scripts, *styles]:
        assert output_file(captcha_site, href) is not None


def test_pages_without_forms_do_not_load_it(captcha_site):
    soup = parsed(captcha_site, "/about/")
    assert soup.find("altcha-widget") is None and "altcha" not in str(soup.head)


def test_a_build_with_an_unknown_spam_check_stops_naming_the_setting(build_site, tmp_path):
    with pytest.raises(AssertionError) as failed:
        build_site(tmp_path / "output", env={"FORMS_CAPTCHA": "turnstile"})
    said = " ".join(str(failed.value).split())  # Pelican wraps its lines
    assert "FORMS_CAPTCHA (or [forms] captcha in clinic.toml) must be off or altcha, got 'turnstile'" in said


def test_the_vendored_widget_is_the_locked_npm_package():
    """`make test` installs node_modules/ from package-lock.json (npm checks each package's hash)."""
    package = ROOT / "node_modules" / "altcha"
    assert package.is_dir(), "node_modules/altcha is missing: make node_modules"
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["altcha"]
    locked = json.loads((ROOT / "package-lock.json").read_text())["packages"]["node_modules/altcha"]
    installed = json.loads((package / "package.json").read_text())["version"]
    assert pinned == locked["version"] == installed and locked["integrity"].startswith("sha512-")
    assert sorted(p.name for p in VENDORED.iterdir()) == sorted(PACKAGE_FILES)
    for name, source in PACKAGE_FILES.items():
        assert (VENDORED / name).read_bytes() == (package / source).read_bytes(), f"{name}: make vendor-altcha"
    assert "MIT License" in (VENDORED / "LICENSE.txt").read_text()


def test_the_vendored_build_needs_nothing_the_csp_blocks():
    """The widget's default build injects a <style> and starts workers from blob: URLs; this one does neither."""
    script = (VENDORED / "altcha.min.js").read_text()
    for blocked in ('createElement("style")', "new Blob", "data:text/javascript", "eval(", "new Function"):
        assert blocked not in script, blocked


def test_in_production_the_site_and_the_service_both_take_it_from_clinic_toml():
    """The publish workflow builds the site, the stack runs the service: neither sets FORMS_CAPTCHA for itself only
    (locally `make run` builds and serves with one environment, and the server checks the site it serves)."""
    for path in [
        ROOT / "deploy" / "template.yaml",
        *ROOT.glob("deploy/*.py"),
        *ROOT.glob(".github/workflows/*"),
        ROOT / "Makefile",
        ROOT / "publishconf.py",
    ]:
        assert "FORMS_CAPTCHA" not in path.read_text(), path

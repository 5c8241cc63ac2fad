"""Links back from the error page, and the page a form says it was sent from: our own site only, judged as a
browser reads a URL. Node's URL class (the WHATWG URL Standard, as in browsers) is the judge here."""

import json
import subprocess

import pytest
from bs4 import BeautifulSoup

from forms_lambda.responses import safe_back
from tests.support.forms import CONTACT, stored

SITE = "https://clinic.example"
# Each value a visitor (or an attacker's link) may put in the form's hidden "page" field.
VALUES = [
    # Our own pages.
    "/",
    "/contact/",
    "/blog/ketamine/?ref=mail#subscribe",
    "/%5Cevil.example",
    "/a/..//evil.example",
    " /contact/",
    "/contact/\n",
    "\x00/about/",
    # Another host, however it is written.
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "\x01//evil.example",
    "/\t\\evil.example",
    "/\x0b/evil.example",
    "https://evil.example/",
    "HTTPS://evil.example",
    "https:evil.example",
    "http://clinic.example.evil.example/",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "",
    "?page=//evil.example",
    "#x",
]


@pytest.fixture(scope="module")
def browser_reads():
    """value -> (origin, href) as a browser resolves it on a page of SITE (None when it is no URL at all)."""
    script = (
        "const v = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify(v.map(s => { try { const u = new URL(s, '" + SITE + "/contact/');"
        " return [u.origin, u.href]; } catch (e) { return null; } })));"
    )
    values = VALUES + [safe_back(v) for v in VALUES]
    out = subprocess.run(
        ["node", "-e", script], input=json.dumps(values), capture_output=True, text=True, check=True
    ).stdout
    return dict(zip(values, (tuple(r) if r else None for r in json.loads(out)), strict=True))


@pytest.mark.parametrize("value", VALUES, ids=[repr(v) for v in VALUES])
def test_back_links_stay_on_the_site_as_a_browser_reads_them(browser_reads, value):
    back = safe_back(value)
    origin, href = browser_reads[back]
    assert origin == SITE, f"{value!r} -> {back!r} leads to {href}"
    if back != "/":  # kept: the browser goes exactly where the value would have taken it
        assert browser_reads[value] == (origin, href)
    elif browser_reads[value] and browser_reads[value][0] != SITE:
        assert back == "/"  # another host (or scheme): home instead


@pytest.mark.parametrize(
    "value",
    [
        "/\\evil.example",
        "/\t/evil.example",
        "\t//evil.example",
        "/\r\n/evil.example",
        "https:evil.example",
        "/contact/",
    ],
)
def test_the_error_page_links_back_within_the_site(make_app, browser_reads, value):
    app = make_app()
    r = app.test_client().post(
        "/api/contact", data={**CONTACT, "email": "not an address", "page": value}, headers={"Accept": "text/html"}
    )
    assert r.status_code == 400
    href = BeautifulSoup(r.data, "html.parser").find("a", string="Go back and try again")["href"]
    assert browser_reads[safe_back(value)][0] == SITE and href == safe_back(value)
    assert stored(app) == {}


@pytest.mark.parametrize(
    "value, kept",
    [("/\\evil.example", ""), ("/\t/evil.example", ""), ("/blog/x/", "/blog/x/"), (" /blog/x/ ", "/blog/x/")],
)
def test_the_page_a_form_came_from_is_kept_only_when_it_is_ours(make_app, maildir, value, kept):
    app = make_app(FORMS_DOUBLE_OPT_IN="0")
    app.test_client().post(
        "/api/subscribe", data={"email": "ann@example.com", "page": value}, headers={"Accept": "application/json"}
    )
    assert app.extensions["forms_lambda"].store.get_subscriber("ann@example.com").opt_in_page == kept

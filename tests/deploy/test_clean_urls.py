"""The clean-URLs CloudFront Function: the code the template deploys, run under Node.js.

Each redirect is also resolved the way a browser resolves a Location header (WHATWG URL, Node's URL class), so
a Location that would leave the site (//evil.example/, /\\evil.example/) fails the tests whatever its spelling.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cfnlint.decode.cfn_yaml import load

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "template.yaml"
SITE = "www.example.org"
# Where the visitor was when following a redirect: a relative Location resolves against it.
PAGE = f"https://{SITE}/blog/"


@pytest.fixture(scope="module")
def function_code():
    return load(str(TEMPLATE))["Resources"]["CleanUrlsFunction"]["Properties"]["FunctionCode"]


def run_clean_urls(code, uris, querystring=None):
    """{uri: (answer, where a browser goes)} for viewer-request events of these URIs, in one Node process."""
    events = [
        {
            "request": {
                "method": "GET",
                "uri": uri,
                "querystring": querystring or {},
                "headers": {"host": {"value": SITE}},
            }
        }
        for uri in uris
    ]
    script = f"""{code}
var answers = {json.dumps(events)}.map(function (event) {{
  var answer = handler(event);
  var location = answer.headers && answer.headers.location;
  return [answer, location ? new URL(location.value, {json.dumps(PAGE)}).href : null];
}});
process.stdout.write(JSON.stringify(answers));"""
    result = subprocess.run([shutil.which("node") or "node", "-e", script], capture_output=True, text=True, check=True)
    return dict(zip(uris, json.loads(result.stdout), strict=True))


def test_directories_map_to_index_html_and_files_pass_unchanged(function_code):
    answers = run_clean_urls(
        function_code,
        [
            "/blog/ketamine-for-chronic-pain/",
            "/",
            "/theme/css/site.3f9a1c2b.css",
            "/feeds/all.atom.xml",
            "/images/infusion-room.png",
        ],
    )
    assert {uri: answer["uri"] for uri, (answer, _) in answers.items()} == {
        "/blog/ketamine-for-chronic-pain/": "/blog/ketamine-for-chronic-pain/index.html",
        "/": "/index.html",
        "/theme/css/site.3f9a1c2b.css": "/theme/css/site.3f9a1c2b.css",
        "/feeds/all.atom.xml": "/feeds/all.atom.xml",
        "/images/infusion-room.png": "/images/infusion-room.png",
    }


def test_a_missing_slash_redirects_to_the_same_host_keeping_the_query(function_code):
    ((answer, _),) = run_clean_urls(function_code, ["/about"]).values()
    assert (answer["statusCode"], answer["headers"]["location"]["value"]) == (301, f"https://{SITE}/about/")
    query = {"utm_source": {"value": "email"}, "a": {"value": "1", "multiValue": [{"value": "1"}, {"value": "2"}]}}
    ((answer, _),) = run_clean_urls(function_code, ["/subscribed"], query).values()
    assert answer["headers"]["location"]["value"] == f"https://{SITE}/subscribed/?utm_source=email&a=1&a=2"


# Paths that a relative Location would turn into another site's address, in the spellings a browser, curl or a
# crafted link may send: doubled slashes, backslashes, and their percent-encodings in upper and lower case.
OFF_SITE_ATTEMPTS = [
    "//evil.example/login",
    "//evil.example",
    "///evil.example/login",
    "/\\evil.example/x",
    "/\\\\evil.example",
    "\\\\evil.example/x",
    "/%2F%2Fevil.example/login",
    "/%2f/evil.example",
    "/%5Cevil.example/x",
    "/%5c%5cevil.example",
    "/%2F%5Cevil.example",
    "//evil.example/a.html",
    "//evil.example/",
    "/\\evil.example/",
]


@pytest.mark.parametrize("uri", OFF_SITE_ATTEMPTS)
def test_no_path_redirects_off_the_site(function_code, uri):
    ((answer, goes_to),) = run_clean_urls(function_code, [uri]).values()
    assert answer.get("statusCode") == 301, answer
    assert goes_to.startswith(f"https://{SITE}/evil.example"), goes_to


def test_doubled_separators_collapse_into_one_address(function_code):
    answers = run_clean_urls(
        function_code, ["/a//b", "/blog//ketamine/", "/blog\\ketamine", "/a%2F%2Fb/c.css", "/blog/x//"]
    )
    assert {uri: goes_to for uri, (_, goes_to) in answers.items()} == {
        "/a//b": f"https://{SITE}/a/b/",
        "/blog//ketamine/": f"https://{SITE}/blog/ketamine/",
        "/blog\\ketamine": f"https://{SITE}/blog/ketamine/",
        "/a%2F%2Fb/c.css": f"https://{SITE}/a/b/c.css",
        "/blog/x//": f"https://{SITE}/blog/x/",
    }


def test_an_encoded_path_that_is_not_a_separator_stays_as_it_is(function_code):
    answers = run_clean_urls(function_code, ["/caf%C3%A9", "/images/my%20photo.png"])
    assert answers["/caf%C3%A9"][1] == f"https://{SITE}/caf%C3%A9/"
    assert answers["/images/my%20photo.png"][0]["uri"] == "/images/my%20photo.png"

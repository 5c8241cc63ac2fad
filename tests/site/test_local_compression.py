"""`make serve` (and so `make run`) sends pages compressed as CloudFront does: brotli or gzip, by what the
browser accepts, precompressed next to each file of the built site."""

import gzip
import os
import signal
import subprocess
import urllib.request

import brotli
import pytest
from site_helpers import output_file

from localhost import free_port, wait_for_http
from tests.support import ROOT
from tests.support.site_server import server_env

pytestmark = pytest.mark.slow
DECODE = {"br": brotli.decompress, "gzip": gzip.decompress}


@pytest.fixture(scope="module")
def served(tmp_path_factory, build_site):
    """`make serve` on a freshly built site: (base URL, site folder)."""
    tmp = tmp_path_factory.mktemp("serve")
    site = build_site(tmp / "output")
    port = free_port()
    with open(tmp / "serve.log", "wb") as log:
        make = subprocess.Popen(
            ["make", "--no-print-directory", "serve", f"OUTPUTDIR={site}", "HOST=127.0.0.1", f"PORT={port}"],
            cwd=ROOT,
            env=server_env(tmp, port, site),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/api/health")
        yield f"http://127.0.0.1:{port}", site
    finally:
        os.killpg(make.pid, signal.SIGTERM)  # make and gunicorn: the group this fixture started
        make.wait(timeout=30)


def get(url, accept_encoding):
    request = urllib.request.Request(url, headers={"Accept-Encoding": accept_encoding} if accept_encoding else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers, response.read()


def theme_file(site, suffix):
    return "/" + next(site.glob(f"theme/**/*{suffix}")).relative_to(site).as_posix()


@pytest.mark.parametrize(
    "accept,encoding", [("br", "br"), ("gzip, deflate, br", "br"), ("gzip", "gzip"), ("gzip;q=1.0, identity", "gzip")]
)
@pytest.mark.parametrize("path", ["/", "/blog/ketamine-for-chronic-pain/", ".css", ".js", "/feeds/all.atom.xml"])
def test_text_is_sent_compressed_by_what_the_browser_accepts(served, path, accept, encoding):
    url, site = served
    path = theme_file(site, path) if path.startswith(".") else path
    headers, body = get(url + path, accept)
    assert headers["Content-Encoding"] == encoding
    assert headers["Vary"] == "Accept-Encoding"  # caches keep one copy per encoding
    assert int(headers["Content-Length"]) == len(body)
    assert DECODE[encoding](body) == output_file(site, path).read_bytes()
    assert "default-src" in headers["Content-Security-Policy"]  # the security headers stay


def test_a_client_that_accepts_no_compression_gets_the_file_as_built(served):
    url, site = served
    headers, body = get(url + "/", None)
    assert headers["Content-Encoding"] is None
    assert body == output_file(site, "/").read_bytes()


def test_images_are_not_compressed_again(served):
    url, site = served
    image = "/" + next(p for p in site.rglob("*") if p.suffix in (".png", ".jpg", ".jpeg")).relative_to(site).as_posix()
    headers, body = get(url + image, "br, gzip")
    assert headers["Content-Encoding"] is None
    assert body == (site / image.lstrip("/")).read_bytes()

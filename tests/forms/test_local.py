"""The local server: the built site and /api on one origin, security headers on everything."""

import pytest
from bs4 import BeautifulSoup
from werkzeug.test import Client

from forms_lambda import ConfigError, create_app
from forms_lambda.headers import SECURITY_HEADERS
from forms_lambda.local import create_local_app
from tests.support.forms import JSON


@pytest.fixture
def site(tmp_path):
    """A tiny stand-in for Pelican's output/: an index, a page, a hashed CSS file and the 404 page."""
    root = tmp_path / "site"
    (root / "theme" / "css").mkdir(parents=True)
    (root / "thanks").mkdir()
    (root / "index.html").write_text(
        '<!doctype html><html lang="en"><title>Home</title>'
        '<link rel="stylesheet" href="/theme/css/site.3f9a1c2b.css"><h1>Home</h1>'
    )
    (root / "thanks" / "index.html").write_text("<!doctype html><title>Thanks</title><h1>Thank you</h1>")
    (root / "theme" / "css" / "site.3f9a1c2b.css").write_text("body { color: #222; }")
    (root / "404.html").write_text("<!doctype html><title>Not found</title><h1>Page not found</h1>")
    return root


@pytest.fixture
def local(app, site):
    return Client(create_local_app(site_dir=str(site), api=app))


def test_site_and_api_share_one_origin(local, maildir):
    home = local.get("/")
    assert home.status_code == 200
    assert BeautifulSoup(home.data, "lxml").h1.get_text() == "Home"
    thanks = local.get("/thanks/")
    assert BeautifulSoup(thanks.data, "lxml").h1.get_text() == "Thank you"
    r = local.post("/api/contact", data={"name": "Ann", "email": "ann@example.com", "message": "Hi"})
    assert r.status_code == 303 and r.headers["Location"] == "/thanks/"
    assert maildir()[0]["Subject"] == "Contact request from Ann"
    assert local.get("/api/health", headers=JSON).json["store"] == "sqlite"


def test_no_file_of_the_site_stands_for_the_api(app, site, maildir):
    """/api/* is the service's whatever output/ holds, as CloudFront routes it."""
    (site / "api" / "health").mkdir(parents=True)
    (site / "api" / "health" / "index.html").write_text("<!doctype html><title>Stale</title>")
    (site / "api" / "contact").write_text("not the form service")
    local = Client(create_local_app(site_dir=str(site), api=app))
    assert local.get("/api/health/", headers=JSON).status_code == 404  # Flask's, not the file
    assert local.get("/api/health", headers=JSON).json["ok"] is True
    r = local.post("/api/contact", data={"name": "Ann", "email": "ann@example.com", "message": "Hi"})
    assert r.status_code == 303 and maildir()[0]["Subject"] == "Contact request from Ann"


def test_hashed_assets_are_immutable_and_html_is_not(local):
    css = local.get("/theme/css/site.3f9a1c2b.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert "immutable" in css.headers["Cache-Control"]
    assert "immutable" not in local.get("/").headers.get("Cache-Control", "")


def test_unknown_paths_get_the_sites_404_page(local):
    r = local.get("/no/such/page/")
    assert r.status_code == 404
    assert BeautifulSoup(r.data, "lxml").h1.get_text() == "Page not found"


def test_security_headers_on_static_api_and_404(local):
    for r in (local.get("/"), local.get("/theme/css/site.3f9a1c2b.css"), local.get("/nope"), local.get("/api/health")):
        for name, value in SECURITY_HEADERS.items():
            assert r.headers.get_all(name) == [value], name


def test_site_dir_from_environment(monkeypatch, config, site):
    monkeypatch.setenv("FORMS_SITE_DIR", str(site))
    r = Client(create_local_app(api=create_app(config))).get("/thanks/")
    assert r.status_code == 200


def test_site_dir_is_checked_like_every_setting(config, site):
    """FORMS_SITE_DIR is a setting like the others: the test config may set it too."""
    r = Client(create_local_app(api=create_app({**config, "FORMS_SITE_DIR": str(site)}))).get("/thanks/")
    assert r.status_code == 200


@pytest.mark.parametrize("built_with,serving_with", [("altcha", "off"), ("off", "altcha")])
def test_a_site_built_with_another_spam_check_than_the_service_stops_startup(site, config, built_with, serving_with):
    """Both read clinic.toml, but FORMS_CAPTCHA may be set for only one: visitors would all be refused (or shown
    a check that does nothing)."""
    (site / "contact").mkdir()
    widget = '<altcha-widget challenge="/api/challenge"></altcha-widget>' if built_with == "altcha" else ""
    (site / "contact" / "index.html").write_text(f'<!doctype html><form id="contact">{widget}</form>')
    with pytest.raises(
        ConfigError,
        match=f"FORMS_CAPTCHA is {serving_with} here, but the site .* was built with "
        f"the spam check {'on' if built_with == 'altcha' else 'off'}",
    ):
        create_local_app(site_dir=str(site), api=create_app({**config, "FORMS_CAPTCHA": serving_with}))
    agreeing = create_app({**config, "FORMS_CAPTCHA": built_with})
    assert Client(create_local_app(site_dir=str(site), api=agreeing)).get("/contact/").status_code == 200

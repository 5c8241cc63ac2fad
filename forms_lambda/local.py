"""The local server: the built site (output/) and the form service on one origin, like CloudFront does."""

import re
from pathlib import Path

from whitenoise import WhiteNoise

from . import ConfigError, create_app
from .headers import SECURITY_HEADERS

HASHED_NAME = re.compile(r"\.[0-9a-f]{8,}\.")


def with_security_headers(app):
    def wrapped(environ, start_response):
        def start(status, headers, exc_info=None):
            names = {n.lower() for n in SECURITY_HEADERS}
            headers = [(k, v) for k, v in headers if k.lower() not in names] + list(SECURITY_HEADERS.items())
            return start_response(status, headers, exc_info)

        return app(environ, start)

    return wrapped


def not_found(site_dir):
    def app(environ, start_response):
        page = Path(site_dir) / "404.html"
        body = page.read_bytes() if page.is_file() else b"<!doctype html><title>Not found</title><h1>Not found</h1>"
        start_response(
            "404 Not Found", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
        )
        return [body]

    return app


def check_spam_check_agrees(site_dir, settings):
    """Stop when the built pages show the spam check and the service does not require it, or the other way round
    (every visitor refused): both read clinic.toml, but FORMS_CAPTCHA may have been set for only one of them."""
    page = Path(site_dir) / "contact" / "index.html"
    if not page.is_file():
        return
    shown = b"<altcha-widget" in page.read_bytes()
    if shown != (settings.captcha == "altcha"):
        raise ConfigError(
            f"FORMS_CAPTCHA is {settings.captcha} here, but the site in {site_dir} was built with the "
            f"spam check {'on' if shown else 'off'}: build it and serve it with the same FORMS_CAPTCHA "
            "(or none: clinic.toml's), e.g. make html, then make serve"
        )


def create_local_app(site_dir=None, api=None):
    """/api/* goes to the Flask app; WhiteNoise serves the site; anything else is the site's 404 page.

    With FORMS_DELIVERY=worker (the default) the delivery thread starts here: gunicorn builds the app in
    each worker process, so each has its own, sweeping due submissions from the start.
    """
    api = api or create_app()
    site_dir = site_dir or api.extensions["forms_lambda"].settings.site_dir
    check_spam_check_agrees(site_dir, api.extensions["forms_lambda"].settings)
    worker = api.extensions["forms_lambda"].worker
    if worker is not None:
        worker.start()
    # autorefresh: `make devserver` rebuilds output/ while this serves it.
    static = WhiteNoise(
        not_found(site_dir),
        root=site_dir,
        index_file=True,
        autorefresh=True,
        immutable_file_test=lambda path, url: bool(HASHED_NAME.search(url)),
    )

    def dispatch(environ, start_response):
        # /api/* first, as CloudFront routes it: a form post does not make WhiteNoise look for a file (with
        # autorefresh it asks the file system on every request), and no file in output/ can stand for the API.
        path = environ.get("PATH_INFO", "")
        if path == "/api" or path.startswith("/api/"):
            return api(environ, start_response)
        return static(environ, start_response)

    return with_security_headers(dispatch)

"""The clinic's form service: one Flask app, served locally (gunicorn) and on AWS Lambda (apig-wsgi)."""

import os

from flask import Flask

from .config import ConfigError, load_settings
from .headers import SECURITY_HEADERS

__all__ = ["ConfigError", "create_app"]


def create_app(test_config=None):
    """Build the app from the environment; `test_config` overrides FORMS_* settings and Flask config.

    Raises ConfigError naming the variable when a setting is missing or invalid.
    """
    from . import cli, cloudfront, errors, logs, origins, ratelimit, ses_events, views
    from .delivery import DeliveryWorker
    from .services import Services

    overrides = dict(test_config or {})
    settings = load_settings({**os.environ, **{k: v for k, v in overrides.items() if k.startswith("FORMS_")}})
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_bytes,
        MAX_FORM_MEMORY_SIZE=settings.max_bytes,
        MAX_FORM_PARTS=50,
    )
    app.config.from_mapping({k: v for k, v in overrides.items() if not k.startswith("FORMS_")})
    services = app.extensions["forms_lambda"] = Services.from_settings(settings)
    if settings.delivery == "worker":
        services.worker = DeliveryWorker(app)  # its thread starts with the server (local.py) or on first use
    app.register_blueprint(views.bp)
    app.register_blueprint(ses_events.bp)
    cli.init_app(app)
    errors.init_app(app)
    logs.init_app(app)
    # Order matters: a request that bypassed CloudFront, or from a foreign origin, is refused before it counts
    # against anyone's rate limit.
    cloudfront.init_app(app)
    origins.init_app(app)
    ratelimit.init_app(app)

    @app.after_request
    def security_headers(response):
        response.headers.update(SECURITY_HEADERS)
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app

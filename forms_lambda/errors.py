"""Error answers: no client input may produce a 500 or a stack trace."""

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from .logs import log_exception
from .responses import wants_json
from .stores import StoreError


def http_error(e):
    response = e.get_response()  # keeps headers such as Allow (405) and Retry-After (429)
    if wants_json():
        body = {"ok": False, "error": e.name, "message": e.description}
        if e.code == 400:  # the contract's shape for bad input: errors per field, here the whole body
            body["errors"] = {"body": e.description}
        response.set_data(jsonify(body).get_data())
        response.mimetype = "application/json"
    else:
        response.set_data(render_template("form_errors.html", title=e.name, message=e.description, back="/"))
        response.mimetype = "text/html"
    return response


def unexpected_error(e):
    log_exception("request.unhandled", e, method=request.method, path=request.path)
    if isinstance(e, StoreError):
        error = ServiceUnavailable("We could not save your form right now. Please try again in a few minutes.")
    else:
        error = InternalServerError("Something went wrong on our side. Please try again later.")
    return http_error(error)


def init_app(app):
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)

"""Reading form bodies and answering: JSON for scripts, redirects and HTML pages for browsers."""

import json

from flask import jsonify, redirect, render_template, request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from .origins import same_site_path

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

FIELD_LABELS = {
    "name": "Name",
    "email": "Email",
    "phone": "Phone",
    "message": "Message",
    "token": "Link",
    "body": "Form",
    "altcha": "Spam check",
}


def wants_json():
    """JSON when the client prefers it; without an Accept header, when it sent JSON."""
    if not request.accept_mimetypes.provided:
        return request.is_json
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def read_json(text):
    """The value of a JSON text (str or bytes), or None when it is not JSON. A body nested thousands deep makes
    the parser raise RecursionError, which is the sender's fault like any other bad JSON, never a 500."""
    try:
        return json.loads(text)
    except (ValueError, TypeError, RecursionError):
        return None


def form_data():
    """The posted fields as a plain dict, from a form-encoded, multipart or JSON body."""
    if request.is_json:
        data = read_json(request.get_data())
        if not isinstance(data, dict):
            raise BadRequest("The body is not a JSON object.")
        # Numbers are fine (e.g. `started`); anything else is left for the form to refuse.
        return {k: (str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v) for k, v in data.items()}
    if request.mimetype in FORM_TYPES:
        return request.form.to_dict()
    if not request.content_length and not request.mimetype:
        return {}
    raise UnsupportedMediaType(
        "Send the form as application/x-www-form-urlencoded, multipart/form-data or application/json."
    )


def success(message, page, **fields):
    """200 JSON for scripts (with `fields` besides the message); 303 to the site's page for a browser's plain
    form post."""
    if wants_json():
        return jsonify(ok=True, message=message, **fields)
    return redirect(page, code=303)


def invalid(errors, back="/", urgent=False):
    """400 with the field errors, as JSON or as an accessible page listing them; `urgent` (a contact message in
    crisis language) puts the 988 and 911 help first."""
    if wants_json():
        return jsonify(ok=False, errors=errors, **({"urgent": True} if urgent else {})), 400
    items = [(FIELD_LABELS.get(k, k.capitalize()), v) for k, v in errors.items()]
    return render_template(
        "form_errors.html", title="Please check the form", errors=items, back=back, urgent=urgent
    ), 400


def safe_back(page):
    """Link back only to a page of our own site, as a browser would read the link (origins.same_site_path)."""
    return same_site_path(page) or "/"

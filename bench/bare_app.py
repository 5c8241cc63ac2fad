"""The peer of the form service: a bare Flask endpoint that accepts the same POST and answers 204."""

from flask import Flask

app = Flask(__name__)


@app.post("/api/contact")
def contact():
    return "", 204

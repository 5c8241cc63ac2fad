"""gunicorn's settings for the local server: `gunicorn -c python:forms_lambda.gunicorn_conf ...` (the Makefile's
`make serve` and `make run`, and the tests' servers).

- The access log says which page was asked for and how it went, not who asked or with what link: method, path
  without the query (confirm and unsubscribe links carry their token there), status, size and time; no client
  address, referrer (a page's URL, its token included) or user agent. gunicorn's warning about a malformed
  request, which quotes the client's address and the request line, says only that one was refused.
- gunicorn answers some requests itself, before the app sees them: a malformed request (400), a request line
  over 4094 bytes (414), header fields too large (431), ... Those answers carry the same security headers as
  every other answer of the server (forms_lambda/headers.py), and no echo of what was sent. gunicorn has no
  setting or hook for them: its `util.write_error`, which writes them, is replaced here (a test sends each kind).
"""

from gunicorn import glogging, util

from forms_lambda.headers import SECURITY_HEADERS

accesslog = "-"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'


class Logger(glogging.Logger):
    def warning(self, msg, *args, **kwargs):
        if msg.startswith("Invalid request from ip="):
            msg, args = "Invalid request, answered by gunicorn", ()
        super().warning(msg, *args, **kwargs)


logger_class = Logger


def write_error(sock, status_int, reason, mesg):
    """What gunicorn writes for a request it refuses, with the security headers; `mesg` (which quotes the
    request) is left out."""
    body = f"<!doctype html><title>{reason}</title><h1>{status_int} {reason}</h1>\n".encode()
    headers = {
        "Connection": "close",
        "Content-Type": "text/html; charset=utf-8",
        "Content-Length": len(body),
        "Cache-Control": "no-store",
        **SECURITY_HEADERS,
    }
    head = f"HTTP/1.1 {status_int} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    util.write_nonblock(sock, head.encode("latin-1") + body)


util.write_error = write_error

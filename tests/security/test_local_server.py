"""The local server (gunicorn with forms_lambda/gunicorn_conf.py): the answers gunicorn writes itself carry the
security headers, and its logs keep neither tokens nor client addresses."""

import socket

import pytest

from forms_lambda.headers import SECURITY_HEADERS

TOKEN = "TOKENabc123SECRETxyz"


def raw(server, request, read=65536):
    """Send raw bytes, return (status, headers as a list of (name, value), body)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(read):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:]]
    return int(lines[0].split()[1]), headers, body


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from tests.support.servers import Gunicorn

    server = Gunicorn(tmp_path_factory.mktemp("local"), workers=1)
    yield server
    server.stop()


REFUSED_BY_GUNICORN = {
    "request line too long": (
        b"GET /api/unsubscribe?token=" + TOKEN.encode() + b"x" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        414,
    ),
    "a header field too large": (
        b"GET /?token=" + TOKEN.encode() + b" HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n",
        431,
    ),
    "too many header fields": (
        b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(120)) + b"\r\n",
        431,
    ),
    "malformed request line": (b"GET /api/unsubscribe?token=" + TOKEN.encode() + b" NOT-HTTP\r\n\r\n", 400),
    "bad header name": (b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: " + TOKEN.encode() + b"\r\n\r\n", 400),
    "Content-Length and Transfer-Encoding": (
        b"POST /api/contact HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
    ),
    "two Content-Lengths": (
        b"POST /api/contact HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nname",
        400,
    ),
}


@pytest.mark.parametrize("case", REFUSED_BY_GUNICORN)
def test_what_gunicorn_refuses_carries_the_security_headers(server, case):
    request, status = REFUSED_BY_GUNICORN[case]
    got, headers, body = raw(server, request)
    assert got == status
    names = [name.lower() for name, _ in headers]
    for name, value in SECURITY_HEADERS.items():
        assert names.count(name.lower()) == 1 and (name, value) in headers, name
    assert TOKEN.encode() not in body and b"<h1>" in body


def test_the_logs_keep_no_token_and_no_client_address(server):
    status, _, _ = raw(
        server,
        f"GET /api/unsubscribe?token={TOKEN} HTTP/1.1\r\nHost: x\r\nReferer: "
        f"https://clinic.example/api/subscribe/confirm?token={TOKEN}\r\n"
        f"Connection: close\r\n\r\n".encode(),
    )
    assert status == 400  # not a valid token, but a link all the same
    raw(server, REFUSED_BY_GUNICORN["malformed request line"][0])
    log = server.log.read_text()
    assert '"GET /api/unsubscribe" 400' in log  # the path, without its query
    assert TOKEN not in log and "127.0.0.1" not in log.replace(server.url, "")
    assert "Invalid request, answered by gunicorn" in log


# 27 ways of asking for a file outside the site's folder: every one is the site's 404, never the file.
TRAVERSALS = [
    "/../../../../etc/passwd",
    "/..%2f..%2f..%2fetc%2fpasswd",
    "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/..%5c..%5c..%5cetc%5cpasswd",
    "/..\\..\\..\\etc\\passwd",
    "/%252e%252e/%252e%252e/etc/passwd",
    "/....//....//....//etc/passwd",
    "/.%2e/.%2e/.%2e/etc/passwd",
    "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    "/%uff0e%uff0e/etc/passwd",
    "/index.html/../../../etc/passwd",
    "/subscribed/../../../../etc/passwd",
    "/api/../../../etc/passwd",
    "/api/..%2f..%2fetc/passwd",
    "//etc/passwd",
    "///etc/passwd",
    "/etc/passwd%00.html",
    "/%00/../../etc/passwd",
    "/./././../etc/passwd",
    "/..;/..;/etc/passwd",
    "/%2e%2e%5c%2e%2e%5cetc%5cpasswd",
    "/..%252f..%252fetc%252fpasswd",
    "/proc/self/environ",
    "/../var/forms.sqlite3",
    "/../var/secret_key",
    "/%2e%2e/forms.sqlite3",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_paths_are_404(server, path):
    status, headers, body = raw(server, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    assert status == 404, path
    assert b"root:" not in body and b"FORMS_" not in body and b"SQLite format" not in body
    assert ("X-Content-Type-Options", "nosniff") in headers


def test_there_are_27_traversals():
    assert len(set(TRAVERSALS)) == 27

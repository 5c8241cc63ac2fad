"""Servers on 127.0.0.1 for the tests and the benchmarks: a free port, and waiting until a URL answers.

One module both tests/ and bench/ import, so that neither imports the other's internals.
"""

import socket
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url, timeout=20.0):
    """Poll url until it answers (any HTTP status), or fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer within {timeout}s") from None
            time.sleep(0.1)

"""One cold Lambda invocation in a fresh process: `python -m bench.cold_invoke ours|durable|bare SITE_URL`.

Imports the handler, sends it the API Gateway (HTTP API, payload 2.0) event of one contact-form POST,
and prints {"status", "maxrss_mb", "elapsed_ms"}: the peak resident memory Lambda bills for, and the time
from the first import to the answer (what a visitor waits for on a cold start, less Lambda's own).
"""

import json
import resource
import sys
import time
from urllib.parse import urlencode


def peak_rss_mb():
    """This process's peak resident memory. Not getrusage's ru_maxrss: Linux carries it over fork and exec, so
    under `make bench` (a parent grown by the site builds) it reports the parent's size, not this process's."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: the best there is


def event(site_url):
    body = urlencode(
        {
            "name": "Bench Visitor",
            "email": "visitor@example.com",
            "phone": "",
            "message": "I would like to ask about ketamine infusions.",
            "website": "",
            "page": "/contact/",
            "elapsed_ms": 30000,
        }
    )
    host = site_url.split("://", 1)[1]
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/api/contact",
        "rawQueryString": "",
        "headers": {
            "content-type": "application/x-www-form-urlencoded",
            "accept": "application/json",
            "origin": site_url,
            "host": host,
            "user-agent": "bench",
        },
        "requestContext": {
            "http": {
                "method": "POST",
                "path": "/api/contact",
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "bench",
            },
            "domainName": host,
            "stage": "$default",
            "requestId": "bench",
            "timeEpoch": int(time.time() * 1000),
        },
        "body": body,
        "isBase64Encoded": False,
    }


def peer_handler(which):
    """bare: Flask answering 204 (bench/bare_app.py); durable: Flask + boto3 + one PutItem (bench/durable_lambda.py)."""
    from apig_wsgi import make_lambda_handler

    if which == "durable":
        from bench.durable_lambda import app
    else:
        from bench.bare_app import app

    return make_lambda_handler(app, binary_support=True)


def main():
    which, site_url = sys.argv[1], sys.argv[2]
    start = time.perf_counter()
    if which == "ours":
        from forms_lambda.handler import handler
    else:
        handler = peer_handler(which)
    response = handler(event(site_url), None)
    elapsed_ms = (time.perf_counter() - start) * 1000
    maxrss_mb = peak_rss_mb()
    print(
        json.dumps(
            {
                "status": response["statusCode"],
                "body": response.get("body", "")[:200],
                "maxrss_mb": maxrss_mb,
                "elapsed_ms": elapsed_ms,
            }
        )
    )


if __name__ == "__main__":
    main()

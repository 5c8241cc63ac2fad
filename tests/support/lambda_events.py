"""Events as AWS sends them to the Lambda function (API Gateway HTTP API 2.0 and REST 1.0, EventBridge's
schedule) and readers of what the function answers."""

import base64
import json

from forms_lambda.handler import handler

FORM = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
JSON_BODY = {"Content-Type": "application/json", "Accept": "application/json"}


def http_api_event(method, path, body=b"", headers=None, query="", base64_body=True):
    headers = {
        "host": "abc123.execute-api.us-east-1.amazonaws.com",
        "x-forwarded-proto": "https",
        "x-forwarded-port": "443",
        "x-forwarded-for": "203.0.113.9",
        "user-agent": "Mozilla/5.0",
        **{k.lower(): v for k, v in (headers or {}).items()},
    }
    if body:
        headers["content-length"] = str(len(body))
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        **({"queryStringParameters": dict(p.split("=", 1) for p in query.split("&"))} if query else {}),
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": headers["host"],
            "domainPrefix": "abc123",
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": "$default",
            "stage": "$default",
            "time": "28/Nov/2026:10:00:00 +0000",
            "timeEpoch": 1796032800000,
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.9",
                "userAgent": "Mozilla/5.0",
            },
        },
        "body": base64.b64encode(body).decode() if base64_body else body.decode(),
        "isBase64Encoded": base64_body,
    }


def rest_event(method, path, body=b"", headers=None, query=None, base64_body=False):
    headers = {
        "Host": "abc123.execute-api.us-east-1.amazonaws.com",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Port": "443",
        "X-Forwarded-For": "203.0.113.9",
        "User-Agent": "Mozilla/5.0",
        **(headers or {}),
    }
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": f"/prod{path}",
            "stage": "prod",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {"sourceIp": "203.0.113.9", "userAgent": "Mozilla/5.0"},
            "accountId": "123456789012",
            "apiId": "abc123",
            "protocol": "HTTP/1.1",
        },
        "body": (base64.b64encode(body).decode() if base64_body else body.decode()) if body else None,
        "isBase64Encoded": base64_body,
    }


def body_json(response):
    body = response["body"]
    return json.loads(base64.b64decode(body) if response.get("isBase64Encoded") else body)


def header(response, name):
    headers = response.get("headers") or {k: v[-1] for k, v in response.get("multiValueHeaders", {}).items()}
    return {k.lower(): v for k, v in headers.items()}[name.lower()]


def run_schedule():
    """What EventBridge sends every few minutes: deliver what is due (with the SQLite store there is no stream)."""
    answer = handler({"forms_lambda": "retry"}, None)
    assert answer["ok"] is True
    return answer

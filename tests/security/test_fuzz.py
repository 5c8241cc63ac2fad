"""Property-based fuzzing of every route: whatever a client sends, never a 500 and never a trace."""

import base64
import json
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import Client

from forms_lambda.local import create_local_app
from tests.support.forms import CONTACT

ROUTES = [
    "/api/contact",
    "/api/subscribe",
    "/api/subscribe/confirm",
    "/api/unsubscribe",
    "/api/challenge",
    "/api/health",
    "/api/no-such-route",
]
FIELDS = [*CONTACT, "altcha", "token"]
CONTENT_TYPES = [
    None,
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "multipart/form-data; boundary=x",
    "application/json",
    "application/json; charset=latin-1",
    "text/plain",
    "application/xml",
    "application/x-www-form-urlencoded; charset=utf-16",
    "",
]
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60)
# Any unicode, with the characters that break things made frequent.
NASTY = ["\x00", "\ud800", "\udfff", "\ufffd", "\r", "\n", "<", ">", "&", "%", "\u202e", "\x1b", "@"]
# (Joined from lists: st.text() never yields lone surrogates, which JSON can carry.)
any_text = st.lists(
    st.one_of(st.sampled_from(NASTY), st.characters(codec=None, exclude_categories=())), max_size=40
).map("".join)
values = st.one_of(
    any_text,
    any_text,
    any_text,
    st.sampled_from(list(CONTACT.values())),
    st.integers(),
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(header_text, st.integers(), max_size=2),
)
fields = st.dictionaries(st.one_of(st.sampled_from(FIELDS), header_text), values, max_size=8)


def encode(data, how):
    if how == "json":
        return json.dumps(data).encode()
    as_text = {str(k): str(v) for k, v in data.items()}
    if how == "form-utf8":
        return urlencode(as_text, errors="surrogatepass").encode()
    if how == "form-latin1":
        return urlencode(as_text, encoding="latin-1", errors="replace").encode()
    return urlencode(as_text, encoding="utf-16", errors="surrogatepass").encode()


# A valid contact post with a few fields replaced: reaches the store and the mailer.
near_valid = st.dictionaries(st.sampled_from(FIELDS), values, max_size=3).map(lambda d: {**CONTACT, **d})
coherent = st.one_of(
    st.tuples(st.one_of(near_valid, near_valid, fields), st.just("json")).map(
        lambda t: ("application/json", encode(*t))
    ),
    st.tuples(
        st.one_of(near_valid, near_valid, fields), st.sampled_from(["form-utf8", "form-latin1", "form-utf16"])
    ).map(lambda t: ("application/x-www-form-urlencoded", encode(*t))),
)
random_pair = st.tuples(
    st.one_of(st.sampled_from(CONTENT_TYPES), header_text),
    st.one_of(
        st.binary(max_size=500),
        st.tuples(fields, st.sampled_from(["json", "form-utf8", "form-latin1", "form-utf16"])).map(
            lambda t: encode(*t)
        ),
        # Around the 64 kB limit and beyond it.
        st.integers(min_value=0, max_value=200_000).map(lambda n: b"message=" + b"m" * n),
    ),
)
requests = st.fixed_dictionaries(
    {
        "method": st.sampled_from(["GET", "POST", "POST", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]),
        "body": st.one_of(coherent, coherent, random_pair),
        "query_string": st.one_of(
            st.just(""), st.builds(lambda t: urlencode({"token": t}, errors="surrogatepass"), any_text), header_text
        ),
        "headers": st.fixed_dictionaries(
            {},
            optional={
                "Accept": st.one_of(st.sampled_from(["application/json", "text/html", "*/*", ""]), header_text),
                "Origin": st.one_of(st.just("https://clinic.example"), header_text),
                "Referer": header_text,
                "X-Forwarded-For": header_text,
                "Access-Control-Request-Method": st.sampled_from(["POST", "GET", "DELETE"]),
                "Content-Encoding": st.sampled_from(["gzip", "identity"]),
            },
        ),
    }
)


valid_posts = st.fixed_dictionaries(
    {
        "method": st.just("POST"),
        "body": coherent,
        "query_string": st.just(""),
        "headers": st.fixed_dictionaries(
            {"Accept": st.sampled_from(["application/json", "text/html"])},
            optional={"Origin": st.just("https://clinic.example")},
        ),
    }
)


def send_to(client, path, request):
    """Send one generated request; it must get an answer below 500 that shows no traceback."""
    kwargs = dict(request)
    content_type, kwargs["data"] = kwargs.pop("body")
    if content_type is not None:
        kwargs["content_type"] = content_type
    r = client.open(path, **kwargs)
    body = r.get_data(as_text=True)
    assert r.status_code < 500, (path, r.status_code, body)
    assert "Traceback" not in body and 'File "' not in body
    return r


def send(make_app, path, request):
    return send_to(make_app(FORMS_ALLOWED_ORIGINS="https://www.clinic.example").test_client(), path, request)


FUZZ = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@pytest.mark.slow
@pytest.mark.parametrize("path", ROUTES)
@FUZZ
@given(request=requests)
def test_no_request_gets_a_500(make_app, path, request):
    send(make_app, path, request)


@pytest.mark.slow
@pytest.mark.parametrize("path", ["/api/contact", "/api/subscribe"])
@FUZZ
@given(request=valid_posts)
def test_no_mutated_form_post_gets_a_500(make_app, path, request):
    """Valid posts with a few fields replaced: these reach validation, the store and the mailer."""
    send(make_app, path, request)


# Answers to the spam check: base64 of JSON shaped like the widget's ({"challenge": {"parameters": ..., "signature":
# ...}, "solution": ...}) with anything in its places, or of anything at all.
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), any_text),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(any_text, inner, max_size=3)),
    max_leaves=8,
)
parameters = st.fixed_dictionaries(
    {},
    optional=dict.fromkeys(
        (
            "algorithm",
            "cost",
            "keyLength",
            "keyPrefix",
            "keySignature",
            "nonce",
            "salt",
            "expiresAt",
            "data",
            "memoryCost",
            "parallelism",
        ),
        json_values,
    ),
)
answer_json = st.fixed_dictionaries(
    {},
    optional={
        "challenge": st.one_of(
            json_values, st.fixed_dictionaries({}, optional={"parameters": parameters, "signature": json_values})
        ),
        "solution": st.one_of(
            json_values, st.fixed_dictionaries({}, optional={"counter": json_values, "derivedKey": json_values})
        ),
        "test": json_values,
    },
)
answers = st.one_of(
    answer_json.map(lambda d: base64.b64encode(json.dumps(d).encode()).decode()),
    st.binary(max_size=300).map(lambda b: base64.b64encode(b).decode()),
    any_text,
    st.integers(),
    st.none(),
    st.lists(st.integers(), max_size=2),
)


@pytest.mark.slow
@pytest.mark.parametrize("path", ["/api/contact", "/api/subscribe"])
@FUZZ
@given(answer=answers, how=st.sampled_from(["json", "form-utf8"]))
def test_no_answer_to_the_spam_check_gets_a_500_or_through(make_app, path, answer, how):
    app = make_app(FORMS_CAPTCHA="altcha")
    body = {**CONTACT, "altcha": answer}
    content_type = "application/json" if how == "json" else "application/x-www-form-urlencoded"
    r = send_to(
        app.test_client(),
        path,
        {
            "method": "POST",
            "body": (content_type, encode(body, how)),
            "query_string": "",
            "headers": {"Accept": "application/json"},
        },
    )
    assert r.status_code == 400 and "altcha" in r.json["errors"]


paths = st.one_of(
    st.sampled_from(
        [
            "/",
            "/index.html",
            "/../../etc/passwd",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/api",
            "/api/",
            "/api/contact/",
            "/api//contact",
            "/API/contact",
            "/api/contact%00",
            "/%00",
            "/.git/config",
        ]
    ),
    st.builds(
        lambda t: "/" + t,
        st.text(st.characters(min_codepoint=33, max_codepoint=0x2FFF, exclude_characters="?#"), max_size=40),
    ),
)


@pytest.mark.slow
@FUZZ
@given(path=paths, request=requests)
def test_no_path_on_the_local_server_gets_a_500(make_app, tmp_path, path, request):
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "index.html").write_text("<!doctype html><title>Home</title>")
    r = send_to(Client(create_local_app(site_dir=str(site), api=make_app())), path, request)
    assert "root:" not in r.get_data(as_text=True)

"""What delivering after the answer buys the visitor, under gunicorn with two workers as `make serve` runs it.

(a) POST /api/subscribe for an address already confirmed next to a new address: the answer must not tell them
    apart (median of 50 each, interleaved in both orders; each visitor comes once the server has delivered what
    the last one left, so each answer is measured on its own, not slowed by the previous visitor's email).
(b) POST /api/contact answer time with a relay that answers each SMTP step after 7 s next to a healthy relay:
    p99 of sequential visitors to two servers, interleaved; the relay must not reach the visitor.
"""

import shutil
import sqlite3
import statistics
import time
import urllib.error
import urllib.parse
import urllib.request

from bench.context import run_ok
from bench.forms_load import Gunicorn
from bench.relay import CountingRelay, Relay, SlowRelay
from bench.table import Row, med
from localhost import free_port

VISITORS = 50  # each kind, per repetition
PAUSE = 0.01  # seconds between the contact form's visitors
SLOW_STEP = 7  # seconds the slow relay takes to answer each SMTP step
KNOWN = "known.subscriber@example.com"


def rows(known=None, new=None, slow=None, healthy=None, note=""):
    return [
        Row(
            "Subscribe: answer, known address vs new (median)",
            known,
            new,
            "ms",
            "new address",
            "within 10%",
            ("ratio", 0.10, "within"),
            note,
        ),
        Row(
            "Contact: answer p99, 7-s relay vs healthy relay",
            slow,
            healthy,
            "ms",
            "healthy relay",
            "<= 1.5x",
            ("ratio", 1.5),
            note,
        ),
    ]


def unavailable(reason):
    return rows(note=reason)


def answer_ms(url, path, fields):
    """Milliseconds until the service's answer to one form post; it must be a 200."""
    data = urllib.parse.urlencode({**fields, "page": "/blog/x/", "website": "", "elapsed_ms": "30000"}).encode()
    request = urllib.request.Request(url + path, data=data, headers={"Accept": "application/json", "Origin": url})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"POST {path} answered {exc.code}") from None
    return (time.perf_counter() - start) * 1000


def server_env(ctx, var, port, mailer):
    env = ctx.env(
        FORMS_STORE=f"sqlite:///{var}/forms.sqlite3",
        FORMS_MAILER=mailer,
        FORMS_VAR_DIR=str(var),
        FORMS_SECRET_KEY="bench-secret-key-not-for-production",
        BENCH_CWD=str(ctx.root),
        FORMS_SITE_URL=f"http://127.0.0.1:{port}",
        FORMS_RATE_LIMIT="off",
    )
    run_ok([ctx.python, "-m", "forms_lambda", "init"], env=env, cwd=ctx.root)
    return env


def confirm(ctx, env, address):
    """A subscriber who confirmed long ago: no email is due, and the answer must not say so by coming sooner."""
    code = (
        "from forms_lambda import create_app; s = create_app().extensions['forms_lambda'].store; "
        "from forms_lambda.stores import Subscriber; "
        f"s.add_subscriber(Subscriber(email={address!r}, status='confirmed'))"
    )
    run_ok([ctx.python, "-c", code], env=env, cwd=ctx.root)


def wait_until_delivered(db, timeout=30):
    """Until the server has no submission pending (its delivery thread is idle again)."""
    deadline = time.monotonic() + timeout
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        while conn.execute("SELECT COUNT(*) FROM submissions WHERE status = 'pending'").fetchone()[0]:
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not deliver the subscriptions")
            time.sleep(0.005)


def subscribe_figures(ctx, log):
    var = ctx.work / "delivery-subscribe"
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    port = free_port()
    env = server_env(ctx, var, port, f"maildir:{var}/mail")
    confirm(ctx, env, KNOWN)
    known, new = [], []
    with Gunicorn(ctx, "forms_lambda.local:create_local_app()", env, log, port) as server:
        answer_ms(server.url, "/api/subscribe", {"email": "warm.up@example.com"})
        for rep in range(ctx.reps):
            for i in range(VISITORS):
                visitors = [(known, KNOWN), (new, f"new{rep}.{i}@example.com")]
                for answers, address in visitors if i % 2 else reversed(visitors):
                    wait_until_delivered(var / "forms.sqlite3")
                    answers.append(answer_ms(server.url, "/api/subscribe", {"email": address}))
            ctx.log(
                f"subscribe rep {rep + 1}: known {statistics.median(known):.1f} ms, new {statistics.median(new):.1f} ms"
            )
    return med(known), med(new)


def p99(values):
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def contact_figures(ctx, log):
    servers, answers = {}, {"slow": [], "healthy": []}
    with Relay(SlowRelay(SLOW_STEP)) as slow_relay, Relay(CountingRelay()) as healthy_relay:
        for name, relay in (("slow", slow_relay), ("healthy", healthy_relay)):
            var = ctx.work / f"delivery-{name}"
            shutil.rmtree(var, ignore_errors=True)
            var.mkdir(parents=True)
            port = free_port()
            servers[name] = Gunicorn(
                ctx, "forms_lambda.local:create_local_app()", server_env(ctx, var, port, relay.url), log, port
            )
        with servers["slow"] as slow, servers["healthy"] as healthy:
            for rep in range(ctx.reps):
                for i in range(VISITORS * 2):
                    for name, server in (("slow", slow), ("healthy", healthy)):
                        fields = {
                            "name": "Bench Visitor",
                            "email": f"visitor{i}@example.com",
                            "message": "I would like to ask about ketamine infusions for chronic pain.",
                        }
                        answers[name].append(answer_ms(server.url, "/api/contact", fields))
                        time.sleep(PAUSE)
                ctx.log(
                    f"contact rep {rep + 1}: p99 with the slow relay {p99(answers['slow']):.1f} ms, "
                    f"healthy {p99(answers['healthy']):.1f} ms; the slow relay received "
                    f"{slow_relay.handler.received}, the healthy one {healthy_relay.handler.received}"
                )
    return p99(answers["slow"]), p99(answers["healthy"])


def run(ctx):
    with open(ctx.work / "delivery-gunicorn.log", "w") as log:
        known, new = subscribe_figures(ctx, log)
        slow, healthy = contact_figures(ctx, log)
    ctx.log(f"delivery: subscribe known {known:.1f} / new {new:.1f} ms; contact p99 {slow:.1f} / {healthy:.1f} ms")
    return rows(known, new, slow, healthy)

"""Form service under load: POST /api/contact (SQLite + Maildir) next to a Flask endpoint doing the same durable
work (`durable_app.py`: one SQLite commit) and a bare Flask 204 endpoint.

All run under gunicorn with two workers on 127.0.0.1, as `make serve` runs the service (its delivery threads
included); wrk posts the form for a fixed duration, the servers interleaved, median of the repetitions.
"""

import json
import os
import shutil
import signal
import subprocess
import urllib.error
import urllib.request

from bench.context import run_ok
from bench.table import Row, med
from localhost import free_port, wait_for_http

DURATION = 5  # seconds per wrk run
CONNECTIONS = 4


def rows(ours=None, durable=None, bare=None, note=""):
    ours, durable, bare = ours or {}, durable or {}, bare or {}
    peer = "Flask + 1 SQLite commit"
    return [
        Row(
            "Forms: POST /api/contact throughput",
            ours.get("rps"),
            durable.get("rps"),
            "req/s",
            peer,
            ">= 0.5x",
            ("ratio", 0.5, "min"),
            note,
        ),
        Row(
            "Forms: POST /api/contact throughput, vs bare 204",
            ours.get("rps"),
            bare.get("rps"),
            "req/s",
            "bare Flask 204",
            "",
            None,
            note,
        ),
        Row("Forms: POST /api/contact latency p50", ours.get("p50"), durable.get("p50"), "ms", peer, "", None, note),
        Row("Forms: POST /api/contact latency p99", ours.get("p99"), durable.get("p99"), "ms", peer, "", None, note),
    ]


def unavailable(reason):
    return rows(note=reason)


class Gunicorn:
    """gunicorn with two workers on 127.0.0.1, started and stopped by us."""

    def __init__(self, ctx, app, env, log, port=None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.cmd = [ctx.bin("gunicorn"), "--bind", f"127.0.0.1:{self.port}", "--workers", "2", app]
        self.env, self.log = env, log
        self.proc = None

    def __enter__(self):
        self.proc = subprocess.Popen(
            self.cmd, env=self.env, cwd=self.env.get("BENCH_CWD"), stdout=self.log, stderr=self.log
        )
        wait_for_http(self.url + "/api/health")
        return self

    def __exit__(self, *exc):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def wrk(ctx, url, duration=DURATION):
    script = ctx.root / "bench" / "post_contact.lua"
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{CONNECTIONS}",
            f"-d{duration}s",
            "--timeout",
            "5s",
            "-s",
            str(script),
            url + "/api/contact",
        ],
        capture_output=True,
        text=True,
        timeout=duration + 30,
        env={**os.environ, "BENCH_ORIGIN": url},
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["bad_status"] or result["socket_errors"]:
        raise RuntimeError(
            f"wrk against {url}: {result['bad_status']} bad statuses, "
            f"{result['socket_errors']} socket errors of {result['requests']}"
        )
    return {
        "rps": result["requests"] / (result["duration_us"] / 1e6),
        "p50": result["p50_us"] / 1000,
        "p99": result["p99_us"] / 1000,
    }


def check_contact(url):
    """One real submission first: the service must accept it (200 JSON ok), or the figures mean nothing."""
    body = (
        b"name=Bench+Visitor&email=visitor%40example.com&message=Hello+there+from+the+benchmark.&website="
        b"&page=%2Fcontact%2F&elapsed_ms=30000"
    )
    request = urllib.request.Request(
        url + "/api/contact",
        data=body,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json", "Origin": url},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"POST /api/contact answered {exc.code}: {exc.read()[:200]!r}") from None
    if not answer.get("ok"):
        raise RuntimeError(f"POST /api/contact refused: {answer}")


def run(ctx):
    if not shutil.which("wrk"):
        return unavailable("n/a (wrk not installed)")
    var = ctx.work / "forms-var"
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    port = free_port()
    ours_env = ctx.env(
        FORMS_STORE=f"sqlite:///{var}/forms.sqlite3",
        FORMS_MAILER=f"maildir:{var}/mail",
        FORMS_SECRET_KEY="bench-secret-key-not-for-production",
        BENCH_CWD=str(ctx.root),
        FORMS_SITE_URL=f"http://127.0.0.1:{port}",
        # One address sends everything here: the limiter still counts each request (its cost
        # is measured) but must not refuse them.
        FORMS_RATE_LIMIT="1000000000/minute",
    )
    run_ok([ctx.python, "-m", "forms_lambda", "init"], env=ours_env, cwd=ctx.root)
    bare_env = ctx.env(BENCH_CWD=str(ctx.root))
    durable_env = ctx.env(BENCH_CWD=str(ctx.root), BENCH_DURABLE_DB=str(var / "durable.sqlite3"))
    figures = {"ours": [], "durable": [], "bare": []}
    with (
        open(ctx.work / "forms-gunicorn.log", "w") as log,
        Gunicorn(ctx, "forms_lambda.local:create_local_app()", ours_env, log, port) as server,
        Gunicorn(ctx, "bench.durable_app:app", durable_env, log) as durable,
        Gunicorn(ctx, "bench.bare_app:app", bare_env, log) as bare,
    ):
        check_contact(server.url)
        servers = {"ours": server, "durable": durable, "bare": bare}
        for each in servers.values():
            wrk(ctx, each.url, 1)  # warm up
        for rep in range(ctx.reps):
            for name, each in servers.items():
                figures[name].append(wrk(ctx, each.url))
            ctx.log(
                f"forms rep {rep + 1}: " + ", ".join(f"{name} {f[-1]['rps']:.0f} req/s" for name, f in figures.items())
            )
    return rows(
        *(
            {k: med([r[k] for r in figures[name]]) for k in ("rps", "p50", "p99")}
            for name in ("ours", "durable", "bare")
        )
    )

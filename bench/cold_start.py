"""Lambda cold start: import time of forms_lambda.handler next to `import flask`, and peak RSS of one cold
invocation next to a bare Flask app behind the same apig-wsgi adapter; its time also next to a Flask app doing the
same durable work (boto3, one PutItem: durable_lambda.py).

Import time is what `python -X importtime` reports for the modules a fresh interpreter imports beyond its
own startup. It is measured with the local backends (SQLite + Maildir) and with Lambda's (DynamoDB + SES),
since boto3 should be imported only where a backend needs it. The cold invocation runs with Lambda's
backends against a moto_server process, as the function runs there: the request stores the submission and
answers; delivery (SES) follows on the table's stream, outside this figure.
"""

import json
import subprocess

from bench.context import compile_bytecode, run_ok
from bench.moto import MotoServer
from bench.table import Row, med

SITE_URL = "https://clinic.example"
LOCAL = {"FORMS_STORE": "sqlite:///{var}/forms.sqlite3", "FORMS_MAILER": "maildir:{var}/mail"}
# As on Lambda: the function's name is set, so the request only stores and the table's stream delivers.
LAMBDA = {"FORMS_STORE": "dynamodb://bench", "FORMS_MAILER": "ses", "AWS_LAMBDA_FUNCTION_NAME": "bench-forms"}


def rows(
    local=None,
    aws=None,
    flask=None,
    rss=None,
    bare_rss=None,
    first=None,
    bare_first=None,
    note="",
    rss_note="",
    dynamodb=None,
    durable_first=None,
):
    return [
        Row(
            "Cold start: import handler (SQLite + Maildir)",
            local,
            flask,
            "ms",
            "import flask",
            "<= 2.0x",
            ("ratio", 2.0),
            note,
        ),
        Row(
            "Cold start: import handler (DynamoDB + SES)",
            aws,
            flask,
            "ms",
            "import flask",
            "<= 2.0x",
            ("ratio", 2.0),
            note,
        ),
        Row(
            "Cold invocation: peak RSS (DynamoDB + SES)",
            rss,
            bare_rss,
            "MB",
            "bare Flask",
            "<= 80 MB",
            ("abs", 80.0),
            note or rss_note,
        ),
        Row(
            "Cold invocation: import to first answer (DynamoDB + SES)",
            first,
            bare_first,
            "ms",
            "bare Flask",
            "<= 1.5x",
            ("ratio", 1.5),
            note or rss_note,
        ),
        # What storing in DynamoDB costs before any answer, which the bare peer does not pay: what limits the row above.
        Row(
            "Cold invocation: of which import boto3 + DynamoDB client",
            dynamodb,
            bare_first,
            "ms",
            "bare Flask",
            "",
            None,
            note,
        ),
        # The floor of the row before last: a peer doing the same durable work (durable_lambda.py), as the forms
        # section's durable_app.py does for throughput. What ours adds to it is ours to cut.
        Row(
            "Cold invocation: import to first answer, vs the same durable work",
            first,
            durable_first,
            "ms",
            "Flask + boto3 + 1 PutItem",
            "",
            None,
            note or rss_note,
        ),
    ]


def unavailable(reason):
    return rows(note=reason)


def import_ms(ctx, statement, env):
    """Milliseconds spent importing what `statement` imports beyond interpreter startup, in a fresh process."""

    def top_level(code):
        out = subprocess.run(
            [ctx.python, "-X", "importtime", "-c", code], env=env, cwd=ctx.root, capture_output=True, text=True
        )
        if out.returncode:
            raise RuntimeError(out.stderr.strip().splitlines()[-1])
        found = {}
        for line in out.stderr.splitlines():
            if not line.startswith("import time:") or "|" not in line:
                continue
            _, cumulative, name = line.split("|")
            if name.strip() and not name.startswith("  ") and cumulative.strip().isdigit():
                found[name.strip()] = int(cumulative)
        return found

    startup = top_level("pass")
    return sum(us for name, us in top_level(statement).items() if name not in startup) / 1000


# After Flask (which both sides import), as the handler does it: what boto3 and a DynamoDB client add.
DYNAMODB_CLIENT = (
    "import time, flask; start = time.perf_counter(); import boto3; boto3.client('dynamodb'); "
    "print((time.perf_counter() - start) * 1000)"
)


def cold_invoke(ctx, which, env):
    out = subprocess.run(
        [ctx.python, "-m", "bench.cold_invoke", which, SITE_URL],
        env=env,
        cwd=ctx.root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if out.returncode:
        raise RuntimeError(out.stderr.strip().splitlines()[-1])
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["status"] >= 400:
        raise RuntimeError(f"cold invocation answered {result['status']}: {result['body']}")
    return result["maxrss_mb"], result["elapsed_ms"]


def run(ctx):
    var = ctx.work / "cold-var"
    var.mkdir(parents=True, exist_ok=True)
    compile_bytecode(ctx, "forms_lambda", "bench")
    common = {
        "FORMS_SECRET_KEY": "bench-secret-key-not-for-production",
        "FORMS_SITE_URL": SITE_URL,
        "FORMS_SENDER": "Clinic <no-reply@clinic.example>",
        "FORMS_CLINIC_INBOX": "clinic@clinic.example",
    }
    local_env = ctx.env(**common, **{k: v.format(var=var) for k, v in LOCAL.items()})
    flask_env = ctx.env()
    local, aws, flask, rss, bare_rss, first, bare_first, dynamodb, durable_first = ([] for _ in range(9))
    with MotoServer(ctx) as moto:
        aws_env = ctx.env(**common, **LAMBDA, **moto.env)
        prepare_aws(ctx, aws_env)
        for _ in range(max(ctx.reps, 7)):  # cheap, and import times are noisy on a busy machine
            flask.append(import_ms(ctx, "import flask", flask_env))
            local.append(import_ms(ctx, "import forms_lambda.handler", local_env))
            aws.append(import_ms(ctx, "import forms_lambda.handler", aws_env))
            dynamodb.append(float(run_ok([ctx.python, "-c", DYNAMODB_CLIENT], env=aws_env, cwd=ctx.root).stdout))
        rss_note = ""
        try:
            for _ in range(max(ctx.reps, 7)):  # as noisy as import times
                for which, env, mem, ms in (
                    ("ours", aws_env, rss, first),
                    ("bare", flask_env, bare_rss, bare_first),
                    ("durable", aws_env, [], durable_first),
                ):
                    peak, elapsed = cold_invoke(ctx, which, env)
                    mem.append(peak)
                    ms.append(elapsed)
        except RuntimeError as exc:
            rss_note = f"n/a ({str(exc)[:70]})"
    ctx.log(
        f"cold: flask {flask}, local {local}, aws {aws}, rss {rss} vs {bare_rss}, first {first} vs {bare_first}, "
        f"boto3 + DynamoDB client {dynamodb}, Flask + boto3 + 1 PutItem {durable_first}"
    )
    return rows(
        med(local),
        med(aws),
        med(flask),
        med(rss),
        med(bare_rss),
        med(first),
        med(bare_first),
        rss_note=rss_note,
        dynamodb=med(dynamodb),
        durable_first=med(durable_first),
    )


def prepare_aws(ctx, env):
    """Tables through the project's own `init`, and a verified SES sender (moto rejects unverified ones)."""
    run_ok([ctx.python, "-m", "forms_lambda", "init"], env=env, cwd=ctx.root, timeout=120)
    code = (
        "import boto3; ses = boto3.client('ses'); "
        "ses.verify_email_identity(EmailAddress='no-reply@clinic.example'); "
        "ses.verify_domain_identity(Domain='clinic.example')"
    )
    run_ok([ctx.python, "-c", code], env=env, timeout=60)

"""Newsletter: time for `python -m forms_lambda notify` to announce one article to 10,000 confirmed
subscribers through SES (a moto_server process), next to a bare boto3 loop sending the same number of raw
messages. Both are held to the same configured send rate (FORMS_SEND_RATE); at moto's speed the rate
is set above what moto answers, so the figure is the sender's own cost per message.
"""
import subprocess

from bench.moto import MotoServer
from bench.table import Row

SUBSCRIBERS = 10_000
SEND_RATE = 500  # messages per second; above what moto_server answers on this machine
SENDER = "Clinic <no-reply@clinic.example>"


def rows(ours=None, peer=None, note=""):
    return [Row(f"Newsletter: notify {SUBSCRIBERS:,} subscribers (SES, {SEND_RATE}/s max)", ours, peer, "s",
                "bare boto3 loop", "", None, note)]


def unavailable(reason):
    return rows(note=reason)


def has_notify(ctx):
    main = ctx.root / "forms_lambda" / "__main__.py"
    cli = ctx.root / "forms_lambda" / "cli.py"
    return any(p.exists() and "notify" in p.read_text(encoding="utf-8") for p in (main, cli))


def peer_seconds(ctx, env):
    out = subprocess.run([ctx.python, "-m", "bench.ses_loop", str(SUBSCRIBERS), str(SEND_RATE), SENDER],
                         env=env, cwd=ctx.root, capture_output=True, text=True, timeout=600, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def verify_sender(ctx, env):
    code = "import boto3; boto3.client('ses').verify_domain_identity(Domain='clinic.example')"
    subprocess.run([ctx.python, "-c", code], env=env, check=True, capture_output=True, timeout=60)


def run(ctx):
    if not has_notify(ctx):
        return unavailable("n/a (notify, issue 5, not merged yet)")
    with MotoServer(ctx) as moto:
        env = ctx.env(**moto.env)
        verify_sender(ctx, env)
        peer = peer_seconds(ctx, env)
    return rows(None, peer, note="")

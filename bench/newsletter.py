"""Newsletter: time for `python -m forms_lambda notify` to announce one new article to 10,000 confirmed
subscribers through SES (a moto_server process), next to a bare boto3 loop that sends the same number of
raw messages one after the other. Both are held to the same configured send rate (FORMS_SEND_RATE), set
above what moto answers here, so the figure is each sender's own cost per message.

One repetition each: 10,000 sends through moto take minutes, and `make bench` must stay under 10. When a
busy machine makes moto so slow that 10,000 would overrun the run's time budget, fewer subscribers are
used, and the figure's label says how many.
"""

import shutil
import subprocess
import time
from pathlib import Path

from bench.context import run_ok
from bench.moto import MotoServer
from bench.table import Row

SUBSCRIBERS = 10_000
SEND_RATE = 500  # messages per second: above what moto_server answers on this machine
SENDER = "Clinic <no-reply@clinic.example>"
SITE_URL = "https://clinic.example"

FEED = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Clinic</title><link href="{site}/" rel="alternate"/>
<id>{site}/</id><updated>2026-11-20T09:00:00+00:00</updated>{entries}</feed>
"""
ENTRY = """<entry><title>{title}</title><link href="{site}/blog/{slug}/" rel="alternate"/>
<published>{date}</published><updated>{date}</updated><id>tag:clinic.example,2026:/blog/{slug}/</id>
<summary type="html">&lt;p&gt;{title}: what to expect, and how to reach us.&lt;/p&gt;</summary></entry>"""
ARTICLES = [
    ("ketamine-for-chronic-pain", "Ketamine for chronic pain", "2026-11-01T09:00:00+00:00"),
    ("what-an-infusion-day-looks-like", "What an infusion day looks like", "2026-11-20T09:00:00+00:00"),
]

SEED = """
import dataclasses, sys
from forms_lambda.stores import Subscriber
from forms_lambda.stores.sqlite import SqliteStore
# One transaction: the store's add_subscriber commits each row (about 15 ms here), 10,000 would take minutes.
store = SqliteStore(sys.argv[1])
rows = [dataclasses.asdict(Subscriber(email=f"subscriber{i}@example.com", status="confirmed",
                                      opt_in_at="2026-01-01T00:00:00+00:00", opt_in_page="/blog/",
                                      confirmed_at="2026-01-01T00:00:00+00:00", confirm_page="/subscribed/"))
        for i in range(int(sys.argv[2]))]
columns = list(rows[0])
with store.connect() as conn:
    conn.execute("BEGIN")
    conn.executemany(f"INSERT INTO subscribers ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                     [tuple(r.values()) for r in rows])
    conn.execute("COMMIT")
"""


CALIBRATION = 100  # messages the bare loop sends first, to see what moto costs per message right now
NOTIFY_COST = 2.0  # notify's time per message as a multiple of the bare loop's (claims, tokens, MIME), guessed high


def rows(ours=None, peer=None, note="", count=SUBSCRIBERS):
    return [
        Row(f"Newsletter: notify {count:,} subscribers via SES", ours, peer, "s", "bare boto3 loop", "", None, note)
    ]


def unavailable(reason):
    return rows(note=reason)


def write_feed(site, articles):
    entries = "".join(ENTRY.format(site=SITE_URL, slug=s, title=t, date=d) for s, t, d in articles)
    path = Path(site) / "feeds" / "all.atom.xml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(FEED.format(site=SITE_URL, entries=entries), encoding="utf-8")


def peer_seconds(ctx, env, count):
    out = run_ok(
        [ctx.python, "-m", "bench.ses_loop", str(count), str(SEND_RATE), SENDER], env=env, cwd=ctx.root, timeout=600
    )
    return float(out.stdout.strip().splitlines()[-1])


def affordable(ctx, per_message):
    """SUBSCRIBERS, or fewer (in steps of 500) when both runs would not fit in the time left."""
    fits = int((ctx.remaining - 30) / (per_message * (1 + NOTIFY_COST)))
    return SUBSCRIBERS if fits >= SUBSCRIBERS else max(500, fits // 500 * 500)


def notify_seconds(ctx, env, site, count):
    """Seconds of the notify run that sends; the first run only records the archive, as on a real site."""
    cmd = [ctx.python, "-m", "forms_lambda", "notify", "--site", str(site)]
    write_feed(site, ARTICLES[:1])
    run_ok(cmd, env=env, cwd=ctx.root, timeout=120)
    write_feed(site, ARTICLES)
    start = time.perf_counter()
    out = subprocess.run(cmd, env=env, cwd=ctx.root, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - start
    if out.returncode != 0 or f"{count} sent" not in out.stdout:
        raise RuntimeError(f"notify exited {out.returncode}: {(out.stdout + out.stderr).strip()[-200:]}")
    return elapsed


def verify_sender(ctx, env):
    code = "import boto3; boto3.client('ses').verify_domain_identity(Domain='clinic.example')"
    run_ok([ctx.python, "-c", code], env=env, timeout=60)


def run(ctx):
    var = ctx.work / "newsletter-var"
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    db = var / "forms.sqlite3"
    with MotoServer(ctx) as moto:
        env = ctx.env(
            **moto.env,
            FORMS_STORE=f"sqlite:///{db}",
            FORMS_MAILER="ses",
            FORMS_SENDER=SENDER,
            FORMS_SITE_URL=SITE_URL,
            FORMS_SECRET_KEY="bench-secret-key-not-for-production",
            FORMS_CLINIC_ADDRESS="1000 Example Street, Denver, CO 80202",
            FORMS_SEND_RATE=SEND_RATE,
            FORMS_VAR_DIR=var,
        )
        run_ok([ctx.python, "-m", "forms_lambda", "init"], env=env, cwd=ctx.root, timeout=120)
        verify_sender(ctx, env)
        count = affordable(ctx, peer_seconds(ctx, env, CALIBRATION) / CALIBRATION)
        run_ok([ctx.python, "-c", SEED, str(db), str(count)], env=env, cwd=ctx.root, timeout=300)
        moto.reset()
        verify_sender(ctx, env)
        ctx.log(f"newsletter: {count} subscribers seeded; bare boto3 loop sending")
        peer = peer_seconds(ctx, env, count)
        moto.reset()
        verify_sender(ctx, env)
        ctx.log(f"newsletter: bare loop {peer:.1f}s; notify sending")
        ours = notify_seconds(ctx, env, var / "site", count)
    ctx.log(f"newsletter: notify {ours:.1f}s")
    return rows(ours, peer, count=count)

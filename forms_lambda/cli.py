"""The staff's commands, as Flask click commands: `python -m forms_lambda COMMAND` (or `flask --app forms_lambda
COMMAND`): init, retry, status, failed, spam, purge, export, notify, unsubscribe, forget. A command's exit status
tells a script or an alarm whether it needs a person. On AWS: `python -m deploy.stack run --stack NAME -- python -m
forms_lambda COMMAND` runs one with the deployed function's settings."""

import csv
import dataclasses
import sys

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext

from .config import ConfigError
from .stores import DELIVERED, FAILED, PENDING, SPAM, Subscriber

# The consent record (the opt-in's id only tells confirm links apart: nothing a person needs).
EXPORT_FIELDS = [f.name for f in dataclasses.fields(Subscriber) if f.name != "opt_in_id"]
show_option = click.option("--show", is_flag=True, help="also print what each person sent")


def current_services():
    """The Services of the app the command runs in."""
    return current_app.extensions["forms_lambda"]


@click.command("init")
@with_appcontext
def init_command():
    """Create the store's tables (idempotent)."""
    store = current_services().store
    store.init()
    click.echo(f"store ready: {store.name}")


@click.command("retry")
@click.option("--limit", type=int, default=500, show_default=True, help="at most this many submissions")
@with_appcontext
def retry_command(limit):
    """Deliver every pending submission now, even those waiting for their next attempt."""
    from .services import ANY_TIME

    tried, delivered = current_services().deliver_due(limit=limit, now=ANY_TIME)
    click.echo(f"retried {tried}, delivered {delivered}, still pending {tried - delivered}")
    sys.exit(0 if delivered == tried else 1)


@click.command("status")
@with_appcontext
def status_command():
    """Submissions by kind and state, the oldest pending; exit 1 when any failed or waits over 30 minutes."""
    from .services import PENDING_ALERT_SECONDS

    report = current_services().delivery_status()
    states = (PENDING, DELIVERED, FAILED, SPAM)
    click.echo(f"{'kind':<10}" + "".join(f"{state:>11}" for state in states))
    for kind in sorted({kind for kind, _ in report.counts}):
        click.echo(f"{kind:<10}" + "".join(f"{report.counts.get((kind, state), 0):>11}" for state in states))
    late = report.oldest_pending_seconds > PENDING_ALERT_SECONDS
    click.echo(
        f"oldest pending: {duration(report.oldest_pending_seconds)}"
        + (" (over 30 minutes: is the mail server reachable?)" if late else "")
    )
    if report.failed:
        click.echo(f"failed, {len(report.failed)} (`failed --requeue ID` tries one again):")
        for submission in report.failed:
            click.echo(
                f"  {submission.id}  {submission.kind}  {submission.created_at}  {urgent(submission)}"
                f"{submission.last_error}"
            )
    sys.exit(1 if report.needs_a_person else 0)


@click.command("failed")
@click.option("--requeue", metavar="ID", help="make this failed submission pending again and deliver it")
@show_option
@with_appcontext
def failed_command(requeue, show):
    """List submissions whose every delivery attempt failed; --requeue ID delivers one again."""
    if requeue:
        sys.exit(reopen(current_services(), requeue, FAILED))
    list_submissions(current_services(), FAILED, show, lambda s: f"{s.attempts} attempts, last: {s.last_error}")


@click.command("spam")
@click.option("--release", metavar="ID", help="deliver this submission held as spam")
@show_option
@with_appcontext
def spam_command(release, show):
    """List submissions held as spam, with why; --release ID delivers one (a person caught by mistake)."""
    if release:
        submission = current_services().store.get_submission(release)
        if submission and submission.kind == "subscribe" and "email" not in submission.payload:
            click.echo(
                "this subscription was held without its address (a bot may type anyone's): nothing to deliver",
                err=True,
            )
            sys.exit(1)
        sys.exit(reopen(current_services(), release, SPAM))
    list_submissions(current_services(), SPAM, show, lambda s: s.payload.get("spam_reason", ""))


def list_submissions(services, status, show, detail):
    """One line per submission (id, kind, time, `detail`); what the person sent only with --show."""
    submissions = services.store.list_submissions(status)
    for submission in submissions:
        click.echo(
            f"{submission.id}  {submission.kind:<9}  {submission.created_at}  {urgent(submission)}{detail(submission)}"
        )
        if show:
            for field, value in submission.payload.items():
                if field != "spam_reason":
                    click.echo(f"    {field}: " + str(value).replace("\n", "\n      "))
    click.echo(f"{len(submissions)} {status}" + ("" if show or not submissions else " (--show prints what was sent)"))


def urgent(submission):
    """Marks a message in crisis language (forms_lambda/crisis.py): staff look at it first."""
    return "URGENT  " if submission.urgent else ""


def reopen(services, submission_id, status):
    delivered = services.reopen(submission_id, status)
    if delivered is None:
        click.echo(f"no {status} submission {submission_id}", err=True)
        return 1
    if delivered:
        click.echo(f"{submission_id}: delivered")
        return 0
    submission = services.store.get_submission(submission_id)
    click.echo(
        f"{submission_id}: not delivered ({submission.last_error}); "
        + (
            f"pending, next attempt at {submission.next_attempt_at}"
            if submission.status == PENDING
            else submission.status
        )
    )
    return 1


def duration(seconds):
    if not seconds:
        return "none"
    return (
        f"{seconds // 3600} h {seconds % 3600 // 60} min"
        if seconds >= 3600
        else f"{seconds // 60} min {seconds % 60} s"
    )


# A cell starting with one of these is a formula in a spreadsheet (CSV injection): a stored address may start
# with "=", "+", "-" or "@" (all valid before the @).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value):
    """The value as a spreadsheet shows text, never runs: a leading apostrophe before a formula's first sign."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_START) else value


@click.command("purge")
@click.option("--days", type=int, default=None, help="keep this many days instead of FORMS_RETENTION_DAYS")
@with_appcontext
def purge_command(days):
    """Delete submissions delivered (or held as spam), and forget subscribers who unsubscribed (or never
    confirmed), more than FORMS_RETENTION_DAYS days ago."""
    done = current_services().purge(days=days)
    click.echo(
        f"purged {done['deleted']} submissions, forgot {done['forgotten']} subscribers who unsubscribed or never "
        "confirmed"
    )


def subscriber_states():
    from .subscribers import State

    return [state.value for state in State]


@click.command("export")
@click.option("--status", type=click.Choice(subscriber_states()), help="only subscribers with this status")
@with_appcontext
def export_command(status):
    """Write subscribers as CSV to stdout (cells that would be spreadsheet formulas start with ')."""
    writer = csv.DictWriter(sys.stdout, fieldnames=EXPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for subscriber in current_services().store.list_subscribers(status=status):
        writer.writerow(
            {k: spreadsheet_text(v) for k, v in dataclasses.asdict(subscriber).items() if k in EXPORT_FIELDS}
        )


@click.command("notify")
@click.option(
    "--site",
    help="the built site whose feeds/all.atom.xml is read: a folder, or s3://<bucket> (default: FORMS_NOTIFY_SITE)",
)
@click.option(
    "--resend-interrupted",
    is_flag=True,
    help="also send again what a crashed run may or may not have sent (at least once)",
)
@with_appcontext
def notify_command(site, resend_interrupted):
    """Email new articles of the built site to confirmed subscribers."""
    from .newsletter import Newsletter

    service = current_services()
    sys.exit(Newsletter(service).run(site or service.settings.notify_site, resend_interrupted=resend_interrupted))


@click.command("unsubscribe")
@click.argument("who")
@with_appcontext
def unsubscribe_command(who):
    """Unsubscribe WHO: an email address, or the token of an emailed 'unsubscribe <token>' request (the mailto:
    link)."""
    from . import subscribers
    from .forms import normalize_email
    from .tokens import InvalidToken

    store = current_services().store
    try:
        subscriber = store.get_subscriber_by_id(current_services().tokens.read_unsubscribe_token(who))
    except InvalidToken:
        try:
            subscriber = store.get_subscriber(normalize_email(who))
        except ValueError:
            subscriber = None
    if subscriber is None:
        click.echo("unknown subscriber", err=True)
        sys.exit(1)
    subscriber = subscribers.unsubscribe(store, subscriber.id) or store.get_subscriber_by_id(subscriber.id)
    click.echo(f"subscriber {subscriber.id}: {subscriber.status}")


@click.command("forget")
@click.argument("email")
@with_appcontext
def forget_command(email):
    """Delete all the service holds about EMAIL (privacy page: your choices); a suppressed address stays
    unmailed."""
    from .forget import forget

    try:
        done = forget(current_services(), email)
    except ValueError:
        click.echo("not an email address", err=True)
        sys.exit(2)
    click.echo(
        f"deleted: subscriber record {done['subscriber']}, submissions {done['submissions']}, "
        f"send records {done['sends']}"
    )
    click.echo(
        "kept: a keyed hash of the address, which was suppressed (bounce or complaint), so it is never mailed again"
        if done["kept_hash"]
        else "kept: nothing"
    )


COMMANDS = [
    init_command,
    retry_command,
    status_command,
    failed_command,
    spam_command,
    purge_command,
    export_command,
    notify_command,
    unsubscribe_command,
    forget_command,
]


def init_app(app):
    """Register the commands on the app: `flask --app forms_lambda COMMAND`."""
    for command in COMMANDS:
        app.cli.add_command(command)


# `python -m forms_lambda`: the same commands, without Flask's own (run, shell, routes) and its --app option.
main = click.Group(commands=COMMANDS, help="The clinic's form service.")


def run(create_app):
    """Run `main` on the app `create_app()` builds from the environment (passed in: the package imports this
    module). A configuration error names the variable and exits 2, without a traceback."""

    def load_app():
        try:
            return create_app()
        except ConfigError as e:
            click.echo(f"configuration error: {e}", err=True)
            sys.exit(2)

    main(prog_name="python -m forms_lambda", obj=ScriptInfo(create_app=load_app, set_debug_flag=False))

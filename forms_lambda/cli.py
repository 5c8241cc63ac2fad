"""`python -m forms_lambda COMMAND`: init, retry, status, failed, spam, purge, export, notify, unsubscribe, forget
(more commands register in COMMANDS). On AWS: `python -m deploy.stack run --stack NAME -- python -m forms_lambda
COMMAND` runs one with the deployed function's settings."""

import argparse
import csv
import dataclasses
import sys

from .stores import DELIVERED, FAILED, PENDING, SPAM, Subscriber

# The consent record (the opt-in's id only tells confirm links apart: nothing a person needs).
EXPORT_FIELDS = [f.name for f in dataclasses.fields(Subscriber) if f.name != "opt_in_id"]


def cmd_init(services, args):
    """create the store's tables (idempotent)"""
    services.store.init()
    print(f"store ready: {services.store.name}")


def cmd_retry(services, args):
    """deliver every pending submission now, even those waiting for their next attempt"""
    from .services import ANY_TIME

    tried, delivered = services.deliver_due(limit=args.limit, now=ANY_TIME)
    print(f"retried {tried}, delivered {delivered}, still pending {tried - delivered}")
    return 0 if delivered == tried else 1


def cmd_status(services, args):
    """submissions by kind and state, the oldest pending; exit 1 when any failed or waits over 30 minutes"""
    from .services import PENDING_ALERT_SECONDS

    report = services.delivery_status()
    states = (PENDING, DELIVERED, FAILED, SPAM)
    print(f"{'kind':<10}" + "".join(f"{state:>11}" for state in states))
    for kind in sorted({kind for kind, _ in report.counts}):
        print(f"{kind:<10}" + "".join(f"{report.counts.get((kind, state), 0):>11}" for state in states))
    print(
        f"oldest pending: {duration(report.oldest_pending_seconds)}"
        + (
            " (over 30 minutes: is the mail server reachable?)"
            if report.oldest_pending_seconds > PENDING_ALERT_SECONDS
            else ""
        )
    )
    if report.failed:
        print(f"failed, {len(report.failed)} (`failed --requeue ID` tries one again):")
        for submission in report.failed:
            print(
                f"  {submission.id}  {submission.kind}  {submission.created_at}  {urgent(submission)}"
                f"{submission.last_error}"
            )
    return 1 if report.needs_a_person else 0


def cmd_failed(services, args):
    """list submissions whose every delivery attempt failed; --requeue ID delivers one again"""
    if args.requeue:
        return reopen(services, args.requeue, FAILED)
    list_submissions(services, FAILED, args.show, lambda s: f"{s.attempts} attempts, last: {s.last_error}")


def cmd_spam(services, args):
    """list submissions held as spam, with why; --release ID delivers one (a person caught by mistake)"""
    if args.release:
        submission = services.store.get_submission(args.release)
        if submission and submission.kind == "subscribe" and "email" not in submission.payload:
            print(
                "this subscription was held without its address (a bot may type anyone's): nothing to deliver",
                file=sys.stderr,
            )
            return 1
        return reopen(services, args.release, SPAM)
    list_submissions(services, SPAM, args.show, lambda s: s.payload.get("spam_reason", ""))


def list_submissions(services, status, show, detail):
    """One line per submission (id, kind, time, `detail`); what the person sent only with --show."""
    submissions = services.store.list_submissions(status)
    for submission in submissions:
        print(
            f"{submission.id}  {submission.kind:<9}  {submission.created_at}  {urgent(submission)}{detail(submission)}"
        )
        if show:
            for field, value in submission.payload.items():
                if field != "spam_reason":
                    print(f"    {field}: " + str(value).replace("\n", "\n      "))
    print(f"{len(submissions)} {status}" + ("" if show or not submissions else " (--show prints what was sent)"))


def urgent(submission):
    """Marks a message in crisis language (forms_lambda/crisis.py): staff look at it first."""
    return "URGENT  " if submission.urgent else ""


def reopen(services, submission_id, status):
    delivered = services.reopen(submission_id, status)
    if delivered is None:
        print(f"no {status} submission {submission_id}", file=sys.stderr)
        return 1
    if delivered:
        print(f"{submission_id}: delivered")
        return 0
    submission = services.store.get_submission(submission_id)
    print(
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


def cmd_purge(services, args):
    """delete submissions delivered (or held as spam), and forget subscribers who unsubscribed (or never confirmed),
    more than FORMS_RETENTION_DAYS days ago"""
    done = services.purge(days=args.days)
    print(
        f"purged {done['deleted']} submissions, forgot {done['forgotten']} subscribers who unsubscribed or never "
        "confirmed"
    )


# A cell starting with one of these is a formula in a spreadsheet (CSV injection): a stored address may start
# with "=", "+", "-" or "@" (all valid before the @).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value):
    """The value as a spreadsheet shows text, never runs: a leading apostrophe before a formula's first sign."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_START) else value


def cmd_export(services, args):
    """write subscribers as CSV to stdout (cells that would be spreadsheet formulas start with ')"""
    writer = csv.DictWriter(sys.stdout, fieldnames=EXPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for subscriber in services.store.list_subscribers(status=args.status):
        writer.writerow(
            {k: spreadsheet_text(v) for k, v in dataclasses.asdict(subscriber).items() if k in EXPORT_FIELDS}
        )


def cmd_notify(services, args):
    """email new articles of the built site to confirmed subscribers"""
    from .newsletter import Newsletter

    return Newsletter(services).run(
        args.site or services.settings.notify_site, resend_interrupted=args.resend_interrupted
    )


def cmd_unsubscribe(services, args):
    """unsubscribe an address, or the token of an emailed 'unsubscribe <token>' request (the mailto: link)"""
    from . import subscribers
    from .forms import normalize_email
    from .tokens import InvalidToken

    try:
        subscriber = services.store.get_subscriber_by_id(services.tokens.read_unsubscribe_token(args.who))
    except InvalidToken:
        try:
            subscriber = services.store.get_subscriber(normalize_email(args.who))
        except ValueError:
            subscriber = None
    if subscriber is None:
        print("unknown subscriber", file=sys.stderr)
        return 1
    subscriber = subscribers.unsubscribe(services.store, subscriber.id) or services.store.get_subscriber_by_id(
        subscriber.id
    )
    print(f"subscriber {subscriber.id}: {subscriber.status}")


def cmd_forget(services, args):
    """delete all the service holds about an address (privacy page: your choices); a suppressed one stays unmailed"""
    from .forget import forget

    try:
        done = forget(services, args.email)
    except ValueError:
        print("not an email address", file=sys.stderr)
        return 2
    print(
        f"deleted: subscriber record {done['subscriber']}, submissions {done['submissions']}, "
        f"send records {done['sends']}"
    )
    print(
        "kept: a keyed hash of the address, which was suppressed (bounce or complaint), so it is never mailed again"
        if done["kept_hash"]
        else "kept: nothing"
    )


def add_forget_arguments(parser):
    parser.add_argument("email", help="the person's email address")


def add_unsubscribe_arguments(parser):
    parser.add_argument("who", help="an email address, or the token from an 'unsubscribe <token>' email")


def add_notify_arguments(parser):
    parser.add_argument(
        "--site",
        help="the built site whose feeds/all.atom.xml is read: a folder, or s3://<bucket> (default: FORMS_NOTIFY_SITE)",
    )
    parser.add_argument(
        "--resend-interrupted",
        action="store_true",
        help="also send again what a crashed run may or may not have sent (at least once)",
    )


def add_retry_arguments(parser):
    parser.add_argument("--limit", type=int, default=500, help="at most this many submissions")


def add_failed_arguments(parser):
    parser.add_argument("--requeue", metavar="ID", help="make this failed submission pending again and deliver it")
    parser.add_argument("--show", action="store_true", help="also print what each person sent")


def add_spam_arguments(parser):
    parser.add_argument("--release", metavar="ID", help="deliver this submission held as spam")
    parser.add_argument("--show", action="store_true", help="also print what each person sent")


def add_purge_arguments(parser):
    parser.add_argument("--days", type=int, default=None, help="keep this many days instead of FORMS_RETENTION_DAYS")


def add_export_arguments(parser):
    from .subscribers import State

    parser.add_argument("--status", choices=list(State), help="only subscribers with this status")


# name -> (function(services, args) -> exit code or None, function(parser) adding its arguments)
COMMANDS = {
    "init": (cmd_init, None),
    "retry": (cmd_retry, add_retry_arguments),
    "status": (cmd_status, None),
    "failed": (cmd_failed, add_failed_arguments),
    "spam": (cmd_spam, add_spam_arguments),
    "purge": (cmd_purge, add_purge_arguments),
    "export": (cmd_export, add_export_arguments),
    "notify": (cmd_notify, add_notify_arguments),
    "unsubscribe": (cmd_unsubscribe, add_unsubscribe_arguments),
    "forget": (cmd_forget, add_forget_arguments),
}


def main(argv=None):
    from . import ConfigError, create_app
    from .services import Services

    parser = argparse.ArgumentParser(prog="python -m forms_lambda", description="The clinic's form service.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, (func, add_arguments) in COMMANDS.items():
        sub = commands.add_parser(name, help=func.__doc__)
        if add_arguments:
            add_arguments(sub)
    args = parser.parse_args(argv)
    try:
        app = create_app()
    except ConfigError as e:
        parser.exit(2, f"configuration error: {e}\n")
    services: Services = app.extensions["forms_lambda"]
    with app.app_context():
        return COMMANDS[args.command][0](services, args) or 0

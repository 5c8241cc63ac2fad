"""`python -m forms_lambda COMMAND`: init, retry, purge, export, notify (more commands register in COMMANDS)."""
import argparse
import csv
import dataclasses
import sys

from .stores import Subscriber

EXPORT_FIELDS = [f.name for f in dataclasses.fields(Subscriber)]


def cmd_init(services, args):
    """create the store's tables (idempotent)"""
    services.store.init()
    print(f"store ready: {services.store.name}")


def cmd_retry(services, args):
    """deliver pending submissions again"""
    tried, delivered = services.retry_pending(limit=args.limit)
    print(f"retried {tried}, delivered {delivered}, still pending {tried - delivered}")
    return 0 if delivered == tried else 1


def cmd_purge(services, args):
    """delete submissions delivered (or held as spam) more than FORMS_RETENTION_DAYS days ago"""
    deleted = services.purge(days=args.days)
    print(f"purged {deleted} submissions")


def cmd_export(services, args):
    """write subscribers as CSV to stdout"""
    writer = csv.DictWriter(sys.stdout, fieldnames=EXPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for subscriber in services.store.list_subscribers(status=args.status):
        writer.writerow(dataclasses.asdict(subscriber))


def cmd_notify(services, args):
    """email new articles of the built site to confirmed subscribers"""
    from .newsletter import Newsletter
    return Newsletter(services).run(args.site or services.settings.notify_site,
                                    resend_interrupted=args.resend_interrupted)


def cmd_unsubscribe(services, args):
    """unsubscribe an address, or the token of an emailed 'unsubscribe <token>' request (the mailto: link)"""
    from .forms import normalize_email
    from .stores.base import utcnow
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
    if subscriber.status in ("pending", "confirmed"):
        services.store.set_subscriber_status(subscriber.id, "unsubscribed", unsubscribed_at=utcnow())
    print(f"subscriber {subscriber.id}: {services.store.get_subscriber_by_id(subscriber.id).status}")


def add_unsubscribe_arguments(parser):
    parser.add_argument("who", help="an email address, or the token from an 'unsubscribe <token>' email")


def add_notify_arguments(parser):
    parser.add_argument("--site", help="the built site whose feeds/all.atom.xml is read: a folder, or "
                                        "s3://<bucket> (default: FORMS_NOTIFY_SITE, else output)")
    parser.add_argument("--resend-interrupted", action="store_true",
                        help="also send again what a crashed run may or may not have sent (at least once)")


def add_retry_arguments(parser):
    parser.add_argument("--limit", type=int, default=500, help="at most this many submissions")


def add_purge_arguments(parser):
    parser.add_argument("--days", type=int, default=None,
                        help="keep this many days instead of FORMS_RETENTION_DAYS (default 30)")


def add_export_arguments(parser):
    parser.add_argument("--status", choices=["pending", "confirmed", "unsubscribed", "suppressed"],
                        help="only subscribers with this status")


# name -> (function(services, args) -> exit code or None, function(parser) adding its arguments)
COMMANDS = {
    "init": (cmd_init, None),
    "retry": (cmd_retry, add_retry_arguments),
    "purge": (cmd_purge, add_purge_arguments),
    "export": (cmd_export, add_export_arguments),
    "notify": (cmd_notify, add_notify_arguments),
    "unsubscribe": (cmd_unsubscribe, add_unsubscribe_arguments),
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

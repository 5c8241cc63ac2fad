"""`python -m forms_lambda COMMAND`: init, retry, purge, export (more commands register in COMMANDS)."""
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

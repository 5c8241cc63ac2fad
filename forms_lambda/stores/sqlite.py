"""SqliteStore: the embedded default, one file under var/ in WAL mode."""

import dataclasses
import json
import os
import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path

from .base import (
    DELIVERED,
    FAILED,
    PENDING,
    POST_STATUSES,
    SENDING,
    SPAM,
    Post,
    StoreError,
    Submission,
    Subscriber,
    changeable_subscriber_fields,
    is_about,
    retry_after,
    utcnow,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    delivered_at TEXT NOT NULL DEFAULT '',
    payload TEXT NOT NULL,
    lease_until INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL DEFAULT '',
    priority INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS submissions_status ON submissions (status, created_at);
CREATE TABLE IF NOT EXISTS subscribers (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    opt_in_at TEXT NOT NULL DEFAULT '',
    opt_in_page TEXT NOT NULL DEFAULT '',
    confirmed_at TEXT NOT NULL DEFAULT '',
    confirm_page TEXT NOT NULL DEFAULT '',
    unsubscribed_at TEXT NOT NULL DEFAULT '',
    opt_in_id TEXT NOT NULL DEFAULT ''
);
-- Rate limits (forms_lambda/ratelimit.py): per key, when its bucket is full again (epoch seconds).
CREATE TABLE IF NOT EXISTS rate_buckets (
    key TEXT PRIMARY KEY,
    tat REAL NOT NULL
);
-- The fixed-window counters of earlier versions.
DROP TABLE IF EXISTS rate_limits;
-- /api/health writes here: it proves the store can still save a submission.
CREATE TABLE IF NOT EXISTS health (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS suppressed_addresses (
    digest TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS used_once (
    key TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS posts (
    path TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    link TEXT NOT NULL,
    summary TEXT NOT NULL,
    published TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sends (
    path TEXT NOT NULL,
    subscriber_id TEXT NOT NULL,
    status TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    finished_at TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (path, subscriber_id)
);
"""
# Columns added since the first release, with their definitions: `init` adds them to an older file.
ADDED_COLUMNS = {
    "submissions": {"next_attempt_at": "TEXT NOT NULL DEFAULT ''", "priority": "INTEGER NOT NULL DEFAULT 0"},
    "subscribers": {"opt_in_id": "TEXT NOT NULL DEFAULT ''"},
}
SUBMISSION_COLUMNS = {f.name for f in dataclasses.fields(Submission)}


class SqliteStore:
    name = "sqlite"

    def __init__(self, path):
        self.path = Path(path)
        self._local = threading.local()
        self._sends_lock = threading.Lock()
        self._sends_conn = None
        self.init()

    def connect(self):
        try:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            # Bookkeeping (delivery claims and outcomes, rate-limit counters) survives a crash of the process
            # but may lose its last moments to a power cut: at worst an email is sent again, with the same
            # Message-ID. What was accepted is written with durable=True (see _run).
            conn.execute("PRAGMA synchronous = NORMAL")
            # What is deleted (purged messages, forgotten people) is overwritten in the file, not only unlinked.
            conn.execute("PRAGMA secure_delete = ON")
        except sqlite3.Error as e:
            raise StoreError(f"cannot open the SQLite store: {e}") from e
        conn.row_factory = sqlite3.Row
        return conn

    def _file_id(self):
        try:
            stat = os.stat(self.path)
            return stat.st_dev, stat.st_ino
        except OSError:
            return None

    def _connection(self):
        """This thread's connection, kept open: opening one, and closing it (which checkpoints the WAL), cost
        more than the statements of a request. A new one in a forked process, and when the file was replaced
        or removed (a restore, a reset), since a connection kept open would go on using the removed file."""
        local, pid = self._local, os.getpid()
        conn = getattr(local, "conn", None)
        if conn is None or local.key != (pid, self._file_id()):
            if conn is not None and local.key[0] == pid:
                conn.close()  # never a connection inherited through fork: SQLite forbids using it
            local.conn = self.connect()
            local.key = (pid, self._file_id())  # after connecting, which creates a missing file
        return local.conn

    def _run(self, sql, params=(), *, script=False, durable=False):
        """Run one statement (its own transaction). durable: on disk before this returns, power cut or not
        (synchronous FULL), for what the service promised to keep: submissions, subscribers' consent."""
        try:
            conn = self._connection()
            if script:
                conn.executescript(sql)
                return []
            if not durable:
                return conn.execute(sql, params).fetchall()
            conn.execute("PRAGMA synchronous = FULL")
            try:
                return conn.execute(sql, params).fetchall()
            finally:
                conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as e:
            raise StoreError(f"SQLite: {e}") from e

    def init(self):
        # A connection of its own, closed at once: this may run in a process that forks web workers later.
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with closing(self.connect()) as conn:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(SCHEMA)
                for table, added in ADDED_COLUMNS.items():
                    columns = {row["name"] for row in conn.execute(f"PRAGMA table_info({table})")}
                    for name, definition in added.items():
                        if name not in columns:
                            conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {definition}")
                conn.execute("CREATE INDEX IF NOT EXISTS submissions_due ON submissions (status, next_attempt_at)")
        except sqlite3.Error as e:
            raise StoreError(f"SQLite: {e}") from e

    # submissions
    def add_submission(self, submission):
        # vars(), not dataclasses.asdict(): no deep copy of the payload on the request's path.
        values = {**vars(submission), "payload": json.dumps(submission.payload)}
        self._run(
            f"INSERT INTO submissions ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
            tuple(values.values()),
            durable=True,
        )

    def get_submission(self, submission_id):
        rows = self._run("SELECT * FROM submissions WHERE id = ?", (submission_id,))
        return _submission(rows[0]) if rows else None

    def mark_delivered(self, submission_id):
        self._run(
            "UPDATE submissions SET status = ?, delivered_at = ?, attempts = attempts + 1,"
            " last_error = '' WHERE id = ?",
            (DELIVERED, utcnow(), submission_id),
        )

    def mark_failed(self, submission_id, error, next_attempt_at=""):
        # Releases the claim: the delivery due at next_attempt_at may take it.
        self._run(
            "UPDATE submissions SET attempts = attempts + 1, last_error = ?, lease_until = 0,"
            " next_attempt_at = COALESCE(NULLIF(?, ''), next_attempt_at), status = ? WHERE id = ?",
            (error[:500], next_attempt_at, PENDING if next_attempt_at else FAILED, submission_id),
        )

    def claim_submission(self, submission_id, seconds):
        """Take a pending submission for delivery for `seconds`; None if not pending or taken by another."""
        now = int(time.time())
        rows = self._run(
            "UPDATE submissions SET lease_until = ? WHERE id = ? AND status = ? AND lease_until <= ? RETURNING *",
            (now + seconds, submission_id, PENDING, now),
        )
        return _submission(rows[0]) if rows else None

    def reopen_submission(self, submission_id, status, now):
        return bool(
            self._run(
                "UPDATE submissions SET status = ?, attempts = 0, next_attempt_at = ?, lease_until = 0"
                " WHERE id = ? AND status = ? RETURNING id",
                (PENDING, now, submission_id, status),
            )
        )

    def due_submissions(self, now, limit=100):
        rows = self._run(
            "SELECT * FROM submissions WHERE status = ? AND next_attempt_at <= ? AND lease_until <= ?"
            " ORDER BY priority DESC, next_attempt_at, created_at, id LIMIT ?",
            (PENDING, now, int(time.time()), limit),
        )
        return [_submission(r) for r in rows]

    def list_submissions(self, status, limit=1000):
        rows = self._run("SELECT * FROM submissions WHERE status = ? ORDER BY created_at, id LIMIT ?", (status, limit))
        return [_submission(r) for r in rows]

    def count_submissions(self):
        rows = self._run("SELECT kind, status, COUNT(*) AS n FROM submissions GROUP BY kind, status")
        return {(r["kind"], r["status"]): r["n"] for r in rows}

    def purge_submissions(self, before):
        """Delete submissions delivered, or held as spam, before the ISO time `before`; return how many."""
        rows = self._run(
            "DELETE FROM submissions WHERE (status = ? AND delivered_at < ?) OR (status = ? AND created_at < ?)"
            " RETURNING id",
            (DELIVERED, before, SPAM, before),
        )
        self._run("DELETE FROM rate_buckets WHERE tat < ?", (time.time(),))
        return len(rows)

    def check_writable(self):
        self._run(
            "INSERT INTO health (id, checked_at) VALUES (1, ?)"
            " ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
            (utcnow(),),
            durable=True,
        )

    # rate limits
    def hit_rate_limit(self, key, window_seconds, limit, now=None):
        now = time.time() if now is None else now
        # One statement, under SQLite's write lock: exact across processes. A new key (or one whose TAT has passed)
        # starts at now; a full bucket makes the WHERE false and the statement return nothing.
        if self._run(
            "INSERT INTO rate_buckets (key, tat) VALUES (:key, :now + :step)"
            " ON CONFLICT (key) DO UPDATE SET tat = MAX(tat, :now) + :step"
            " WHERE MAX(tat, :now) + :step <= :now + :window RETURNING tat",
            {"key": key, "now": now, "step": window_seconds / limit, "window": window_seconds},
        ):
            return True, 0
        ((tat,),) = self._run("SELECT tat FROM rate_buckets WHERE key = ?", (key,))
        return False, retry_after(tat, now, window_seconds, limit)

    def use_once(self, key, expires_at):
        self._run("DELETE FROM used_once WHERE expires_at < ?", (int(time.time()),))  # no longer needed: expired
        return bool(
            self._run(
                "INSERT INTO used_once (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING RETURNING key",
                (key, int(expires_at)),
            )
        )

    # subscribers
    def add_subscriber(self, subscriber):
        values = dataclasses.asdict(subscriber)
        self._run(
            f"INSERT INTO subscribers ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})"
            " ON CONFLICT (email) DO NOTHING",
            tuple(values.values()),
            durable=True,
        )
        return self.get_subscriber(subscriber.email)

    def change_subscriber(self, subscriber_id, sources, changes, match=None):
        changes, match = {**changes, "updated_at": utcnow()}, match or {}
        changeable_subscriber_fields(*changes, *match)  # names go into the SQL
        # One statement: SQLite checks the expected state and writes under its write lock, so a concurrent
        # change in between is impossible.
        rows = self._run(
            f"UPDATE subscribers SET {', '.join(f'{k} = ?' for k in changes)}"
            f" WHERE id = ? AND status IN ({', '.join('?' * len(sources))})"
            + "".join(f" AND {k} = ?" for k in match)
            + " RETURNING *",
            (*map(str, changes.values()), subscriber_id, *map(str, sources), *map(str, match.values())),
            durable=True,
        )
        return Subscriber(**dict(rows[0])) if rows else None

    def get_subscriber(self, email):
        rows = self._run("SELECT * FROM subscribers WHERE email = ?", (email,))
        return Subscriber(**dict(rows[0])) if rows else None

    def get_subscriber_by_id(self, subscriber_id):
        rows = self._run("SELECT * FROM subscribers WHERE id = ?", (subscriber_id,))
        return Subscriber(**dict(rows[0])) if rows else None

    def list_subscribers(self, status=None):
        if status:
            rows = self._run("SELECT * FROM subscribers WHERE status = ? ORDER BY created_at, id", (status,))
        else:
            rows = self._run("SELECT * FROM subscribers ORDER BY created_at, id")
        return [Subscriber(**dict(r)) for r in rows]

    def forget_person(self, email, subscriber_id="", suppressed_digest=""):
        """One transaction, on disk before it returns (synchronous FULL); secure_delete overwrites what it deletes,
        and the write-ahead log, which still holds the old pages, is emptied after."""
        try:
            conn = self._connection()
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("BEGIN IMMEDIATE")
            try:
                if suppressed_digest:
                    conn.execute(
                        "INSERT INTO suppressed_addresses (digest, created_at) VALUES (?, ?)"
                        " ON CONFLICT (digest) DO NOTHING",
                        (suppressed_digest, utcnow()),
                    )
                about = [
                    (row["id"],)
                    for row in conn.execute("SELECT * FROM submissions")
                    if is_about(_submission(row), email, subscriber_id)
                ]
                conn.executemany("DELETE FROM submissions WHERE id = ?", about)
                sends = conn.execute("DELETE FROM sends WHERE subscriber_id = ?", (subscriber_id,)).rowcount
                subscriber = conn.execute(
                    "DELETE FROM subscribers WHERE id = ? OR email = ?", (subscriber_id, email)
                ).rowcount
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            finally:
                conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as e:
            raise StoreError(f"SQLite: {e}") from e
        return {"subscriber": subscriber, "submissions": len(about), "sends": sends}

    def has_suppressed_digest(self, digests):
        marks = ", ".join("?" * len(digests))
        return bool(digests) and bool(
            self._run(f"SELECT 1 FROM suppressed_addresses WHERE digest IN ({marks})", tuple(digests))
        )

    # newsletter: posts and per-recipient send records
    def add_post(self, post):
        values = dataclasses.asdict(post)
        rows = self._run(
            f"INSERT INTO posts ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})"
            " ON CONFLICT (path) DO NOTHING RETURNING path",
            tuple(values.values()),
        )
        return bool(rows)

    def list_posts(self):
        return [Post(**dict(r)) for r in self._run("SELECT * FROM posts ORDER BY published, path")]

    def set_post_status(self, path, status):
        if status not in POST_STATUSES:
            raise ValueError(f"unknown post status {status!r}")
        self._run("UPDATE posts SET status = ? WHERE path = ?", (status, path))

    def _send_record(self, sql, params, *, durable):
        """Send records, written by notify's threads through one connection, one at a time.

        Each thread opening its own connection would make them wait on SQLite's lock by sleeping and pay a
        checkpoint on every close: ten times slower. The connection is opened on the first send, so only
        the notify process has one (never a forked web worker).
        """
        with self._sends_lock:
            try:
                if self._sends_conn is None:
                    self._sends_conn = sqlite3.connect(
                        self.path, timeout=10, isolation_level=None, check_same_thread=False
                    )  # used under the lock
                # durable: the claim is on disk before the email goes; an outcome mark lost to a power cut
                # only shows the send as interrupted (never sent twice), and spares one fsync per email.
                self._sends_conn.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
                return self._sends_conn.execute(sql, params).fetchall()
            except sqlite3.Error as e:
                raise StoreError(f"SQLite: {e}") from e

    def claim_send(self, path, subscriber_id, stale_before=""):
        # One statement: the insert, or the take-over of a failed (or stale) attempt, happens atomically.
        rows = self._send_record(
            "INSERT INTO sends (path, subscriber_id, status, claimed_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (path, subscriber_id) DO UPDATE SET status = excluded.status,"
            " claimed_at = excluded.claimed_at, finished_at = '', error = ''"
            " WHERE sends.status = ? OR (sends.status = ? AND sends.claimed_at < ?) RETURNING subscriber_id",
            (path, subscriber_id, SENDING, utcnow(), FAILED, SENDING, stale_before),
            durable=True,
        )
        return bool(rows)

    def finish_send(self, path, subscriber_id, status, error=""):
        self._send_record(
            "UPDATE sends SET status = ?, finished_at = ?, error = ? WHERE path = ? AND subscriber_id = ?",
            (status, utcnow(), error[:500], path, subscriber_id),
            durable=False,
        )

    def list_sends(self, path):
        rows = self._run("SELECT subscriber_id, status FROM sends WHERE path = ?", (path,))
        return {r["subscriber_id"]: r["status"] for r in rows}


def _submission(row):
    values = {k: v for k, v in dict(row).items() if k in SUBMISSION_COLUMNS}
    values["payload"] = json.loads(values["payload"])
    return Submission(**values)

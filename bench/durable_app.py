"""The fair peer of POST /api/contact: a Flask endpoint doing the same durable work and nothing else.

It stores the posted form as one row of a SQLite file in WAL mode with SQLite's default synchronous setting
(FULL), as forms_lambda's SqliteStore does, one connection per thread, and answers JSON. No validation, no
rate limit, no logs, no delivery. BENCH_DURABLE_DB names the file.
"""

import json
import os
import sqlite3
import threading
import uuid

from flask import Flask, jsonify, request

app = Flask(__name__)
PATH = os.environ.get("BENCH_DURABLE_DB", "bench-durable.sqlite3")
local = threading.local()


def connection():
    if getattr(local, "pid", None) != os.getpid():
        local.conn = sqlite3.connect(PATH, timeout=10, isolation_level=None)
        local.conn.execute("PRAGMA journal_mode=WAL")
        local.conn.execute("CREATE TABLE IF NOT EXISTS submissions (id TEXT PRIMARY KEY, payload TEXT NOT NULL)")
        local.pid = os.getpid()
    return local.conn


@app.post("/api/contact")
def contact():
    connection().execute("INSERT INTO submissions VALUES (?, ?)", (uuid.uuid4().hex, json.dumps(request.form)))
    return jsonify(ok=True)

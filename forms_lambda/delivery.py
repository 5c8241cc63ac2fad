"""Who calls the delivery engine (services.py), where the service runs.

- Locally (`make run`, `make serve`: FORMS_DELIVERY=worker) a DeliveryWorker thread in each server process
  delivers what the requests of that process hand over, once their answer has gone out, and every
  FORMS_DELIVERY_POLL_SECONDS sweeps up whatever is due: retries, and submissions another process left.
- On AWS (FORMS_DELIVERY=stream) the submissions table's DynamoDB stream invokes the function for each new
  submission (`deliver_stream_records`), and the EventBridge schedule's `retry` sweeps what is due.
"""

import atexit
import os
import queue
import threading
import time

from flask import after_this_request, has_request_context

from .logs import log_event, log_exception
from .stores.base import iso_time

# What a sweep takes at once: the queue of new submissions is looked at between each of them.
SWEEP_LIMIT = 50
# At exit, how long to let a delivery in flight finish (gunicorn's graceful timeout is 30 s); one cut short
# stays claimed for services.LEASE_SECONDS, then is delivered again (with the same Message-ID).
STOP_TIMEOUT = 10
_STOP = object()


class DeliveryWorker:
    """One thread per server process, started with the server (local.py) or on first use."""

    def __init__(self, app):
        self.app = app
        self.services = app.extensions["forms_lambda"]
        self.poll_seconds = self.services.settings.delivery_poll_seconds
        self.queue = queue.SimpleQueue()
        self.thread = None
        self.pid = None
        self.lock = threading.Lock()

    def submit(self, submission_id):
        """Deliver this submission soon: during a request, once its answer has been sent (the visitor never
        waits, and the answer's time says nothing about what delivery does)."""
        if not has_request_context():
            self._put(submission_id)
            return

        @after_this_request
        def after_the_answer(response):
            response.call_on_close(lambda: self._put(submission_id))
            return response

    def _put(self, submission_id):
        self.start()
        self.queue.put(submission_id)

    def start(self):
        """Start the thread in this process, if it is not running (a forked process starts its own)."""
        with self.lock:
            forked = self.pid != os.getpid()
            if not forked and self.thread.is_alive():
                return
            if forked:
                self.queue = queue.SimpleQueue()  # what the parent was given is the parent's to deliver
            if self.thread is None:
                atexit.register(self.stop)  # once, and only for a worker that ran (it keeps the app alive)
            self.pid = os.getpid()
            self.thread = threading.Thread(target=self._run, name="forms-delivery", daemon=True)
            self.thread.start()

    def stop(self, timeout=STOP_TIMEOUT):
        """Let the delivery in flight finish, then end the thread (at exit; gunicorn stopping a worker)."""
        with self.lock:
            thread, running_here = self.thread, self.pid == os.getpid()
        if thread is not None and running_here and thread.is_alive():
            self.queue.put(_STOP)
            thread.join(timeout)

    def _run(self):
        due = []  # what the last sweep found, delivered one by one between the new submissions
        next_sweep = time.monotonic()
        while True:
            wait = 0 if due else max(0.0, next_sweep - time.monotonic())
            try:
                submission_id = self.queue.get(timeout=wait)
            except queue.Empty:
                submission_id = due.pop(0) if due else None
            if submission_id is _STOP:
                return
            if submission_id is not None:
                self._guarded(self.services.deliver, submission_id, submission_id=submission_id)
            if not due and time.monotonic() >= next_sweep:
                found = self._guarded(self.services.store.due_submissions, iso_time(time.time()), SWEEP_LIMIT)
                due = [s.id for s in found or ()]
                # A full sweep may have left more behind: look again as soon as these are done.
                next_sweep = time.monotonic() + (0 if len(due) == SWEEP_LIMIT else self.poll_seconds)

    def _guarded(self, function, *args, **log_fields):
        """Whatever one submission (or the store) raises is logged, and the thread goes on with the others."""
        try:
            with self.app.app_context():
                return function(*args)
        except Exception as e:
            log_exception("delivery.worker_error", e, **log_fields)
            return None


def deliver_stream_records(services, records):
    """Deliver the new submissions of a DynamoDB Streams batch (KEYS_ONLY records, INSERTs by the event
    source mapping's filter). A submission that fails is already recorded by the engine and retried by the
    schedule, so only what could not even be recorded (the store down, a record not ours) is reported back
    as a batch item failure: Lambda retries from there, bisecting, then sends it to the on-failure queue."""
    failures = []
    for record in records:
        sequence = record.get("dynamodb", {}).get("SequenceNumber", "")
        try:
            if record["eventName"] != "INSERT":
                continue
            pk = record["dynamodb"]["Keys"]["pk"]["S"]
            if not pk.startswith("submission#"):
                raise ValueError("not a submission's key")
            services.deliver(pk[len("submission#") :])
        except Exception as e:
            log_exception("delivery.stream_error", e, reason="reported to the event source mapping")
            failures.append({"itemIdentifier": sequence})
    log_event("delivery.stream_batch", count=len(records), failed=len(failures))
    return {"batchItemFailures": failures}

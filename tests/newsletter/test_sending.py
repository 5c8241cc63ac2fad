"""The sender loop: every job once, never more than `concurrency` at a time, spaced at `rate` per second."""

import threading

import pytest

from forms_lambda.newsletter import RateLimiter, send_all


def test_every_job_is_done_once_with_bounded_concurrency():
    lock = threading.Lock()
    running, most, done = 0, 0, []
    started = threading.Barrier(3)

    def send_one(job):
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        if job < 3:
            started.wait(timeout=10)  # the first three really run at the same time
        with lock:
            running -= 1
            done.append(job)
        return "sent" if job % 10 else "failed"

    counts = send_all(range(100), send_one, rate=100000, concurrency=3)
    assert sorted(done) == list(range(100))
    assert most == 3
    assert counts == {"sent": 90, "failed": 10}


def test_an_error_stops_the_run_and_is_raised():
    done = []

    def send_one(job):
        if job == 5:
            raise OSError("store unavailable")
        done.append(job)
        return "sent"

    with pytest.raises(OSError):
        send_all(range(1000), send_one, rate=100000, concurrency=1)
    assert done == [0, 1, 2, 3, 4]


def test_the_rate_limiter_spaces_calls_evenly():
    now, slept = [100.0], []

    def sleep(seconds):
        slept.append(round(seconds, 6))
        now[0] += seconds

    limiter = RateLimiter(4, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        limiter.wait()
    assert slept == [0.25] * 4  # the first goes at once, then one every 1/4 s
    now[0] += 10  # idle time is not saved up into a burst
    limiter.wait()
    limiter.wait()
    assert slept[-1] == 0.25 and len(slept) == 5

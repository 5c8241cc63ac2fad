"""The newsletter's peer: send N raw messages through SES with a bare boto3 loop, at most RATE per second.

`python -m bench.ses_loop N RATE SENDER` prints the elapsed seconds. No store, no templates, no retries:
the least any sender has to do.
"""

import sys
import time
from email.message import EmailMessage

import boto3


def message(sender, i):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = f"subscriber{i}@example.com"
    msg["Subject"] = "New on our blog: Ketamine for chronic pain"
    msg.set_content(
        "A new article is on our blog: https://clinic.example/blog/ketamine-for-chronic-pain/\n\n"
        "Unsubscribe: https://clinic.example/api/unsubscribe?token=bench\n"
    )
    return msg


def main():
    count, rate, sender = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
    ses = boto3.client("ses")
    start = time.perf_counter()
    for i in range(count):
        due = start + i / rate
        if (wait := due - time.perf_counter()) > 0:
            time.sleep(wait)
        msg = message(sender, i)
        ses.send_raw_email(Source=sender, Destinations=[msg["To"]], RawMessage={"Data": msg.as_bytes()})
    print(f"{time.perf_counter() - start:.3f}")


if __name__ == "__main__":
    main()

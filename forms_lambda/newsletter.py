"""Blog updates by email: each new article of the built site, once, to every confirmed subscriber.

`notify` reads the site's Atom feed (output/feeds/all.atom.xml; on AWS the published copy in the site's bucket,
FORMS_NOTIFY_SITE=s3://<bucket>). The first run records the articles already there as "archived", so
subscribers are not sent the archive. Each later run records the feed's new articles
as "announcing" and sends each of them, oldest first, as its own email (subject = the article's title; no digest:
one email per article keeps the subject honest and the send records simple; a blog publishing a few articles
a week sends a few emails a week). A post becomes "announced" when no send to a confirmed subscriber is left
failed; a failed send is tried again by the next run.

Delivery is at most once per (post, subscriber): a send is claimed in the store with a conditional insert
("sending") *before* the mailer is called, and marked "sent" or "failed" after. Re-running, resuming after a
crash, or two runs at once never claim the same pair twice, so nobody receives an article twice. The price:
a process killed while a message was in flight leaves that pair "sending", and we cannot know whether the
mail server took the message, so it is not resent; the summary counts these "interrupted" sends, at most
FORMS_SEND_CONCURRENCY per crash. `notify --resend-interrupted` sends them again (at least once: possibly
a duplicate), and only those "sending" for longer than INTERRUPTED_AFTER, so a run still in progress is safe.
"""

import html.parser
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from . import emails
from .mailers import MailerError
from .stores import FAILED, SENDING, SENT, Post
from .subscribers import State

ATOM = "{http://www.w3.org/2005/Atom}"
FEED = Path("feeds") / "all.atom.xml"
ARCHIVE_MARKER = "#archive"  # a post record written by the first run, so an empty site also counts as seen
INTERRUPTED_AFTER = timedelta(minutes=15)
SUMMARY_CHARS = 600


class FeedError(Exception):
    """The site has no readable feed."""


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    link: str
    summary: str
    date: str

    @property
    def path(self):
        """The key an article is known by: its URL path stays the same whatever SITEURL the build used."""
        return urlsplit(self.link).path


class _TextExtractor(html.parser.HTMLParser):
    BLOCKS = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "tr"})
    HIDDEN = frozenset({"script", "style", "template"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs=None):
        if tag in self.BLOCKS:
            self.parts.append("\n\n")
        self.hidden += tag in self.HIDDEN

    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self.parts.append("\n\n")
        self.hidden -= tag in self.HIDDEN and self.hidden > 0

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def html_to_text(markup, limit=SUMMARY_CHARS):
    """Plain paragraphs from a summary's HTML: emails carry our words, never the feed's markup."""
    extractor = _TextExtractor()
    extractor.feed(markup or "")
    extractor.close()
    paragraphs = [" ".join(p.split()) for p in "".join(extractor.parts).split("\n\n")]
    text = "\n\n".join(p for p in paragraphs if p)
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(".,;:") + "…"
    return text


def feed_bytes(site):
    """The Atom feed of a built site: a folder (output/), or the published site's bucket (s3://bucket[/prefix]),
    where the NotifyFunction reads it on AWS."""
    site = str(site)
    if not site.startswith("s3://"):
        return (Path(site) / FEED).read_bytes()
    import boto3  # only where the site is in S3
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, _, prefix = site[len("s3://") :].partition("/")
    key = "/".join(part for part in (prefix.strip("/"), FEED.as_posix()) if part)
    try:
        return boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    except (BotoCoreError, ClientError) as e:
        raise OSError(f"s3://{bucket}/{key}: {e}") from e


def read_feed(site, site_url):
    """The articles of a built site's Atom feed, oldest first, with links on site_url (FORMS_SITE_URL)."""
    try:
        root = ET.fromstring(feed_bytes(site))
    except (OSError, ET.ParseError) as e:
        raise FeedError(f"cannot read the feed of {site}: {e}") from e
    articles = []
    for entry in root.iter(f"{ATOM}entry"):
        link = next(
            (tag.get("href") for tag in entry.iter(f"{ATOM}link") if tag.get("rel", "alternate") == "alternate"),
            None,
        )
        title = " ".join((entry.findtext(f"{ATOM}title") or "").split())
        if not link or not title:
            continue
        summary = entry.findtext(f"{ATOM}summary") or entry.findtext(f"{ATOM}content") or ""
        articles.append(
            Article(
                id=entry.findtext(f"{ATOM}id") or link,
                title=title,
                link=_absolute(site_url, link),
                summary=html_to_text(summary),
                date=entry.findtext(f"{ATOM}published") or entry.findtext(f"{ATOM}updated") or "",
            )
        )
    return sorted(articles, key=lambda a: (_utc(a.date), a.path))


def _absolute(site_url, link):
    """The article's public URL on FORMS_SITE_URL (the origin of links in emails), whatever SITEURL the build
    used (a local build says http://127.0.0.1:8000), without a query such as FEED_APPEND_REF's."""
    return site_url + (urlsplit(urljoin("/", link)).path or "/")


def _utc(date):
    """ISO 8601 with any offset -> UTC string, so dates compare correctly in both stores."""
    try:
        return datetime.fromisoformat(date).astimezone(UTC).isoformat(timespec="seconds")
    except ValueError:
        return ""


class RateLimiter:
    """Spaces calls evenly at `rate` per second across threads (SES's max send rate is per second)."""

    def __init__(self, rate, clock=time.monotonic, sleep=time.sleep):
        self.interval = 1.0 / rate
        self.clock, self.sleep = clock, sleep
        self.next = clock()
        self.lock = threading.Lock()

    def wait(self):
        with self.lock:
            now = self.clock()
            slot = max(self.next, now)
            self.next = slot + self.interval
        if slot > now:
            self.sleep(slot - now)


def send_all(jobs, send_one, *, rate, concurrency, progress=None):
    """Call send_one(job) for every job at most `rate` times a second from `concurrency` threads.

    send_one returns an outcome name; the Counter of outcomes is returned. progress(counts) is called
    after each job from the worker threads (under a lock).
    """
    jobs = iter(jobs)
    counts = Counter()
    lock = threading.Lock()
    limiter = RateLimiter(rate)
    errors = []

    def worker():
        while True:
            with lock:
                job = next(jobs, None)
            if job is None or errors:
                return
            limiter.wait()
            try:
                outcome = send_one(job)
            except BaseException as e:  # a store outage: stop every worker, report after
                errors.append(e)
                return
            with lock:
                counts[outcome] += 1
                if progress:
                    progress(counts)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return counts


class Progress:
    """Progress on stderr: counts only, never an address."""

    def __init__(self, total, stream):
        self.total, self.stream = total, stream
        self.started = self.shown = time.monotonic()

    def __call__(self, counts, final=False):
        now = time.monotonic()
        # A terminal's line is rewritten twice a second; a log (CI, the deploy pipeline) gets a line every 5 s.
        if not final and now - self.shown < (0.5 if self.stream.isatty() else 5):
            return
        self.shown = now
        done = sum(counts.values())
        rate = done / max(now - self.started, 1e-6)
        end = "\n" if final or not self.stream.isatty() else "\r"
        self.stream.write(f"  {done}/{self.total} ({counts[SENT]} sent, {counts[FAILED]} failed) {rate:.1f}/s{end}")
        self.stream.flush()


class Newsletter:
    """The notify run, on the service's store, mailer, tokens and settings."""

    def __init__(self, services, out=None, err=None):
        self.services = services
        self.settings = services.settings
        self.store = services.store
        self.out, self.err = out or sys.stdout, err or sys.stderr

    def record_new_articles(self, articles):
        """Store the feed's unknown articles; on the very first run as archived. Returns the new ones."""
        known = {p.path for p in self.store.list_posts()}
        first_run = ARCHIVE_MARKER not in known
        status = "archived" if first_run else "announcing"
        new = [a for a in articles if a.path not in known]
        for a in new:
            self.store.add_post(
                Post(path=a.path, title=a.title, link=a.link, summary=a.summary, published=_utc(a.date), status=status)
            )
        if first_run:
            self.store.add_post(Post(path=ARCHIVE_MARKER, status="archived"))
            print(
                f"first run: {len(new)} existing article(s) recorded as already announced; nothing sent", file=self.out
            )
            return []
        return new

    def send_post(self, post, subscribers, *, resend_interrupted=False):
        """Send one post to every subscriber not yet sent it; the Counter of outcomes."""
        # Only those confirmed when the post was found: a post waiting on a failed send for days is not
        # news to someone who subscribed meanwhile (their welcome email lists the latest articles).
        subscribers = [s for s in subscribers if not s.confirmed_at or s.confirmed_at <= post.created_at]
        sends = self.store.list_sends(post.path)
        stale_before = ""
        if resend_interrupted:
            stale_before = (datetime.now(UTC) - INTERRUPTED_AFTER).isoformat(timespec="seconds")
        skip = {SENT} if resend_interrupted else {SENT, SENDING}
        todo = [s for s in subscribers if sends.get(s.id) not in skip]
        counts = Counter(already_sent=sum(sends.get(s.id) == SENT for s in subscribers))

        left = set()  # unsubscribed or suppressed since the run listed them: owed nothing

        def send_one(subscriber):
            # A run to many readers takes a while; someone who unsubscribed meanwhile must not get the email.
            now = self.store.get_subscriber_by_id(subscriber.id)
            if now is None or now.status != State.CONFIRMED:
                left.add(subscriber.id)
                return "left"
            if not self.store.claim_send(post.path, subscriber.id, stale_before):
                return "claimed_elsewhere"  # another run has it, or it is interrupted and not stale yet
            token = self.services.tokens.unsubscribe_token(subscriber.id)
            url = self.services.url("/api/unsubscribe", token=token)
            try:
                self.services.mailer.send(emails.announcement_email(self.settings, post, subscriber, url, token))
            except (MailerError, emails.UnsafeEmail) as e:  # UnsafeEmail: an address stored before the form's checks
                self.store.finish_send(post.path, subscriber.id, FAILED, str(e))
                return FAILED
            self.store.finish_send(post.path, subscriber.id, SENT)
            return SENT

        print(
            f'sending "{post.title}" to {len(todo)} subscriber(s) '
            f"at up to {self.settings.send_rate:g}/s, {self.settings.send_concurrency} at a time",
            file=self.err,
        )
        progress = Progress(len(todo), self.err)
        counts.update(
            send_all(
                todo,
                send_one,
                rate=self.settings.send_rate,
                concurrency=self.settings.send_concurrency,
                progress=progress,
            )
        )
        progress(counts, final=True)
        after = self.store.list_sends(post.path)
        counts["interrupted"] = sum(after.get(s.id) == SENDING for s in subscribers)
        counts["complete"] = all(after.get(s.id) == SENT for s in subscribers if s.id not in left)
        return counts

    def run(self, site, *, resend_interrupted=False):
        """Announce what is new; returns the exit code (1 when a send failed and waits for the next run)."""
        try:
            articles = read_feed(site, self.settings.site_url)
        except FeedError as e:
            print(f"notify: {e}", file=self.err)
            return 2
        self.record_new_articles(articles)
        pending = [p for p in self.store.list_posts() if p.status == "announcing"]
        if not pending:
            print("no new articles to announce", file=self.out)
            return 0
        subscribers = self.store.list_subscribers(status=State.CONFIRMED)
        failed = 0
        for post in pending:
            counts = self.send_post(post, subscribers, resend_interrupted=resend_interrupted)
            if counts["complete"]:
                self.store.set_post_status(post.path, "announced")
            failed += counts[FAILED]
            print(
                f'"{post.title}": {counts[SENT]} sent, {counts["already_sent"]} already sent before, '
                f"{counts[FAILED]} failed (retried by the next run), {counts['interrupted']} interrupted "
                f"by a crash or still sending in another run (not resent; see --resend-interrupted)"
                + (f", {counts['left']} unsubscribed during the run (not sent)" if counts["left"] else ""),
                file=self.out,
            )
        return 1 if failed else 0


def latest_posts(store, limit):
    """The newest articles the newsletter knows, for the welcome email."""
    posts = [p for p in store.list_posts() if p.path != ARCHIVE_MARKER and p.title]
    return list(reversed(posts))[:limit]

"""DynamoStore: the Lambda backend, on the tables the deployment creates.

Every table has partition key `pk` (S) + sort key `sk` (S), no GSIs, TTL on `expires_at`.
Items designed here:
- `<prefix>-submissions`: pk `submission#<id>`, sk `submission`.
  Delivered submissions and spam get `expires_at` (now + FORMS_RETENTION_DAYS), so TTL deletes them;
  `lease_until` (epoch seconds) marks a delivery in progress (see claim_submission). The table's stream
  (KEYS_ONLY: no patient data in it) invokes the function for each new submission.
- `<prefix>-limits`: the health check's item (pk `health`); rate limits, pk `limit#<key>`, sk `gcra`, holding the
  key's bucket time (ratelimit.py), gone by TTL once the bucket is empty; and what may be used once (a solved
  CAPTCHA challenge), pk `once#<key>`, sk `used`, until its `expires_at`.
- `<prefix>-subscribers`: the record at pk `subscriber#<id>`, sk `subscriber`, and a lookup item
  pk `email#<normalised email>`, sk `subscriber` holding `subscriber_id`; both written in one transaction
  so an address can never be known twice. An address forgotten while suppressed: pk `suppressed#<digest>`,
  sk `subscriber` (forms_lambda/forget.py).
- `<prefix>-sends` (the newsletter): each post at pk `post`, sk `<path>`; each per-recipient send record at
  pk `send#<path>`, sk `subscriber#<id>`, claimed with a conditional put so a send happens at most once.
"""

import dataclasses
import json
import math
import time
from decimal import Decimal

import boto3
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import BotoCoreError, ClientError

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

TABLES = ("submissions", "subscribers", "sends", "limits")
# As deploy/template.yaml has it: new submissions reach the function through the stream, by key only.
STREAM = {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
SK = "subscriber"
NEW = Attr("pk").not_exists()  # a put that never overwrites
EXISTING = Attr("pk").exists()  # an update that never creates


def update(values=None, add=None, remove=()):
    """update_item's arguments: SET each name of `values` to its value, ADD each number of `add`, REMOVE each name of
    `remove`. Every name goes through a placeholder, so none can clash with a reserved word (status, error)."""
    clauses, names, placeholders = {"SET": [], "ADD": [], "REMOVE": []}, {}, {}
    for verb, changes in (("SET", values or {}), ("ADD", add or {}), ("REMOVE", dict.fromkeys(remove))):
        for name, value in changes.items():
            name_ref, value_ref = f"#u{len(names)}", f":u{len(names)}"
            names[name_ref] = name
            if verb == "REMOVE":
                clauses[verb].append(name_ref)
            else:
                placeholders[value_ref] = value
                clauses[verb].append(f"{name_ref} = {value_ref}" if verb == "SET" else f"{name_ref} {value_ref}")
    return {
        "UpdateExpression": " ".join(f"{verb} {', '.join(each)}" for verb, each in clauses.items() if each),
        "ExpressionAttributeNames": names,
        **({"ExpressionAttributeValues": placeholders} if placeholders else {}),
    }


def number(value):
    """A float as DynamoDB keeps it: boto3 takes Decimal, never float, so that nothing is rounded unseen."""
    return Decimal(repr(value))


class DynamoStore:
    name = "dynamodb"

    def __init__(self, prefix, retention_days=30):
        self.prefix = prefix
        # The resource's client takes and gives plain Python values, Key/Attr conditions, and paginates.
        self.client = boto3.resource("dynamodb").meta.client
        self.submissions = f"{prefix}-submissions"
        self.subscribers = f"{prefix}-subscribers"
        self.sends = f"{prefix}-sends"
        self.limits = f"{prefix}-limits"
        self.retention_seconds = retention_days * 86400

    def _expires_at(self):
        return int(time.time()) + self.retention_seconds

    def _call(self, method, **kwargs):
        try:
            return getattr(self.client, method)(**kwargs)
        except (BotoCoreError, ClientError) as e:
            raise StoreError(f"DynamoDB {method}: {e}") from e

    def init(self):
        """Create the four tables as the deployment does (for local use against moto and for tests)."""
        existing = set(self._call("list_tables")["TableNames"])
        for suffix in TABLES:
            name = f"{self.prefix}-{suffix}"
            if name in existing:
                continue
            self._call(
                "create_table",
                TableName=name,
                BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                ],
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                **({"StreamSpecification": STREAM} if suffix == "submissions" else {}),
            )
            self.client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
            self._call(
                "update_time_to_live",
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
            )

    def _if(self, method, **kwargs):
        """A conditional write (its ConditionExpression among kwargs): the answer, or None when the condition does
        not hold."""
        try:
            return getattr(self.client, method)(**kwargs)
        except ClientError as e:
            if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return None
            raise StoreError(f"DynamoDB {method}: {e}") from e
        except BotoCoreError as e:
            raise StoreError(f"DynamoDB {method}: {e}") from e

    def _items(self, operation, **kwargs):
        """Every item a scan or query finds, page after page."""
        try:
            pages = self.client.get_paginator(operation).paginate(ConsistentRead=True, **kwargs)
            return [item for page in pages for item in page["Items"]]
        except (BotoCoreError, ClientError) as e:
            raise StoreError(f"DynamoDB {operation}: {e}") from e

    def _scan(self, table, prefix, **equal):
        """The items whose pk starts with `prefix` and whose attributes have the values `equal` gives."""
        condition = Attr("pk").begins_with(prefix)
        for name, value in equal.items():
            condition &= Attr(name).eq(value)
        return self._items("scan", TableName=table, FilterExpression=condition)

    def _query(self, table, pk):
        return self._items("query", TableName=table, KeyConditionExpression=Key("pk").eq(pk))

    def _put_if(self, table, item, condition):
        """A conditional put; False when the condition did not hold."""
        return self._if("put_item", TableName=table, Item=item, ConditionExpression=condition) is not None

    # submissions
    def add_submission(self, submission):
        values = dataclasses.asdict(submission)
        values["payload"] = json.dumps(values["payload"])
        if submission.status == SPAM:
            values["expires_at"] = self._expires_at()
        self._call(
            "put_item",
            TableName=self.submissions,
            Item={"pk": f"submission#{submission.id}", "sk": "submission", **values},
            ConditionExpression=NEW,
        )

    def get_submission(self, submission_id):
        item = self._call(
            "get_item", TableName=self.submissions, ConsistentRead=True, Key=_submission_key(submission_id)
        ).get("Item")
        return _submission(item) if item else None

    def _update_submission(self, submission_id, changes, condition=EXISTING, returned="NONE"):
        """Make `changes` (update()'s arguments): the item's new attributes (with `returned="ALL_NEW"`), or None when
        `condition` does not hold."""
        answer = self._if(
            "update_item",
            TableName=self.submissions,
            Key=_submission_key(submission_id),
            ConditionExpression=condition,
            ReturnValues=returned,
            **changes,
        )
        return None if answer is None else answer.get("Attributes", {})

    def mark_delivered(self, submission_id):
        self._update_submission(
            submission_id,
            update(
                {"status": DELIVERED, "delivered_at": utcnow(), "last_error": "", "expires_at": self._expires_at()},
                add={"attempts": 1},
            ),
        )

    def mark_failed(self, submission_id, error, next_attempt_at=""):
        # Releases the claim: the delivery due at next_attempt_at may take it.
        retry = {"next_attempt_at": next_attempt_at} if next_attempt_at else {}
        self._update_submission(
            submission_id,
            update(
                {"status": PENDING if retry else FAILED, "last_error": error[:500], "lease_until": 0, **retry},
                add={"attempts": 1},
            ),
        )

    def claim_submission(self, submission_id, seconds):
        now = int(time.time())
        item = self._update_submission(
            submission_id,
            update({"lease_until": now + seconds}),
            condition=Attr("status").eq(PENDING) & (Attr("lease_until").not_exists() | Attr("lease_until").lte(now)),
            returned="ALL_NEW",
        )
        return _submission(item) if item is not None else None

    def reopen_submission(self, submission_id, status, now):
        # Spam had an expiry date for TTL; a submission pending again must stay until it is delivered.
        changes = update(
            {"status": PENDING, "attempts": 0, "next_attempt_at": now, "lease_until": 0}, remove=["expires_at"]
        )
        return self._update_submission(submission_id, changes, condition=Attr("status").eq(status)) is not None

    def due_submissions(self, now, limit=100):
        lease_free = int(time.time())
        items = [
            i
            for i in self._scan(self.submissions, "submission#", status=PENDING)
            if i.get("next_attempt_at", "") <= now and i.get("lease_until", 0) <= lease_free
        ]
        items.sort(key=lambda i: (-i.get("priority", 0), i.get("next_attempt_at", ""), i["created_at"], i["id"]))
        return [_submission(i) for i in items[:limit]]

    def list_submissions(self, status, limit=1000):
        items = self._scan(self.submissions, "submission#", status=status)
        items.sort(key=lambda i: (i["created_at"], i["id"]))
        return [_submission(i) for i in items[:limit]]

    def count_submissions(self):
        counts = {}
        for item in self._scan(self.submissions, "submission#"):
            counts[item["kind"], item["status"]] = counts.get((item["kind"], item["status"]), 0) + 1
        return counts

    def purge_submissions(self, before):
        """TTL deletes these within days; this deletes them now (the `purge` command)."""
        items = [
            i
            for i in self._scan(self.submissions, "submission#")
            if (i["status"] == DELIVERED and i.get("delivered_at", "") < before)
            or (i["status"] == SPAM and i["created_at"] < before)
        ]
        for item in items:
            self._call("delete_item", TableName=self.submissions, Key={"pk": item["pk"], "sk": item["sk"]})
        return len(items)

    def check_writable(self):
        # In the limits table, the home of short-lived bookkeeping; gone by TTL if health is never asked again.
        self._call(
            "put_item",
            TableName=self.limits,
            Item={"pk": "health", "sk": "check", "checked_at": utcnow(), "expires_at": int(time.time()) + 86400},
        )

    # rate limits
    def hit_rate_limit(self, key, window_seconds, limit, now=None):
        """One item per key, gone by TTL once its TAT has passed: it then holds nothing a new item would not."""
        now = time.time() if now is None else now
        step = window_seconds / limit
        item_key = {"pk": f"limit#{key}", "sk": "gcra"}
        expires = {"expires_at": math.ceil(now + window_seconds)}

        def hit(changes, condition):
            answer = self._if(
                "update_item", TableName=self.limits, Key=item_key, ConditionExpression=condition, **changes
            )
            return answer is not None

        for _ in range(3):  # two conditional updates, each atomic on the server; a race between them goes round again
            # An empty bucket (no item, or its TAT has passed): this hit starts it.
            if hit(
                update({"tat": number(now + step), **expires}),
                Attr("tat").not_exists() | Attr("tat").lte(number(now)),
            ):
                return True, 0
            # Hits in the bucket: one more while there is room.
            if hit(
                update(expires, add={"tat": number(step)}),
                Attr("tat").gt(number(now)) & Attr("tat").lte(number(now + window_seconds - step)),
            ):
                return True, 0
            item = self._call("get_item", TableName=self.limits, Key=item_key, ConsistentRead=True).get("Item")
            if item is not None and float(item["tat"]) > now:
                return False, retry_after(float(item["tat"]), now, window_seconds, limit)
        return False, max(1, math.ceil(step))

    def use_once(self, key, expires_at):
        """An item in the limits table, gone by TTL once expired (until then a replay is refused as expired)."""
        return self._put_if(self.limits, {"pk": f"once#{key}", "sk": "used", "expires_at": int(expires_at)}, NEW)

    # subscribers
    def _record_key(self, subscriber_id):
        return {"pk": f"subscriber#{subscriber_id}", "sk": SK}

    def _email_key(self, email):
        return {"pk": f"email#{email}", "sk": SK}

    def add_subscriber(self, subscriber):
        record = {**self._record_key(subscriber.id), **dataclasses.asdict(subscriber)}
        lookup = {**self._email_key(subscriber.email), "subscriber_id": subscriber.id}
        try:
            # A text condition: boto3 turns Key/Attr conditions into expressions only at the top of a call.
            new = {"ConditionExpression": "attribute_not_exists(pk)"}
            self.client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": self.subscribers, "Item": item, **new}} for item in (lookup, record)
                ]
            )
        except ClientError as e:
            if e.response["Error"]["Code"] != "TransactionCanceledException":
                raise StoreError(f"DynamoDB transact_write_items: {e}") from e
        except BotoCoreError as e:
            raise StoreError(f"DynamoDB transact_write_items: {e}") from e
        return self.get_subscriber(subscriber.email)

    def change_subscriber(self, subscriber_id, sources, changes, match=None):
        changes, match = {**changes, "updated_at": utcnow()}, match or {}
        changeable_subscriber_fields(*changes, *match)
        # The condition is checked and the update made in one step on the server: no concurrent change between.
        condition = Attr("status").is_in([str(s) for s in sources])
        for name, value in match.items():
            condition &= Attr(name).eq(str(value))
        answer = self._if(
            "update_item",
            TableName=self.subscribers,
            Key=self._record_key(subscriber_id),
            ConditionExpression=condition,
            ReturnValues="ALL_NEW",
            **update({name: str(value) for name, value in changes.items()}),
        )
        return None if answer is None else _subscriber(answer["Attributes"])

    def get_subscriber(self, email):
        item = self._call("get_item", TableName=self.subscribers, Key=self._email_key(email), ConsistentRead=True).get(
            "Item"
        )
        return self.get_subscriber_by_id(item["subscriber_id"]) if item else None

    def get_subscriber_by_id(self, subscriber_id):
        item = self._call(
            "get_item", TableName=self.subscribers, Key=self._record_key(subscriber_id), ConsistentRead=True
        ).get("Item")
        return _subscriber(item) if item else None

    def list_subscribers(self, status=None):
        items = self._scan(self.subscribers, "subscriber#", **({"status": status} if status else {}))
        items.sort(key=lambda i: (i["created_at"], i["id"]))
        return [_subscriber(i) for i in items]

    def forget_person(self, email, subscriber_id="", suppressed_digest=""):
        """The suppression first, so that no failure half-way leaves the address mailable; then the rest."""
        if suppressed_digest:
            self._put_if(
                self.subscribers, {"pk": f"suppressed#{suppressed_digest}", "sk": SK, "created_at": utcnow()}, NEW
            )
        about = [
            s
            for s in map(_submission, self._scan(self.submissions, "submission#"))
            if is_about(s, email, subscriber_id)
        ]
        for submission in about:
            self._call("delete_item", TableName=self.submissions, Key=_submission_key(submission.id))
        sends = subscriber = 0
        if subscriber_id:
            for post in self._query(self.sends, "post"):
                sends += "Attributes" in self._call(
                    "delete_item",
                    TableName=self.sends,
                    ReturnValues="ALL_OLD",
                    Key={"pk": f"send#{post['sk']}", "sk": f"subscriber#{subscriber_id}"},
                )
            subscriber = int(
                "Attributes"
                in self._call(
                    "delete_item",
                    TableName=self.subscribers,
                    Key=self._record_key(subscriber_id),
                    ReturnValues="ALL_OLD",
                )
            )
        self._call("delete_item", TableName=self.subscribers, Key=self._email_key(email))
        return {"subscriber": subscriber, "submissions": len(about), "sends": sends}

    def has_suppressed_digest(self, digests):
        return any(
            "Item"
            in self._call(
                "get_item",
                TableName=self.subscribers,
                ConsistentRead=True,
                Key={"pk": f"suppressed#{digest}", "sk": SK},
            )
            for digest in digests
        )

    # newsletter: posts and per-recipient send records
    def add_post(self, post):
        return self._put_if(self.sends, {"pk": "post", "sk": post.path, **dataclasses.asdict(post)}, NEW)

    def list_posts(self):
        names = {f.name for f in dataclasses.fields(Post)}
        posts = [Post(**{k: v for k, v in i.items() if k in names}) for i in self._query(self.sends, "post")]
        return sorted(posts, key=lambda p: (p.published, p.path))

    def set_post_status(self, path, status):
        if status not in POST_STATUSES:
            raise ValueError(f"unknown post status {status!r}")
        self._call("update_item", TableName=self.sends, Key={"pk": "post", "sk": path}, **update({"status": status}))

    def claim_send(self, path, subscriber_id, stale_before=""):
        item = {
            "pk": f"send#{path}",
            "sk": f"subscriber#{subscriber_id}",
            "subscriber_id": subscriber_id,
            "status": SENDING,
            "claimed_at": utcnow(),
            "finished_at": "",
            "error": "",
        }
        stale = Attr("status").eq(SENDING) & Attr("claimed_at").lt(stale_before)
        return self._put_if(self.sends, item, NEW | Attr("status").eq(FAILED) | stale)

    def finish_send(self, path, subscriber_id, status, error=""):
        self._call(
            "update_item",
            TableName=self.sends,
            Key={"pk": f"send#{path}", "sk": f"subscriber#{subscriber_id}"},
            **update({"status": status, "finished_at": utcnow(), "error": error[:500]}),
        )

    def list_sends(self, path):
        return {i["subscriber_id"]: i["status"] for i in self._query(self.sends, f"send#{path}")}


def _submission_key(submission_id):
    return {"pk": f"submission#{submission_id}", "sk": "submission"}


def _submission(item):
    names = {f.name for f in dataclasses.fields(Submission)}
    values = {k: v for k, v in item.items() if k in names}
    values["payload"] = json.loads(values["payload"])
    values["attempts"] = int(values["attempts"])
    values["priority"] = int(values.get("priority", 0))
    return Submission(**values)


def _subscriber(item):
    names = {f.name for f in dataclasses.fields(Subscriber)}
    return Subscriber(**{k: v for k, v in item.items() if k in names})

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

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
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
_serialize = TypeSerializer().serialize
_deserialize = TypeDeserializer().deserialize


def to_item(values):
    return {k: _serialize(v) for k, v in values.items()}


def from_item(item):
    return {k: _deserialize(v) for k, v in item.items()}


class DynamoStore:
    name = "dynamodb"

    def __init__(self, prefix, client=None, retention_days=30):
        self.prefix = prefix
        self.client = client or boto3.client("dynamodb")
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

    def _scan(self, table, prefix, **filters):
        expression, names, values = "begins_with(pk, :prefix)", {}, {":prefix": prefix}
        for i, (attr, value) in enumerate(filters.items()):
            expression += f" AND #f{i} = :f{i}"
            names[f"#f{i}"], values[f":f{i}"] = attr, value
        kwargs = {
            "TableName": table,
            "FilterExpression": expression,
            "ExpressionAttributeValues": to_item(values),
            "ConsistentRead": True,
        }
        if names:
            kwargs["ExpressionAttributeNames"] = names
        items = []
        while True:
            page = self._call("scan", **kwargs)
            items += [from_item(i) for i in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # submissions
    def add_submission(self, submission):
        values = dataclasses.asdict(submission)
        values["payload"] = json.dumps(values["payload"])
        if submission.status == SPAM:
            values["expires_at"] = self._expires_at()
        self._call(
            "put_item",
            TableName=self.submissions,
            Item=to_item({"pk": f"submission#{submission.id}", "sk": "submission", **values}),
            ConditionExpression="attribute_not_exists(pk)",
        )

    def get_submission(self, submission_id):
        item = self._call(
            "get_item",
            TableName=self.submissions,
            ConsistentRead=True,
            Key=to_item({"pk": f"submission#{submission_id}", "sk": "submission"}),
        ).get("Item")
        return _submission(from_item(item)) if item else None

    def _update_submission(self, submission_id, expression, values, condition="attribute_exists(pk)", returned="NONE"):
        """Update the item: its new attributes (with `returned="ALL_NEW"`), or None when `condition` does not hold."""
        kwargs = {"ExpressionAttributeNames": {"#s": "status"}} if "#s" in expression + condition else {}
        answer = self._if(
            "update_item",
            TableName=self.submissions,
            Key=to_item({"pk": f"submission#{submission_id}", "sk": "submission"}),
            UpdateExpression=expression,
            ExpressionAttributeValues=to_item(values),
            ConditionExpression=condition,
            ReturnValues=returned,
            **kwargs,
        )
        return None if answer is None else from_item(answer.get("Attributes", {}))

    def mark_delivered(self, submission_id):
        self._update_submission(
            submission_id,
            "SET #s = :s, delivered_at = :t, last_error = :e, expires_at = :x ADD attempts :one",
            {":s": DELIVERED, ":t": utcnow(), ":e": "", ":x": self._expires_at(), ":one": 1},
        )

    def mark_failed(self, submission_id, error, next_attempt_at=""):
        # Releases the claim: the delivery due at next_attempt_at may take it.
        retry = {":n": next_attempt_at} if next_attempt_at else {}
        self._update_submission(
            submission_id,
            "SET #s = :s, last_error = :e, lease_until = :zero"
            + (", next_attempt_at = :n" if retry else "")
            + " ADD attempts :one",
            {":s": PENDING if retry else FAILED, ":e": error[:500], ":zero": 0, ":one": 1, **retry},
        )

    def claim_submission(self, submission_id, seconds):
        now = int(time.time())
        item = self._update_submission(
            submission_id,
            "SET lease_until = :until",
            {":until": now + seconds, ":now": now, ":p": PENDING},
            condition="#s = :p AND (attribute_not_exists(lease_until) OR lease_until <= :now)",
            returned="ALL_NEW",
        )
        return _submission(item) if item is not None else None

    def reopen_submission(self, submission_id, status, now):
        # Spam had an expiry date for TTL; a submission pending again must stay until it is delivered.
        return (
            self._update_submission(
                submission_id,
                "SET #s = :p, attempts = :zero, next_attempt_at = :now, lease_until = :zero REMOVE expires_at",
                {":p": PENDING, ":zero": 0, ":now": now, ":was": status},
                condition="#s = :was",
            )
            is not None
        )

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
            self._call("delete_item", TableName=self.submissions, Key=to_item({"pk": item["pk"], "sk": item["sk"]}))
        return len(items)

    def check_writable(self):
        # In the limits table, the home of short-lived bookkeeping; gone by TTL if health is never asked again.
        self._call(
            "put_item",
            TableName=self.limits,
            Item=to_item(
                {"pk": "health", "sk": "check", "checked_at": utcnow(), "expires_at": int(time.time()) + 86400}
            ),
        )

    # rate limits
    def hit_rate_limit(self, key, window_seconds, limit, now=None):
        """One item per key, gone by TTL once its TAT has passed: it then holds nothing a new item would not."""
        now = time.time() if now is None else now
        step = window_seconds / limit
        item_key = {"pk": {"S": f"limit#{key}"}, "sk": {"S": "gcra"}}
        expires = {":expires": {"N": str(math.ceil(now + window_seconds))}}

        def update(expression, condition, values):
            answer = self._if(
                "update_item",
                TableName=self.limits,
                Key=item_key,
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeValues={**values, **expires},
            )
            return answer is not None

        for _ in range(3):  # two conditional updates, each atomic on the server; a race between them goes round again
            # An empty bucket (no item, or its TAT has passed): this hit starts it.
            if update(
                "SET tat = :tat, expires_at = :expires",
                "attribute_not_exists(tat) OR tat <= :now",
                {":tat": _number(now + step), ":now": _number(now)},
            ):
                return True, 0
            # Hits in the bucket: one more while there is room.
            if update(
                "SET tat = tat + :step, expires_at = :expires",
                "tat > :now AND tat <= :room",
                {":step": _number(step), ":now": _number(now), ":room": _number(now + window_seconds - step)},
            ):
                return True, 0
            item = self._call("get_item", TableName=self.limits, Key=item_key, ConsistentRead=True).get("Item")
            if item is not None and float(item["tat"]["N"]) > now:
                return False, retry_after(float(item["tat"]["N"]), now, window_seconds, limit)
        return False, max(1, math.ceil(step))

    def use_once(self, key, expires_at):
        """An item in the limits table, gone by TTL once expired (until then a replay is refused as expired)."""
        return self._put_if(
            self.limits, {"pk": f"once#{key}", "sk": "used", "expires_at": int(expires_at)}, "attribute_not_exists(pk)"
        )

    # subscribers
    def _record_key(self, subscriber_id):
        return to_item({"pk": f"subscriber#{subscriber_id}", "sk": SK})

    def _email_key(self, email):
        return to_item({"pk": f"email#{email}", "sk": SK})

    def add_subscriber(self, subscriber):
        record = {"pk": f"subscriber#{subscriber.id}", "sk": SK, **dataclasses.asdict(subscriber)}
        lookup = {"pk": f"email#{subscriber.email}", "sk": SK, "subscriber_id": subscriber.id}
        try:
            self.client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.subscribers,
                            "Item": to_item(lookup),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.subscribers,
                            "Item": to_item(record),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
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
        names = {f"#c{i}": k for i, k in enumerate(changes)} | {f"#m{i}": k for i, k in enumerate(match)}
        values = (
            {f":c{i}": str(v) for i, v in enumerate(changes.values())}
            | {f":m{i}": str(v) for i, v in enumerate(match.values())}
            | {f":s{i}": str(s) for i, s in enumerate(sources)}
        )
        # The condition is checked and the update made in one step on the server: no concurrent change between.
        condition = f"#status IN ({', '.join(f':s{i}' for i in range(len(sources)))})" + "".join(
            f" AND #m{i} = :m{i}" for i in range(len(match))
        )
        answer = self._if(
            "update_item",
            TableName=self.subscribers,
            Key=self._record_key(subscriber_id),
            UpdateExpression="SET " + ", ".join(f"#c{i} = :c{i}" for i in range(len(changes))),
            ConditionExpression=condition,
            ExpressionAttributeNames={**names, "#status": "status"},
            ExpressionAttributeValues=to_item(values),
            ReturnValues="ALL_NEW",
        )
        if answer is None:
            return None
        return _subscriber(from_item(answer["Attributes"]))

    def get_subscriber(self, email):
        item = self._call("get_item", TableName=self.subscribers, Key=self._email_key(email), ConsistentRead=True).get(
            "Item"
        )
        return self.get_subscriber_by_id(from_item(item)["subscriber_id"]) if item else None

    def get_subscriber_by_id(self, subscriber_id):
        item = self._call(
            "get_item", TableName=self.subscribers, Key=self._record_key(subscriber_id), ConsistentRead=True
        ).get("Item")
        return _subscriber(from_item(item)) if item else None

    def list_subscribers(self, status=None):
        items = self._scan(self.subscribers, "subscriber#", **({"status": status} if status else {}))
        items.sort(key=lambda i: (i["created_at"], i["id"]))
        return [_subscriber(i) for i in items]

    def _query(self, table, pk):
        kwargs = {
            "TableName": table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": to_item({":pk": pk}),
            "ConsistentRead": True,
        }
        items = []
        while True:
            page = self._call("query", **kwargs)
            items += [from_item(i) for i in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _put_if(self, table, item, condition, values=None):
        """A conditional put; False when the condition did not hold."""
        kwargs = (
            {"ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": to_item(values)}
            if values
            else {}
        )
        return (
            self._if("put_item", TableName=table, Item=to_item(item), ConditionExpression=condition, **kwargs)
            is not None
        )

    def forget_person(self, email, subscriber_id="", suppressed_digest=""):
        """The suppression first, so that no failure half-way leaves the address mailable; then the rest."""
        if suppressed_digest:
            self._put_if(
                self.subscribers,
                {"pk": f"suppressed#{suppressed_digest}", "sk": SK, "created_at": utcnow()},
                "attribute_not_exists(pk)",
            )
        about = [
            s
            for s in map(_submission, self._scan(self.submissions, "submission#"))
            if is_about(s, email, subscriber_id)
        ]
        for submission in about:
            self._call(
                "delete_item",
                TableName=self.submissions,
                Key=to_item({"pk": f"submission#{submission.id}", "sk": "submission"}),
            )
        sends = subscriber = 0
        if subscriber_id:
            for post in self._query(self.sends, "post"):
                sends += "Attributes" in self._call(
                    "delete_item",
                    TableName=self.sends,
                    ReturnValues="ALL_OLD",
                    Key=to_item({"pk": f"send#{post['sk']}", "sk": f"subscriber#{subscriber_id}"}),
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
                Key=to_item({"pk": f"suppressed#{digest}", "sk": SK}),
            )
            for digest in digests
        )

    # newsletter: posts and per-recipient send records
    def add_post(self, post):
        return self._put_if(
            self.sends, {"pk": "post", "sk": post.path, **dataclasses.asdict(post)}, "attribute_not_exists(pk)"
        )

    def list_posts(self):
        names = {f.name for f in dataclasses.fields(Post)}
        posts = [Post(**{k: v for k, v in i.items() if k in names}) for i in self._query(self.sends, "post")]
        return sorted(posts, key=lambda p: (p.published, p.path))

    def set_post_status(self, path, status):
        if status not in POST_STATUSES:
            raise ValueError(f"unknown post status {status!r}")
        self._call(
            "update_item",
            TableName=self.sends,
            Key=to_item({"pk": "post", "sk": path}),
            UpdateExpression="SET #s = :s",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues=to_item({":s": status}),
        )

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
        return self._put_if(
            self.sends,
            item,
            "attribute_not_exists(pk) OR #s = :failed OR (#s = :sending AND claimed_at < :stale)",
            {":failed": FAILED, ":sending": SENDING, ":stale": stale_before},
        )

    def finish_send(self, path, subscriber_id, status, error=""):
        self._call(
            "update_item",
            TableName=self.sends,
            Key=to_item({"pk": f"send#{path}", "sk": f"subscriber#{subscriber_id}"}),
            UpdateExpression="SET #s = :s, finished_at = :t, #e = :e",
            ExpressionAttributeNames={"#s": "status", "#e": "error"},
            ExpressionAttributeValues=to_item({":s": status, ":t": utcnow(), ":e": error[:500]}),
        )

    def list_sends(self, path):
        return {i["subscriber_id"]: i["status"] for i in self._query(self.sends, f"send#{path}")}


def _number(value):
    return {"N": repr(value)}


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

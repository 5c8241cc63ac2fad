"""`python -m tests.support.moto_server -H HOST -p PORT`: moto_server, with each DynamoDB write atomic as in DynamoDB.

moto answers requests in threads and checks a write's ConditionExpression, then writes, with nothing between
them held: two conditional writes to one item at once can both pass (seen: 11 of 24 concurrent hits through a
limit of 10). DynamoDB itself applies each write to an item atomically, which the service relies on (rate limits,
subscriber transitions, delivery claims); here every write takes one lock, so races in tests test our code,
not moto's.
"""

import functools
import threading

from moto.dynamodb.models import DynamoDBBackend
from moto.server import main

WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")


def serialize_writes():
    lock = threading.RLock()
    for name in WRITES:
        write = getattr(DynamoDBBackend, name)

        @functools.wraps(write)
        def locked(*args, _write=write, **kwargs):
            with lock:
                return _write(*args, **kwargs)

        setattr(DynamoDBBackend, name, locked)


if __name__ == "__main__":
    serialize_writes()
    main()

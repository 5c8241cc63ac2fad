"""Store backends, chosen by FORMS_STORE; boto3 is imported only for DynamoDB."""
from .base import DELIVERED, PENDING, Store, StoreError, Submission, Subscriber


def make_store(url):
    if url.startswith("sqlite:///"):
        from .sqlite import SqliteStore
        return SqliteStore(url[len("sqlite:///"):])
    if url.startswith("dynamodb://"):
        from .dynamo import DynamoStore
        return DynamoStore(url[len("dynamodb://"):])
    raise ValueError(f"unknown store {url!r}")


__all__ = ["DELIVERED", "PENDING", "Store", "StoreError", "Submission", "Subscriber", "make_store"]

"""Store backends, chosen by FORMS_STORE; boto3 is imported only for DynamoDB."""

from .base import (
    DELIVERED,
    FAILED,
    PENDING,
    SENDING,
    SENT,
    SPAM,
    URGENT,
    Post,
    Store,
    StoreError,
    Submission,
    Subscriber,
)


def make_store(url, retention_days):
    if url.startswith("sqlite:///"):
        from .sqlite import SqliteStore

        return SqliteStore(url[len("sqlite:///") :])
    if url.startswith("dynamodb://"):
        from .dynamo import DynamoStore

        return DynamoStore(url[len("dynamodb://") :], retention_days=retention_days)
    raise ValueError(f"unknown store {url!r}")


__all__ = [
    "DELIVERED",
    "FAILED",
    "PENDING",
    "SENDING",
    "SENT",
    "SPAM",
    "URGENT",
    "Post",
    "Store",
    "StoreError",
    "Submission",
    "Subscriber",
    "make_store",
]

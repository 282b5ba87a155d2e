"""Storage of backups: ``open_store(url, clock)`` for ``s3://bucket/prefix`` or ``file:///dir``.

A server's objects are under ``<prefix>/<server>/``: the store's keys start with the server name.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from retention.storage.base import ObjectStore
from retention.storage.urls import ACCEPTED, StoreUrl, parse_store_url

__all__ = ["ACCEPTED", "ObjectStore", "StoreUrl", "open_store", "parse_store_url"]


def open_store(url: str, clock: Callable[[], datetime]) -> ObjectStore:
    """The store behind a storage URL. ``clock`` decides what a local store's locks still hold;
    S3 enforces its locks itself and ignores it. Nothing is contacted until first use."""
    parsed = parse_store_url(url)
    if parsed.scheme == "s3":
        from retention.storage.s3 import S3Store  # boto3 is imported only when S3 is used

        return S3Store(parsed.bucket, parsed.prefix)
    from retention.storage.local import LocalStore

    return LocalStore(Path(parsed.path), clock)

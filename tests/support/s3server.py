"""An S3 server over HTTP for tests: moto's ThreadedMotoServer on 127.0.0.1 and a free port."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_DEFAULT_REGION": "us-east-1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def s3_server() -> Iterator[str]:
    """Start the server, point boto3 at it through the environment, yield the endpoint URL."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    saved = {k: os.environ.get(k) for k in [*CREDENTIALS, "AWS_ENDPOINT_URL"]}
    os.environ.update(CREDENTIALS)
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    try:
        yield endpoint
    finally:
        server.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def make_bucket(endpoint: str, lock_days: int | None = None, mode: str = "GOVERNANCE") -> str:
    """A fresh versioned bucket; with lock_days, Object Lock with that default retention (0: Object
    Lock enabled without a default retention)."""
    name = f"rex-{uuid.uuid4().hex[:12]}"
    s3: Any = boto3.client("s3", endpoint_url=endpoint)
    if lock_days is None:
        s3.create_bucket(Bucket=name)
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    else:
        s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
        config: dict[str, Any] = {"ObjectLockEnabled": "Enabled"}
        if lock_days:
            config["Rule"] = {"DefaultRetention": {"Mode": mode, "Days": lock_days}}
        s3.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration=config)
    return name

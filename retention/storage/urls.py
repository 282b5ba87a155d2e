"""Storage URLs: ``s3://bucket/prefix`` and ``file:///dir``. Pure parsing, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal
from urllib.parse import unquote

from retention.errors import InputError

ACCEPTED = "s3://BUCKET[/PREFIX] or file:///ABSOLUTE/DIR"
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


@dataclass(frozen=True)
class StoreUrl:
    """A parsed storage URL: an S3 bucket and key prefix, or a local directory."""

    scheme: Literal["s3", "file"]
    bucket: str = ""  # s3 only
    prefix: str = ""  # s3 only: no leading or trailing "/"; "" is the bucket root
    path: str = ""  # file only: an absolute POSIX path


def _refuse(url: str, why: str) -> InputError:
    return InputError(f"storage URL {url!r}: {why}; expected {ACCEPTED} "
                      "(set --storage or REX_STORAGE)")


def parse_store_url(url: str) -> StoreUrl:
    """Parse a storage URL, or raise ``InputError`` saying which forms are accepted."""
    text = url.strip()
    if text.startswith("s3://"):
        return _parse_s3(url, text[len("s3://"):])
    if text.startswith("file://"):
        return _parse_file(url, text[len("file://"):])
    scheme = text.partition("://")[0] if "://" in text else ""
    raise _refuse(url, f"unsupported scheme {scheme!r}" if scheme else "not a storage URL")


def _parse_s3(url: str, rest: str) -> StoreUrl:
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise _refuse(url, "no bucket name")
    if not _BUCKET.fullmatch(bucket) or ".." in bucket:
        raise _refuse(url, f"{bucket!r} is not a valid S3 bucket name "
                           "(3-63 lowercase letters, digits, dots, hyphens)")
    if any(c in prefix for c in "?#"):
        raise _refuse(url, "query strings and fragments are not supported")
    prefix = prefix.strip("/")
    if "//" in prefix:
        raise _refuse(url, "the prefix has an empty path segment ('//')")
    return StoreUrl(scheme="s3", bucket=bucket, prefix=prefix)


def _parse_file(url: str, rest: str) -> StoreUrl:
    host, slash, path = rest.partition("/")
    if host not in ("", "localhost"):
        raise _refuse(url, f"host {host!r} is not supported (a relative path? use three "
                           "slashes and an absolute path)")
    if not slash or any(c in path for c in "?#"):
        raise _refuse(url, "no absolute directory path")
    posix = PurePosixPath("/" + unquote(path))
    if posix == PurePosixPath("/"):
        raise _refuse(url, "the filesystem root is not a storage directory")
    if ".." in posix.parts:
        raise _refuse(url, "'..' is not allowed in the directory path")
    return StoreUrl(scheme="file", path=str(posix))

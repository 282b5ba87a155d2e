"""Count the S3 requests that sync, plan and apply make, by operation (botocore event hooks).

200 nightly backups and 50,000 WAL objects in moto's S3 server over HTTP, planned the morning
after the last backup: those older than six months and WAL outside the window and the kept
backups' own ranges expire. Prints requests per operation and the ratios the
design holds rex to: DeleteObjects requests per 1,000 deleted versions and listing requests per
1,000 listed versions (both at most 1.01), requests per kept point, the lock reads (one HEAD
per object of each backup a catalog has not seen, never per WAL segment), and the sync time.

    python benchmarks/s3_requests.py [--points 200] [--wal 50000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from retention.sample import backup_info
from retention.service import apply, plan_server, sync
from retention.wal import segment_name
from tests.support.s3server import make_bucket, s3_server

END = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)


def populate(endpoint: str, bucket: str, points: int, wal: int) -> None:
    """Backups one a day and WAL spread evenly between them. Written straight into the moto
    server's in-process backend (uploading 50,000 objects over HTTP takes minutes); what is
    measured afterwards all goes over HTTP."""
    per_day = max(1, wal // points)
    jobs: list[tuple[str, bytes]] = []
    for day in range(points):
        begin = END - timedelta(days=points - 1 - day)
        pos = 16 + day * per_day
        base = f"suite/base/{begin:%Y%m%dT%H%M%S}"
        jobs.append((f"{base}/backup.info", backup_info(begin, begin + timedelta(minutes=5),
                                                        pos, pos + 1)))
        jobs.append((f"{base}/data.tar.gz", b"pgdata"))
        for p in range(pos, pos + per_day):
            name = segment_name(1, p)
            jobs.append((f"suite/wals/{name[:16]}/{name}.gz", b"wal"))
    backend = _moto_backend(endpoint)
    if backend is not None:
        for key, body in jobs:
            backend.put_object(bucket, key, body)
        return
    s3: Any = boto3.client("s3", endpoint_url=endpoint)
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda kv: s3.put_object(Bucket=bucket, Key=kv[0], Body=kv[1]), jobs))


def _moto_backend(endpoint: str) -> Any:
    try:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.s3.models import s3_backends
    except ImportError:
        return None
    return s3_backends[DEFAULT_ACCOUNT_ID]["aws"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=200)
    parser.add_argument("--wal", type=int, default=50_000)
    args = parser.parse_args()
    calls: Counter[str] = Counter()
    listed = Counter[str]()

    in_flight: list[float] = []
    waited = [0.0]

    def count(event_name: str, **kwargs: Any) -> None:
        calls[event_name.rsplit(".", 1)[-1]] += 1
        in_flight.append(time.perf_counter())

    def done(**kwargs: Any) -> None:
        if in_flight:
            waited[0] += time.perf_counter() - in_flight.pop()

    def count_listed(parsed: Any = None, **kwargs: Any) -> None:
        if parsed:
            listed["versions"] += len(parsed.get("Versions", [])) + len(
                parsed.get("DeleteMarkers", []))

    with s3_server() as endpoint, tempfile.TemporaryDirectory() as tmp:
        bucket = make_bucket(endpoint, lock_days=0)  # Object Lock on: sync reads real locks
        t0 = time.perf_counter()
        populate(endpoint, bucket, args.points, args.wal)
        print(f"populated {args.points} backups and {args.wal} WAL objects "
              f"in {time.perf_counter() - t0:.1f} s")
        boto3.DEFAULT_SESSION = None
        session = boto3.Session()
        session.events.register("before-call.s3", count)
        session.events.register("after-call.s3.ListObjectVersions", count_listed)
        session.events.register("after-call.s3", done)
        boto3.DEFAULT_SESSION = session
        catalog, storage = f"sqlite:///{Path(tmp) / 'rex.db'}", f"s3://{bucket}"
        now = END + timedelta(hours=5)  # backups older than six months have expired
        phases: dict[str, Counter[str]] = {}
        t0 = time.perf_counter()
        sync(catalog, storage, "suite", now, "bench", lambda: now)
        sync_time = time.perf_counter() - t0
        sync_waited = waited[0]
        phases["sync"], listed_versions = Counter(calls), listed["versions"]
        calls.clear()
        stored = plan_server(catalog, "engage-sla-2024", "suite", now, "bench", True)
        phases["plan"] = Counter(calls)
        calls.clear()
        result = apply(catalog, storage, "engage-sla-2024", stored.plan_id, now, "bench",
                       lambda: now, False, True)
        phases["apply"] = Counter(calls)
        report(phases, listed_versions, result.deleted, stored, sync_time, sync_waited)


def report(phases: dict[str, Counter[str]], listed: int, deleted: int, stored: Any,
           sync_time: float, sync_waited: float) -> None:
    for phase, counts in phases.items():
        detail = ", ".join(f"{op} {n}" for op, n in sorted(counts.items())) or "none"
        print(f"{phase:5}: {sum(counts.values()):6d} requests ({detail})")
    deletes = phases["apply"]["DeleteObjects"]
    lists = phases["sync"]["ListObjectVersions"]
    kept = sum(1 for p in stored.plan.points if p.action == "keep")
    total = sum(sum(c.values()) for c in phases.values())
    print(f"DeleteObjects per 1,000 deleted versions: {1000 * deletes / max(deleted, 1):.3f} "
          f"({deletes} for {deleted}; target <= 1.01)")
    print(f"listing requests per 1,000 listed versions: {1000 * lists / max(listed, 1):.3f} "
          f"({lists} for {listed}; target <= 1.01)")
    print(f"requests per kept point: {total / max(kept, 1):.2f} ({total} for {kept} kept)")
    heads = phases["sync"]["HeadObject"]
    points = len(stored.plan.points)
    print(f"lock reads (HEAD for the retain-until, a new catalog) per backup: "
          f"{heads / max(points, 1):.2f} ({heads} for {points} backups, {kept} kept; "
          "none for WAL)")
    print(f"sync time: {sync_time:.2f} s, of which {sync_waited:.2f} s waiting for the S3 "
          f"server and {sync_time - sync_waited:.2f} s in rex (scan and catalog)")
    print("(moto's ListObjectVersions copies every version for every page, so its share grows "
          "with the square of the object count; real S3 pages in constant time)")


if __name__ == "__main__":
    main()

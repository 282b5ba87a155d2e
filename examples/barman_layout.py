"""Write sample barman-cloud backups into a local directory (see ``retention.sample``).

    python examples/barman_layout.py DIR [--days 200] [--end 2026-11-29T01:00:00Z]
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from retention.sample import Clock, backup_info, write_layout

__all__ = ["Clock", "backup_info", "write_layout"]


def main() -> None:
    from retention.storage.base import BucketLock
    from retention.storage.local import LocalStore

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--server", default="suite")
    parser.add_argument("--days", type=int, default=200)
    parser.add_argument("--end", default="2026-11-29T01:00:00Z")
    parser.add_argument("--lock-days", type=int, default=32,
                        help="GOVERNANCE default retention of the store (0: no Object Lock)")
    args = parser.parse_args()
    end = datetime.fromisoformat(args.end).astimezone(UTC)
    args.directory.mkdir(parents=True, exist_ok=True)
    clock = Clock(end)
    store = LocalStore(args.directory.resolve(), clock)
    if any(True for _ in store.list_versions(f"{args.server}/")):
        print(f"{args.directory}: already holds {args.server}; leaving it as it is")
        return
    if args.lock_days:
        store.set_bucket_lock(BucketLock(True, "GOVERNANCE", days=args.lock_days))
    count = write_layout(store, args.server, end, args.days, at=clock.set)
    print(f"wrote {count} objects of {args.days} nightly backups of {args.server} "
          f"into {args.directory}")


if __name__ == "__main__":
    main()

"""`rex verify --deep` streams: a base backup whose data.tar.gz (about 4.5 MB) inflates to 1 GiB
is checked, intact and with a bad gzip trailer, by a rex process whose peak resident memory
stays under 100 MB (../shared/cases/verify/deep-verify-memory/ peaked at 2.1 GiB).

rex runs as a subprocess; its peak RSS is the kernel's VmHWM of that process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from retention.sample import Clock, write_layout
from retention.storage.local import LocalStore
from tests.support.bucket import protect

END = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
NOW = "2026-11-29T01:30:00Z"
BIG = "suite/base/20261128T010000/data.tar.gz"  # the newest point but one
INFLATED = 1 << 30
LIMIT = 100_000_000  # bytes of peak RSS, the bound


def write_big_gzip(path: Path, bad_trailer: bool) -> None:
    """A gzip of 1 GiB of zero bytes, compressed chunk by chunk straight to disk."""
    comp = zlib.compressobj(1, zlib.DEFLATED, 31)
    chunk = bytes(16 << 20)
    with path.open("wb") as out:
        for _ in range(INFLATED // len(chunk)):
            out.write(comp.compress(chunk))
        out.write(comp.flush())
    if bad_trailer:
        with path.open("r+b") as out:
            out.seek(-8, os.SEEK_END)  # the trailer's CRC32 of the inflated data
            out.write(b"\x00\x00\x00\x00")


# rex as a child process that, as it exits, copies its own /proc status (VmHWM: the peak
# resident memory of its address space, unlike a fork's ru_maxrss, which also counts the
# forking test process as it was at the fork) to the file named first
RUN_REX = """import atexit, sys
from pathlib import Path
status = Path(sys.argv.pop(1))
atexit.register(lambda: status.write_text(Path("/proc/self/status").read_text()))
from cli import main
main()
"""


def rex_peak(env: dict[str, str], tmp_path: Path, *args: str) -> tuple[int, str, int]:
    """Exit code, stdout and peak RSS in bytes of one rex process."""
    status = tmp_path / "status"
    result = subprocess.run([sys.executable, "-c", RUN_REX, str(status), *args],
                            env={**os.environ, **env}, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, check=False)
    [hwm] = [line.split()[1:] for line in status.read_text().splitlines()
             if line.startswith("VmHWM:")]
    assert hwm[1] == "kB"
    return result.returncode, result.stdout.decode(), int(hwm[0]) * 1024


@pytest.mark.slow
@pytest.mark.parametrize("bad_trailer", [False, True], ids=["intact", "bad-trailer"])
def test_deep_verify_of_a_1gib_inflating_object_stays_under_100mb(
        tmp_path: Path, bad_trailer: bool) -> None:
    store_dir = tmp_path / "store"
    store_dir.mkdir()
    clock = Clock(END)
    store = LocalStore(store_dir, clock)
    write_layout(store, "suite", END, 40, at=clock.set)
    [small] = list(store.list_versions(BIG))
    clock.set(datetime(2026, 11, 28, 1, 0, tzinfo=UTC))
    assert store.delete_versions([(BIG, small.version_id)]).failed == ()
    big = tmp_path / "data.tar.gz"
    write_big_gzip(big, bad_trailer)
    assert big.stat().st_size < 10 << 20
    store.write_file(BIG, big)
    env = {"REX_STORAGE": f"file://{store_dir}", "REX_CATALOG": f"sqlite:///{tmp_path / 'c.db'}",
           "REX_NOW": NOW}
    protect(store)  # the bucket as the policy wants it; the daily job locks what it keeps
    assert CliRunner().invoke(main, ["run", "--server", "suite"], env=env).exit_code == 0

    code, out, peak = rex_peak(env, tmp_path, "verify", "--server", "suite", "--deep", "--json")
    print(f"verify --deep ({'bad trailer' if bad_trailer else 'intact'}): exit {code}, "
          f"peak RSS {peak / 1e6:.1f} MB")
    doc = json.loads(out)
    assert doc["deep"] is True
    if bad_trailer:
        assert code == 1
        [finding] = doc["findings"]
        assert (finding["code"], finding["subject"]) == ("object-corrupt", "suite/20261128T010000")
        assert finding["message"].startswith(f"{BIG}: does not decompress")
    else:
        assert code == 0 and doc["findings"] == []
    assert peak < LIMIT, f"peak RSS {peak / 1e6:.1f} MB"

"""Start-up time of light commands (`rex --help`, `rex tenant list`), beside the anchors of the
same run: a bare Python start and `import sqlalchemy.orm` (the floor of any command that opens
the catalog).

Usage: python benchmarks/startup.py [--rounds N]
Each command runs as a new process (as a user types it); prints the median and the minimum
wall time of the rounds.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REX = [sys.executable, "-c", "import sys, cli; sys.argv[0] = 'rex'; cli.main()"]
ROOT = Path(__file__).resolve().parents[1]


def timed(argv: list[str], cwd: Path, rounds: int) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run(argv, cwd=cwd, check=True, capture_output=True,
                       env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        times.append(time.perf_counter() - started)
    return statistics.median(times), min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        subprocess.run([*REX, "tenant", "list"], cwd=cwd, check=True, capture_output=True,
                       env={"PYTHONPATH": str(ROOT)})  # the catalog exists, migrated
        cases = {"python -c pass (anchor)": [sys.executable, "-c", "pass"],
                 "import sqlalchemy.orm (anchor)": [sys.executable, "-c",
                                                    "import sqlalchemy.orm"],
                 "rex --help": [*REX, "--help"],
                 "rex tenant list": [*REX, "tenant", "list"]}
        for name, argv in cases.items():
            median, best = timed(argv, cwd, rounds)
            print(f"{name:32s} median {median * 1000:6.0f} ms   min {best * 1000:6.0f} ms")


if __name__ == "__main__":
    main()

"""BPMN import/export throughput over the MIWG models, rex beside pm4py, and what pm4py drops.

Usage: python benchmarks/bpmn.py [MIWG_DIR] [--rounds N]
MIWG_DIR defaults to $REX_CONFORMANCE_DIR/miwg or ../shared/conformance/miwg.
pm4py is not a dependency of rex: install it into the venv for this script (pip install pm4py).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from exporters.bpmn import read_bpmn, write_bpmn  # noqa: E402


def _default_dir() -> Path:
    base = os.environ.get("REX_CONFORMANCE_DIR")
    return (Path(base) if base else ROOT.parent / "shared" / "conformance") / "miwg"


def _timed(rounds: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def _line(label: str, models: int, size: int, seconds: float) -> str:
    return (f"  {label:<22} {models / seconds:9.1f} models/s  {size / seconds / 1e6:8.2f} MB/s"
            f"  ({seconds * 1000:.1f} ms for {models} models)")


def _counts(data: bytes) -> Counter[str]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    root = etree.fromstring(data, parser)
    return Counter(etree.QName(el).localname for el in root.iter() if isinstance(el.tag, str))


def bench_rex(files: list[Path], rounds: int) -> None:
    size = sum(f.stat().st_size for f in files)
    models = [read_bpmn(f) for f in files]
    out = [write_bpmn(m) for m in models]
    print("rex (lossless; neutral model, verbatim vendor content):")
    print(_line("import (parse+model)", len(files), size,
                _timed(rounds, lambda: [read_bpmn(f) for f in files])))
    print(_line("export (write)", len(files), sum(map(len, out)),
                _timed(rounds, lambda: [write_bpmn(m) for m in models])))
    pairs = zip(files, out, strict=True)
    lost = sum((_counts(f.read_bytes()) - _counts(o)).total() for f, o in pairs)
    print(f"  elements lost on the round trip: {lost}")


def bench_pm4py(files: list[Path], rounds: int) -> None:
    try:
        import pm4py
    except ImportError:
        print("pm4py: not installed (pip install pm4py into the venv); skipped")
        return
    graphs, failed = {}, []
    for f in files:
        try:
            graphs[f] = pm4py.read_bpmn(str(f))
        except Exception as err:  # a third-party reader failing is a result, not a crash
            failed.append(f"read {f.name}: {err.__class__.__name__}: {err}"[:160])
    ok = list(graphs)
    size = sum(f.stat().st_size for f in ok)
    print(f"pm4py {pm4py.__version__} (reads {len(ok)} of {len(files)} files):")
    print(_line("read_bpmn", len(ok), size, _timed(rounds, lambda: [pm4py.read_bpmn(str(f))
                                                                    for f in ok])))
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp)
        written = {f: target / f.name for f in ok}
        writable = [f for f in ok if _pm4py_write(pm4py, graphs[f], written[f], failed)]
        # auto_layout=False: keep the layout pm4py read; its re-layout needs Graphviz
        seconds = _timed(rounds, lambda: [pm4py.write_bpmn(graphs[f], str(written[f]),
                                                           auto_layout=False) for f in writable])
        out_size = sum(written[f].stat().st_size for f in writable)
        print(f"  (writes {len(writable)} of the {len(ok)} it read)")
        print(_line("write_bpmn", len(writable), out_size, seconds))
        _report_losses(writable, written)
    for line in failed:
        print(f"  failed: {line}")


def _pm4py_write(pm4py: Any, graph: Any, path: Path, failed: list[str]) -> bool:
    try:
        pm4py.write_bpmn(graph, str(path), auto_layout=False)
    except Exception as err:  # a third-party writer failing is a result, not a crash
        failed.append(f"write {path.name}: {err.__class__.__name__}: {err}"[:160])
        return False
    return True


def _report_losses(files: list[Path], written: dict[Path, Path]) -> None:
    lost: Counter[str] = Counter()
    total = 0
    for f in files:
        before = _counts(f.read_bytes())
        total += before.total()
        lost.update(before - _counts(written[f].read_bytes()))
    print(f"  elements lost on the round trip: {lost.total()} of {total}; most lost:")
    for name, count in lost.most_common(12):
        print(f"    {name:<28} {count}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("miwg", nargs="?", type=Path, default=_default_dir())
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    files = sorted(args.miwg.glob("*.bpmn"))
    if not files:
        sys.exit(f"no .bpmn files in {args.miwg}: the MIWG reference models come from "
                 "github.com/bpmn-miwg/bpmn-miwg-test-suite (Reference/)")
    size = sum(f.stat().st_size for f in files)
    print(f"{len(files)} MIWG models, {size / 1e6:.2f} MB, best of {args.rounds} rounds\n")
    bench_rex(files, args.rounds)
    print()
    bench_pm4py(files, args.rounds)


if __name__ == "__main__":
    main()

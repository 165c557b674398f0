"""Benchmark: importing returned workbooks, next to the naive way, in the same run.

N returned workbooks (default 1,000) are made by the generator and filled in
programmatically (cycling through the demo's strong, average and weak answers). Then:

- excelcert: `import_files` on the folder: hashing, archiving, reading every answer by
  indicator id, checking the signature, writing the ledger (one transaction per file);
- naive: `openpyxl.load_workbook` on each file and a loop over every row of every sheet,
  which stores nothing and checks nothing.

Files per second for both (excelcert also with --jobs, all cores), and excelcert's peak
Python memory (tracemalloc) for N/10 and for N files, to show that it does not grow with N.
The speed is measured in rounds (default 3), each running excelcert, the naive way and
excelcert --jobs one after the other, so that a machine whose speed drifts (a shared one)
affects both sides of each round alike; the ratio is the median of the rounds' ratios.

    python benchmarks/bench_import.py              # 1,000 files, 3 rounds
    python benchmarks/bench_import.py -n 200 --rounds 5
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

import openpyxl

from excelcert.assessment.generate import generate_workbooks
from excelcert.base.ledger import Ledger
from excelcert.campaign.config import init_campaign, read_key
from excelcert.campaign.roster import example_clusters
from excelcert.demo.returns import AVERAGE, STRONG, WEAK, fill_in
from excelcert.intake.batch import import_files


def make_returns(campaign, scheme, key, n: int, folder: Path) -> list[str]:
    """N distinct returned workbooks: one per (cluster, copy), filled in with openpyxl."""
    base = example_clusters()
    clusters = [replace(base[i % len(base)], id=f"{base[i % len(base)].id}-{i:05d}") for i in range(n)]
    generated = generate_workbooks(campaign, scheme, clusters, key, jobs=2)
    answers = (STRONG, AVERAGE, WEAK)
    folder.mkdir(parents=True, exist_ok=True)
    for i, (cluster, path) in enumerate(generated.written):
        target = folder / path.name
        shutil.copyfile(path, target)
        fill_in(target, scheme, answers[i % 3], cluster.language)
    return [c.id for c in clusters]


def naive(files: list[Path]) -> None:
    for path in files:
        book = openpyxl.load_workbook(path)
        for ws in book.worksheets:
            for _row in ws.iter_rows(values_only=True):
                pass


def ours(
    campaign, scheme, key, ids: set[str], files: list[Path], root: Path, trace: bool = False, jobs: int = 1
) -> float:
    """Seconds of importing `files` into a fresh ledger; with `trace`, its peak traced memory instead
    (tracemalloc slows Python down, so speed and memory are measured in separate runs)."""
    fresh = replace(campaign, root=root)
    root.mkdir(parents=True)
    shutil.copyfile(campaign.key_path, fresh.key_path)
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    with Ledger.for_campaign(root) as ledger:
        results = import_files(fresh, scheme, ids, key, ledger, files, jobs=jobs)
    elapsed = time.perf_counter() - started
    if trace:
        elapsed = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    bad = [r for r in results if r.verdict not in ("accepted", "accepted with problems")]
    if bad:
        raise SystemExit(f"{len(bad)} files were not accepted, e.g. {bad[0].name}: {bad[0].reason}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1000, help="returned workbooks (default 1,000)")
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="workers for the parallel run (default: all cores)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the speed runs (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        campaign = init_campaign(Path(tmp) / "camp")
        scheme, key = campaign.load_scheme(), read_key(campaign)
        made = time.perf_counter()
        ids = set(make_returns(campaign, scheme, key, args.n, Path(tmp) / "inbox"))
        made = time.perf_counter() - made
        files = sorted((Path(tmp) / "inbox").glob("*.xlsx"))
        tenth = files[: max(1, len(files) // 10)]
        small_peak = ours(campaign, scheme, key, ids, tenth, Path(tmp) / "memory-small", trace=True)
        peak = ours(campaign, scheme, key, ids, files, Path(tmp) / "memory-full", trace=True)
        rounds = []
        for n in range(args.rounds):
            ours_s = ours(campaign, scheme, key, ids, files, Path(tmp) / f"speed-{n}")
            started = time.perf_counter()
            naive(files)
            naive_s = time.perf_counter() - started
            jobs_s = ours(campaign, scheme, key, ids, files, Path(tmp) / f"speed-jobs-{n}", jobs=args.jobs)
            rounds.append((ours_s, naive_s, jobs_s))
            print(
                f"round {n + 1}: excelcert {len(files) / ours_s:.1f} files/s, naive {len(files) / naive_s:.1f}, "
                f"ratio {naive_s / ours_s:.1f}x; --jobs {args.jobs} ratio {naive_s / jobs_s:.1f}x",
                flush=True,
            )
    ours_s, naive_s, jobs_s = (statistics.median(r[i] for r in rounds) for i in range(3))
    ratios = sorted(r[1] / r[0] for r in rounds)
    print(
        f"{len(files)} returned workbooks (made and filled in {made:.0f} s), Python {sys.version.split()[0]}, "
        f"median of {len(rounds)} rounds"
    )
    print(f"excelcert import  {len(files) / ours_s:8.1f} files/s  ({ours_s:.1f} s: read, check, archive, ledger)")
    print(f"naive openpyxl    {len(files) / naive_s:8.1f} files/s  ({naive_s:.1f} s: load and loop, nothing stored)")
    print(
        f"ratio             {statistics.median(ratios):8.1f}x  (rounds {ratios[0]:.1f}x to {ratios[-1]:.1f}x; "
        f"target >= 10x)"
    )
    print(
        f"excelcert --jobs {args.jobs} {len(files) / jobs_s:7.1f} files/s  ({jobs_s:.1f} s)  "
        f"ratio {statistics.median(r[1] / r[2] for r in rounds):.1f}x against the naive way on one core"
    )
    print(
        f"peak memory       {small_peak / 1e6:6.1f} MB for {len(tenth)} files, {peak / 1e6:6.1f} MB for {len(files)} files"
    )


if __name__ == "__main__":
    main()

"""Benchmark: self-assessment workbooks per second, next to two floors, in the same run.

- floor "same workbook": xlsxwriter replaying, call for call, what excelcert asked of it
  for a workbook of the same language (every cell, format, validation, conditional
  format, chart, name, protection, the metadata), with none of excelcert's logic. The
  ratio ours/floor is the cost of excelcert's own work; the target is at most 1.5.
- floor "same cells": xlsxwriter writing only the same cell values and formulas (with
  their cached values): no formats, validation, chart, names or protection. Shown for
  scale: the difference is the workbook's features, which the issue requires.

Both floors and excelcert run with the same --jobs, in the same run. excelcert runs twice:
as `excelcert generate` does (each workbook a copy of one written per language,
`assessment.copies`, which goes past the floors) and with every workbook written whole
(`copy=False`, the path the floors measure). The copies are checked byte for byte against
the workbooks written whole, with the same nonce, for each language.

    python benchmarks/bench_generate.py            # 500 workbooks, all cores
    python benchmarks/bench_generate.py -n 100 --jobs 1
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import openpyxl

from excelcert.assessment.copies import Copies
from excelcert.assessment.generate import generate_workbooks
from excelcert.assessment.workbook import build_self_assessment
from excelcert.campaign.config import init_campaign, read_key
from excelcert.campaign.roster import example_clusters


def roster(n: int):
    base = example_clusters()
    return [replace(base[i % len(base)], id=f"{base[i % len(base)].id}-{i:05d}") for i in range(n)]


def cells_of(path: Path) -> list[tuple[str, list[tuple[int, int, object, object]]]]:
    """Every cell of a generated workbook: (row, col, value or formula, cached value)."""
    formulas = openpyxl.load_workbook(path)
    values = openpyxl.load_workbook(path, data_only=True)
    sheets = []
    for ws in formulas.worksheets:
        cells = []
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    cells.append((cell.row - 1, cell.column - 1, cell.value, values[ws.title][cell.coordinate].value))
        sheets.append((ws.title, cells))
    return sheets


class Ref:
    """A recorded xlsxwriter object (a worksheet, format or chart), by its token."""

    def __init__(self, token):
        self.token = token


def _walk(value, leaf):
    if isinstance(value, dict):
        return {k: _walk(v, leaf) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_walk(v, leaf) for v in value)
    return leaf(value)


class Recorder:
    """Wraps an xlsxwriter object and logs every call made on it, for replay."""

    def __init__(self, real, log, token):
        self._real, self._log, self._token = real, log, token

    def __getattr__(self, name):
        attr = getattr(self._real, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            real = lambda v: v._real if isinstance(v, Recorder) else v  # noqa: E731
            ref = lambda v: Ref(v._token) if isinstance(v, Recorder) else v  # noqa: E731
            result = attr(*_walk(list(args), real), **_walk(kwargs, real))
            token = None
            if result is not None and type(result).__module__.startswith("xlsxwriter."):
                token = len(self._log)
                result = Recorder(result, self._log, token)
            self._log.append((self._token, name, _walk(list(args), ref), _walk(kwargs, ref), token))
            return result

        return call


OPTIONS = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False, "in_memory": True}


def record(campaign, scheme, cluster, key, folder: Path) -> list:
    """The xlsxwriter calls excelcert makes for one cluster's workbook."""
    import xlsxwriter

    log: list = []

    def open_book(path):
        return Recorder(xlsxwriter.Workbook(str(path), OPTIONS), log, "book")

    build_self_assessment(
        folder / f"recorded-{cluster.language}.xlsx", scheme, campaign, cluster, key, open_book=open_book
    )
    return log


def replay(path: str, log: list) -> None:
    import xlsxwriter

    objects = {"book": xlsxwriter.Workbook(path, OPTIONS)}
    resolve = lambda v: objects[v.token] if isinstance(v, Ref) else v  # noqa: E731
    for target, name, args, kwargs, token in log:
        value = getattr(objects[target], name)(*_walk(args, resolve), **_walk(kwargs, resolve))
        if token is not None:
            objects[token] = value
    if "close" not in {name for _, name, _, _, _ in log}:
        objects["book"].close()


def check_replay(folder: Path, language: str, log: list) -> None:
    """The replay floor is only a floor if it writes exactly the workbook excelcert wrote."""
    import pickle
    import zipfile

    replayed = folder / f"replayed-{language}.xlsx"
    replay(str(replayed), pickle.loads(pickle.dumps(log)))  # as the workers receive it
    with zipfile.ZipFile(folder / f"recorded-{language}.xlsx") as ours, zipfile.ZipFile(replayed) as theirs:
        differ = [n for n in ours.namelist() if ours.read(n) != theirs.read(n)]
    if differ or sorted(ours.namelist()) != sorted(theirs.namelist()):
        raise SystemExit(f"the replay of the {language} workbook differs from excelcert's in {differ}")


def check_copies(campaign, scheme, key, folder: Path) -> None:
    """A copy is only faster if it is the same workbook: byte for byte, for each language."""
    import datetime as dt

    issued_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    copies = Copies(scheme, campaign, key, issued_at)
    for cluster in example_clusters():
        whole, copy = folder / "whole.xlsx", folder / "copy.xlsx"
        build_self_assessment(whole, scheme, campaign, cluster, key, issued_at=issued_at, nonce="0123456789abcdef")
        if not copies.write(copy, cluster, nonce="0123456789abcdef"):
            raise SystemExit(f"the workbook of {cluster.id} was not copied")
        if copy.read_bytes() != whole.read_bytes():
            raise SystemExit(f"the copy of {cluster.id}'s workbook differs from the one written whole")


def write_floor(path: str, sheets) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(
        path, {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False, "in_memory": True}
    )
    for title, cells in sheets:
        ws = book.add_worksheet(title)
        for row, col, value, cached in cells:
            if isinstance(value, str) and value.startswith("="):
                ws.write_formula(row, col, value, None, cached)
            elif isinstance(value, (int, float)):
                ws.write_number(row, col, value)
            else:
                ws.write_string(row, col, str(value))
    book.close()


def _floor_batch(args) -> None:
    kind, folder, material, jobs_of_worker = args
    for n, lang in jobs_of_worker:
        path = os.path.join(folder, f"{kind}-{n}.xlsx")
        if kind == "cells":
            write_floor(path, material[lang])
        else:
            replay(path, material[lang])


def run_floor(kind: str, folder: Path, clusters, material, jobs: int) -> float:
    work = [(n, c.language) for n, c in enumerate(clusters)]
    started = time.perf_counter()
    if jobs > 1:
        chunks = [work[k::jobs] for k in range(jobs)]
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(_floor_batch, [(kind, str(folder), material, chunk) for chunk in chunks]))
    else:
        _floor_batch((kind, str(folder), material, work))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=500, help="workbooks per measurement (default 500)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel workers (default: all cores)")
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each side; the median counts")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        campaign = init_campaign(Path(tmp) / "bench")
        scheme, key = campaign.load_scheme(), read_key(campaign)
        clusters = roster(args.n)
        # The floors' material, one workbook of ours per language (made once, not timed).
        sample = generate_workbooks(campaign, scheme, example_clusters(), key)
        cells, calls = {}, {}
        for cluster, path in sample.written:
            if cluster.language not in cells:
                cells[cluster.language] = cells_of(path)
                calls[cluster.language] = record(campaign, scheme, cluster, key, Path(tmp))
                check_replay(Path(tmp), cluster.language, calls[cluster.language])
        check_copies(campaign, scheme, key, Path(tmp))
        times = {"ours": [], "whole": [], "workbook": [], "cells": []}
        copied = 0
        for round_ in range(args.rounds):
            folder = Path(tmp) / f"round-{round_}"
            folder.mkdir()
            for kind in ("ours", "whole"):
                started = time.perf_counter()
                result = generate_workbooks(
                    replace(campaign, root=folder / kind, id="bench"),
                    scheme,
                    clusters,
                    key,
                    jobs=args.jobs,
                    copy=kind == "ours",
                )
                times[kind].append(time.perf_counter() - started)
                copied = result.copied if kind == "ours" else copied
            for kind, material in (("workbook", calls), ("cells", cells)):
                (folder / kind).mkdir()
                times[kind].append(run_floor(kind, folder / kind, clusters, material, args.jobs))
        median = {k: statistics.median(v) for k, v in times.items()}
        count = sum(len(c) for _, c in next(iter(cells.values())))
    print(
        f"{args.n} workbooks per round, {args.rounds} rounds (medians), jobs {args.jobs}, "
        f"{count} cells each, Python {sys.version.split()[0]}, {os.cpu_count()} cores"
    )
    print("the replayed workbooks are byte for byte excelcert's, and so are its copies (checked for each language)")
    print(
        f"excelcert generate            {args.n / median['ours']:7.1f} workbooks/s  ({median['ours']:.2f} s)  "
        f"{copied} of {args.n} copied"
    )
    print(
        f"excelcert, each written whole {args.n / median['whole']:7.1f} workbooks/s  ({median['whole']:.2f} s)  "
        f"ratio generate/whole {median['ours'] / median['whole']:.2f}"
    )
    for kind, title in (("workbook", "floor, same workbook replayed"), ("cells", "floor, same cells only       ")):
        print(
            f"{title} {args.n / median[kind]:7.1f} workbooks/s  ({median[kind]:.2f} s)  "
            f"ratio generate {median['ours'] / median[kind]:.2f}, whole {median['whole'] / median[kind]:.2f}"
            + ("  (target <= 1.5)" if kind == "workbook" else "")
        )


if __name__ == "__main__":
    main()

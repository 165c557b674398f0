"""Benchmark: a whole campaign of N clusters through the command line, each stage next to its floor.

N clusters (default 1,000; en, fr and de, the example roster cycled), N/4 reviewers, one
self-assessment and two reviews per cluster, every workbook returned. The returns are
filled in programmatically (openpyxl, as an office suite writes them, by
`excelcert.demo.returns.fill_in` and `excelcert.demo.reviews.fill_review`) and are not
timed. Each stage is the command line itself (`excelcert ...`, click's `main` in a fresh
Python process, so that nothing loaded by one stage helps the next), with the options a
secretariat would use on this machine (`--jobs` = the cores):

    generate, import, assign, generate --reviews, import (reviews), reconcile, score,
    certify, letters, status

Next to the stages the issue names a floor for, in the same run, with the same number of
workers:

- generate, generate --reviews: xlsxwriter replaying, call for call, what excelcert asks
  of it for one workbook of each language (as `bench_generate.py` does), once per workbook;
- import: python-calamine opening every returned file and reading every sheet, storing
  and checking nothing;
- certify, letters: docxtpl rendering the same templates with the same contexts, the
  pictures handed over ready-made, with nothing of excelcert's.

Time is the stage's own (from the command's start to its end, in the child, after
Python and excelcert are imported; the start-up is shown apart), excelcert compiled to
bytecode first as an installed package is. Memory is the peak
resident set of the stage's process (VmHWM), or of the largest worker it waited for.

    python benchmarks/bench_campaign.py             # 1,000 clusters
    python benchmarks/bench_campaign.py -n 100      # well under a minute
    python benchmarks/bench_campaign.py -n 100 --rounds 3 --keep /tmp/campaign
    python benchmarks/bench_campaign.py --reuse /tmp/bench-1000   # fills returns once, then reuses them
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

CHILD = "--child"
# cores, and at most 4, as `excelcert import` picks for a large batch
JOBS = max(1, min(4, os.cpu_count() or 1))


# --- a stage: the command line in a fresh process -------------------------------------------


def child(args: list[str], out: str) -> None:
    """Run `excelcert ARGS` in this process (stdout to /dev/null) and write its timings to `out`."""
    started = time.perf_counter()
    from excelcert.cli.commands import cli

    imported = time.perf_counter()
    with open(os.devnull, "w") as null:
        sys.stdout = null
        try:
            cli.main(args, prog_name="excelcert", standalone_mode=False)
        finally:
            sys.stdout = sys.__stdout__
    done = time.perf_counter()
    # This process's own peak (its memory map is new since exec, so nothing of the parent's
    # counts), and the largest of the workers it waited for.
    status = Path("/proc/self/status").read_text()
    own = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    peak_mb = max(own, workers) / 1024
    timing = {"startup": imported - started, "run": done - imported, "peak_mb": peak_mb, "own_mb": own / 1024}
    Path(out).write_text(json.dumps({**timing, "workers_mb": workers / 1024}))


def stage(root: Path, *args: str) -> dict[str, float]:
    """`excelcert --campaign ROOT ARGS` in a child process: its time, start-up and peak memory (MB)."""
    out = root.parent / "timing.json"
    command = [sys.executable, __file__, CHILD, str(out), "--campaign", str(root), *args]
    process = subprocess.run(command, stderr=subprocess.PIPE, text=True, check=False)
    if process.returncode != 0:
        raise SystemExit(f"excelcert {' '.join(args)} failed:\n{process.stderr}")
    timing: dict[str, float] = json.loads(out.read_text())
    out.unlink()
    return timing


# --- the campaign's inputs ------------------------------------------------------------------


def reviewer_count(n: int) -> int:
    """N/4 reviewers, and at least the example reviewers (8): readers of every language."""
    from excelcert.campaign.reviewers import example_reviewers

    return max(len(example_reviewers()), n // 4)


def write_rosters(root: Path, n: int) -> None:
    """N clusters (the example roster cycled, ids, names and addresses made unique) and N/4
    reviewers (the example reviewers cycled; all of them at least, so that a small campaign
    has readers of every language), each able to take 10 clusters."""
    from dataclasses import replace

    from excelcert.campaign.config import open_campaign
    from excelcert.campaign.reviewers import example_reviewers, write_reviewers
    from excelcert.campaign.roster import example_clusters, write_roster

    campaign = open_campaign(root)
    base = example_clusters()
    clusters = [
        replace(c, id=f"{c.id}-{i:05d}", name=f"{c.name} {i}", email=f"c{i:05d}.{c.email}" if c.email else "")
        for i, c in ((i, base[i % len(base)]) for i in range(n))
    ]
    write_roster(campaign.roster_path, clusters, campaign.languages)
    people = example_reviewers()
    reviewers = [
        replace(r, id=f"{r.id}-{i:05d}", name=f"{r.name} {i}", email=f"r{i:05d}.{r.email}", max_load=10, conflicts=())
        for i, r in ((i, people[i % len(people)]) for i in range(reviewer_count(n)))
    ]
    write_reviewers(campaign.reviewers_path, reviewers)


def _fill(item: tuple) -> None:
    from excelcert.demo.returns import AVERAGE, STRONG, WEAK, fill_in
    from excelcert.scheme import load_scheme

    kind, source, target, lang, n, *review = item
    scheme = _scheme(load_scheme)
    if kind == "self":
        shutil.copyfile(source, target)
        fill_in(Path(target), scheme, (STRONG, AVERAGE, WEAK, STRONG)[n % 4], lang)
    else:
        from excelcert.demo.reviews import fill_review

        cluster_lang, values = review
        fill_review(Path(source), Path(target), scheme, kind, n, lang, cluster_lang, values)


_SCHEME: list = []


def _scheme(load):
    if not _SCHEME:
        _SCHEME.append(load(None))
    return _SCHEME[0]


def fill_all(items: list[tuple]) -> None:
    with ProcessPoolExecutor(max_workers=JOBS) as pool:
        list(pool.map(_fill, items, chunksize=max(1, len(items) // (8 * JOBS))))


def returns(root: Path) -> Path:
    """Every cluster's workbook, filled in (strong, average, weak, strong in turn)."""
    from excelcert.campaign.config import open_campaign
    from excelcert.campaign.roster import read_roster

    campaign = open_campaign(root)
    clusters = read_roster(campaign.roster_path, ("en", "fr", "de")).clusters
    from excelcert.assessment.generate import workbook_names

    names = workbook_names(clusters)
    inbox = root.parent / "returned"
    inbox.mkdir()
    items = [
        ("self", str(campaign.to_clusters_dir / names[c.id]), str(inbox / names[c.id]), c.language, i)
        for i, c in enumerate(clusters)
    ]
    fill_all(items)
    return inbox


def review_returns(root: Path) -> Path:
    """Every reviewer workbook, filled in: the reviewers agree, with the demo's notes."""
    from excelcert.base.contract import ROLE_SELF_ASSESSMENT, read_workbook_meta
    from excelcert.base.ledger import Ledger
    from excelcert.base.spreadsheet import read_workbook_xml
    from excelcert.campaign.config import open_campaign
    from excelcert.campaign.roster import read_roster

    campaign = open_campaign(root)
    languages = {c.id: c.language for c in read_roster(campaign.roster_path, campaign.languages).clusters}
    inbox = root.parent / "reviews-returned"
    inbox.mkdir()
    items = []
    slots: dict[str, int] = {}
    values: dict[str, dict] = {}
    with Ledger.for_campaign(root) as ledger:
        for path in sorted((root / "output").rglob("to-reviewers/*/*.xlsx")):
            meta = read_workbook_meta(read_workbook_xml(path, skip=lambda name: name != "_excelcert"))[0]
            slot = slots.get(meta.cluster_id, 0)
            slots[meta.cluster_id] = slot + 1
            if meta.cluster_id not in values:
                own = ledger.current(meta.cluster_id, ROLE_SELF_ASSESSMENT)
                values[meta.cluster_id] = {a.indicator_id: a.value for a in ledger.answers(own.id)} if own else {}
            target = str(inbox / f"{meta.reviewer_id} {path.name}")
            cluster = meta.cluster_id
            items.append((cluster, str(path), target, meta.language, slot, languages[cluster], values[cluster]))
    fill_all(items)
    return inbox


# --- the floors -----------------------------------------------------------------------------


def _read_calamine(paths: list[str]) -> int:
    from python_calamine import CalamineWorkbook

    cells = 0
    for path in paths:
        book = CalamineWorkbook.from_path(path)
        for name in book.sheet_names:
            cells += sum(len(row) for row in book.get_sheet_by_name(name).to_python())
    return cells


def floor_read(folder: Path, workers: int) -> float:
    paths = sorted(str(p) for p in folder.glob("*.xlsx"))
    started = time.perf_counter()
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            list(pool.map(_read_calamine, [paths[k::workers] for k in range(workers)]))
    else:
        _read_calamine(paths)
    return time.perf_counter() - started


def _keep_and_read(item: tuple[str, str]) -> tuple[str, str, int]:
    import hashlib
    import io

    from python_calamine import CalamineWorkbook

    path, archive = item
    data = Path(path).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    cells = sum(len(row) for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python())
    with open(Path(archive) / f"{digest}.xlsx", "wb") as copy:
        copy.write(data)
        copy.flush()
        os.fsync(copy.fileno())
    return path, digest, cells


def floor_store(folder: Path, workers: int, tmp: Path) -> float:
    """What no import can skip, with nothing of excelcert's: each file read by python-calamine
    from its bytes, hashed (SHA-256), copied into an archive and synced to disk, and recorded by
    one SQLite transaction (WAL, synchronous=NORMAL, a checkpoint at the end), the readers in
    `workers` processes and the writes in this one, as `excelcert import` does."""
    import sqlite3

    archive = tmp / "archive"
    archive.mkdir(parents=True)
    db = sqlite3.connect(tmp / "floor.sqlite", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE files (sha256 TEXT PRIMARY KEY, path TEXT, cells INTEGER)")
    items = [(str(p), str(archive)) for p in sorted(folder.glob("*.xlsx"))]
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for path, digest, cells in pool.map(_keep_and_read, items, chunksize=8):
            db.execute("BEGIN")
            db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?)", (digest, path, cells))
            db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    took = time.perf_counter() - started
    db.close()
    shutil.rmtree(archive)
    return took


def _replay_batch(args: tuple[str, dict[str, list], list[tuple[int, str]]]) -> None:
    from bench_generate import replay

    folder, logs, work = args
    for n, lang in work:
        replay(os.path.join(folder, f"{n}.xlsx"), logs[lang])


def floor_write(folder: Path, logs: dict[str, list], languages: list[str], workers: int) -> float:
    """xlsxwriter replaying the recorded calls of a workbook of each one's language."""
    folder.mkdir()
    work = list(enumerate(languages))
    started = time.perf_counter()
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            list(pool.map(_replay_batch, [(str(folder), logs, work[k::workers]) for k in range(workers)]))
    else:
        _replay_batch((str(folder), logs, work))
    took = time.perf_counter() - started
    shutil.rmtree(folder)
    return took


def self_assessment_logs(root: Path, tmp: Path) -> dict[str, list]:
    from bench_generate import check_replay, record

    from excelcert.campaign.config import open_campaign, read_key
    from excelcert.campaign.roster import example_clusters

    campaign = open_campaign(root)
    scheme, key = campaign.load_scheme(), read_key(campaign)
    logs: dict[str, list] = {}
    for cluster in example_clusters():
        if cluster.language not in logs:
            logs[cluster.language] = record(campaign, scheme, cluster, key, tmp)
            check_replay(tmp, cluster.language, logs[cluster.language])
    return logs


def review_logs(root: Path, tmp: Path) -> dict[str, list]:
    """The xlsxwriter calls of one reviewer workbook per language (the first in each)."""
    import xlsxwriter
    from bench_generate import OPTIONS, Recorder

    import excelcert.review.workbook as review_workbook
    from excelcert.base.contract import ROLE_SELF_ASSESSMENT
    from excelcert.base.ledger import Ledger
    from excelcert.campaign.config import open_campaign, read_key
    from excelcert.campaign.reviewers import read_reviewers
    from excelcert.campaign.roster import read_roster
    from excelcert.review.workbook import ClusterAnswer, build_review

    campaign = open_campaign(root)
    scheme, key = campaign.load_scheme(), read_key(campaign)
    clusters = {c.id: c for c in read_roster(campaign.roster_path, scheme.languages).clusters}
    reviewers = {r.id: r for r in read_reviewers(campaign.reviewers_path).reviewers}
    logs: dict[str, list] = {}
    original = review_workbook.new_book
    try:
        with Ledger.for_campaign(root) as ledger:
            for pair in ledger.assignments():
                reviewer, cluster = reviewers[pair.reviewer_id], clusters[pair.cluster_id]
                lang = next(x for x in reviewer.languages if x in scheme.languages)
                if lang in logs:
                    continue
                current = ledger.current(cluster.id, ROLE_SELF_ASSESSMENT)
                assert current is not None
                answers = {
                    a.indicator_id: ClusterAnswer(a.value, a.evidence, a.comment) for a in ledger.answers(current.id)
                }
                log: list = []
                review_workbook.new_book = lambda path, log=log: Recorder(  # type: ignore[assignment]
                    xlsxwriter.Workbook(str(path), OPTIONS), log, "book"
                )
                build_review(tmp / f"review-{lang}.xlsx", scheme, campaign, cluster, reviewer, key, answers, "x")
                logs[lang] = log
                if len(logs) == len(scheme.languages):
                    break
    finally:
        review_workbook.new_book = original
    return logs


def _render_floor(args: tuple[list[tuple[str, dict, dict[str, bytes], str]],]) -> None:
    import io

    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage

    from excelcert.documents.render import IMAGE_WIDTHS_MM

    for template, context, images, out in args[0]:
        doc = DocxTemplate(template)
        values = dict(context)
        for name, (kind, data) in images.items():
            values[name] = InlineImage(doc, io.BytesIO(data), width=Mm(IMAGE_WIDTHS_MM.get(kind, 120)))
        doc.render(values, autoescape=True)
        doc.save(out)


def floor_documents(root: Path, kinds: tuple[str, ...], folder: Path, workers: int) -> tuple[float, int]:
    """docxtpl rendering the documents the stage rendered (same templates and contexts), the
    pictures drawn beforehand (one of each kind and language, not timed)."""
    from excelcert.base.ledger import Ledger
    from excelcert.campaign.config import open_campaign, read_key
    from excelcert.campaign.roster import read_roster
    from excelcert.documents.issue import plan_and_number
    from excelcert.documents.render import draw
    from excelcert.register.config import register_of

    campaign = open_campaign(root)
    scheme = campaign.load_scheme()
    clusters = read_roster(campaign.roster_path, scheme.languages).clusters
    with Ledger.for_campaign(root) as ledger:
        issued = plan_and_number(
            campaign, scheme, clusters, ledger, read_key(campaign), kinds=kinds, register=register_of(campaign)
        )
    folder.mkdir()
    drawn: dict[tuple[str, str, str], bytes] = {}
    work = []
    for i, job in enumerate(j for j in issued.documents if j.out.suffix == ".docx"):  # not the seals' pictures
        images = {}
        for name, (kind, spec) in job.pictures.items():
            key = (job.kind, str(job.template), name)
            if key not in drawn:
                drawn[key] = draw(kind, spec)
            images[name] = (kind, drawn[key])
        work.append((str(job.template), job.context, images, str(folder / f"{i:05d}.docx")))
    started = time.perf_counter()
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            list(pool.map(_render_floor, [(work[k::workers],) for k in range(workers)]))
    else:
        _render_floor((work,))
    took = time.perf_counter() - started
    shutil.rmtree(folder)
    return took, len(work)


# --- the campaign ---------------------------------------------------------------------------


def accepted(root: Path, role: str) -> int:
    """How many clusters (self-assessments) or reviews the ledger counts: every return must have
    been accepted, or a stage would be timed on rejections."""
    from excelcert.base.contract import ROLE_SELF_ASSESSMENT
    from excelcert.base.ledger import Ledger
    from excelcert.campaign.config import open_campaign
    from excelcert.campaign.roster import read_roster

    campaign = open_campaign(root)
    clusters = read_roster(campaign.roster_path, campaign.languages).clusters
    with Ledger.for_campaign(root) as ledger:
        if role == ROLE_SELF_ASSESSMENT:
            return sum(1 for c in clusters if ledger.current(c.id, role))
        return sum(len(ledger.current_reviews(c.id)) for c in clusters)


def _check(root: Path, role: str, expected: int) -> None:
    got = accepted(root, role)
    if got != expected:
        raise SystemExit(f"only {got} of {expected} returns were accepted ({role}): the figures would mean nothing")


def campaign_round(n: int, tmp: Path, reuse: Path | None = None) -> list[dict]:
    """One whole campaign in `tmp`; a row per stage. With `reuse`, a folder a first round
    kept: the campaign as it was before `generate` (its key, rosters) and the returns filled
    in then, which stay valid (the key is the same, the assignment is deterministic), so the
    returns are not filled in again; without, the returns are filled in (and kept there, if
    `reuse` is given but does not exist yet)."""
    from excelcert.base.contract import ROLE_SELF_ASSESSMENT
    from excelcert.campaign.config import init_campaign
    from excelcert.campaign.roster import read_roster

    root = tmp / "campaign"
    saved = reuse is not None and reuse.exists()
    if saved:
        assert reuse is not None
        if int((reuse / "n").read_text()) != n:
            raise SystemExit(f"{reuse} holds a campaign of {(reuse / 'n').read_text()} clusters, not {n}")
        shutil.copytree(reuse / "start", root)
    else:
        init_campaign(root, campaign_id="bench", title="Benchmark campaign")
        write_rosters(root, n)
        if reuse is not None:
            reuse.mkdir(parents=True)
            shutil.copytree(root, reuse / "start")
            (reuse / "n").write_text(str(n))
    from excelcert.campaign.config import open_campaign

    clusters = read_roster(open_campaign(root).roster_path, ("en", "fr", "de")).clusters
    languages = [c.language for c in clusters]
    rows: list[dict] = []
    jobs = str(JOBS)

    def run(name: str, *args: str, items: int | None = None, unit: str = "", floor: float | None = None) -> None:
        got = stage(root, *args)
        rows.append({"stage": name, "items": items, "unit": unit, "floor": floor, **got})
        print(f"  {name}: {got['run']:.1f} s, {got['peak_mb']:.0f} MB", file=sys.stderr, flush=True)

    run("generate", "generate", "--jobs", jobs, items=n, unit="workbooks")
    logs = self_assessment_logs(root, tmp)
    rows[-1]["floor"] = floor_write(tmp / "floor-generate", logs, languages, JOBS)
    inbox = reuse / "returned" if saved and reuse else returns(root)
    if reuse is not None and not saved:
        shutil.copytree(inbox, reuse / "returned")
    run("import", "import", str(inbox), items=n, unit="files")
    _check(root, ROLE_SELF_ASSESSMENT, n)
    rows[-1]["floor"] = floor_read(inbox, JOBS)
    rows[-1]["floor_store"] = floor_store(inbox, JOBS, tmp / "floor-import")
    run("assign", "assign")
    run("generate --reviews", "generate", "--reviews", "--jobs", jobs, items=2 * n, unit="workbooks")
    logs = review_logs(root, tmp)
    reviewed = sorted((root / "output").rglob("to-reviewers/*/*.xlsx"))
    review_languages = [_language_of(p) for p in reviewed]
    rows[-1]["floor"] = floor_write(tmp / "floor-reviews", logs, review_languages, JOBS)
    inbox = reuse / "reviews-returned" if saved and reuse else review_returns(root)
    if reuse is not None and not saved:
        shutil.copytree(inbox, reuse / "reviews-returned")
    run("import (reviews)", "import", str(inbox), items=len(reviewed), unit="files")
    _check(root, "review", len(reviewed))
    rows[-1]["floor"] = floor_read(inbox, JOBS)
    rows[-1]["floor_store"] = floor_store(inbox, JOBS, tmp / "floor-import-reviews")
    run("reconcile", "reconcile", items=n, unit="clusters")
    run("score", "score", items=n, unit="clusters")
    run("certify", "certify", "--jobs", jobs, unit="documents")
    rows[-1]["floor"], rows[-1]["items"] = floor_documents(root, ("certificate",), tmp / "floor-certify", JOBS)
    run("letters", "letters", "--jobs", jobs, unit="documents")
    rows[-1]["floor"], rows[-1]["items"] = floor_documents(root, ("letter", "correction"), tmp / "floor-letters", JOBS)
    run("status", "status", items=n, unit="clusters")
    return rows


def _language_of(path: Path) -> str:
    from excelcert.base.contract import read_workbook_meta
    from excelcert.base.spreadsheet import read_workbook_xml

    return read_workbook_meta(read_workbook_xml(path, skip=lambda name: name != "_excelcert"))[0].language


def _memory(row: dict) -> str:
    """The stage's peak: its own process's, and its largest worker's when it had workers (a
    worker forked from the command counts the pages it shares with it)."""
    if row.get("workers_mb", 0) < 1:
        return f"{row['peak_mb']:.0f} MB"
    return f"{row['own_mb']:.0f} MB, worker {row['workers_mb']:.0f} MB"


def table(n: int, rounds: list[list[dict]]) -> str:
    """The best round of each stage (the least time), next to its floor in that round."""
    lines = [
        f"{n} clusters, {reviewer_count(n)} reviewers, {len(rounds)} round(s) (best of each stage), "
        f"jobs {JOBS}, Python {sys.version.split()[0]}, {os.cpu_count()} cores",
        "",
        "| stage | time | rate | floor | ratio | start-up | peak memory |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    total = startup = 0.0
    for i, first in enumerate(rounds[0]):
        best = min((r[i] for r in rounds), key=lambda row: row["run"])
        total += best["run"]
        startup += best["startup"]
        rate = f"{best['items'] / best['run']:.1f} {best['unit']}/s" if best["items"] else ""
        floor = ratio = ""
        if best.get("floor"):
            floor = f"{best['items'] / best['floor']:.1f} {best['unit']}/s"
            if best.get("floor_workers") == 1:
                floor += " (1 worker)"
            ratio = f"{best['run'] / best['floor']:.2f}"
        lines.append(
            f"| {first['stage']} | {best['run']:.1f} s | {rate} | {floor} | {ratio} | "
            f"{best['startup']:.2f} s | {_memory(best)} |"
        )
    lines.append(f"| **all stages** | **{total:.1f} s** | | | | {startup:.1f} s | |")
    stored = [(first["stage"], i) for i, first in enumerate(rounds[0]) if first.get("floor_store")]
    if stored:
        lines += ["", "The imports against the floor that also hashes, archives (synced) and records each file:", ""]
        for name, i in stored:
            best = min((r[i] for r in rounds), key=lambda row: row["run"])
            floor = best["floor_store"]
            lines.append(
                f"- {name}: {best['items'] / floor:.1f} {best['unit']}/s, "
                f"ratio {best['run'] / floor:.2f} (python-calamine alone: {best['run'] / best['floor']:.2f})"
            )
    return "\n".join(lines)


def compiled() -> None:
    """excelcert's modules compiled to bytecode, as pip leaves a package it installs: from an
    editable install, with PYTHONDONTWRITEBYTECODE set (as on the project's machine), every
    command would otherwise compile each module it imports (0.1-0.3 s a command)."""
    import compileall

    import excelcert

    compileall.compile_dir(Path(excelcert.__file__).parent, quiet=1)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == CHILD:
        child(sys.argv[3:], sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1000, help="clusters (default 1,000)")
    parser.add_argument("--rounds", type=int, default=1, help="whole campaigns; each stage's best round counts")
    parser.add_argument("--keep", type=Path, help="keep the last round's campaign in this (new) folder")
    parser.add_argument(
        "--reuse",
        type=Path,
        help="keep the campaign's start and its filled-in returns in this folder, or, when it exists, "
        "take them from it instead of filling returns in again (a new measure in minutes)",
    )
    args = parser.parse_args()
    compiled()
    rounds = []
    started = time.perf_counter()
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            rounds.append(campaign_round(args.n, Path(tmp), args.reuse))
            if args.keep:
                shutil.copytree(tmp, args.keep, dirs_exist_ok=False)
    print(table(args.n, rounds))
    print(f"\n(the whole benchmark, returns filled in and floors included: {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()

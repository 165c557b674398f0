"""Import returned workbooks in batch: every file gets a verdict, none stops the batch.

For each file (from files, folders, .zip archives):
1. its SHA-256: a file already in the ledger is "already imported", nothing is stored twice;
2. the original is kept unchanged in `archive/<sha256>.<ext>` (never modified or deleted);
3. it is read (`intake.read`) and checked against the campaign: its campaign, its
   signature, its scheme version, its cluster in the roster; any failure is a rejection;
4. the verdict (accepted, accepted with problems, rejected) and whether it counts: a
   newer workbook of the same cluster (by when it was last saved, then by import order)
   supersedes the older one, which stays in the history; a late-arriving older version
   never wins;
5. it is recorded in the ledger in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import threading
import time
import zipfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from excelcert.assessment.read import ReturnedWorkbook
from excelcert.base.contract import (
    ROLE_ARBITRATION,
    ROLE_REVIEW,
    ROLE_SELF_ASSESSMENT,
    content_mismatch,
    verify,
    verify_row,
)
from excelcert.base.ledger import (
    Ledger,
    NewSubmission,
    StoredAnswer,
    StoredProblem,
    Submission,
)
from excelcert.base.problems import Place, Problem, UnreadableFile, problem
from excelcert.base.sheetwriter import without_unwritable
from excelcert.base.spreadsheet import failure_detail, local_to_utc, parse_instant
from excelcert.base.words import counted, shown
from excelcert.campaign.config import Campaign
from excelcert.intake.mailbox import archive_members, is_mail, mail_attachments, sender_problem
from excelcert.intake.read import read_returned
from excelcert.scheme import Scheme

ACCEPTED = "accepted"
WITH_PROBLEMS = "accepted with problems"
REJECTED = "rejected"
ALREADY = "already imported"
MAX_INPUT_BYTES = 50 * 1024 * 1024
UNTRUSTED = {"other-campaign", "signature-mismatch"}  # rejections whose metadata cannot be believed
INCOMING = ".incoming"  # inside the archive: copies being written, moved into place when complete
PARALLEL_FROM = 100  # files in a batch from which `auto_jobs` reads them in parallel
MAX_AUTO_JOBS = 4  # more readers than this wait for the one process that archives and records
ARCHIVERS = 4  # threads writing and syncing the archive copies


@dataclass
class FileResult:
    name: str
    verdict: str
    reason: str
    cluster: str | None = None
    sha256: str = ""
    counts: bool = False  # this submission is now the one that counts for its cluster
    problems: list[Problem] = field(default_factory=list)
    submission_id: int | None = None
    sender: str = ""  # came by e-mail: from this address


@dataclass(frozen=True)
class Input:
    name: str  # as the secretariat knows it: path, archive.zip/member.xlsx, reply.eml/file.xlsx, box.mbox#3/file.xlsx
    data: bytes | None
    error: str = ""  # why it could not be read from disk or from its archive
    sender: str = ""  # came by e-mail: the sender's address
    sent_at: str = ""  # came by e-mail: the message's date


# What reading a file gives: the workbook, or the problem that makes it unreadable.
Read = ReturnedWorkbook | Problem
# What a file is before it is read: a verdict already, the hash of a copy earlier in the
# batch, or (its hash, the archive copy being written).
Prepared = FileResult | tuple[str, Future[Path]] | str


def collect_inputs(paths: list[Path]) -> Iterator[Input]:
    """Files, folders (recursively, in name order), the members of .zip archives, and the
    workbooks attached to saved e-mails (`intake.mailbox`), each named as text every file
    can hold (`readable_name`)."""
    for item in _inputs(paths):
        name = readable_name(item.name)
        yield item if name == item.name else replace(item, name=name)


def readable_name(name: str) -> str:
    """A file's name as text the ledger, the import report and the terminal can hold: a
    name that is not UTF-8 (a folder copied from a Latin-1 system; Python keeps its bytes as
    lone surrogates, which stopped the whole import at the ledger) shows those bytes as
    '\\xe9'; any other character no file can hold as U+FFFD. The file itself is read as it is."""
    try:
        name = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate no byte gave (an attachment's name, not a disk's)
        pass
    return without_unwritable(name, "\ufffd")


def _inputs(paths: list[Path]) -> Iterator[Input]:
    for path in paths:
        if path.is_dir():
            yield from _inputs(sorted(p for p in path.rglob("*") if p.is_file()))
        elif not path.exists():
            yield Input(str(path), None, "no such file")
        elif is_mail(path):
            yield from (Input(a.name, a.data, a.error, a.sender, a.sent_at) for a in mail_attachments(path))
        elif path.suffix.casefold() == ".zip" and zipfile.is_zipfile(path):
            yield from _zip_members(path)
        elif path.stat().st_size > MAX_INPUT_BYTES:
            yield Input(str(path), None, f"it is {path.stat().st_size / 1e6:.0f} MB, far more than a workbook")
        else:
            yield Input(str(path), path.read_bytes())


def auto_jobs(paths: list[Path]) -> int:
    """How many processes should read the files under `paths`: one per core (at most
    MAX_AUTO_JOBS) for a batch of PARALLEL_FROM files or more; one for a smaller batch,
    where starting the workers would cost more than it saves."""
    cores = min(os.cpu_count() or 1, MAX_AUTO_JOBS)
    return cores if cores > 1 and _count_inputs(paths) >= PARALLEL_FROM else 1


def _count_inputs(paths: list[Path]) -> int:
    """About how many files `collect_inputs` will give (without reading them)."""
    count = 0
    for path in paths:
        if path.is_dir():
            count += _count_inputs([p for p in path.rglob("*") if p.is_file()])
        elif path.suffix.casefold() == ".zip" and path.is_file():
            try:
                with zipfile.ZipFile(path) as archive:
                    count += sum(1 for info in archive.infolist() if not info.is_dir())
            except (zipfile.BadZipFile, OSError):
                count += 1
        else:
            count += 1
    return count


def _zip_members(path: Path) -> Iterator[Input]:
    """The files of a .zip archive, those of the archives inside it too (`archive_members`:
    a zip bomb, nested or not, is refused whole)."""
    for name, data, error in archive_members(str(path), path, str):
        yield Input(name, data, error)


def archive_original(campaign: Campaign, sha256: str, name: str, data: bytes) -> Path:
    """Keep the original, unchanged, named by its hash; never overwrite or delete."""
    folder = campaign.root / "archive"
    incoming = folder / INCOMING
    incoming.mkdir(parents=True, exist_ok=True)
    suffix = Path(name).suffix.casefold()[:10] if Path(name).suffix else ""
    target = folder / f"{sha256}{suffix}"
    if not target.exists():
        temp = incoming / f"{sha256}.{os.getpid()}.part"  # this process's own: no other writes it
        temp.unlink(missing_ok=True)  # left read-only by a run that was killed
        with open(temp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o444)
        os.replace(temp, target)
    return target


def import_files(
    campaign: Campaign,
    scheme: Scheme,
    roster_ids: set[str],
    key: bytes,
    ledger: Ledger,
    paths: list[Path],
    progress: Callable[[str], None] | None = None,
    jobs: int = 1,
    reviewer_ids: set[str] | None = None,
    previous: Mapping[str, Mapping[str, Any]] | None = None,
    senders: Mapping[str, str] | None = None,
    countries: Mapping[str, str] | None = None,
    reviewer_countries: Mapping[str, str] | None = None,
) -> list[FileResult]:
    """Import every file under `paths`; with `jobs` > 1, files are read in parallel.
    `previous` holds, for the clusters renewing a label, last time's final answers: the
    verdict of their self-assessment says how many they confirmed and how many they changed.
    `senders` maps the roster's e-mail addresses to their cluster or reviewer: a workbook
    that came by e-mail from another one's address is flagged (`mail-wrong-sender`).
    `countries` maps clusters, `reviewer_countries` reviewers to their country (apart: a
    reviewer's id may be a cluster's): a save time an office suite wrote as local time
    (LibreOffice) is read as the saver's country's time.

    Hashing, archiving, checking and the ledger stay in this process and in input order,
    whatever `jobs` is: the verdicts and the ledger are the same as with one job.
    """
    # Copies an interrupted run left half-written are not originals: they go.
    for stale in (campaign.root / "archive" / INCOMING).glob("*.part"):
        stale.unlink()
    results: list[FileResult] = []
    in_flight: set[str] = set()

    def finish(item: Input, prepared: Prepared, outcome: Read | None) -> None:
        if isinstance(prepared, FileResult):
            result = prepared
        elif isinstance(prepared, str):  # the same file earlier in this batch: recorded by now
            result = _already(item, ledger.by_hash(prepared))
        else:
            sha256, archived = prepared
            assert outcome is not None, "a file to read was read"
            archived.result()  # the original is on disk before the ledger names it
            result = _finish(
                campaign,
                scheme,
                roster_ids,
                key,
                ledger,
                item,
                sha256,
                outcome,
                reviewer_ids or set(),
                previous or {},
                senders or {},
                countries or {},
                reviewer_countries or {},
            )
            in_flight.discard(sha256)
        result.sender = item.sender
        results.append(result)
        if progress is not None:
            progress(item.name)

    # The archive copies are written (and synced) by threads while this one reads the files:
    # the disk's wait is not the reader's. Several at once: a file system commits the syncs
    # that wait together in one go (one thread, syncing one copy after the other, made the
    # disk the slowest part of an import), and each copy is still on disk before the ledger
    # names it.
    inputs = _returned_only(collect_inputs(paths), campaign)
    with ThreadPoolExecutor(max_workers=ARCHIVERS) as archiver:
        if jobs <= 1:
            for item in inputs:
                prepared = _prepare(campaign, ledger, item, in_flight, archiver)
                outcome = _read(item.data or b"", scheme, item.name) if isinstance(prepared, tuple) else None
                finish(item, prepared, outcome)
        else:
            window: deque[tuple[Input, Prepared, Future[Read] | None]] = deque()
            with _Readers(jobs, scheme) as readers:
                for item in inputs:
                    prepared = _prepare(campaign, ledger, item, in_flight, archiver)
                    future = readers.submit(item) if isinstance(prepared, tuple) else None
                    window.append((item, prepared, future))
                    while len(window) > 8 * jobs:  # a bounded window: memory does not grow with the batch
                        item_, prepared_, future_ = window.popleft()
                        finish(item_, prepared_, readers.outcome(item_, future_) if future_ else None)
                while window:
                    item_, prepared_, future_ = window.popleft()
                    finish(item_, prepared_, readers.outcome(item_, future_) if future_ else None)
    ledger.checkpoint()
    return results


# The folders of output/<campaign>/ that hold what excelcert wrote to be sent, never a return
# (the arbitration workbook, edited where it was written, is imported from output/ on purpose).
SENT_FOLDERS = {
    "to-clusters": "the workbooks to send to the clusters",
    "to-reviewers": "the workbooks to send to the reviewers",
    "outbox": "the messages to send",
    "corrections": "the corrections to send to the clusters",
    "documents": "the certificates and letters",
}


def _returned_only(inputs: Iterable[Input], campaign: Campaign) -> Iterator[Input]:
    """`inputs`, each file that excelcert wrote to be sent (output/<campaign>/to-clusters
    ...) and nobody saved since refused unread: importing the output folder by mistake made
    every cluster 'incomplete' with 30 answers to correct, and wrote them corrections. A
    workbook filled in where it was written (the secretariat typing a cluster's answers
    given on the phone) was saved since: it is read."""
    output = campaign.output_dir.resolve()
    for item in inputs:
        try:  # a mailbox's messages are named box.mbox#3/file.xlsx, an archive's members a.zip/b.xlsx
            where = Path(item.name.split("#", 1)[0]).resolve()
        except (OSError, ValueError):  # a member's name no path can be (too long, a NUL)
            where = output.parent
        inside = where.relative_to(output).parts[0] if where.is_relative_to(output) and where != output else None
        if inside in SENT_FOLDERS and item.data is not None and (inside not in _WORKBOOKS or _never_saved(item.data)):
            yield replace(
                item,
                data=None,
                error=(
                    f"it is one of {SENT_FOLDERS[inside]}, which excelcert wrote into {shown(output / inside)}, "
                    "not a file sent back; import the files the clusters and reviewers returned (saved from "
                    "their e-mails into a folder of their own)"
                ),
            )
        else:
            yield item


_WORKBOOKS = ("to-clusters", "to-reviewers")  # workbooks that may be filled in where they were written
_STAMP = re.compile(rb"<dcterms:(created|modified)\b[^>]*>([^<]*)<")


def _never_saved(data: bytes) -> bool:
    """Whether a workbook is as excelcert wrote it: last saved when it was created (an office
    suite saving it moves its modified time on), its parts dated as xlsxwriter dates them
    (1980-01-01: a program rewriting the package within the same second dates them now)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if any(info.date_time != (1980, 1, 1, 0, 0, 0) for info in archive.infolist()):
                return False
            core = archive.read("docProps/core.xml")[:10_000]
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError, EOFError):
        return False
    stamps = dict(_STAMP.findall(core))
    return bool(stamps.get(b"created")) and stamps.get(b"created") == stamps.get(b"modified")


def _prepare(
    campaign: Campaign, ledger: Ledger, item: Input, in_flight: set[str], archiver: ThreadPoolExecutor
) -> Prepared:
    """A verdict already (unreadable, already imported), the sha256 of a file repeated within
    this batch, or (sha256, the archive copy being written) to read."""
    if item.data is None:
        return FileResult(item.name, REJECTED, item.error)
    sha256 = hashlib.sha256(item.data).hexdigest()
    if sha256 in in_flight:
        return sha256
    earlier = ledger.by_hash(sha256)
    if earlier is not None:
        return _already(item, earlier)
    in_flight.add(sha256)
    return sha256, archiver.submit(archive_original, campaign, sha256, item.name, item.data)


def _already(item: Input, earlier: Submission | None) -> FileResult:
    if earlier is None:  # cannot happen: the first copy was recorded before this one
        return FileResult(item.name, REJECTED, "the same file appears twice in this batch")
    return FileResult(
        item.name,
        ALREADY,
        f"the same file was imported on {earlier.received_at[:10]} as {earlier.original_name} ({earlier.verdict})",
        earlier.cluster_id,
        earlier.sha256,
        submission_id=earlier.id,
    )


def _read(data: bytes, scheme: Scheme, name: str) -> ReturnedWorkbook | Problem:
    """The returned workbook, or the problem that makes it unreadable (never an exception)."""
    try:
        return read_returned(Path(name), scheme, Path(name).name, data=data)
    except UnreadableFile as exc:
        return exc.problem
    except Exception as exc:  # one file never stops the batch: it is rejected with the reason
        return problem("corrupt-file", path=Path(name).name, detail=failure_detail(exc))


_WORKER_SCHEME: Scheme | None = None


def _worker_scheme(scheme: Scheme) -> None:
    global _WORKER_SCHEME
    _WORKER_SCHEME = scheme
    die_with_parent()


def die_with_parent(interval: float = 0.5) -> None:
    """Make this worker process end when the process that started it is gone (killed, say):
    a reader never outlives its import, blocking forever and keeping files open. A daemon
    thread watches the parent's process id, which changes when the parent dies."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="excelcert-parent-watch", daemon=True).start()


def _read_in_worker(data: bytes, name: str) -> ReturnedWorkbook | Problem:
    assert _WORKER_SCHEME is not None
    return _read(data, _WORKER_SCHEME, name)


class _Readers:
    """Worker processes that read files. Should reading a file kill its worker (a native
    library aborting, which no exception handler can catch), the files it took down with
    it are read again one by one, each in a process of its own: the one that kills its
    process again is rejected, the others are read, and the batch goes on with new workers."""

    def __init__(self, jobs: int, scheme: Scheme):
        self.jobs, self.scheme = jobs, scheme
        self.pool = self._pool(jobs)

    def _pool(self, workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=workers, initializer=_worker_scheme, initargs=(self.scheme,))

    def __enter__(self) -> _Readers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pool.shutdown()

    def submit(self, item: Input) -> Future[Read]:
        try:
            return self.pool.submit(_read_in_worker, item.data or b"", item.name)
        except BrokenProcessPool:  # a worker died since the last file: new workers
            self.pool.shutdown(wait=False)
            self.pool = self._pool(self.jobs)
            return self.pool.submit(_read_in_worker, item.data or b"", item.name)

    def outcome(self, item: Input, future: Future[Read]) -> Read:
        try:
            return future.result()
        except BrokenProcessPool:
            with self._pool(1) as alone:
                try:
                    return alone.submit(_read_in_worker, item.data or b"", item.name).result()
                except BrokenProcessPool:
                    return problem(
                        "corrupt-file",
                        path=Path(item.name).name,
                        detail="reading it stopped the program that reads workbooks",
                    )


def _finish(
    campaign: Campaign,
    scheme: Scheme,
    roster_ids: set[str],
    key: bytes,
    ledger: Ledger,
    item: Input,
    sha256: str,
    outcome: ReturnedWorkbook | Problem,
    reviewer_ids: set[str],
    previous: Mapping[str, Mapping[str, Any]],
    senders: Mapping[str, str],
    countries: Mapping[str, str],
    reviewer_countries: Mapping[str, str],
) -> FileResult:
    base = NewSubmission(sha256, item.name, len(item.data or b""), REJECTED, "")
    base.sender, base.sent_at = item.sender or None, item.sent_at or None
    if isinstance(outcome, Problem):
        return _reject(ledger, base, outcome)
    returned = outcome
    meta = returned.meta
    base.cluster_id, base.role, base.scheme_version, base.language = (
        meta.cluster_id,
        meta.role,
        meta.scheme_version,
        meta.language,
    )
    if meta.role == ROLE_REVIEW:
        country = reviewer_countries.get(meta.reviewer_id or "")
    else:
        country = countries.get(meta.cluster_id or "")
    base.saved_at = _saved_at(returned, country)
    base.reviewer_id, base.based_on = meta.reviewer_id or None, meta.based_on or None
    refusal = _check(campaign, scheme, roster_ids, key, returned, Path(item.name).name)
    if refusal is None and meta.role == ROLE_REVIEW:
        refusal = _check_review(ledger, reviewer_ids, returned, Path(item.name).name)
    if refusal is not None:
        if refusal.code in UNTRUSTED:  # its metadata may be forged: it names no cluster
            base.cluster_id = base.role = base.scheme_version = base.language = None
            base.reviewer_id = base.based_on = None
        return _reject(ledger, base, refusal)
    if item.sender and meta.role != ROLE_ARBITRATION:
        expected = meta.reviewer_id if meta.role == ROLE_REVIEW else meta.cluster_id
        wrong = sender_problem(item.sender, expected, senders, Path(item.name).name)
        if wrong is not None:
            returned.problems.insert(0, wrong)
    if meta.role == ROLE_ARBITRATION:
        return _accept_decisions(ledger, base, returned, roster_ids, key)
    last_time = previous.get(meta.cluster_id) if meta.role == ROLE_SELF_ASSESSMENT else None
    return _accept(ledger, base, returned, last_time)


def compared_with_last_time(returned: ReturnedWorkbook, last_time: Mapping[str, Any]) -> tuple[int, int]:
    """(answers confirmed, answers changed) of a renewal's self-assessment against last time's
    final answers: an answer given last time and now the same is confirmed; one now
    different or left empty is changed."""
    confirmed = changed = 0
    for indicator, before in last_time.items():
        if before in (None, "", [], ()):
            continue
        answer = returned.answers.get(indicator)
        now = answer.value if answer is not None else None
        if _as_stored(now) == _as_stored(before):
            confirmed += 1
        else:
            changed += 1
    return confirmed, changed


def _as_stored(value: Any) -> str:
    """A value as the ledger and the register keep it (dates as ISO text), for comparing."""
    return json.dumps(value, default=str, sort_keys=True, ensure_ascii=False)


def _check(
    campaign: Campaign, scheme: Scheme, roster_ids: set[str], key: bytes, returned: ReturnedWorkbook, name: str
) -> Problem | None:
    meta = returned.meta
    if meta.campaign_id != campaign.id:
        return problem("other-campaign", path=name, value=meta.campaign_id, campaign=campaign.id)
    if not verify(meta, returned.signature, key):
        return problem(
            "signature-mismatch", path=name, detail=f"it says cluster {meta.cluster_id}, scheme {meta.scheme_version}"
        )
    mismatch = content_mismatch(meta, returned.identity)
    if mismatch is not None:
        return problem("metadata-not-its-own", path=name, cluster=meta.cluster_id, detail=mismatch)
    if meta.scheme_version != scheme.version or meta.scheme_hash != campaign.scheme_hash:
        return problem(
            "old-scheme-version",
            path=name,
            scheme=scheme.id,
            value=meta.scheme_version,
            current=scheme.version,
            cluster=meta.cluster_id,
        )
    if meta.role == ROLE_ARBITRATION:
        return None  # campaign-wide: each row names its cluster, checked row by row
    if meta.cluster_id not in roster_ids:
        return problem("unknown-cluster", path=name, value=meta.cluster_id)
    if meta.role not in (ROLE_SELF_ASSESSMENT, ROLE_REVIEW):
        return problem(
            "not-excelcert",
            path=name,
            detail=f"it is a '{meta.role}' workbook, which this version of excelcert does not import",
        )
    return None


def _check_review(ledger: Ledger, reviewer_ids: set[str], returned: ReturnedWorkbook, name: str) -> Problem | None:
    """A review counts only from a reviewer of the roster, assigned to the cluster, of the
    self-assessment that counts now."""
    meta = returned.meta
    if meta.reviewer_id not in reviewer_ids:
        return problem("review-unknown-reviewer", path=name, value=meta.reviewer_id)
    if not ledger.is_assigned(meta.cluster_id, meta.reviewer_id):
        return problem("review-not-assigned", path=name, reviewer=meta.reviewer_id, cluster=meta.cluster_id)
    current = ledger.current(meta.cluster_id, ROLE_SELF_ASSESSMENT)
    if current is None or current.sha256 != meta.based_on:
        return problem("review-superseded", path=name, cluster=meta.cluster_id)
    return None


def _accept_decisions(
    ledger: Ledger, base: NewSubmission, returned: ReturnedWorkbook, roster_ids: set[str], key: bytes
) -> FileResult:
    campaign_id = returned.meta.campaign_id
    for decision in list(returned.decisions):  # a decision applies only to an item excelcert flagged
        row = returned.references.get(f"{decision.sheet}!{decision.cell}")
        if row is None or not verify_row(key, row.reference, campaign_id, row.cluster_id, row.indicator_id, row.flag):
            returned.decisions.remove(decision)
            returned.problems.append(
                problem(
                    "arbitration-row-altered",
                    row.place if row is not None else Place(decision.sheet, decision.cell),
                    cluster=decision.cluster_id,
                    value=decision.indicator_id,
                )
            )
    for decision in [d for d in returned.decisions if d.cluster_id not in roster_ids]:
        returned.decisions.remove(decision)
        returned.problems.append(
            problem(
                "arbitration-unknown-item",
                Place(decision.sheet, decision.cell),
                cluster=decision.cluster_id,
                value=decision.indicator_id,
            )
        )
    problems = returned.problems
    base.verdict = WITH_PROBLEMS if problems else ACCEPTED
    base.reason = f"{counted(len(returned.decisions), 'arbitration decision')} recorded" + (
        f"; {counted(len(problems), 'row')} not stored, see the problems" if problems else ""
    )
    base.decisions = list(returned.decisions)
    base.problems = [_stored_problem(p) for p in problems]
    submission_id = ledger.record_submission(base)
    return FileResult(
        base.original_name, base.verdict, base.reason, None, base.sha256, True, list(problems), submission_id
    )


def _reject(ledger: Ledger, base: NewSubmission, reason: Problem) -> FileResult:
    base.verdict, base.reason = REJECTED, reason.message
    base.problems = [_stored_problem(reason)]
    submission_id = ledger.record_submission(base)
    return FileResult(
        base.original_name,
        REJECTED,
        reason.message,
        base.cluster_id,
        base.sha256,
        problems=[reason],
        submission_id=submission_id,
    )


def _accept(
    ledger: Ledger, base: NewSubmission, returned: ReturnedWorkbook, last_time: Mapping[str, Any] | None = None
) -> FileResult:
    problems = returned.problems
    base.verdict = WITH_PROBLEMS if problems else ACCEPTED
    parts = []
    if problems:
        missing = len(returned.missing_required)
        parts.append(
            f"{counted(len(problems), 'problem')} to correct or check"
            + (f", {counted(missing, 'required answer')} missing" if missing else "")
        )
    if last_time:
        confirmed, changed = compared_with_last_time(returned, last_time)
        parts.append(f"a renewal: {counted(confirmed, 'answer')} as last time, {changed} changed")
    assert base.cluster_id is not None and base.role is not None, "an accepted workbook names its cluster and role"
    current = ledger.current(base.cluster_id, base.role, base.reviewer_id)
    counts = current is None or _is_newer(base, current)
    if current is None:
        parts.append(
            f"counts: the first review of this cluster by {base.reviewer_id}"
            if base.reviewer_id
            else "counts: the first workbook of this cluster"
        )
    elif counts:
        base.supersedes = current.id
        parts.append(
            f"counts: newer than {Path(current.original_name).name} "
            f"(saved {_when(base.saved_at)} after {_when(current.saved_at)}), which it replaces"
        )
    else:
        parts.append(
            f"does not count: older than {Path(current.original_name).name} "
            f"(saved {_when(base.saved_at)}, before {_when(current.saved_at)}), which still counts"
        )
    base.reason = "; ".join(parts)
    base.answers = [
        StoredAnswer(
            a.indicator,
            a.raw,
            a.value,
            a.place.sheet if a.place else None,
            a.place.cell if a.place else None,
            a.evidence,
            a.comment,
            a.agreement,
            a.points,
        )
        for a in returned.answers.values()
    ]
    base.notes = list(returned.notes)
    base.problems = [_stored_problem(p) for p in problems]
    base.profile = dict(returned.profile)
    submission_id = ledger.record_submission(base)
    return FileResult(
        base.original_name,
        base.verdict,
        base.reason,
        base.cluster_id,
        base.sha256,
        counts,
        list(problems),
        submission_id,
    )


def _saved_at(returned: ReturnedWorkbook, country: str | None) -> str | None:
    """When the workbook was saved, UTC: a save time the suite wrote as the saver's local
    time (an OpenDocument file's, LibreOffice's) is read as the time of the saver's country
    (without a known country, as UTC, an error of at most the country's offset)."""
    when = returned.saved_at
    if when is None:
        return None
    if returned.saved_local and country:
        when = local_to_utc(when, country) or when
    return when.isoformat()


def _is_newer(new: NewSubmission, current: Submission) -> bool:
    """Saved later wins, save times compared as instants (with their offsets); the same
    save time: the later import wins; an unknown one is older than any known one."""
    return _instant(new.saved_at) >= _instant(current.saved_at)


def _instant(saved_at: str | None) -> dt.datetime:
    return (parse_instant(saved_at) if saved_at else None) or dt.datetime.min


def _when(saved_at: str | None) -> str:
    return saved_at.replace("T", " ")[:16] if saved_at else "at an unknown time"


def _stored_problem(item: Problem) -> StoredProblem:
    place = item.place
    return StoredProblem(
        item.severity,
        item.code,
        place.sheet if place else None,
        place.cell if place else None,
        item.indicator,
        item.value,
        item.message,
    )

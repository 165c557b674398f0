"""Generate the reviewer workbooks: one per assignment whose cluster's self-assessment counts
and is complete (an incomplete one does not go to review: the result says why).

Written to `output/<campaign>/to-reviewers/<reviewer id>/`, one file per cluster. A
workbook already there was probably sent: it is kept, unless `force`, or unless the
cluster has since sent a newer self-assessment (then the old one would be refused on
return, so it is rewritten and the result says so).
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from excelcert.assessment.generate import workbook_names
from excelcert.base.contract import META_SHEET, ROLE_SELF_ASSESSMENT, ContractError, read_workbook_meta
from excelcert.base.files import atomic_path, safe_filename
from excelcert.base.ledger import Assignment, Ledger, StoredProblem
from excelcert.base.problems import ERROR, UnreadableFile
from excelcert.base.spreadsheet import read_workbook_xml
from excelcert.base.words import counted
from excelcert.campaign.config import Campaign, CampaignError
from excelcert.campaign.reviewers import Reviewer
from excelcert.campaign.roster import Cluster
from excelcert.review.workbook import ClusterAnswer, build_review
from excelcert.scheme.model import Scheme


@dataclass
class ReviewsResult:
    folder: Path
    written: list[tuple[Assignment, Path]] = field(default_factory=list)
    renewed: list[tuple[Assignment, Path]] = field(default_factory=list)  # the cluster sent a newer version
    kept: list[tuple[Assignment, Path]] = field(default_factory=list)
    waiting: list[Assignment] = field(default_factory=list)  # no self-assessment counts yet
    incomplete: dict[str, str] = field(default_factory=dict)  # cluster -> why it does not go to review

    def to_json(self) -> dict[str, Any]:
        groups = {"written": self.written, "renewed": self.renewed, "kept": self.kept}
        return {
            "folder": str(self.folder),
            **{
                name: [{"cluster": a.cluster_id, "reviewer": a.reviewer_id, "file": str(p)} for a, p in items]
                for name, items in groups.items()
            },
            "waiting": [{"cluster": a.cluster_id, "reviewer": a.reviewer_id} for a in self.waiting],
            "incomplete": self.incomplete,
        }


def generate_reviews(
    campaign: Campaign,
    scheme: Scheme,
    clusters: list[Cluster],
    reviewers: list[Reviewer],
    ledger: Ledger,
    key: bytes,
    *,
    force: bool = False,
    jobs: int = 1,
) -> ReviewsResult:
    """One reviewer workbook per assignment whose cluster's self-assessment counts; a workbook
    already written is kept unless `force`, or renewed when the cluster sent a newer version.
    The ledger is read here, a few queries for the whole campaign; the workbooks are written
    by `jobs` processes, in slices handed over while the next ones are planned (each process
    is given the scheme and campaign once). CampaignError when no reviewer is assigned yet."""
    assignments = ledger.assignments()
    if not assignments:
        raise CampaignError("no reviewers are assigned yet: run `excelcert assign` first.")
    folder = campaign.output_dir / "to-reviewers"
    result = ReviewsResult(folder)
    clusters_by_id = {c.id: c for c in clusters}
    reviewers_by_id = {r.id: r for r in reviewers}
    names = workbook_names(clusters)
    issued_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    counting = {s.cluster_id: s for s in ledger.counting(ROLE_SELF_ASSESSMENT) if s.cluster_id}
    assigned = {pair.cluster_id for pair in assignments}
    problems = ledger.problems_of(s.id for c, s in counting.items() if c in assigned)
    # each cluster's answers, read a block of clusters at a time in the assignments' order, and
    # kept until its last reviewer's workbook is planned
    order = list(dict.fromkeys(counting[p.cluster_id].id for p in assignments if p.cluster_id in counting))
    position = {sid: n for n, sid in enumerate(order)}
    uses: dict[int, int] = {}
    for pair in assignments:
        if pair.cluster_id in counting:
            uses[counting[pair.cluster_id].id] = uses.get(counting[pair.cluster_id].id, 0) + 1
    answers_of: dict[int, dict[str, ClusterAnswer]] = {}

    def answers(submission_id: int) -> dict[str, ClusterAnswer]:
        if submission_id not in answers_of:
            start = position[submission_id]
            block = [sid for sid in order[start : start + ANSWERS_BLOCK] if uses[sid] and sid not in answers_of]
            read = ledger.answers_of(block)
            for sid in block:
                answers_of[sid] = {
                    a.indicator_id: ClusterAnswer(a.value, a.evidence, a.comment) for a in read.get(sid, [])
                }
        return answers_of[submission_id]

    def done_with(submission_id: int) -> None:
        uses[submission_id] -= 1
        if not uses[submission_id]:
            answers_of.pop(submission_id, None)

    def planned() -> Iterator[_Todo]:
        for pair in assignments:
            cluster, reviewer = clusters_by_id.get(pair.cluster_id), reviewers_by_id.get(pair.reviewer_id)
            current = counting.get(pair.cluster_id)
            if current is None:
                if cluster is not None and reviewer is not None:
                    result.waiting.append(pair)
                continue
            given = answers(current.id)
            done_with(current.id)
            if cluster is None or reviewer is None:
                continue  # the roster changed since the assignment; `assign` says so
            why = _incomplete(problems.get(current.id, []))
            if why:  # an incomplete self-assessment does not go to review
                result.incomplete[cluster.id] = why
                continue
            path = folder / safe_filename(reviewer.id) / names[cluster.id]
            existing = _based_on(path)
            if path.exists() and not force and existing == current.sha256:
                result.kept.append((pair, path))
                continue
            (result.renewed if existing not in (None, current.sha256) else result.written).append((pair, path))
            yield path, cluster, reviewer, given, current.sha256

    setting = (scheme, campaign, key, issued_at)
    if jobs <= 1:
        _set_up(*setting)
        for item in planned():
            _build(*item)
        return result
    waiting: deque[Future[None]] = deque()
    with ProcessPoolExecutor(max_workers=jobs, initializer=_set_up, initargs=setting) as pool:
        remaining = planned()
        while batch := list(islice(remaining, SLICE)):
            waiting.append(pool.submit(_build_all, batch))
            while len(waiting) > SLICES_WAITING * jobs:
                waiting.popleft().result()
        while waiting:
            waiting.popleft().result()
    return result


ANSWERS_BLOCK = 500  # self-assessments whose answers are read in one query
SLICE = 16  # workbooks handed to a worker at once
SLICES_WAITING = 4  # slices queued per worker while the next are planned

_Todo = tuple[Path, Cluster, Reviewer, dict[str, ClusterAnswer], str]
_setting: list[tuple[Scheme, Campaign, bytes, dt.datetime]] = []


def _set_up(scheme: Scheme, campaign: Campaign, key: bytes, issued_at: dt.datetime) -> None:
    """What every workbook of a run shares, given to a process once rather than with each workbook."""
    _setting[:] = [(scheme, campaign, key, issued_at)]


def _build_all(batch: list[_Todo]) -> None:
    for item in batch:
        _build(*item)


def _build(path: Path, cluster: Cluster, reviewer: Reviewer, answers: dict[str, ClusterAnswer], based_on: str) -> None:
    """Write one reviewer workbook whole or not at all."""
    scheme, campaign, key, issued_at = _setting[0]
    with atomic_path(path) as temp:
        build_review(temp, scheme, campaign, cluster, reviewer, key, answers, based_on, issued_at=issued_at)


def incomplete_reason(ledger: Ledger, submission_id: int) -> str:
    """Why a self-assessment is not ready for review ('' when it is): the errors still to correct."""
    return _incomplete(ledger.problems(submission_id))


def _incomplete(problems: list[StoredProblem]) -> str:
    errors = [p for p in problems if p.severity == ERROR]
    if not errors:
        return ""
    return (
        f"its self-assessment is incomplete: {counted(len(errors), 'problem')} to correct "
        "(`excelcert corrections` writes the cluster what to fix)"
    )


def incomplete_clusters(clusters: list[Cluster], ledger: Ledger) -> dict[str, str]:
    """The clusters whose self-assessment that counts is incomplete, each with why."""
    out = {}
    for cluster in clusters:
        current = ledger.current(cluster.id, ROLE_SELF_ASSESSMENT)
        why = incomplete_reason(ledger, current.id) if current is not None else ""
        if why:
            out[cluster.id] = why
    return out


def _based_on(path: Path) -> str | None:
    """The self-assessment an existing review workbook was made from (None if none or unreadable)."""
    if not path.exists():
        return None
    try:
        book = read_workbook_xml(path, skip=lambda name: name != META_SHEET)
        return read_workbook_meta(book)[0].based_on
    except (UnreadableFile, ContractError):
        return None

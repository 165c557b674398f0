"""Generate the self-assessment workbooks of a campaign, one per cluster.

File names are safe and readable on Windows, macOS and Linux whatever a cluster is
called, and two clusters never get the same name (not even on a file system that
ignores case). A workbook already in `to-clusters/` was probably sent: it is kept
unless `force` is given, and the result says which were kept.

Most workbooks are copies of one workbook written per language (`assessment.copies`):
the same bytes as writing each whole, ten times faster.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from excelcert.assessment.copies import Copies
from excelcert.assessment.workbook import build_self_assessment
from excelcert.base.files import atomic_path, safe_filename
from excelcert.campaign.config import Campaign
from excelcert.campaign.roster import Cluster
from excelcert.register.store import Entry
from excelcert.scheme import Scheme


def workbook_names(clusters: list[Cluster]) -> dict[str, str]:
    """cluster id -> its workbook's file name; distinct, even ignoring case."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for cluster in clusters:
        stem = safe_filename(f"{cluster.id} {cluster.name}")
        name, n = f"{stem}.xlsx", 2
        while name.casefold() in taken:
            name, n = f"{stem} ({n}).xlsx", n + 1
        taken.add(name.casefold())
        names[cluster.id] = name
    return names


@dataclass
class GenerateResult:
    folder: Path
    written: list[tuple[Cluster, Path]] = field(default_factory=list)
    kept: list[tuple[Cluster, Path]] = field(default_factory=list)
    renewals: list[str] = field(default_factory=list)  # clusters whose workbook shows last time's label and answers
    copied: int = 0  # workbooks written as copies of one of their language (`assessment.copies`)

    def to_json(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "written": [{"cluster": c.id, "language": c.language, "file": str(p)} for c, p in self.written],
            "kept": [{"cluster": c.id, "file": str(p)} for c, p in self.kept],
            "renewals": self.renewals,
        }


def generate_workbooks(
    campaign: Campaign,
    scheme: Scheme,
    clusters: list[Cluster],
    key: bytes,
    *,
    force: bool = False,
    jobs: int = 1,
    previous: Mapping[str, Entry] | None = None,
    copy: bool = True,
    issued_at: dt.datetime | None = None,
) -> GenerateResult:
    """One workbook per cluster; a cluster with a `previous` label in the register (a renewal)
    finds it on its start sheet and last time's answers filled in. `copy`: each workbook a
    copy of one written for its language where that gives the same bytes (`assessment.copies`);
    without it each is written whole by xlsxwriter. `issued_at`: now, unless given."""
    previous = previous or {}
    folder = campaign.to_clusters_dir
    folder.mkdir(parents=True, exist_ok=True)
    names = workbook_names(clusters)
    result = GenerateResult(folder)
    todo: list[tuple[Cluster, Path]] = []
    for cluster in clusters:
        path = folder / names[cluster.id]
        if path.exists() and not force:
            result.kept.append((cluster, path))
        else:
            todo.append((cluster, path))
    issued_at = issued_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    job = _Job(scheme, campaign, key, issued_at, copy)
    items = [(cluster, path, previous.get(cluster.id)) for cluster, path in todo]
    if jobs > 1 and len(items) > 1:
        # each worker receives the scheme once and makes its own copies' templates
        batches = [items[k : k + _BATCH] for k in range(0, len(items), _BATCH)]
        with ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker, initargs=(job,)) as pool:
            result.copied = sum(pool.map(_write_batch, batches))
    else:
        result.copied = job.write(items)
    result.written = todo
    result.renewals = [c.id for c, _ in todo if c.id in previous]
    return result


_BATCH = 25  # workbooks a worker is given at a time


class _Job:
    """Writes workbooks of one run: each a copy of one written for its language
    (`assessment.copies`) when that gives the same bytes, else whole."""

    def __init__(self, scheme: Scheme, campaign: Campaign, key: bytes, issued_at: dt.datetime, copy: bool):
        self.scheme, self.campaign, self.key, self.issued_at = scheme, campaign, key, issued_at
        self.copy = copy
        self.copies = Copies(scheme, campaign, key, issued_at)

    def __getstate__(self) -> dict[str, Any]:  # a worker makes its own copies' templates
        return {**self.__dict__, "copies": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.copies = Copies(self.scheme, self.campaign, self.key, self.issued_at)

    def write(self, items: list[tuple[Cluster, Path, Entry | None]]) -> int:
        """Write each workbook whole or not at all; return how many were copies."""
        copied = 0
        for cluster, path, previous in items:
            with atomic_path(path) as temp:
                if self.copy and previous is None and self.copies.write(temp, cluster):
                    copied += 1
                else:
                    build_self_assessment(
                        temp, self.scheme, self.campaign, cluster, self.key, issued_at=self.issued_at, previous=previous
                    )
        return copied


_worker_job: _Job | None = None


def _start_worker(job: _Job) -> None:
    global _worker_job
    _worker_job = job


def _write_batch(items: list[tuple[Cluster, Path, Entry | None]]) -> int:
    assert _worker_job is not None, "a worker is started with its job"
    return _worker_job.write(items)

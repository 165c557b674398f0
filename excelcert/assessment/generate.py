"""Generate the self-assessment workbooks of a campaign, one per cluster.

File names are safe and readable on Windows, macOS and Linux whatever a cluster is
called, and two clusters never get the same name (not even on a file system that
ignores case). A workbook already in `to-clusters/` was probably sent: it is kept
unless `force` is given, and the result says which were kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
) -> GenerateResult:
    """One workbook per cluster; a cluster with a `previous` label in the register (a renewal)
    finds it on its start sheet and last time's answers filled in."""
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
    issued_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    if jobs > 1 and len(todo) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [
                pool.submit(_build, path, scheme, campaign, cluster, key, issued_at, previous.get(cluster.id))
                for cluster, path in todo
            ]
            for future in futures:
                future.result()
    else:
        for cluster, path in todo:
            _build(path, scheme, campaign, cluster, key, issued_at, previous.get(cluster.id))
    result.written = todo
    result.renewals = [c.id for c, _ in todo if c.id in previous]
    return result


def _build(
    path: Path,
    scheme: Scheme,
    campaign: Campaign,
    cluster: Cluster,
    key: bytes,
    issued_at: dt.datetime,
    previous: Entry | None = None,
) -> None:
    """Write the workbook whole or not at all."""
    with atomic_path(path) as temp:
        build_self_assessment(temp, scheme, campaign, cluster, key, issued_at=issued_at, previous=previous)

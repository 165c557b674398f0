"""Who reviews whom: an assignment of reviewers to clusters, proposed or read back.

Hard rules, never broken: a reviewer never reviews their own organisation or a cluster
they declared a conflict with, reads the cluster's language, takes at most their
maximum load, and is assigned to a cluster once. Wishes, kept whenever the hard rules
allow: at least one reviewer from another country than the cluster's, and loads as
even as possible.

The proposal is a b-matching found with augmenting paths (Kuhn's algorithm, each
reviewer a node of capacity `max_load`): when a cluster finds every reviewer it may
have fully loaded, reviewers are moved between clusters to free one. It finds an
assignment whenever one exists; when none does, the problems say which cluster cannot
be served and why.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from excelcert.base.ledger import Assignment
from excelcert.base.problems import Place, Problem, Report, problem
from excelcert.base.sheetwriter import new_book, print_setup
from excelcert.campaign.reviewers import Reviewer, name_key
from excelcert.campaign.roster import Cluster, read_table, table_cell

DEFAULT_PER_CLUSTER = 2


@dataclass
class AssignmentResult:
    pairs: list[Assignment]
    report: Report = field(default_factory=Report)


def why_not(reviewer: Reviewer, cluster: Cluster) -> str | None:
    """Why `reviewer` may not review `cluster` (a hard rule), or None."""
    conflict = reviewer.conflict_with(cluster)
    if conflict:
        return conflict
    if not reviewer.reads(cluster.language):
        return f"the reviewer does not read '{cluster.language}', the cluster's language"
    return None


def eligible_reviewers(clusters: list[Cluster], reviewers: list[Reviewer]) -> dict[str, list[Reviewer]]:
    """Cluster id -> the reviewers who may review it (`why_not` says None), in the reviewers'
    order. The same as asking `why_not` of every pair, without asking it of every pair: a
    cluster's candidates are the readers of its language, less the few reviewers whose
    organisation or declared conflicts name it (clusters x reviewers questions made a
    campaign of 3,000 clusters wait seconds, and would grow with the square of its size).
    The lists are shared between clusters: read them, never change them."""
    readers: dict[str, list[Reviewer]] = {}
    blocking: dict[str, set[str]] = defaultdict(set)  # a cluster's id or name, as compared (name_key) -> reviewer ids
    for reviewer in reviewers:
        for text in (reviewer.organisation, *reviewer.conflicts):
            if name_key(text):
                blocking[name_key(text)].add(reviewer.id)
    out = {}
    for cluster in clusters:
        if cluster.language not in readers:
            readers[cluster.language] = [r for r in reviewers if r.reads(cluster.language)]
        blocked = blocking.get(name_key(cluster.id), set()) | blocking.get(name_key(cluster.name), set())
        candidates = readers[cluster.language]
        out[cluster.id] = [r for r in candidates if r.id not in blocked] if blocked else candidates
    return out


class _Solver:
    def __init__(self, clusters: list[Cluster], reviewers: list[Reviewer], per_cluster: int, mix: bool):
        self.clusters, self.reviewers, self.per_cluster, self.mix = clusters, reviewers, per_cluster, mix
        self.eligible = eligible_reviewers(clusters, reviewers)
        self.by_id = {c.id: c for c in clusters}
        self.assigned: dict[str, list[Reviewer]] = {c.id: [] for c in clusters}
        self.holders: dict[str, list[str]] = defaultdict(list)  # reviewer id -> cluster ids
        self.load: dict[str, int] = defaultdict(int)
        self.room = sum(max(r.max_load, 0) for r in reviewers)  # places left among all reviewers

    def foreign(self, cluster_id: str, reviewer: Reviewer) -> bool:
        return reviewer.country != self.by_id[cluster_id].country

    def _add(self, cluster_id: str, reviewer: Reviewer) -> None:
        self.assigned[cluster_id].append(reviewer)
        self.holders[reviewer.id].append(cluster_id)
        self.load[reviewer.id] += 1
        self.room -= 1

    def _remove(self, cluster_id: str, reviewer: Reviewer) -> None:
        self.assigned[cluster_id].remove(reviewer)
        self.holders[reviewer.id].remove(cluster_id)
        self.load[reviewer.id] -= 1
        self.room += 1

    def _keeps_mix(self, cluster_id: str, leaving: Reviewer, coming: Reviewer) -> bool:
        """Whether swapping `leaving` for `coming` keeps the cluster's foreign reviewer."""
        if not self.mix or not self.foreign(cluster_id, leaving) or self.foreign(cluster_id, coming):
            return True
        return any(self.foreign(cluster_id, r) for r in self.assigned[cluster_id] if r is not leaving)

    def augment(self, cluster_id: str, pool: list[Reviewer], visited: set[str]) -> bool:
        """Give the cluster one more reviewer from `pool`, moving others if need be."""
        if self.room <= 0:  # every reviewer full: no search can end at one with room
            return False
        here = {r.id for r in self.assigned[cluster_id]}
        load = self.load
        with_room = [r for r in pool if load[r.id] < r.max_load and r.id not in here and r.id not in visited]
        if with_room:  # a reviewer with room: the least loaded first (then by id)
            reviewer = min(with_room, key=lambda r: (load[r.id], r.id))
            visited.add(reviewer.id)
            self._add(cluster_id, reviewer)
            return True
        order = sorted((r for r in pool if r.id not in here), key=lambda r: (load[r.id], r.id))
        for reviewer in order:  # all full: free one by moving one of their clusters on
            if reviewer.id in visited:
                continue
            visited.add(reviewer.id)
            for other in list(self.holders[reviewer.id]):
                taken = {r.id for r in self.assigned[other]}
                pool2 = [r for r in self.eligible[other] if r.id not in taken and self._keeps_mix(other, reviewer, r)]
                if self.augment(other, pool2, visited):
                    self._remove(other, reviewer)
                    self._add(cluster_id, reviewer)
                    return True
        return False

    def solve(self) -> list[str]:
        """Fill every cluster; return the ids of the clusters that could not be filled."""
        order = sorted(self.clusters, key=lambda c: (len(self.eligible[c.id]), c.id))
        if self.mix:
            for cluster in order:
                pool = [r for r in self.eligible[cluster.id] if self.foreign(cluster.id, r)]
                if pool:
                    self.augment(cluster.id, pool, set())
        unfilled = []
        # Without the wish for a foreign reviewer, a reviewer that a search visited in vain is
        # full and leads to no room until the assignment changes: later searches skip it
        # (Kuhn's algorithm's usual economy). Searching afresh each time made a campaign with
        # too few reviewers wait minutes for its problems: time grew with the cube of its size.
        dead: set[str] = set()
        for _slot in range(self.per_cluster):
            for cluster in order:
                if len(self.assigned[cluster.id]) >= min(self.per_cluster, len(self.eligible[cluster.id])):
                    continue
                visited = set() if self.mix else dead
                if self.augment(cluster.id, self.eligible[cluster.id], visited):
                    dead = set()
                    continue
                unfilled.append(cluster.id)
                if self.mix:  # `propose` then solves again without the wish: one unfilled cluster says it
                    return unfilled
        return unfilled


def propose(
    clusters: list[Cluster], reviewers: list[Reviewer], per_cluster: int = DEFAULT_PER_CLUSTER
) -> AssignmentResult:
    """An assignment of `per_cluster` reviewers to every cluster, or the reasons there is none."""
    solver = _Solver(clusters, reviewers, per_cluster, mix=True)
    unfilled = solver.solve()
    if unfilled:  # the wish for a foreign reviewer may cost the capacity another cluster needs
        solver = _Solver(clusters, reviewers, per_cluster, mix=False)
        unfilled = solver.solve()
    report = Report()
    for cluster in clusters:
        eligible = solver.eligible[cluster.id]
        if len(eligible) < per_cluster:
            report.add(
                problem(
                    "assign-too-few-eligible",
                    None,
                    cluster=cluster.id,
                    language=cluster.language,
                    country=cluster.country,
                    count=len(eligible),
                    needed=per_cluster,
                    names=", ".join(r.id for r in eligible) or "none",
                )
            )
        elif cluster.id in unfilled:
            report.add(
                problem(
                    "assign-capacity",
                    None,
                    cluster=cluster.id,
                    language=cluster.language,
                    names=", ".join(r.id for r in eligible),
                )
            )
    pairs = [Assignment(c.id, r.id) for c in clusters for r in sorted(solver.assigned[c.id], key=lambda r: r.id)]
    report.extend(mix_warnings(clusters, reviewers, pairs))
    return AssignmentResult(pairs, report)


def mix_warnings(
    clusters: list[Cluster], reviewers: list[Reviewer], pairs: list[Assignment], places: dict[str, Place] | None = None
) -> list[Problem]:
    """A warning for each cluster whose reviewers all come from its own country, when a
    reviewer from elsewhere could have been chosen."""
    by_id = {r.id: r for r in reviewers}
    mine: dict[str, list[Reviewer]] = defaultdict(list)
    for pair in pairs:
        if pair.reviewer_id in by_id:
            mine[pair.cluster_id].append(by_id[pair.reviewer_id])
    out = []
    for cluster in clusters:
        assigned = mine.get(cluster.id)
        if not assigned or any(r.country != cluster.country for r in assigned):
            continue
        could = [r.id for r in reviewers if r.country != cluster.country and why_not(r, cluster) is None]
        if could:
            out.append(
                problem(
                    "assign-no-foreign",
                    (places or {}).get(cluster.id),
                    cluster=cluster.id,
                    country=cluster.country,
                    language=cluster.language,
                    names=", ".join(could),
                )
            )
    return out


def check(
    clusters: list[Cluster],
    reviewers: list[Reviewer],
    pairs: list[tuple[Assignment, Place]],
    per_cluster: int = DEFAULT_PER_CLUSTER,
) -> Report:
    """Every rule an assignment read back from a workbook breaks, with the cell."""
    report = Report()
    clusters_by_id = {c.id: c for c in clusters}
    reviewers_by_id = {r.id: r for r in reviewers}
    seen: set[tuple[str, str]] = set()
    loads: dict[str, int] = defaultdict(int)
    counts: dict[str, int] = defaultdict(int)
    places: dict[str, Place] = {}
    for pair, place in pairs:
        cluster, reviewer = clusters_by_id.get(pair.cluster_id), reviewers_by_id.get(pair.reviewer_id)
        if cluster is None:
            report.add(problem("assign-unknown-cluster", place, value=pair.cluster_id))
            continue
        places.setdefault(cluster.id, place)
        if reviewer is None:
            report.add(problem("assign-unknown-reviewer", place, value=pair.reviewer_id))
            continue
        if (cluster.id, reviewer.id) in seen:
            report.add(problem("assign-duplicate", place, reviewer=reviewer.id, cluster=cluster.id))
            continue
        seen.add((cluster.id, reviewer.id))
        reason = why_not(reviewer, cluster)
        if reason:
            report.add(problem("assign-conflict", place, reviewer=reviewer.id, cluster=cluster.id, why=reason))
        loads[reviewer.id] += 1
        counts[cluster.id] += 1
    for reviewer_id, load in sorted(loads.items()):
        if load > reviewers_by_id[reviewer_id].max_load:
            report.add(
                problem(
                    "assign-overload", None, reviewer=reviewer_id, count=load, max=reviewers_by_id[reviewer_id].max_load
                )
            )
    for cluster in clusters:
        if counts[cluster.id] < per_cluster:
            report.add(
                problem(
                    "assign-too-few",
                    places.get(cluster.id),
                    cluster=cluster.id,
                    count=counts[cluster.id],
                    needed=per_cluster,
                )
            )
    valid = [Assignment(c, r) for c, r in seen]
    report.extend(mix_warnings(clusters, reviewers, valid, places))
    report.sort()
    return report


# --- the assignment workbook ---------------------------------------------------------------

SHEET = "assignment"
COLUMNS = (
    "cluster",
    "cluster_name",
    "cluster_country",
    "language",
    "reviewer",
    "reviewer_name",
    "reviewer_country",
    "reviewer_languages",
)


# What a person reads at the top of each column; read back as the keys above (case and spaces aside).
HEADINGS = {
    "cluster": "Cluster",
    "cluster_name": "Cluster name",
    "cluster_country": "Cluster country",
    "language": "Language",
    "reviewer": "Reviewer",
    "reviewer_name": "Reviewer name",
    "reviewer_country": "Reviewer country",
    "reviewer_languages": "Reviewer languages",
}


def write_assignment(path: Path, clusters: list[Cluster], reviewers: list[Reviewer], pairs: list[Assignment]) -> Path:
    """One row per cluster and reviewer; the secretariat may change the reviewer column,
    add or delete rows, and read it back with `excelcert assign --from`."""
    clusters_by_id = {c.id: c for c in clusters}
    reviewers_by_id = {r.id: r for r in reviewers}
    book = new_book(path)
    try:
        head = book.add_format(
            {
                "bold": True,
                "bg_color": "#1F3864",
                "font_color": "#FFFFFF",
                "border": 1,
                "text_wrap": True,
                "valign": "vcenter",
            }
        )
        body = book.add_format({"valign": "top", "border": 1, "border_color": "#BFBFBF"})
        edit = book.add_format({"valign": "top", "border": 1, "border_color": "#BFBFBF", "bg_color": "#FFF2CC"})
        ws = book.add_worksheet(SHEET)
        ws.set_row(0, 30)
        for c, (key, width) in enumerate(zip(COLUMNS, (14, 34, 10, 10, 12, 26, 10, 14), strict=True)):
            ws.write_string(0, c, HEADINGS[key], head)
            ws.set_column(c, c, width)
        for r, pair in enumerate(pairs, start=1):
            cluster, reviewer = clusters_by_id[pair.cluster_id], reviewers_by_id.get(pair.reviewer_id)
            values = [
                cluster.id,
                cluster.name,
                cluster.country,
                cluster.language,
                pair.reviewer_id,
                reviewer.name if reviewer else "",
                reviewer.country if reviewer else "",
                "; ".join(reviewer.languages) if reviewer else "",
            ]
            for c, value in enumerate(values):
                ws.write_string(r, c, value, edit if COLUMNS[c] == "reviewer" else body)
        ids = [r.id for r in reviewers]
        if ids and len(",".join(ids)) < 255:  # Excel's limit for a list typed into the validation
            column = COLUMNS.index("reviewer")
            ws.data_validation(
                1,
                column,
                len(pairs) + 200,
                column,
                {
                    "validate": "list",
                    "source": ids,
                    "error_type": "warning",
                    "error_message": "Not a reviewer id of the reviewers roster (see the reviewers sheet).",
                },
            )
        ws.freeze_panes(1, 1)
        ws.autofilter(0, 0, max(len(pairs), 1), len(COLUMNS) - 1)
        print_setup(ws, "Reviewer assignment")
        _reviewers_sheet(book, reviewers, head, body)
    finally:
        book.close()
    return path


def _reviewers_sheet(book: Any, reviewers: list[Reviewer], head: Any, body: Any) -> None:
    ws = book.add_worksheet("reviewers")
    columns = ("ID", "Name", "Organisation", "Country", "Languages", "Most clusters")
    for c, (column, width) in enumerate(zip(columns, (12, 26, 34, 9, 12, 10), strict=True)):
        ws.write_string(0, c, column, head)
        ws.set_column(c, c, width)
    for r, rev in enumerate(reviewers, start=1):
        for c, value in enumerate(
            (rev.id, rev.name, rev.organisation, rev.country, "; ".join(rev.languages), str(rev.max_load))
        ):
            ws.write_string(r, c, value, body)
    print_setup(ws, "Reviewers")


def read_assignment(path: Path) -> tuple[list[tuple[Assignment, Place]], Report]:
    """The (cluster, reviewer) rows of an assignment workbook or CSV, each with its place."""
    report = Report()
    table = read_table(
        path,
        report,
        columns=COLUMNS,
        aliases={"cluster_id": "cluster", "reviewer_id": "reviewer"},
        required={"cluster": "", "reviewer": ""},
        key_columns=("cluster", "reviewer"),
        sheet_name=SHEET,
        what="an assignment",
        code="not-an-assignment",
    )
    if table is None:
        return [], report
    pairs = []
    for row in table.body:
        cluster, place = table_cell(row, table.columns.get("cluster"))
        reviewer, reviewer_place = table_cell(row, table.columns.get("reviewer"))
        if cluster and reviewer:
            pairs.append((Assignment(cluster, reviewer), reviewer_place))
        elif cluster or reviewer:
            report.add(
                problem(
                    "assign-unknown-reviewer" if cluster else "assign-unknown-cluster",
                    reviewer_place if cluster else place,
                    value="",
                )
            )
    return pairs, report

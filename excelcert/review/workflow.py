"""The review stage's steps as the CLI and the demo run them: plain data in, plain data out."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from excelcert.base.ledger import Assignment, Ledger
from excelcert.base.problems import Report
from excelcert.campaign.config import Campaign
from excelcert.campaign.reviewers import Reviewer
from excelcert.campaign.roster import Cluster
from excelcert.review.arbitration import write_arbitration
from excelcert.review.assign import DEFAULT_PER_CLUSTER, check, propose, read_assignment, write_assignment
from excelcert.review.final import ClusterFinal, iter_final_values
from excelcert.review.generate import incomplete_clusters
from excelcert.review.reconcile import PENDING, Agreement, Item, Statistics
from excelcert.scheme.model import Scheme


@dataclass
class AssignOutcome:
    pairs: list[Assignment]
    report: Report
    workbook: Path | None = None
    stored: bool = False
    kept: int = 0  # pairs of a different assignment already stored, kept (no --replace)
    left_out: dict[str, str] = field(default_factory=dict)  # cluster -> why it gets no reviewers now

    def to_json(self) -> dict[str, Any]:
        return {
            "stored": self.stored,
            "kept_existing": bool(self.kept),
            "workbook": str(self.workbook) if self.workbook else None,
            "assignment": [{"cluster": p.cluster_id, "reviewer": p.reviewer_id} for p in self.pairs],
            "problems": [p.to_dict() for p in self.report],
            "left_out": self.left_out,
        }


def assign(
    campaign: Campaign,
    clusters: list[Cluster],
    reviewers: list[Reviewer],
    ledger: Ledger,
    *,
    per_cluster: int = DEFAULT_PER_CLUSTER,
    from_file: Path | None = None,
    replace: bool = False,
) -> AssignOutcome:
    """Propose an assignment (or read one back from `from_file`), check it, and store it
    in the ledger when it breaks no rule; the proposal is also written as a workbook.
    A different proposal never replaces a stored assignment unless `replace` (an edited
    file read back with `from_file` always does: that is what it is for). A cluster whose
    self-assessment is incomplete gets no reviewers (an incomplete assessment does not go to
    review): it is left out, with the reason."""
    left_out = incomplete_clusters(clusters, ledger)
    ready = [c for c in clusters if c.id not in left_out]
    if from_file is not None:
        rows, report = read_assignment(from_file)
        rows = [(pair, place) for pair, place in rows if pair.cluster_id not in left_out]
        report.extend(check(ready, reviewers, rows, per_cluster))
        report.sort()
        pairs = list(dict.fromkeys(pair for pair, _ in rows))
        outcome = AssignOutcome(pairs, report, left_out=left_out)
        if report.ok:
            ledger.set_assignments(pairs, source=str(from_file))
            outcome.stored = True
        return outcome
    proposal = propose(ready, reviewers, per_cluster)
    outcome = AssignOutcome(proposal.pairs, proposal.report, left_out=left_out)
    folder = campaign.output_dir
    folder.mkdir(parents=True, exist_ok=True)
    existing = {(a.cluster_id, a.reviewer_id) for a in ledger.assignments()}
    if existing and existing != {(a.cluster_id, a.reviewer_id) for a in proposal.pairs} and not replace:
        outcome.kept = len(existing)
        outcome.workbook = write_assignment(folder / "assignment-proposed.xlsx", clusters, reviewers, proposal.pairs)
        return outcome
    outcome.workbook = write_assignment(folder / "assignment.xlsx", clusters, reviewers, proposal.pairs)
    if proposal.report.ok:
        ledger.set_assignments(proposal.pairs, source="proposed")
        outcome.stored = True
    return outcome


@dataclass(slots=True)
class Reconciled:
    """One cluster's reconciliation in brief: its review state, its reviewers, and how many of
    its final values come from each source (what the reconciliation table shows)."""

    cluster_id: str
    state: str
    reviewers: list[str]
    missing: list[str]  # assigned reviewers whose review is not in
    sources: dict[str, int]  # provenance -> indicators

    @classmethod
    def of(cls, final: ClusterFinal) -> Reconciled:
        sources = Counter(i.provenance for i in final.items)
        return cls(final.cluster_id, final.state, final.reviewers, final.missing, dict(sources))


@dataclass
class ReconcileOutcome:
    """Every cluster's reconciliation in brief, the campaign's statistics, and the items that
    wait for arbitration. The final values themselves (each indicator's views, comments and
    provenance: what `to_json` prints) are kept in `details` only when asked for: a campaign's
    would grow with every cluster."""

    clusters: list[Reconciled]
    statistics: Statistics
    arbitration: Path | None = None
    flagged: list[Item] = field(default_factory=list)  # waiting for arbitration
    details: list[ClusterFinal] | None = None  # every cluster's final values (reconcile(details=True))

    def to_json(self) -> dict[str, Any]:
        def value(v: Any) -> Any:
            return v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v

        if self.details is None:
            raise ValueError("the final values were not kept: reconcile(..., details=True)")
        return {
            "arbitration_workbook": str(self.arbitration) if self.arbitration else None,
            "clusters": [
                {
                    "cluster": f.cluster_id,
                    "state": f.state,
                    "self_assessment": Path(f.submission.original_name).name,  # the file, not where it was
                    "reviewers": f.reviewers,
                    "missing_reviews": f.missing,
                    "stale_reviews": f.stale,
                    "items": [
                        {
                            "indicator": i.indicator_id,
                            "self": value(i.self_value),
                            "reviews": [
                                {
                                    "reviewer": v.reviewer_id,
                                    "value": value(v.value),
                                    "points": v.points,
                                    "agreement": v.agreement,
                                    "comment": v.comment,
                                }
                                for v in i.views
                            ],
                            "final": value(i.value),
                            "provenance": i.provenance,
                            "flag": i.flag or None,
                            "decision": {
                                "decided_by": i.decision.decided_by,
                                "reason": i.decision.reason,
                                "decided_at": i.decision.decided_at,
                            }
                            if i.decision
                            else None,
                        }
                        for i in f.items
                    ],
                }
                for f in self.details
            ],
            "statistics": {
                "krippendorff_alpha": self.statistics.alpha,
                "overstated": [
                    {"indicator": i, "mean_points_overstated": round(gap, 3), "clusters": n}
                    for i, gap, n in self.statistics.overstatement
                ],
            },
        }


def reconcile(
    campaign: Campaign,
    scheme: Scheme,
    clusters: list[Cluster],
    ledger: Ledger,
    key: bytes,
    *,
    write: bool = True,
    details: bool = False,
) -> ReconcileOutcome:
    """Final values of every cluster (read a block of clusters at a time, each kept in brief,
    and whole only with `details`); the arbitration workbook for what waits for a decision."""
    outcome = ReconcileOutcome([], Statistics({}, []), details=[] if details else None)
    agreement = Agreement(scheme)
    for final in iter_final_values(scheme, ledger, [c.id for c in clusters]):
        agreement.add(final.items)
        outcome.clusters.append(Reconciled.of(final))
        outcome.flagged.extend(i for i in final.items if i.provenance == PENDING)
        if outcome.details is not None:
            outcome.details.append(final)
    outcome.statistics = agreement.statistics()
    if write and outcome.flagged:
        folder = campaign.output_dir / "arbitration"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        outcome.arbitration = folder / f"arbitration-{stamp}.xlsx"
        write_arbitration(outcome.arbitration, scheme, campaign, clusters, outcome.flagged, key)
    return outcome

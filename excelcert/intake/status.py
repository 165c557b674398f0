"""Where every cluster of the roster stands: not returned, rejected, incomplete, complete."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from excelcert.base.contract import ROLE_SELF_ASSESSMENT
from excelcert.base.ledger import Ledger
from excelcert.base.problems import ERROR
from excelcert.campaign.roster import Cluster

NOT_RETURNED = "not returned"
REJECTED = "rejected"
INCOMPLETE = "incomplete"
COMPLETE = "complete"


@dataclass(frozen=True)
class ClusterStatus:
    cluster: Cluster
    state: str
    last_file: str = ""
    last_received: str = ""
    counting_file: str = ""
    open_problems: int = 0  # of the submission that counts (or of the last rejection)
    submission_id: int | None = None


def campaign_status(clusters: list[Cluster], ledger: Ledger) -> list[ClusterStatus]:
    out = []
    for cluster in clusters:
        # the cluster's own files: reviews and arbitration are the secretariat's business
        history = [s for s in ledger.history(cluster.id) if s.role in (None, ROLE_SELF_ASSESSMENT)]
        if not history:
            out.append(ClusterStatus(cluster, NOT_RETURNED))
            continue
        last = history[-1]
        current = ledger.current(cluster.id, ROLE_SELF_ASSESSMENT)
        if current is None:
            out.append(
                ClusterStatus(
                    cluster,
                    REJECTED,
                    Path(last.original_name).name,
                    last.received_at,
                    open_problems=len(ledger.problems(last.id)),
                    submission_id=last.id,
                )
            )
            continue
        problems = ledger.problems(current.id)
        state = INCOMPLETE if any(p.severity == ERROR for p in problems) else COMPLETE
        out.append(
            ClusterStatus(
                cluster,
                state,
                Path(last.original_name).name,
                last.received_at,
                Path(current.original_name).name,
                len(problems),
                current.id,
            )
        )
    return out

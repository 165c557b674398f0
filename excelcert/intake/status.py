"""Where every cluster of the roster stands: not returned, rejected, incomplete, complete;
once reviewers are assigned, its review; once scored, its label. And a cluster's history:
every file received for it, and which ones count.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from excelcert.base.contract import ROLE_SELF_ASSESSMENT
from excelcert.base.ledger import Ledger, MailRecord, Submission
from excelcert.base.problems import ERROR
from excelcert.campaign.roster import Cluster
from excelcert.review.final import iter_final_values
from excelcert.scheme.model import Scheme

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
    last_sender: str = ""  # the last file came by e-mail: from this address
    last_sent_at: str = ""  # ... sent then (the message's date)


def campaign_status(clusters: list[Cluster], ledger: Ledger) -> list[ClusterStatus]:
    return list(iter_campaign_status(clusters, ledger))


def iter_campaign_status(clusters: list[Cluster], ledger: Ledger) -> Iterator[ClusterStatus]:
    """`campaign_status` a cluster at a time: a caller that keeps only some (the clusters
    with something to correct, at the end of `letters`) never holds every cluster's."""
    # The ledger read once for the whole campaign (not a few queries per cluster): each
    # cluster's last file of its own (reviews and arbitration are the secretariat's
    # business), the self-assessment that counts, and the problems of either.
    wanted = {c.id for c in clusters}
    last_of: dict[str, Submission] = {}
    for submission in ledger.all_submissions(own=True):  # in import order: the last one stays
        if submission.cluster_id in wanted and submission.role in (None, ROLE_SELF_ASSESSMENT):
            last_of[submission.cluster_id] = submission
    counting = {s.cluster_id: s for s in ledger.counting(ROLE_SELF_ASSESSMENT) if s.cluster_id in wanted}
    problems_of = ledger.problems_of({(counting[c] if c in counting else last).id for c, last in last_of.items()})
    for cluster in clusters:
        last = last_of.get(cluster.id)
        if last is None:
            yield ClusterStatus(cluster, NOT_RETURNED)
            continue
        by_mail = {"last_sender": last.sender or "", "last_sent_at": last.sent_at or ""}
        current = counting.get(cluster.id)
        if current is None:
            yield ClusterStatus(
                cluster,
                REJECTED,
                Path(last.original_name).name,
                last.received_at,
                open_problems=len(problems_of.get(last.id, [])),
                submission_id=last.id,
                **by_mail,
            )
            continue
        problems = problems_of.get(current.id, [])
        state = INCOMPLETE if any(p.severity == ERROR for p in problems) else COMPLETE
        yield ClusterStatus(
            cluster,
            state,
            Path(last.original_name).name,
            last.received_at,
            Path(current.original_name).name,
            len(problems),
            current.id,
            **by_mail,
        )


@dataclass
class Overview:
    """Every cluster's status, with its review state (once reviewers are assigned) and its
    label's name (once scored; "none" for a cluster scored without a label)."""

    rows: list[ClusterStatus]
    review: dict[str, str] = field(default_factory=dict)  # cluster -> review state
    labels: dict[str, str] = field(default_factory=dict)  # cluster -> label name, or "none"
    mail: dict[str, list[MailRecord]] = field(default_factory=dict)  # cluster -> messages sent or in the outbox

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {
                "cluster": r.cluster.id,
                "name": r.cluster.name,
                "state": r.state,
                "last_file": r.last_file,
                "last_received": r.last_received,
                "counting_file": r.counting_file,
                "open_problems": r.open_problems,
                "review": self.review.get(r.cluster.id),
                "label": self.labels.get(r.cluster.id),
                "returned_by": r.last_sender or None,
                "returned_sent_at": r.last_sent_at or None,
                "mail": [
                    {
                        "what": m.kind,
                        "how": "sent" if m.how == "smtp" else "outbox",
                        "at": m.at,
                        "to": m.address,
                        "subject": m.subject,
                        "attachments": m.attachments,
                        "message_id": m.message_id,
                    }
                    for m in self.mail.get(r.cluster.id, [])
                ],
            }
            for r in self.rows
        ]


def campaign_overview(scheme: Scheme, clusters: list[Cluster], ledger: Ledger) -> Overview:
    """Where every cluster stands, its review and its label (in the scheme's default language)."""
    assigned = {a.cluster_id for a in ledger.assignments()}
    review = {
        f.cluster_id: f.state
        for f in iter_final_values(scheme, ledger, [c.id for c in clusters])  # each dropped once its state is read
        if f.cluster_id in assigned
    }
    labels = {
        s.cluster_id: (scheme.label_name(s.label) if s.label else "none") for s in ledger.latest_scores(detail=())
    }
    mail: dict[str, list[MailRecord]] = {}
    for record in ledger.mail():
        mail.setdefault(record.recipient_id, []).append(record)
    return Overview(campaign_status(clusters, ledger), review, labels, mail)


@dataclass
class History:
    """Every file received for a cluster (its self-assessments and the reviews of it), in the
    order imported, and the ids of those that count."""

    cluster_id: str
    items: list[Submission]
    counting: set[int]

    def to_json(self) -> list[dict[str, Any]]:
        return [{**asdict(s), "counts": s.id in self.counting} for s in self.items]


def cluster_history(ledger: Ledger, cluster_id: str) -> History:
    current = ledger.current(cluster_id, ROLE_SELF_ASSESSMENT)
    counting = {s.id for s in ledger.current_reviews(cluster_id)} | ({current.id} if current else set())
    return History(cluster_id, ledger.history(cluster_id), counting)

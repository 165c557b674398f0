"""Final values: the one place that decides which value of each indicator counts.

For each cluster whose self-assessment counts, per indicator:
1. an arbitration decision, when the secretariat made one (the latest wins): "arbitration";
2. else the reconciliation rule (`review.reconcile.consensus`) over the reviews that
   count: the cluster's value ("self") or the reviewers' median ("reviewers"), or the
   cluster's value kept while the item waits for arbitration ("pending arbitration");
3. with no review at all: the cluster's own value ("self"), and the cluster is not reviewed.
Scoring, letters and certificates read final values from here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from excelcert.base.contract import ROLE_REVIEW, ROLE_SELF_ASSESSMENT
from excelcert.base.ledger import Decision, Ledger, StoredAnswer, Submission
from excelcert.review.reconcile import ARBITRATION, PENDING, Item, View, consensus
from excelcert.scheme.model import Scheme

NOT_REVIEWED, REVIEW_INCOMPLETE, PENDING_ARBITRATION, REVIEWED = (
    "not reviewed",
    "review incomplete",
    "pending arbitration",
    "reviewed",
)


@dataclass(slots=True)  # a campaign holds thousands: no __dict__ each
class ClusterFinal:
    cluster_id: str
    submission: Submission  # the self-assessment that counts
    items: list[Item] = field(default_factory=list)
    reviewers: list[str] = field(default_factory=list)  # whose reviews count
    missing: list[str] = field(default_factory=list)  # assigned, not in yet
    stale: list[str] = field(default_factory=list)  # reviewed an older self-assessment
    reviews: list[Submission] = field(default_factory=list)  # the reviews that count, by reviewer id

    @property
    def values(self) -> dict[str, Any]:
        return {i.indicator_id: i.value for i in self.items}

    @property
    def state(self) -> str:
        if not self.reviewers:
            return NOT_REVIEWED
        if any(i.provenance == PENDING for i in self.items):
            return PENDING_ARBITRATION
        if self.missing:
            return REVIEW_INCOMPLETE
        return REVIEWED

    @property
    def reviewed(self) -> bool:
        """Whether the values are reviewed: every assigned review in, nothing left to arbitrate."""
        return self.state == REVIEWED

    def brief(self) -> FinalBrief:
        """These final values without the reviewers' views (see `FinalBrief`)."""
        items = self.items
        decided = {n: i.decision for n, i in enumerate(items) if i.decision is not None}
        flags = tuple(i.flag for i in items)
        return FinalBrief(
            self.cluster_id,
            self.submission,
            tuple(self.reviewers),
            tuple(self.missing),
            tuple(self.stale),
            tuple(self.reviews),
            _shared(tuple(i.indicator_id for i in items)),
            tuple(i.self_value for i in items),
            tuple(i.value for i in items),
            tuple(i.provenance for i in items),
            flags if any(flags) else None,
            decided or None,
        )


_INDICATORS: dict[tuple[str, ...], tuple[str, ...]] = {}  # the scheme's indicators, in order: one tuple for all


def _shared(indicators: tuple[str, ...]) -> tuple[str, ...]:
    return _INDICATORS.setdefault(indicators, indicators)


@dataclass(frozen=True, slots=True)
class FinalBrief:
    """A cluster's final values without the reviewers' views and comments: what scoring, the
    results and the documents read of them, a column per field rather than an object per
    indicator (a tenth of the memory: a campaign's results hold one per cluster). `final()`
    gives them back as a ClusterFinal whose items have no views."""

    cluster_id: str
    submission: Submission
    reviewers: tuple[str, ...]
    missing: tuple[str, ...]
    stale: tuple[str, ...]
    reviews: tuple[Submission, ...]
    indicators: tuple[str, ...]  # the items' indicators, in order
    self_values: tuple[Any, ...]
    values: tuple[Any, ...]
    provenance: tuple[str, ...]
    flags: tuple[str, ...] | None  # None: no item flagged
    decisions: dict[int, Decision] | None  # item -> the arbitration that settled it (None: none)

    def final(self) -> ClusterFinal:
        missing = list(self.missing)
        decisions = self.decisions or {}
        flags = self.flags or ("",) * len(self.indicators)
        result = ClusterFinal(
            self.cluster_id, self.submission, [], list(self.reviewers), missing, list(self.stale), list(self.reviews)
        )
        for n, ind in enumerate(self.indicators):
            item = Item(self.cluster_id, ind, self.self_values[n], [], missing, self.values[n], self.provenance[n])
            item.flag, item.decision = flags[n], decisions.get(n)
            result.items.append(item)
        return result


class Finals(MutableMapping[str, ClusterFinal]):
    """Cluster id -> its final values, kept in brief (`FinalBrief`): what a campaign's results
    hold, a few hundred bytes a cluster. A cluster's are given back whole but for the
    reviewers' views (`FinalBrief.final`); the last one asked for is kept, as a caller asks
    for the same cluster's a few times in a row."""

    def __init__(self) -> None:
        self._briefs: dict[str, FinalBrief] = {}
        self._last: ClusterFinal | None = None

    def __getitem__(self, cluster_id: str) -> ClusterFinal:
        last = self._last
        if last is not None and last.cluster_id == cluster_id:
            return last
        self._last = found = self._briefs[cluster_id].final()
        return found

    def submission_of(self, cluster_id: str) -> Submission:
        """The self-assessment that counts for the cluster (its final values not rebuilt)."""
        return self._briefs[cluster_id].submission

    def __setitem__(self, cluster_id: str, final: ClusterFinal) -> None:
        self._briefs[cluster_id] = final.brief()
        self._last = None

    def __delitem__(self, cluster_id: str) -> None:
        del self._briefs[cluster_id]
        self._last = None

    def __iter__(self) -> Iterator[str]:
        return iter(self._briefs)

    def __len__(self) -> int:
        return len(self._briefs)


ANSWERS_BLOCK = 100  # clusters whose answers are read in one query (and held at once)


def final_values(scheme: Scheme, ledger: Ledger, cluster_ids: list[str]) -> list[ClusterFinal]:
    """The final values of every cluster in `cluster_ids` whose self-assessment counts."""
    return list(iter_final_values(scheme, ledger, cluster_ids))


def iter_final_values(scheme: Scheme, ledger: Ledger, cluster_ids: list[str]) -> Iterator[ClusterFinal]:
    """`final_values` one cluster at a time, in the order of `cluster_ids`: a caller that keeps
    only what it needs of each holds no more than a block of clusters' answers at once,
    however large the campaign."""
    assigned: dict[str, list[str]] = {}
    for pair in ledger.assignments():
        assigned.setdefault(pair.cluster_id, []).append(pair.reviewer_id)
    decisions = {(d.cluster_id, d.indicator_id): d for d in ledger.decisions()}  # oldest first: latest wins
    # What counts read a block of clusters at a time (a few queries per block, not a few per
    # cluster): `current` and `current_reviews` of each cluster, and their answers; so that no
    # more of them than a block's are held at once.
    counting: dict[str, Submission] = {}
    reviews: dict[str, list[Submission]] = {}
    answers: dict[int, list[StoredAnswer]] = {}
    for n, cluster_id in enumerate(cluster_ids):
        if n % ANSWERS_BLOCK == 0:
            counting, reviews, answers = {}, {}, {}  # the last block's, dropped before the next is read
            block = cluster_ids[n : n + ANSWERS_BLOCK]
            counting = {s.cluster_id or "": s for s in ledger.counting(ROLE_SELF_ASSESSMENT, block)}
            for review in ledger.counting(ROLE_REVIEW, block):  # by reviewer id within a cluster
                if review.cluster_id in counting:
                    reviews.setdefault(review.cluster_id, []).append(review)
            answers = ledger.answers_of(
                [s.id for s in counting.values()]
                + [r.id for c, listed in reviews.items() for r in listed if r.based_on == counting[c].sha256]
            )
        current = counting.get(cluster_id)
        if current is None:
            continue
        own = {a.indicator_id: a.value for a in answers.get(current.id, [])}
        result = ClusterFinal(cluster_id, current)
        views: dict[str, list[View]] = {}
        for review in reviews.get(cluster_id, []):
            if review.based_on != current.sha256:
                result.stale.append(review.reviewer_id or "")
                continue
            result.reviewers.append(review.reviewer_id or "")
            result.reviews.append(review)
            for a in answers.get(review.id, []):
                views.setdefault(a.indicator_id, []).append(
                    View(review.reviewer_id or "", a.value, a.points, a.agreement, a.comment)
                )
        result.missing = [r for r in assigned.get(cluster_id, []) if r not in result.reviewers]
        for ind in scheme.indicators:
            item = Item(cluster_id, ind.id, own.get(ind.id), views.get(ind.id, []), result.missing)
            item.value, item.provenance, item.flag = consensus(ind, item.self_value, item.views, item.missing)
            decision = decisions.get((cluster_id, ind.id))
            if decision is not None:
                item.value, item.provenance, item.decision = decision.value, ARBITRATION, decision
            result.items.append(item)
        yield result

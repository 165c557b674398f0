"""Training needs: which indicators and categories most clusters are weak in, and so which
training modules and case studies of the scheme's catalogue to offer, to how many clusters
and to which.

A cluster is weak in an indicator when it earns less than half of the indicator's points,
and weak in a category when its share of the category's points is under half. The rule is
the scheme's, not the peers' (a bottom quartile always holds a quarter of them), so that
two campaigns compare. The clusters counted are the peers: the register's history and the
campaign, each cluster once, its latest assessment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from excelcert.base.lazy import lazy_module
from excelcert.benchmark.peers import Peers
from excelcert.scheme.model import Scheme, Topic

if TYPE_CHECKING:  # numpy: imported when first used (excelcert.base.lazy)
    import numpy as np
else:
    np = lazy_module("numpy")

WEAK_SHARE = 0.5  # under half of the points: weak


@dataclass
class Need:
    """An indicator, category or topic, and the clusters weak in it (or needing it)."""

    id: str
    clusters: list[str] = field(default_factory=list)  # cluster ids, in the peer table's order
    assessed: int = 0  # how many clusters have a value for it

    @property
    def count(self) -> int:
        return len(self.clusters)

    @property
    def share(self) -> float:
        """The share of the clusters assessed on it, in percent."""
        return 100 * self.count / self.assessed if self.assessed else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "clusters": self.clusters, "count": self.count, "share": round(self.share, 1)}


@dataclass
class TrainingNeeds:
    peers: int
    current: list[str]  # the campaign's own clusters (to whom training is offered first)
    indicators: list[Need]  # most clusters weak first
    categories: list[Need]
    topics: list[tuple[Topic, Need]]  # the catalogue, most needed first; a topic needed by none last

    def to_json(self) -> dict[str, Any]:
        return {
            "peers": self.peers,
            "indicators": [n.to_json() for n in self.indicators],
            "categories": [n.to_json() for n in self.categories],
            "topics": [{"topic": t.id, "kind": t.kind, **n.to_json()} for t, n in self.topics],
        }


def training_needs(scheme: Scheme, peers: Peers) -> TrainingNeeds:
    table = peers.table
    ids = [str(i) for i in table.index]

    def need(measure: str, maximum: float) -> Need:
        values = table[measure].to_numpy(dtype=float)
        known = ~np.isnan(values)
        weak = known & (values < WEAK_SHARE * maximum)
        return Need(measure, [ids[n] for n in np.flatnonzero(weak)], int(known.sum()))

    indicators = [need(i.id, i.max_points) for i in scheme.indicators if i.max_points > 0]
    categories = [need(c.id, 100.0) for c in scheme.categories if scheme.category_points(c.id) > 0]
    weak_in = {n.id: set(n.clusters) for n in indicators}
    assessed = {n.id: n.assessed for n in indicators}
    topics: list[tuple[Topic, Need]] = []
    for topic in scheme.topics:
        addressed = [i.id for i in scheme.indicators if topic.id in i.topics and i.id in weak_in]
        needing = set().union(*(weak_in[i] for i in addressed)) if addressed else set()
        topics.append(
            (topic, Need(topic.id, [c for c in ids if c in needing], max((assessed[i] for i in addressed), default=0)))
        )
    indicators.sort(key=lambda n: (-n.share, n.id))
    categories.sort(key=lambda n: (-n.share, n.id))
    topics.sort(key=lambda pair: (-pair[1].count, pair[0].id))
    return TrainingNeeds(len(table), list(peers.current), indicators, categories, topics)

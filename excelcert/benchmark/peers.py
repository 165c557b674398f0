"""The peers a cluster is benchmarked against, as one table.

Every assessment the register holds (the history of every campaign attached to it,
labelled or not) and the current campaign's scored clusters, each cluster counted once:
its latest assessment (the current campaign's when it has one). Only assessments under the
same scheme (its id; versions may differ) are comparable: the others are left out, and
an indicator a peer's version did not have is missing for it, never counted as zero.

The table has a row per cluster (indexed by cluster id) with who it is (campaign, month
assessed, country, sector, label and its rank) and its measures: `total` (the share of
the maximum points, in percent), each category's share in percent, and each indicator's
points.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from excelcert.base.lazy import lazy_module
from excelcert.base.ledger import Ledger
from excelcert.campaign.config import Campaign
from excelcert.campaign.roster import Cluster
from excelcert.register.store import Assessment
from excelcert.scheme.model import Scheme

if TYPE_CHECKING:  # pandas and numpy: imported when first used (excelcert.base.lazy)
    import numpy as np
    import pandas as pd
else:
    np = lazy_module("numpy")
    pd = lazy_module("pandas")

TOTAL = "total"
IDENTITY = ("campaign_id", "assessed", "country", "sector", "label", "label_rank")


@dataclass
class Peers:
    """The peer table, and which of its rows are the current campaign's clusters."""

    table: pd.DataFrame
    measures: list[str]  # TOTAL, the categories, the indicators: the table's numeric columns
    current: list[str] = field(default_factory=list)  # the campaign's scored clusters, in roster order
    campaigns: int = 0  # how many campaigns the peers come from
    sectors: dict[str, dict[str, str]] = field(default_factory=dict)  # sector -> language -> name (the roster's)


def measures_of(scheme: Scheme) -> list[str]:
    """The measures benchmarked: the total share, each category's share, each indicator's points."""
    return [TOTAL, *(c.id for c in scheme.categories), *(i.id for i in scheme.indicators)]


def campaign_assessments(
    campaign: Campaign, scheme: Scheme, clusters: list[Cluster], ledger: Ledger
) -> list[Assessment]:
    """The current campaign's scored clusters (their latest score in the ledger), as assessments."""
    by_id = {c.id: c for c in clusters}
    out = []
    for stored in ledger.latest_scores(detail=("points",)):
        cluster = by_id.get(stored.cluster_id)
        if cluster is None:  # scored once, since left the roster
            continue
        label = stored.label
        rank = next((r.order for r in scheme.labels if r.id == label), 0)
        out.append(
            Assessment(
                campaign_id=campaign.id,
                cluster_id=cluster.id,
                name=cluster.name,
                country=cluster.country,
                sector=cluster.group,
                assessed=stored.computed_at[:7],
                scheme_id=scheme.id,
                scheme_version=scheme.version,
                label=label,
                label_rank=rank,
                points=stored.total,
                max_points=stored.max_points,
                indicator_points=stored.detail.get("points") or {},  # read for this: not copied again
            )
        )
    order = {c.id: n for n, c in enumerate(clusters)}
    return sorted(out, key=lambda a: order[a.cluster_id])


def peer_table(scheme: Scheme, history: Iterable[Assessment], current: list[Assessment]) -> Peers:
    """The peers: `history` (oldest first) then `current`, each cluster's latest kept."""
    rows = [a for a in history if a.scheme_id == scheme.id] + list(current)
    indicators = [i.id for i in scheme.indicators]
    column = {ind: n for n, ind in enumerate(indicators)}
    frame = pd.DataFrame.from_records([a.indicator_points for a in rows], columns=indicators) if rows else None
    points = (
        frame.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        if frame is not None
        else np.empty((0, len(indicators)))
    )
    table = pd.DataFrame(points, columns=indicators)
    table.insert(0, TOTAL, [100 * a.points / a.max_points if a.max_points else np.nan for a in rows])
    for n, cat in enumerate(scheme.categories):
        members = [column[i.id] for i in scheme.indicators_in(cat.id)]
        maximum = scheme.category_points(cat.id)
        block = points[:, members]
        present = ~np.isnan(block).all(axis=1) if members else np.zeros(len(rows), dtype=bool)
        share = np.where(present, 100 * np.nansum(block, axis=1) / maximum if maximum else np.nan, np.nan)
        table.insert(1 + n, cat.id, share)
    identity = pd.DataFrame(
        {
            "cluster_id": [a.cluster_id for a in rows],
            "campaign_id": [a.campaign_id for a in rows],
            "assessed": [a.assessed for a in rows],
            "country": [a.country for a in rows],
            "sector": [a.sector for a in rows],
            "label": [a.label or "" for a in rows],
            "label_rank": [a.label_rank for a in rows],
        }
    )
    table = pd.concat([identity, table], axis=1)
    table = table.drop_duplicates("cluster_id", keep="last").set_index("cluster_id")
    return Peers(
        table=table,
        measures=measures_of(scheme),
        current=[a.cluster_id for a in current],
        campaigns=int(table["campaign_id"].nunique()),
    )

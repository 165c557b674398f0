"""Each cluster against its peer groups: same sector, same country, everyone, and the
excellence group; the groups' median and quartiles per measure, and where the cluster
stands (its percentile; bottom quartile, middle or top quartile).

Confidentiality. What is published of a group is its number of members and, per measure,
its quartiles and median: never a mean of values, a sum, a minimum or a maximum (a mean and
a count give a sum, and the sums of two groups give the values of the clusters between
them).
A group is not shown at all when:

- it has fewer than k members (k: `benchmark: min_group` in campaign.yaml, 5 by default);
- it lies inside a larger group that is shown, and the two differ by fewer than k clusters
  (but not by none): the quartiles of a group and of the same group with one more cluster
  can give that cluster's value (the median of 6 is the mean of the 3rd and 4th: add one
  value between the 3rd and the 4th of 5 and the new median gives it away). So a sector
  that holds all peers but one is hidden; a sector that holds them all is shown (it says
  nothing "everyone" does not).

The same rules apply per measure, to the members that have a value for it (a peer
assessed under an older version of the scheme may lack an indicator). Groups are decided
once for the whole campaign, never per cluster, so that two clusters' reports never show
two versions of a group.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from excelcert.base.lazy import lazy_module
from excelcert.benchmark.peers import TOTAL, Peers
from excelcert.scheme.model import Scheme

if TYPE_CHECKING:  # pandas and numpy: imported when first used (excelcert.base.lazy)
    import numpy as np
    import pandas as pd
else:
    np = lazy_module("numpy")
    pd = lazy_module("pandas")

DEFAULT_MIN_GROUP = 5
SECTOR, COUNTRY, EVERYONE, EXCELLENCE = "sector", "country", "everyone", "excellence"
CAMPAIGN = "campaign"  # the campaign's own scored clusters: what the campaign report's figures are over
KINDS = (SECTOR, COUNTRY, EVERYONE, EXCELLENCE, CAMPAIGN)
BOTTOM, MIDDLE, TOP = "bottom", "middle", "top"  # where a cluster stands: bottom quartile, middle, top quartile
TOP_DECILE = 0.1


@dataclass(frozen=True)
class Figures:
    """A group's figures on one measure: how many members have a value, quartiles, median."""

    n: int
    q1: float
    median: float
    q3: float

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "q1": _round(self.q1), "median": _round(self.median), "q3": _round(self.q3)}


@dataclass
class Group:
    """A peer group: who it is, how many it holds, and its figures when it may be shown."""

    kind: str  # sector, country, everyone, excellence
    name: str  # the sector or country; "" for everyone and the excellence group
    members: int
    shown: bool
    why: str = ""  # why it is not shown
    figures: dict[str, Figures] = field(default_factory=dict)  # measure -> figures (shown measures only)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}" if self.name else self.kind

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"group": self.key, "kind": self.kind, "name": self.name, "shown": self.shown}
        if self.shown:
            out["members"] = self.members
            out["figures"] = {m: f.to_json() for m, f in self.figures.items()}
        else:
            out["why"] = self.why
        return out


@dataclass
class Standing:
    """A cluster's value on one measure, its percentile in each shown group it is compared
    with, and where it stands in its reference group."""

    value: float | None
    percentiles: dict[str, float] = field(default_factory=dict)  # group key -> percentile (0-100)
    position: str | None = None  # bottom, middle, top, in the reference group


@dataclass
class ClusterBenchmark:
    """A current cluster against its groups. Kept as arrays over the measures (a campaign of
    thousands of clusters is placed at once); `standings` gives them per measure."""

    cluster_id: str
    country: str
    sector: str
    groups: dict[str, str]  # kind -> the key of its group of that kind that is shown
    reference: str | None  # the group it is placed in: its sector's, else everyone's (None if neither is shown)
    measures: list[str] = field(repr=False)
    values: np.ndarray = field(repr=False)  # per measure (NaN: no value)
    percentiles: dict[str, np.ndarray] = field(repr=False)  # group key -> per measure (NaN: not shown)
    positions: list[str | None] = field(repr=False)  # per measure, in the reference group
    strengths: list[str] = field(default_factory=list)  # indicators in the top quartile of its reference group
    gaps: list[str] = field(default_factory=list)  # indicators in its bottom quartile

    @cached_property
    def standings(self) -> dict[str, Standing]:
        """Measure -> the cluster's value, percentile in each shown group, position."""
        out = {}
        for n, measure in enumerate(self.measures):
            value = self.values[n]
            if np.isnan(value):
                out[measure] = Standing(None)
                continue
            pct = {key: float(row[n]) for key, row in self.percentiles.items() if not np.isnan(row[n])}
            out[measure] = Standing(float(value), pct, self.positions[n])
        return out

    def release(self) -> None:
        """Drop the standings cached for a document (computed again when next asked for), so
        that a campaign's clusters do not each keep theirs once their documents are planned."""
        self.__dict__.pop("standings", None)

    def to_json(self) -> dict[str, Any]:
        return {
            "cluster": self.cluster_id,
            "country": self.country,
            "sector": self.sector,
            "groups": self.groups,
            "reference": self.reference,
            "measures": {
                m: {
                    "value": _round(s.value),
                    "percentiles": {g: round(p, 1) for g, p in s.percentiles.items()},
                    "position": s.position,
                }
                for m, s in self.standings.items()
            },
            "strengths": self.strengths,
            "gaps": self.gaps,
        }


@dataclass
class Benchmark:
    """Every scored cluster of the campaign against its peer groups."""

    min_group: int
    peers: int
    campaigns: int
    excellence: str  # how the excellence group was drawn: "label:<id>" or "top-decile"
    measures: list[str]
    groups: list[Group]
    clusters: list[ClusterBenchmark]
    sectors: dict[str, dict[str, str]] = field(default_factory=dict)  # sector -> language -> name (the roster's)

    def sector_name(self, sector: str, lang: str) -> str:
        """A sector as a reader of `lang` reads it, where the roster names it in `lang`; else
        as the roster's (or the register's) `group` has it: the sector is the secretariat's
        data, not a word of excelcert's."""
        return self.sectors.get(sector, {}).get(lang) or sector

    def group(self, key: str) -> Group | None:
        return self._by_key.get(key)

    def cluster(self, cluster_id: str) -> ClusterBenchmark | None:
        return self._by_cluster.get(cluster_id)

    def forget(self, cluster_id: str) -> None:
        """No longer hold the cluster's standing (`cluster` gives None for it, `clusters` leaves
        it out): the documents are done with it once its letter is planned. Each cluster's
        arrays are its own, so a campaign's standings go one by one as its letters are planned."""
        found = self._by_cluster.pop(cluster_id, None)
        for n, cluster in enumerate(self.clusters):  # in roster order, as the letters: the first, mostly
            if cluster is found:
                del self.clusters[n]
                break

    @cached_property
    def _by_key(self) -> dict[str, Group]:  # looked up for every figure of every report: not a search each time
        found: dict[str, Group] = {}
        for g in self.groups:
            found.setdefault(g.key, g)
        return found

    @cached_property
    def _by_cluster(self) -> dict[str, ClusterBenchmark]:
        found: dict[str, ClusterBenchmark] = {}
        for c in self.clusters:
            found.setdefault(c.cluster_id, c)
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "min_group": self.min_group,
            "peers": self.peers,
            "campaigns": self.campaigns,
            "excellence": self.excellence,
            "groups": [g.to_json() for g in self.groups],
            "clusters": [c.to_json() for c in self.clusters],
        }


def _round(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 2)


def excellence_members(scheme: Scheme, table: pd.DataFrame, k: int) -> tuple[np.ndarray, str]:
    """The excellence group: the holders of the scheme's top label, or, where they are fewer
    than k, the top decile by total share (ties at its edge included)."""
    top = scheme.labels_by_rank()[0].id if scheme.labels else ""
    holders = (table["label"] == top).to_numpy() if top else np.zeros(len(table), dtype=bool)
    if holders.sum() >= k:
        return holders, f"label:{top}"
    totals = table[TOTAL].to_numpy(dtype=float)
    valid = totals[~np.isnan(totals)]
    if not len(valid):
        return np.zeros(len(table), dtype=bool), "top-decile"
    size = max(1, math.ceil(TOP_DECILE * len(valid)))
    edge = np.sort(valid)[::-1][size - 1]
    return np.nan_to_num(totals, nan=-np.inf) >= edge, "top-decile"


def benchmark(scheme: Scheme, peers: Peers, k: int = DEFAULT_MIN_GROUP) -> Benchmark:
    """The peer groups with their figures (suppressed below k, see the module's text), and
    every current cluster's standing in them."""
    table, measures = peers.table, peers.measures
    values = table[measures].to_numpy(dtype=float)
    present = ~np.isnan(values)
    masks: list[tuple[str, str, np.ndarray]] = [(EVERYONE, "", np.ones(len(table), dtype=bool))]
    for kind in (SECTOR, COUNTRY):
        column = table[kind].to_numpy()
        for name in sorted({str(v) for v in column if v}):
            masks.append((kind, name, column == name))
    excellent, basis = excellence_members(scheme, table, k)
    masks.append((EXCELLENCE, "", excellent))
    if peers.current:  # published too (the campaign report): decided with the others, so never differenced
        masks.append((CAMPAIGN, "", table.index.isin(peers.current)))
    groups, shown_masks = _decide(masks, present, measures, k)
    for group, mask in zip(groups, shown_masks, strict=True):
        if group.shown and mask is not None:
            _figures(group, values[mask], measures)
    clusters = _standings(scheme, peers, values, groups, shown_masks)
    return Benchmark(
        min_group=k,
        peers=len(table),
        campaigns=peers.campaigns,
        excellence=basis,
        measures=measures,
        groups=groups,
        clusters=clusters,
        sectors=peers.sectors,
    )


def _decide(
    masks: list[tuple[str, str, np.ndarray]], present: np.ndarray, measures: list[str], k: int
) -> tuple[list[Group], list[np.ndarray | None]]:
    """Which groups (and, per group, which measures) may be shown: largest first, each
    against the groups already shown that contain it."""
    order = sorted(range(len(masks)), key=lambda n: -int(masks[n][2].sum()))
    groups: list[Group | None] = [None] * len(masks)
    shown: list[tuple[Group, np.ndarray, np.ndarray]] = []  # group, its mask, its count per measure
    allowed: dict[int, np.ndarray] = {}
    for n in order:
        kind, name, mask = masks[n]
        members = int(mask.sum())
        group = Group(kind, name, members, shown=False)
        groups[n] = group
        counts = present[mask].sum(axis=0)
        if members < k:
            group.why = f"fewer than {k} members"
            continue
        ok = counts >= k
        why = ""
        for other, other_mask, other_counts in shown:
            if (mask & ~other_mask).any():
                continue  # not inside the other group: the two cannot be differenced
            differ = other.members - members
            if 0 < differ < k:
                why = (
                    f"differs from the group {other.key} by {differ} member{'s' if differ > 1 else ''}, fewer than {k}"
                )
                break
            apart = other_counts - counts
            ok &= (apart == 0) | (apart >= k)
        if why:
            group.why = why
            continue
        group.shown = True
        allowed[n] = ok
        shown.append((group, mask, counts))
    out_groups = [g for g in groups if g is not None]
    out_masks: list[np.ndarray | None] = []
    for n, group in enumerate(out_groups):
        out_masks.append(masks[n][2] if group.shown else None)
        if group.shown:
            group.figures = {m: Figures(0, 0, 0, 0) for m, keep in zip(measures, allowed[n], strict=True) if keep}
    return out_groups, out_masks


def _figures(group: Group, values: np.ndarray, measures: list[str]) -> None:
    """The quartiles and median of the group's members, per measure it may show."""
    wanted = [n for n, m in enumerate(measures) if m in group.figures]
    if not wanted:
        return
    block = values[:, wanted]
    gaps = np.isnan(block).any(axis=0)
    q = np.empty((3, len(wanted)))
    if (~gaps).any():  # numpy's quantile is vectorised; nanquantile goes column by column
        q[:, ~gaps] = np.quantile(block[:, ~gaps], [0.25, 0.5, 0.75], axis=0)
    if gaps.any():
        q[:, gaps] = np.nanquantile(block[:, gaps], [0.25, 0.5, 0.75], axis=0)
    counts = (~np.isnan(block)).sum(axis=0)
    for j, n in enumerate(wanted):
        group.figures[measures[n]] = Figures(int(counts[j]), float(q[0, j]), float(q[1, j]), float(q[2, j]))


def position(value: float, figures: Figures) -> str:
    """Where a value stands in a group: bottom quartile, top quartile, or the middle. A value
    on a quartile that is also the median (all at the maximum, or half the group on one
    value) is the middle: no better, no worse than the typical peer."""
    if value < figures.q1 or (value <= figures.q1 < figures.median):
        return BOTTOM
    if value > figures.q3 or (value >= figures.q3 > figures.median):
        return TOP
    return MIDDLE


def _standings(
    scheme: Scheme, peers: Peers, values: np.ndarray, groups: list[Group], masks: list[np.ndarray | None]
) -> list[ClusterBenchmark]:
    """Every current cluster placed in its shown groups, all at once per group and measure."""
    table, measures = peers.table, peers.measures
    index = {cid: n for n, cid in enumerate(table.index)}
    rows = np.array([index[c] for c in peers.current if c in index], dtype=int)
    count, width = len(rows), len(measures)
    mine = values[rows] if count else np.empty((0, width))
    sectors = table["sector"].to_numpy()[rows].astype(str) if count else np.array([], dtype=str)
    countries = table["country"].to_numpy()[rows].astype(str) if count else np.array([], dtype=str)
    by_key = {g.key: g for g in groups}
    # group key -> (per current cluster, its row in the group's array, -1 outside the group;
    # the array: (the current clusters in the group, measures), NaN where not shown). Only the
    # clusters inside a group have a row: a sector's holds its own clusters, not the campaign's.
    percentiles: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for group, mask in zip(groups, masks, strict=True):
        if not group.shown or mask is None:
            continue
        if group.kind == SECTOR:
            inside = sectors == group.name
        elif group.kind == COUNTRY:
            inside = countries == group.name
        else:
            inside = np.ones(count, dtype=bool)
        at = np.where(inside, np.cumsum(inside) - 1, -1)
        pct = np.full((int(inside.sum()), width), np.nan)
        block = values[mask]
        for n, measure in enumerate(measures):
            if measure not in group.figures or not inside.any():
                continue
            column = np.sort(block[:, n][~np.isnan(block[:, n])])
            wanted = mine[inside, n]
            below = np.searchsorted(column, wanted, "left")
            equal = np.searchsorted(column, wanted, "right") - below
            placed = 100 * (below + equal / 2) / len(column)
            placed[np.isnan(wanted)] = np.nan
            pct[:, n] = placed
        percentiles[group.key] = (at, pct)

    def row_of(key: str, k: int) -> np.ndarray:
        at, pct = percentiles[key]
        row: np.ndarray = pct[at[k]]
        return row

    indicators = np.array([m not in (TOTAL, *(c.id for c in scheme.categories)) for m in measures])
    # where each cluster stands in its reference group (its sector's, else everyone's), all at once per group
    references: list[str | None] = []
    for k in range(count):
        sector_key = f"{SECTOR}:{sectors[k]}"
        references.append(sector_key if sector_key in percentiles else EVERYONE if EVERYONE in percentiles else None)
    codes = np.zeros((count, width), dtype=np.int8)  # 0 none, 1 bottom, 2 middle, 3 top
    for key in set(references) - {None}:
        assert key is not None
        who = np.array([r == key for r in references])
        figures = by_key[key].figures
        q1 = np.array([figures[m].q1 if m in figures else np.nan for m in measures])
        q2 = np.array([figures[m].median if m in figures else np.nan for m in measures])
        q3 = np.array([figures[m].q3 if m in figures else np.nan for m in measures])
        v = mine[who]
        known = ~np.isnan(v) & ~np.isnan(q1)
        with np.errstate(invalid="ignore"):  # as position(): on a quartile that is the median, the middle
            bottom = (v < q1) | ((v <= q1) & (q1 < q2))
            top = (v > q3) | ((v >= q3) & (q3 > q2))
        codes[who] = np.where(known, np.where(bottom, 1, np.where(top, 3, 2)), 0)
    names = (None, BOTTOM, MIDDLE, TOP)
    out = []
    for k in range(count):
        sector, country = str(sectors[k]), str(countries[k])
        keys = {
            SECTOR: f"{SECTOR}:{sector}" if sector else "",
            COUNTRY: f"{COUNTRY}:{country}" if country else "",
            EVERYONE: EVERYONE,
            EXCELLENCE: EXCELLENCE,
        }
        mine_groups = {kind: key for kind, key in keys.items() if key in percentiles}
        reference = references[k]
        row = codes[k]
        strengths: list[str] = []
        gaps: list[str] = []
        if reference is not None:
            order = np.argsort(row_of(reference, k), kind="stable")
            ranked = [int(n) for n in order if indicators[n] and row[n]]
            strengths = [measures[n] for n in reversed(ranked) if row[n] == 3]
            gaps = [measures[n] for n in ranked if row[n] == 1]
        out.append(
            ClusterBenchmark(
                cluster_id=str(table.index[rows[k]]),
                country=country,
                sector=sector,
                groups=mine_groups,
                reference=reference,
                measures=measures,
                # its own copies, not views of the campaign's arrays: each goes with its cluster (`forget`)
                values=mine[k].copy(),
                percentiles={},  # below
                positions=[names[c] for c in row.tolist()],
                strengths=strengths,
                gaps=gaps,
            )
        )
    # each cluster's percentiles copied out of its groups' arrays a group at a time, in the
    # order of the kinds (as its groups are), and each group's array dropped once copied: the
    # copies and every array are never held at once
    for kind in (SECTOR, COUNTRY, EVERYONE, EXCELLENCE):
        for key in [key for key in percentiles if key == kind or key.startswith(f"{kind}:")]:
            at, pct = percentiles.pop(key)
            for k, cluster in enumerate(out):
                if cluster.groups.get(kind) == key:
                    cluster.percentiles[key] = pct[at[k]].copy()
    percentiles.clear()
    return out

"""Reconciliation: per cluster and indicator, the cluster's value next to each reviewer's,
and the rule that turns them into a consensus or a flag for arbitration.

The rule (`consensus`):
- every view the same (the cluster's and each reviewer's): the value stands ("self");
- numbers whose views all lie within the indicator's tolerance of each other: the
  reviewers' median ("reviewers");
- anything else (reviewers who disagree with each other, or with the cluster beyond the
  tolerance) is flagged for arbitration, and so is a difference while an assigned
  reviewer has not returned their review.
A cluster nobody has reviewed yet keeps its own values ("self", not reviewed).
Final values are decided in one place, `excelcert.review.final`, which applies this rule and
the arbitration decisions.
"""

from __future__ import annotations

import math
import statistics
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from excelcert.base.ledger import Decision
from excelcert.scheme.model import Indicator, Scheme

if TYPE_CHECKING:  # numpy is imported where the statistics are computed
    import numpy as np
    import numpy.typing as npt

SELF, REVIEWERS, ARBITRATION, PENDING = "self", "reviewers", "arbitration", "pending arbitration"


@dataclass(frozen=True, slots=True)  # one per reviewer and indicator: no __dict__ each
class View:
    """One reviewer's view of one indicator."""

    reviewer_id: str
    value: Any
    points: float | None  # the points the reviewer gives (None: not given)
    agreement: str | None
    comment: str = ""


@dataclass(slots=True)
class Item:
    """One cluster's indicator, reconciled."""

    cluster_id: str
    indicator_id: str
    self_value: Any
    views: list[View] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # assigned reviewers whose review is not in
    value: Any = None  # the final value
    provenance: str = SELF
    flag: str = ""  # why it needs arbitration ('' if it does not)
    decision: Decision | None = None  # the arbitration that settled it


def same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    if isinstance(a, list) and isinstance(b, list):
        return sorted(a) == sorted(b)
    equal: bool = a == b  # parsed answers: numbers, text, choice values, dates
    return equal


def consensus(ind: Indicator, self_value: Any, views: list[View], missing: list[str]) -> tuple[Any, str, str]:
    """(value, provenance, flag) for one indicator of one cluster, from the views in."""
    if not views:
        return self_value, SELF, ""
    values = [v.value for v in views]
    if all(same(x, self_value) for x in values):
        return self_value, SELF, ""
    waiting = f"; the review of {', '.join(missing)} is not in yet" if missing else ""
    numbers = [self_value, *values]
    if ind.is_numeric and all(isinstance(x, (int, float)) for x in numbers):
        tolerance = ind.tolerance or 0
        if max(numbers) - min(numbers) <= tolerance + 1e-9:
            return statistics.median(values), REVIEWERS, ""
        if max(values) - min(values) > tolerance + 1e-9:
            return self_value, PENDING, f"the reviewers differ by more than the tolerance ({tolerance:g}){waiting}"
        return (
            self_value,
            PENDING,
            (f"the reviewers' value differs from the cluster's by more than the tolerance ({tolerance:g}){waiting}"),
        )
    if any(not same(x, values[0]) for x in values):
        return self_value, PENDING, f"the reviewers disagree{waiting}"
    return self_value, PENDING, f"the reviewers do not confirm the cluster's answer{waiting}"


def points_of(ind: Indicator, view: View) -> float:
    """The points a reviewer gives, or (when they gave none) what their value earns."""
    return view.points if view.points is not None else ind.points_for(view.value)


@dataclass
class Statistics:
    alpha: dict[str, float | None]  # indicator -> Krippendorff's alpha of reviewers' points (interval)
    overstatement: list[tuple[str, float, int]]  # (indicator, mean self points - final points, clusters)


def campaign_statistics(scheme: Scheme, items: Iterable[Item]) -> Statistics:
    """Inter-rater agreement per indicator and where clusters overstate most."""
    agreement = Agreement(scheme)
    agreement.add(items)
    return agreement.statistics()


class Agreement:
    """`campaign_statistics` gathered a cluster at a time (`add` its items, in the campaign's
    order), so that no campaign-wide list of items is held: per indicator, the reviewers'
    points (a column of floats per reviewer slot, NaN where a cluster has fewer reviewers)
    and the gaps between the cluster's points and the final ones."""

    def __init__(self, scheme: Scheme):
        self.scheme = scheme
        self._indicators = {ind.id: ind for ind in scheme.indicators}
        self._slots: dict[str, list[array[float]]] = {ind.id: [] for ind in scheme.indicators}
        self._gaps: dict[str, array[float]] = {ind.id: array("d") for ind in scheme.indicators}

    def add(self, items: Iterable[Item]) -> None:
        for item in items:
            ind = self._indicators.get(item.indicator_id)
            if ind is None or not item.views:
                continue
            gaps, slots = self._gaps[ind.id], self._slots[ind.id]
            units = len(gaps)  # reviewed items so far: the columns' length
            while len(slots) < len(item.views):  # a slot not seen yet: NaN for the items before
                slots.append(array("d", [math.nan]) * units)
            views = sorted(item.views, key=lambda v: v.reviewer_id)
            for slot, column in enumerate(slots):
                column.append(points_of(ind, views[slot]) if slot < len(views) else math.nan)
            gaps.append(ind.points_for(item.self_value) - ind.points_for(item.value))

    def statistics(self) -> Statistics:
        import numpy as np

        alpha: dict[str, float | None] = {}
        overstated: list[tuple[str, float, int]] = []
        for ind in self.scheme.indicators:
            slots, gaps = self._slots[ind.id], self._gaps[ind.id]
            alpha[ind.id] = None
            if len(slots) >= 2 and len(gaps) >= 2:
                # coders = reviewer slots (first, second...) since each cluster has its own reviewers
                alpha[ind.id] = _alpha(np.array([np.frombuffer(column) for column in slots], dtype=float))
            if gaps:
                overstated.append((ind.id, sum(gaps) / len(gaps), len(gaps)))
        overstated.sort(key=lambda x: (-x[1], x[0]))
        return Statistics(alpha, [o for o in overstated if o[1] > 0])


def _alpha(data: npt.NDArray[np.float64]) -> float | None:
    import krippendorff
    import numpy as np

    values = data[~np.isnan(data)]
    if values.size == 0:
        return None
    if np.all(values == values[0]):
        return 1.0  # every reviewer gave the same points everywhere: perfect agreement
    try:
        result = float(krippendorff.alpha(reliability_data=data, level_of_measurement="interval"))
    except (ValueError, ZeroDivisionError):
        return None
    return None if np.isnan(result) else result

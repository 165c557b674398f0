"""Points and labels, from the final values (`excelcert.review.final`), by the scheme's rules.

For each cluster whose final values answer every required indicator: points per
indicator and category, the total and its share of the maximum, the eligibility
criteria met, the label (the best whose rule holds) with the reason, and a gap analysis:
the fewest indicator improvements that would reach the next label. The rules are data
(`LabelRule`); one function (`label_for`) applies them, and each threshold is computed
in one place (`threshold_points`), so a letter and its chart cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, TypeVar

from excelcert.scheme.model import LabelRule, Scheme

V = TypeVar("V")


class Keyed(Mapping[str, V]):
    """A read-only dict in a fraction of its memory: its values in a tuple, its keys (in
    order) shared by every mapping made with the same keys. A campaign's scores hold five
    mappings of the scheme's indicators or categories per cluster."""

    __slots__ = ("_at", "_values")
    _indexes: dict[tuple[str, ...], dict[str, int]] = {}  # keys in order -> their positions

    def __init__(self, items: Mapping[str, V]):
        keys = tuple(items)
        at = Keyed._indexes.get(keys)
        if at is None:
            at = Keyed._indexes.setdefault(keys, {key: n for n, key in enumerate(keys)})
        self._at = at
        self._values = tuple(items.values())

    def __getitem__(self, key: str) -> V:
        return self._values[self._at[key]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, key: object) -> bool:
        return key in self._at

    def __repr__(self) -> str:
        return repr(dict(self.items()))

    def __reduce__(self) -> tuple[Any, ...]:  # pickled as the dict it stands for
        return (Keyed, (dict(self.items()),))


@dataclass(frozen=True, slots=True)
class Improvement:
    indicator_id: str
    points: float  # now
    max_points: float
    needed_for: str  # "points", or "threshold" when the rule demands it be met

    @property
    def gain(self) -> float:
        return self.max_points - self.points


@dataclass(slots=True)
class Gap:
    """What the next label would take."""

    label: str  # rule id
    points_short: float  # points missing to its threshold (0 if none)
    improvements: list[Improvement] = field(default_factory=list)
    needs_review: bool = False


@dataclass(slots=True)  # a campaign's results hold one per cluster: no __dict__ each
class Score:
    cluster_id: str
    points: Mapping[str, float]  # indicator -> points
    met: Mapping[str, bool]
    category_points: Mapping[str, float]
    total: float
    max_points: float
    reviewed: bool
    label: str | None  # rule id, None for no label
    reason: str  # why this label (and not the next one)
    failed: list[Lack] = field(default_factory=list)  # what the next label's rule lacks
    eligibility: Mapping[str, bool] = field(default_factory=dict)
    gap: Gap | None = None
    provenance: Mapping[str, str] = field(default_factory=dict)

    @property
    def share(self) -> float:
        """Share of the maximum, in percent."""
        return 100 * self.total / self.max_points if self.max_points else 0.0

    def as_dict(self) -> dict[str, Any]:
        """What `dataclasses.asdict` gives of it, every mapping a dict (for JSON)."""
        mappings = {name: dict(getattr(self, name)) for name in _MAPPINGS}
        plain = asdict(replace(self, points={}, met={}, category_points={}, eligibility={}, provenance={}))
        plain.update(mappings)  # the same keys: the order of the fields is kept
        return plain


_MAPPINGS = ("points", "met", "category_points", "eligibility", "provenance")


def threshold_points(scheme: Scheme, rule: LabelRule) -> float:
    """The points a label's rule demands: the one value text and charts both use."""
    return scheme.total_points * rule.min_percent / 100


def rule_indicators(scheme: Scheme, rule: LabelRule) -> list[str]:
    """The indicators a label's rule needs met (eligibility criteria, then must_meet)."""
    ids = [i.id for i in scheme.indicators if i.eligibility] if rule.eligibility else []
    return ids + [i for i in rule.must_meet if i not in ids]


@dataclass(frozen=True, slots=True)
class Lack:
    """One thing a label's rule lacks: points, indicators to meet, or a review."""

    kind: str  # "points", "not met", "review"
    label: str  # the rule's id
    need: float = 0  # points demanded (kind "points")
    percent: float = 0
    total: float = 0
    indicators: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.kind == "points":
            return f"{self.label} needs {_num(self.need)} points ({_num(self.percent)} %), {_num(self.total)} reached"
        if self.kind == "not met":
            return f"{self.label} needs met: {', '.join(self.indicators)}"
        return f"{self.label} needs a reviewed assessment"


def unmet(scheme: Scheme, rule: LabelRule, total: float, met: dict[str, bool], reviewed: bool) -> list[Lack]:
    """What `rule` lacks; empty when the label is earned."""
    lacks = []
    need = threshold_points(scheme, rule)
    if total + 1e-9 < need:
        lacks.append(Lack("points", rule.id, need, rule.min_percent, total))
    missing = tuple(i for i in rule_indicators(scheme, rule) if not met.get(i))
    if missing:
        lacks.append(Lack("not met", rule.id, indicators=missing))
    if rule.reviewed and not reviewed:
        lacks.append(Lack("review", rule.id))
    return lacks


def label_for(
    scheme: Scheme, total: float, met: dict[str, bool], reviewed: bool
) -> tuple[LabelRule | None, str, list[Lack]]:
    """(the best label whose rule holds, the reason in words, what the next label lacks)."""
    ranked = scheme.labels_by_rank()
    summary = (
        f"{_num(total)} of {_num(scheme.total_points)} points ({_num(100 * total / scheme.total_points)} %)"
        if scheme.total_points
        else f"{_num(total)} points"
    )
    for n, rule in enumerate(ranked):
        if not unmet(scheme, rule, total, met, reviewed):
            better = ranked[n - 1] if n else None
            failed = unmet(scheme, better, total, met, reviewed) if better else []
            reason = f"{rule.id}: {summary}, its rule holds"
            if failed:
                reason += "; " + "; ".join(map(str, failed))
            return rule, reason, failed
    lowest = ranked[-1] if ranked else None
    failed = unmet(scheme, lowest, total, met, reviewed) if lowest else []
    return None, f"no label: {summary}; " + "; ".join(map(str, failed)), failed


def gap_to(
    scheme: Scheme, rule: LabelRule, points: dict[str, float], met: dict[str, bool], total: float, reviewed: bool
) -> Gap:
    """The fewest indicator improvements that reach `rule`: first every indicator the rule
    needs met, then the largest possible gains until the threshold is reached."""
    short = max(0.0, threshold_points(scheme, rule) - total)
    gap = Gap(rule.id, short, needs_review=rule.reviewed and not reviewed)
    chosen: set[str] = set()
    for ind_id in rule_indicators(scheme, rule):
        if not met.get(ind_id):
            ind = scheme.indicator(ind_id)
            gap.improvements.append(Improvement(ind_id, points[ind_id], ind.max_points, "threshold"))
            chosen.add(ind_id)
    remaining = short - sum(i.gain for i in gap.improvements)
    candidates = sorted(
        (i for i in scheme.indicators if i.id not in chosen and i.max_points > points[i.id]),
        key=lambda i: (-(i.max_points - points[i.id]), i.id),
    )
    for ind in candidates:
        if remaining <= 1e-9:
            break
        gap.improvements.append(Improvement(ind.id, points[ind.id], ind.max_points, "points"))
        remaining -= ind.max_points - points[ind.id]
    return gap


def tally(scheme: Scheme, values: dict[str, Any]) -> tuple[dict[str, float], dict[str, bool], dict[str, float]]:
    """(points per indicator, quality threshold met per indicator, points per category) of
    parsed answers: the scheme's rules, for a workbook's cached values and for scoring alike."""
    points = {i.id: (i.points_for(values.get(i.id)) if _given(values.get(i.id)) else 0) for i in scheme.indicators}
    met = {i.id: bool(_given(values.get(i.id)) and i.is_met(values.get(i.id))) for i in scheme.indicators}
    categories = {c.id: sum(points[i.id] for i in scheme.indicators_in(c.id)) for c in scheme.categories}
    return points, met, categories


def score(
    scheme: Scheme, cluster_id: str, values: dict[str, Any], *, reviewed: bool, provenance: dict[str, str] | None = None
) -> Score:
    """The score of one cluster's `values` (indicator id -> parsed answer); `provenance` says
    where each value came from, and is kept with the score."""
    points, met, categories = tally(scheme, values)
    total = sum(categories.values())
    rule, reason, failed = label_for(scheme, total, met, reviewed)
    result = Score(
        cluster_id,
        Keyed(points),
        Keyed(met),
        Keyed(categories),
        total,
        scheme.total_points,
        reviewed,
        rule.id if rule else None,
        reason,
        failed,
        Keyed({i.id: met[i.id] for i in scheme.indicators if i.eligibility}),
        provenance=Keyed(provenance or {}),
    )
    ranked = scheme.labels_by_rank(lowest_first=True)
    above = [r for r in ranked if rule is None or r.order > rule.order]
    if above:
        result.gap = gap_to(scheme, above[0], points, met, total, reviewed)
    return result


def missing_required(scheme: Scheme, values: dict[str, Any]) -> list[str]:
    """The required indicators without a value (empty when the assessment is complete)."""
    return [i.id for i in scheme.indicators if i.required and not _given(values.get(i.id))]


def _given(value: Any) -> bool:
    return value not in (None, "", [], ())


def _num(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"

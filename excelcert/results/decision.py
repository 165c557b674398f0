"""Why a cluster holds its label and not the next one, in words it can act on.

For each thing the next label's rule lacks: the points missing, the review still to come,
or an indicator below its quality level. For such an indicator: its name, the level
required (in the question's own words), the final answer and where it came from (the
cluster's own answer, the reviewers', or arbitration on a day, with its reason), and
whether meeting it alone would earn the next label. The feedback letter, `score`'s table
and results.xlsx all say it with these sentences.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from excelcert.base.i18n import decision_text, format_date, local_number
from excelcert.review.final import ClusterFinal
from excelcert.review.reconcile import ARBITRATION, PENDING, REVIEWERS
from excelcert.scheme.answers import answer_text, choice_label
from excelcert.scheme.model import PERCENT, SELECT_MULTIPLE, Indicator, Scheme
from excelcert.scoring.rules import Score, threshold_points


@dataclass(frozen=True)
class Blocker:
    """An indicator below its quality level that keeps the cluster from the next label."""

    indicator_id: str
    label: str  # the label (rule id) it blocks
    alone: bool  # reaching the level alone would earn that label


@dataclass
class Decision:
    sentences: list[str] = field(default_factory=list)  # one per thing the next label lacks
    blockers: list[Blocker] = field(default_factory=list)

    def text(self) -> str:
        return " ".join(self.sentences)


def required_level(scheme: Scheme, ind: Indicator, lang: str) -> str:
    """The quality level an indicator must reach, as the question words it."""
    met = ind.met
    if met is None:
        return ""
    if met.choices:
        labels = [choice_label(scheme, ind, c, lang) for c in met.choices]
        if ind.type == SELECT_MULTIPLE:
            return decision_text(lang, "one_of", values="; ".join(labels))
        return f" {decision_text(lang, 'or')} ".join(decision_text(lang, "quoted", text=x) for x in labels)
    unit = scheme.text(ind.unit, lang) if ind.type != PERCENT else ""

    def shown(value: float) -> str:
        text = answer_text(scheme, ind, value, lang) or local_number(value, lang)
        return f"{text} {unit}".strip()

    if met.min is not None and met.max is not None:
        return decision_text(lang, "between", low=shown(met.min), high=shown(met.max))
    if met.min is not None:
        return decision_text(lang, "at_least", value=shown(met.min))
    if met.max is not None:
        return decision_text(lang, "at_most", value=shown(met.max))
    return ""


def source_of(final: ClusterFinal | None, indicator_id: str, lang: str) -> str:
    """Where an indicator's final value came from, in words (arbitration with its day and reason)."""
    item = next((i for i in final.items if i.indicator_id == indicator_id), None) if final else None
    if item is None:
        return decision_text(lang, "src_self")
    if item.provenance == ARBITRATION and item.decision is not None:
        when = item.decision.decided_at[:10]
        try:
            date = format_date(dt.date.fromisoformat(when), lang)
        except ValueError:
            date = when
        reason = item.decision.reason.strip().rstrip(".")
        return decision_text(lang, "src_arbitration" if reason else "src_arbitration_bare", date=date, reason=reason)
    key = {REVIEWERS: "src_reviewers", PENDING: "src_pending", ARBITRATION: "src_arbitration_bare"}.get(
        item.provenance, "src_self"
    )
    return decision_text(lang, key, date="")


def points_when_met(scheme: Scheme, ind: Indicator, now: float) -> float:
    """The fewest points the indicator would earn once it reaches its level (never fewer than now)."""
    met = ind.met
    if met is None:
        return now
    if met.choices and ind.type != SELECT_MULTIPLE:
        return max(now, min(ind.points_for(c) for c in met.choices))
    if met.choices:
        return max(now, now + min(ind.scoring.choices.get(c, 0) for c in met.choices))
    if met.min is not None:
        return max(now, ind.points_for(met.min))
    return now


def explain(scheme: Scheme, score: Score, final: ClusterFinal | None, lang: str, *, you: bool = False) -> Decision:
    """Why `score` holds its label and not the next one, sentence by sentence, in `lang`."""
    out = Decision()
    blocked = [i for lack in score.failed if lack.kind == "not met" for i in lack.indicators]
    others = [lack for lack in score.failed if lack.kind not in ("points", "not met")]
    values: dict[str, Any] = final.values if final else {}
    for lack in score.failed:
        label = scheme.label_name(lack.label, lang)
        if lack.kind == "points":
            out.sentences.append(
                decision_text(
                    lang,
                    "points",
                    label=label,
                    need=_num(lack.need, lang),
                    percent=f"{_num(lack.percent, lang)}\u00a0%",
                    total=_num(lack.total, lang),
                )
            )
        elif lack.kind == "not met":
            for ind_id in lack.indicators:
                ind = scheme.indicator(ind_id)
                now = score.points.get(ind_id, 0.0)
                alone = len(blocked) == 1 and not others
                if alone:
                    need = threshold_points(scheme, scheme.label(lack.label))
                    alone = score.total - now + points_when_met(scheme, ind, now) + 1e-9 >= need
                sentence = decision_text(
                    lang,
                    "blocked",
                    label=label,
                    indicator=scheme.text(ind.name, lang),
                    id=ind_id,
                    level=required_level(scheme, ind, lang),
                    answer=_quoted(answer_text(scheme, ind, values.get(ind_id), lang), lang),
                    source=source_of(final, ind_id, lang),
                )
                if alone:
                    sentence += " " + decision_text(lang, "alone_you" if you else "alone", label=label)
                out.sentences.append(sentence)
                out.blockers.append(Blocker(ind_id, lack.label, alone))
        else:
            out.sentences.append(decision_text(lang, "review", label=label))
    return out


def _num(value: float, lang: str) -> str:
    return local_number(round(value, 1), lang)


def _quoted(answer: str, lang: str) -> str:
    return decision_text(lang, "quoted", text=answer) if answer else decision_text(lang, "no_answer")

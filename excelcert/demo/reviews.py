"""The demo's reviewers filling in their workbooks, and the secretariat arbitrating.

Reviewers mostly agree; some correct a number within the indicator's tolerance; they
leave notes on cells; one clear disagreement between the two reviewers of one cluster
goes to arbitration, which the secretariat decides in the arbitration workbook. Cells are
typed with openpyxl, the way an office suite writes them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from excelcert.base.i18n import AGREEMENTS, local_number, review_text
from excelcert.review.workbook import R_AGREEMENT, R_RCOMMENT, R_RPOINTS, R_VERIFIED
from excelcert.scheme.model import PERCENT, Scheme
from excelcert.scoring.rules import tally

# (cluster, reviewer slot 0 or 1) -> {indicator: (verified value, agreement, comment, note)}
CHANGES: dict[tuple[str, int], dict[str, tuple[Any, str, str, str]]] = {
    ("DE-AUTO-01", 0): {
        "STR-01": (
            158,
            "partly",
            "Two members left in December.",
            "Member list checked: 158 paying members on 31 December.",
        )
    },
    ("FR-AERO-01", 0): {
        "SRV-01": (
            "draft",
            "disagree",
            "The strategy is still a draft: no assembly vote.",
            "Minutes of the general assembly do not show a vote on the strategy.",
        )
    },
    ("HR-ICT-01", 1): {"STR-03": (70, "partly", "Survey sample counted again.", "")},
}
# The appreciation each demo reviewer writes, in the cluster's language, about that cluster's
# results: its strongest and weakest categories and indicators, from its own answers.
APPRECIATION = {
    "en": {
        "strong": (
            "The cluster is strongest in {best} ({best_share} of the points there) and in {second} ({second_share}).",
            "{best_ind} stands out: full marks, with evidence that shows how the cluster works.",
        ),
        "weak": (
            "A start has been made: {best} is the most advanced area so far ({best_share} of the points there).",
            "The team is small but the basics are there; {best_ind} is the best answered indicator.",
        ),
        "advice_strong": (
            "To go further: {weak} ({weak_share} of the points there) has the most room, above all {weak_ind}.",
            "The next gains lie in {weak_ind} and {weak_ind2}.",
        ),
        "advice": (
            "Work first on {weak} ({weak_share} of the points there), starting with {weak_ind}.",
            "{weak_ind} and {weak_ind2} are where the most points are still to be gained.",
        ),
    },
    "fr": {
        "strong": (
            "Le cluster est le plus solide en {best} ({best_share} des points) et en {second} ({second_share}).",
            "L'indicateur {best_ind} se distingue\u202f: tous les points, avec des justificatifs qui montrent "
            "comment le cluster travaille.",
        ),
        "weak": (
            "Un premier pas est fait\u202f: {best} est le domaine le plus avancé ({best_share} des points).",
            "L'équipe est réduite mais les bases sont là\u202f; {best_ind} est l'indicateur le mieux renseigné.",
        ),
        "advice_strong": (
            "Pour aller plus loin\u202f: c'est en {weak} ({weak_share} des points) que la marge est la plus "
            "grande, surtout pour {weak_ind}.",
            "Les prochains progrès se joueront sur {weak_ind} et {weak_ind2}.",
        ),
        "advice": (
            "Travailler d'abord sur {weak} ({weak_share} des points), en commençant par {weak_ind}.",
            "C'est sur {weak_ind} et {weak_ind2} qu'il reste le plus de points à gagner.",
        ),
    },
    "de": {
        "strong": (
            "Der Cluster ist am stärksten im Bereich {best} ({best_share} der Punkte) und im Bereich {second} "
            "({second_share}).",
            "Der Indikator {best_ind} sticht hervor: volle Punktzahl, mit Nachweisen, die zeigen, wie der Cluster "
            "arbeitet.",
        ),
        "weak": (
            "Ein Anfang ist gemacht: Der Bereich {best} ist am weitesten ({best_share} der Punkte).",
            "Das Team ist klein, aber die Grundlagen stehen; {best_ind} ist der am besten beantwortete Indikator.",
        ),
        "advice_strong": (
            "Um weiterzukommen: Im Bereich {weak} ({weak_share} der Punkte) ist am meisten Luft, vor allem bei "
            "{weak_ind}.",
            "Die nächsten Punkte liegen bei {weak_ind} und {weak_ind2}.",
        ),
        "advice": (
            "Zuerst am Bereich {weak} arbeiten ({weak_share} der Punkte), beginnend mit {weak_ind}.",
            "Bei {weak_ind} und {weak_ind2} sind die meisten Punkte zu gewinnen.",
        ),
    },
}


def appreciation_for(scheme: Scheme, values: dict[str, Any], lang: str, slot: int) -> tuple[str, str]:
    """(strengths, recommendations) a demo reviewer writes about a cluster with these answers."""
    points, _met, categories = tally(scheme, values)
    share = {c.id: 100 * categories[c.id] / (scheme.category_points(c.id) or 1) for c in scheme.categories}
    ranked = sorted(scheme.categories, key=lambda c: (-share[c.id], c.order))
    best, second, weak = ranked[0], ranked[1], ranked[-1]
    by_gain = sorted(scheme.indicators, key=lambda i: (-(i.max_points - points[i.id]), i.id))
    in_weak = [i for i in by_gain if i.category == weak.id]
    top = max(scheme.indicators, key=lambda i: (points[i.id] / (i.max_points or 1), i.max_points))
    names = {
        "best": scheme.text(best.name, lang),
        "second": scheme.text(second.name, lang),
        "weak": scheme.text(weak.name, lang),
        "best_share": f"{local_number(round(share[best.id]), lang)}\u00a0%",
        "second_share": f"{local_number(round(share[second.id]), lang)}\u00a0%",
        "weak_share": f"{local_number(round(share[weak.id]), lang)}\u00a0%",
        "best_ind": scheme.text(top.name, lang),
        "weak_ind": scheme.text((in_weak or by_gain)[0].name, lang),
        "weak_ind2": scheme.text(next(i for i in by_gain if i != (in_weak or by_gain)[0]).name, lang),
    }
    texts = APPRECIATION.get(lang, APPRECIATION["en"])
    total = sum(categories.values())
    kind = "strong" if total >= 0.5 * scheme.total_points else "weak"
    advice = "advice_strong" if kind == "strong" else "advice"
    return texts[kind][slot % 2].format(**names), texts[advice][slot % 2].format(**names)


DECISION = (
    "FR-AERO-01",
    "SRV-01",
    "draft",
    # written in the cluster's language (French): the letter quotes it
    "L'assemblée générale n'a pas encore voté la stratégie (procès-verbal du 12 mars) ; "
    "l'expert qui a lu le procès-verbal a raison.",
    "Label committee",
)


def fill_review(
    path: Path,
    target: Path,
    scheme: Scheme,
    cluster_id: str,
    slot: int,
    lang: str,
    cluster_lang: str,
    values: dict[str, Any],
) -> None:
    """The reviewer agrees with every answer, except the changes listed for them; notes on cells;
    the appreciation in the cluster's language, about the cluster's answers (`values`)."""
    import openpyxl
    from openpyxl.comments import Comment

    book = openpyxl.load_workbook(path)
    review = book.worksheets[0]
    changes = CHANGES.get((cluster_id, slot), {})
    agree = review_text(lang, AGREEMENTS[0])
    for row in review.iter_rows(min_row=4):
        key = row[0].value
        if not isinstance(key, str) or key not in {i.id for i in scheme.indicators}:
            continue
        row[R_AGREEMENT].value = agree
        if key in changes:
            value, agreement, comment, note = changes[key]
            ind = scheme.indicator(key)
            if ind.is_choice:
                chosen = next(c for c in scheme.choice_list_of(ind).choices if c.value == value)
                value = scheme.text(chosen.label, lang)
            row[R_VERIFIED].value = value / 100 if ind.type == PERCENT else value
            row[R_RPOINTS].value = ind.points_for(changes[key][0])
            row[R_AGREEMENT].value = review_text(lang, agreement)
            row[R_RCOMMENT].value = comment
            if note:
                row[R_VERIFIED].comment = Comment(note, "Reviewer")
    strengths, recommendations = appreciation_for(scheme, values, cluster_lang, slot)
    appreciation = book.worksheets[1]
    appreciation["B4"].value, appreciation["B6"].value = strengths, recommendations
    book.save(target)


def decide(path: Path) -> bool:
    """The secretariat's decision on the demo's one disagreement, typed into the arbitration
    workbook; False if that item is not in it."""
    import openpyxl

    cluster_id, indicator, value, reason, who = DECISION
    book = openpyxl.load_workbook(path)
    ws = book.worksheets[0]
    done = False
    for row in ws.iter_rows(min_row=4):
        if row[0].value == cluster_id and row[1].value == indicator:
            row[6].value, row[7].value, row[8].value = value, reason, who
            done = True
    book.save(path)
    return done

"""The demo's reviewers filling in their workbooks, and the secretariat arbitrating.

Reviewers mostly agree; some correct a number within the indicator's tolerance; they
leave notes on cells; one clear disagreement between the two reviewers of one cluster
goes to arbitration, which the secretariat decides in the arbitration workbook. Cells are
typed with openpyxl, the way an office suite writes them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from excelcert.base.i18n import AGREEMENTS, review_text
from excelcert.review.workbook import R_AGREEMENT, R_RCOMMENT, R_RPOINTS, R_VERIFIED
from excelcert.scheme.model import PERCENT, Scheme

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
APPRECIATION = {
    "en": (
        "A committed team with a clear member focus and well-run services.",
        "Write down the strategy's targets and measure them every year.",
    ),
    "fr": (
        "Une équipe engagée, proche de ses membres, et des services bien conduits.",
        "Formaliser les objectifs de la stratégie et les mesurer chaque année.",
    ),
    "de": (
        "Ein engagiertes Team mit klarem Mitgliederfokus und gut geführten Angeboten.",
        "Die Ziele der Strategie schriftlich festlegen und jährlich messen.",
    ),
}
DECISION = (
    "FR-AERO-01",
    "SRV-01",
    "draft",
    # written in the cluster's language (French): the letter quotes it
    "L'assemblée générale n'a pas encore voté la stratégie (procès-verbal du 12 mars) ; "
    "l'expert qui a lu le procès-verbal a raison.",
    "Label committee",
)


def fill_review(path: Path, target: Path, scheme: Scheme, cluster_id: str, slot: int, lang: str) -> None:
    """The reviewer agrees with every answer, except the changes listed for them; notes on cells."""
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
    strengths, recommendations = APPRECIATION.get(lang, APPRECIATION["en"])
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

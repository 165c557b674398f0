"""The reviewer workbook: one per assignment, in the reviewer's language.

Sheets:
    Review        one row per indicator: the cluster's answer, evidence, comment and
                  points (read-only), then the reviewer's verified value (prefilled with
                  the cluster's), agreement, points and comment, in yellow cells
    Appreciation  strengths and recommendations, two large cells
    _excelcert    the signed metadata (role `review`, the reviewer id, and the SHA-256 of
                  the self-assessment reviewed, so a review of a replaced one is refused)

Values the cluster typed are written as text (never a formula), numbers as numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from excelcert.assessment.workbook import ACCENT, INPUT_BORDER, INPUT_FILL, MUTED, category_colours
from excelcert.base.contract import ROLE_REVIEW, WorkbookMeta, new_nonce, one_line, sign, write_meta
from excelcert.base.i18n import AGREEMENTS, format_date, review_text, text
from excelcert.base.language import language_name
from excelcert.base.sheetwriter import ROW_HEIGHT, new_book, print_setup, wrapped_lines
from excelcert.campaign.config import Campaign
from excelcert.campaign.reviewers import Reviewer
from excelcert.campaign.roster import Cluster
from excelcert.scheme.answers import answer_text, choice_label
from excelcert.scheme.model import DATE, DECIMAL, INTEGER, PERCENT, SELECT_MULTIPLE, Scheme

# Review columns (0-based).
R_ID, R_NAME, R_ANSWER, R_EVIDENCE, R_COMMENT, R_POINTS, R_MAX, R_VERIFIED, R_AGREEMENT, R_RPOINTS, R_RCOMMENT = range(
    11
)
WIDTHS = {
    R_ID: 10,
    R_NAME: 26,
    R_ANSWER: 26,
    R_EVIDENCE: 24,
    R_COMMENT: 22,
    R_POINTS: 9,
    R_MAX: 6,
    R_VERIFIED: 26,
    R_AGREEMENT: 14,
    R_RPOINTS: 9,
    R_RCOMMENT: 30,
}
HEADINGS = {
    R_ID: "h_id",
    R_NAME: "h_indicator",
    R_ANSWER: "h_cluster_answer",
    R_EVIDENCE: "h_cluster_evidence",
    R_COMMENT: "h_cluster_comment",
    R_POINTS: "h_cluster_points",
    R_MAX: "h_max",
    R_VERIFIED: "h_verified",
    R_AGREEMENT: "h_agreement",
    R_RPOINTS: "h_review_points",
    R_RCOMMENT: "h_review_comment",
}
FIRST_ROW = 3


@dataclass(frozen=True)
class ClusterAnswer:
    """What the reviewer sees of the cluster's accepted answer."""

    value: Any
    evidence: str = ""
    comment: str = ""


def build_review(
    path: Path,
    scheme: Scheme,
    campaign: Campaign,
    cluster: Cluster,
    reviewer: Reviewer,
    key: bytes,
    answers: dict[str, ClusterAnswer],
    based_on: str,
    *,
    issued_at: dt.datetime | None = None,
    nonce: str | None = None,
) -> WorkbookMeta:
    """Write `reviewer`'s workbook for `cluster` to `path`; return the metadata it carries
    (`nonce`, its own random value, drawn unless given)."""
    lang = next((x for x in reviewer.languages if x in scheme.languages), None) or (
        cluster.language if cluster.language in scheme.languages else scheme.default_language
    )
    issued_at = issued_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    meta = WorkbookMeta(
        campaign_id=campaign.id,
        scheme_id=scheme.id,
        scheme_version=scheme.version,
        scheme_hash=campaign.scheme_hash,
        cluster_id=cluster.id,
        role=ROLE_REVIEW,
        language=lang,
        issued_at=issued_at.isoformat(),
        reviewer_id=reviewer.id,
        based_on=based_on,
        nonce=nonce or new_nonce(),
        cluster_name=one_line(cluster.name),
        reviewer_name=one_line(reviewer.name),
    )
    book = new_book(path)
    try:
        _ReviewWriter(book, scheme, campaign, cluster, reviewer, lang, answers).write()
        write_meta(book, meta, sign(meta, key))
        book.set_properties(
            {
                "title": f"{review_text(lang, 'title', cluster=cluster.name)}",
                "author": campaign.contact_name,
                "company": campaign.title_in(lang),
                "created": issued_at.replace(tzinfo=None),
                "comments": f"excelcert {ROLE_REVIEW} {campaign.id}/{cluster.id}/{reviewer.id}",
            }
        )
    finally:
        book.close()
    return meta


class _ReviewWriter:
    def __init__(
        self,
        book: Any,
        scheme: Scheme,
        campaign: Campaign,
        cluster: Cluster,
        reviewer: Reviewer,
        lang: str,
        answers: dict[str, ClusterAnswer],
    ):
        self.book, self.scheme, self.campaign, self.cluster = book, scheme, campaign, cluster
        self.reviewer, self.lang, self.answers = reviewer, lang, answers
        base = {"font_name": "Calibri", "font_size": 10, "valign": "top", "text_wrap": True}
        entry = {**base, "bg_color": INPUT_FILL, "border": 1, "border_color": INPUT_BORDER, "locked": False}
        add = book.add_format
        self.f = {
            "title": add({**base, "bold": True, "font_size": 15, "font_color": ACCENT, "text_wrap": False}),
            "muted": add({**base, "italic": True, "font_color": MUTED}),
            "head": add(
                {
                    **base,
                    "bold": True,
                    "font_color": "#FFFFFF",
                    "bg_color": ACCENT,
                    "valign": "vcenter",
                    "border": 1,
                    "border_color": ACCENT,
                }
            ),
            "id": add({**base, "bold": True, "font_color": ACCENT}),
            "body": add(base),
            "bold": add({**base, "bold": True}),
            "small": add({**base, "font_size": 9, "font_color": MUTED}),
            "number": add({**base, "align": "right"}),
            "in": add(entry),
            "in_integer": add({**entry, "num_format": "#,##0"}),
            "in_decimal": add({**entry, "num_format": "#,##0.##########"}),
            "in_percent": add({**entry, "num_format": "0.0%"}),
            "in_date": add({**entry, "num_format": "yyyy-mm-dd"}),
            "in_points": add({**entry, "num_format": "0.##", "align": "right"}),
        }
        for cat_id, colour in category_colours(scheme).items():
            self.f[f"band_{cat_id}"] = add({**base, "bold": True, "font_color": "#FFFFFF", "bg_color": colour})

    def t(self, key: str, **values: Any) -> str:
        return review_text(self.lang, key, **values)

    def cluster_language(self) -> str:
        """The cluster's language, named in the reviewer's: what the appreciation is written in."""
        return language_name(self.cluster.language, self.lang)

    def write(self) -> None:
        review = self.book.add_worksheet(self.t("sheet_review")[:31])
        appreciation = self.book.add_worksheet(self.t("sheet_appreciation")[:31])
        self._review(review)
        self._appreciation(appreciation)
        review.activate()
        for ws in (review, appreciation):
            ws.hide_gridlines(2)
            ws.protect(
                "",
                {
                    "format_columns": True,
                    "format_rows": True,
                    "select_locked_cells": True,
                    "select_unlocked_cells": True,
                    "objects": True,
                },
            )

    def _review(self, ws: Any) -> None:
        f, s, lang = self.f, self.scheme, self.lang
        for col, width in WIDTHS.items():
            ws.set_column(col, col, width)
        ws.merge_range(0, 0, 0, R_RCOMMENT, self.t("title", cluster=self.cluster.name), f["title"])
        intro = self.t(
            "intro",
            reviewer=self.reviewer.name,
            email=self.campaign.contact_email,
            deadline=format_date(self.campaign.deadline, lang),
        )
        intro += " " + self.t("write_in", language=self.cluster_language())
        ws.merge_range(1, 0, 1, R_RCOMMENT, intro, f["muted"])
        ws.set_row(0, 24)
        ws.set_row(1, ROW_HEIGHT * wrapped_lines(intro, 200))
        for col, key in HEADINGS.items():
            ws.write_string(2, col, self.t(key), f["head"])
        ws.set_row(2, 30)
        ws.freeze_panes(FIRST_ROW, R_ANSWER)
        agreements = [self.t(a) for a in AGREEMENTS]
        row = FIRST_ROW
        for cat in s.categories:
            indicators = s.indicators_in(cat.id)
            if not indicators:
                continue
            ws.write_string(row, R_ID, cat.id, f[f"band_{cat.id}"])
            ws.merge_range(row, R_NAME, row, R_RCOMMENT, s.text(cat.name, lang), f[f"band_{cat.id}"])
            row += 1
            for ind in indicators:
                given = self.answers.get(ind.id, ClusterAnswer(None))
                ws.write_string(row, R_ID, ind.id, f["id"])
                ws.write_string(row, R_NAME, s.text(ind.name, lang), f["bold"])
                ws.write_string(row, R_ANSWER, answer_text(s, ind, given.value, lang), f["body"])
                ws.write_string(row, R_EVIDENCE, given.evidence, f["body"])
                ws.write_string(row, R_COMMENT, given.comment, f["body"])
                points = ind.points_for(given.value)
                ws.write_number(row, R_POINTS, points, f["number"])
                ws.write_number(row, R_MAX, ind.max_points, f["number"])
                self._verified(ws, ind, row, given.value)
                ws.write_blank(row, R_AGREEMENT, None, f["in"])
                ws.data_validation(row, R_AGREEMENT, row, R_AGREEMENT, {"validate": "list", "source": agreements})
                ws.write_number(row, R_RPOINTS, points, f["in_points"])
                ws.data_validation(
                    row,
                    R_RPOINTS,
                    row,
                    R_RPOINTS,
                    {
                        "validate": "decimal",
                        "criteria": "between",
                        "minimum": 0,
                        "maximum": ind.max_points,
                        "error_message": f"0 – {ind.max_points:g}",
                    },
                )
                ws.write_blank(row, R_RCOMMENT, None, f["in"])
                texts = [answer_text(s, ind, given.value, lang), given.evidence, given.comment, s.text(ind.name, lang)]
                lines = max(wrapped_lines(x, 24) for x in texts)
                ws.set_row(row, ROW_HEIGHT * min(max(lines, 2), 12))
                row += 1
        print_setup(ws, self.cluster.name, repeat_row=None, page=text(self.lang, "page"))
        ws.repeat_rows(0, 2)
        ws.set_landscape()

    def _verified(self, ws: Any, ind: Any, row: int, value: Any) -> None:
        f, s, lang = self.f, self.scheme, self.lang
        if ind.type == PERCENT:
            ws.write_blank(row, R_VERIFIED, None, f["in_percent"])
            if value is not None:
                ws.write_number(row, R_VERIFIED, value / 100, f["in_percent"])
        elif ind.type in (INTEGER, DECIMAL):
            fmt = f["in_integer" if ind.type == INTEGER else "in_decimal"]
            ws.write_blank(row, R_VERIFIED, None, fmt)
            if value is not None:
                ws.write_number(row, R_VERIFIED, value, fmt)
        elif ind.type == DATE:
            ws.write_blank(row, R_VERIFIED, None, f["in_date"])
            if value is not None:
                day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
                ws.write_datetime(row, R_VERIFIED, dt.datetime.combine(day, dt.time()), f["in_date"])
        elif ind.type == SELECT_MULTIPLE:
            ws.write_string(row, R_VERIFIED, answer_text(s, ind, value, lang), f["in"])
            ws.data_validation(
                row,
                R_VERIFIED,
                row,
                R_VERIFIED,
                {
                    "validate": "any",
                    "input_title": s.text(ind.name, lang)[:32],
                    "input_message": (
                        self.t("several_note")
                        + ": "
                        + "; ".join(choice_label(s, ind, c.value, lang) for c in s.choice_list_of(ind).choices)
                    )[:255],
                },
            )
        elif ind.is_choice:
            ws.write_string(row, R_VERIFIED, answer_text(s, ind, value, lang), f["in"])
            labels = [choice_label(s, ind, c.value, lang) for c in s.choice_list_of(ind).choices]
            if len(",".join(labels)) < 255 and not any("," in x for x in labels):
                ws.data_validation(row, R_VERIFIED, row, R_VERIFIED, {"validate": "list", "source": labels})
        else:
            ws.write_string(row, R_VERIFIED, "" if value is None else str(value), f["in"])

    def _appreciation(self, ws: Any) -> None:
        f = self.f
        ws.set_column(0, 0, 22)
        ws.set_column(1, 1, 90)
        ws.write_string(0, 0, self.t("appreciation_title"), f["title"])
        ws.set_row(0, 24)
        note = self.t("appreciation_note", language=self.cluster_language())
        ws.merge_range(1, 0, 1, 1, note, f["muted"])  # across both columns: never clipped
        ws.set_row(1, ROW_HEIGHT * wrapped_lines(note, 105))
        # the language the letter needs, with its code: intake checks the appreciation against it
        ws.write_string(2, 0, self.t("language"), f["bold"])
        ws.write_string(2, 1, f"{self.cluster_language()} ({self.cluster.language})", f["body"])
        for row, key in ((3, "strengths"), (5, "recommendations")):
            ws.write_string(row, 0, self.t(key), f["bold"])
            ws.write_blank(row, 1, None, f["in"])
            ws.set_row(row, 150)
        print_setup(ws, self.cluster.name, repeat_row=None, page=text(self.lang, "page"))

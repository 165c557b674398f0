"""The self-assessment workbook each cluster receives, fills in and sends back.

Sheets, in the cluster's language:
    Start        what the label is, the deadline, the steps, the contact, a live counter
    Profile      the cluster's details from the roster, correctable
    Assessment   one row per indicator, grouped by category; answers in yellow cells
    Summary      points per category against the maximum, with a chart
    lists        (hidden) the choice sentences and their points, as defined names
    _excelcert   (very hidden) the signed metadata: see `contract`

Every formula is written with its cached value, computed here from the same scheme rules
(`Indicator.points_for`, `Indicator.is_met`), so a viewer that does not recalculate
shows the right figures. User text is always written as text, never as a formula.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from excelcert.base.contract import ROLE_SELF_ASSESSMENT, WorkbookMeta, new_nonce, one_line, sign, write_meta
from excelcert.base.i18n import format_date, local_number, text
from excelcert.base.sheetwriter import ROW_HEIGHT, new_book, print_setup, wrapped_lines
from excelcert.campaign.config import Campaign
from excelcert.campaign.roster import Cluster, country_name
from excelcert.register.store import Entry
from excelcert.scheme.build import plain_number
from excelcert.scheme.model import (
    DATE,
    DECIMAL,
    INTEGER,
    PERCENT,
    SELECT_MULTIPLE,
    TEXT,
    YES_NO,
    Indicator,
    LabelRule,
    Scheme,
    Threshold,
    yes_no_list,
)
from excelcert.scoring.rules import label_for, rule_indicators, tally, threshold_points

ACCENT = "#1F3864"  # the one accent colour
INPUT_FILL = "#FFF2CC"  # the answer style: pale yellow, bordered; no other cell has it
INPUT_BORDER = "#BF9000"
MISSING_FILL = "#FCE4D6"  # a required answer still missing
MUTED = "#595959"
# muted tones beside the one accent colour (ACCENT), light enough to set off white text
FALLBACK_COLOURS = ("#4F6F96", "#6A8A7C", "#9C7A4F", "#7A6A93", "#96625C", "#8A7F5A", "#6F7780")

# Assessment columns (0-based).
C_ID, C_NAME, C_QUESTION, C_GUIDANCE, C_ANSWER, C_UNIT, C_EVIDENCE, C_COMMENT, C_POINTS, C_MAX = range(10)
C_MET, C_ANSWERED, C_REQUIRED = 10, 11, 12  # hidden helpers the formulas use
SUMMARY_LINES = 12  # the summary sheet's hidden columns of label thresholds, which its chart draws as lines
WIDTHS = {
    C_ID: 11,
    C_NAME: 24,
    C_QUESTION: 46,
    C_GUIDANCE: 46,
    C_ANSWER: 30,
    C_UNIT: 15,
    C_EVIDENCE: 28,
    C_COMMENT: 24,
    C_POINTS: 8,
    C_MAX: 6,
}
FIRST_ROW = 3  # first row below the headings (0-based)
PROFILE_FIELDS = ("id", "name", "country", "language", "group", "contact_name", "email", "website", "club")
# The profile sheet: a hidden column of field keys (which intake reads), the field's name,
# and its value (which the cluster may correct), one field a row from P_FIRST_ROW (0-based).
P_KEY, P_LABEL, P_VALUE = range(3)
P_FIRST_ROW = 3
P_LOCKED = ("id", "language")  # the fields a cluster cannot change


def category_colours(scheme: Scheme) -> dict[str, str]:
    """Each category's colour, the same in every workbook and letter."""
    return {
        cat.id: cat.colour or FALLBACK_COLOURS[n % len(FALLBACK_COLOURS)] for n, cat in enumerate(scheme.categories)
    }


def cell(row: int, col: int, absolute: bool = False) -> str:
    from xlsxwriter.utility import xl_rowcol_to_cell

    reference: str = xl_rowcol_to_cell(row, col, row_abs=absolute, col_abs=absolute)  # xlsxwriter has no types
    return reference


def sheet_ref(name: str) -> str:
    return "'" + name.replace("'", "''") + "'!"


def quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def defined_name(prefix: str, indicator_id: str) -> str:
    return f"{prefix}_{re.sub(r'[^A-Za-z0-9_]', '_', indicator_id)}"


@dataclass
class Evaluation:
    """What the formulas compute, computed in Python: the cached values."""

    points: dict[str, float] = field(default_factory=dict)
    met: dict[str, bool] = field(default_factory=dict)
    answered: dict[str, bool] = field(default_factory=dict)
    category_points: dict[str, float] = field(default_factory=dict)
    total: float = 0
    answered_count: int = 0
    required_answered: int = 0
    required_count: int = 0
    label: str = ""


def evaluate(scheme: Scheme, answers: dict[str, Any], lang: str) -> Evaluation:
    result = Evaluation()
    result.points, result.met, result.category_points = tally(scheme, answers)
    for ind in scheme.indicators:
        given = answers.get(ind.id) not in (None, "", [], ())
        result.answered[ind.id] = given
        result.answered_count += given
        if ind.required:
            result.required_count += 1
            result.required_answered += given
    result.total = sum(result.category_points.values())
    if result.required_answered < result.required_count:
        result.label = text(lang, "incomplete")
    else:  # provisional: the label the answers would earn once reviewed
        rule = label_for(scheme, result.total, result.met, reviewed=True)[0]
        result.label = scheme.text(rule.name, lang) if rule else text(lang, "no_label")
    return result


def build_self_assessment(
    path: Path | IO[bytes],
    scheme: Scheme,
    campaign: Campaign,
    cluster: Cluster,
    key: bytes,
    *,
    issued_at: dt.datetime | None = None,
    answers: dict[str, Any] | None = None,
    previous: Entry | None = None,
    open_book: Callable[[Path | IO[bytes]], Any] = new_book,
    nonce: str | None = None,
) -> WorkbookMeta:
    """Write the cluster's workbook to `path`; return the metadata it carries.

    `answers` prefill the answer cells (parsed values, as intake stores them); `previous`,
    the cluster's last label in the register, is shown on the start sheet and its final
    answers (those the scheme still accepts) prefill the cells, each marked as last time's;
    `open_book` opens the xlsxwriter workbook (the benchmark passes one that records the calls);
    `nonce`, the workbook's own random value, is drawn unless given (the golden tests fix it).
    """
    if previous is not None and answers is None:
        answers = usable_answers(scheme, previous.answers)
    lang = workbook_language(scheme, cluster)
    issued_at = issued_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    meta = self_assessment_meta(scheme, campaign, cluster, issued_at, nonce or new_nonce())
    book = open_book(path)
    try:
        _Writer(book, scheme, campaign, cluster, lang, answers or {}, previous).write()
        write_meta(book, meta, sign(meta, key))
        book.set_properties(
            {
                "title": f"{scheme.text(scheme.title, lang)} – {cluster.name}",
                "subject": text(lang, "self_assessment"),
                "author": campaign.contact_name,
                "company": campaign.title_in(lang),
                "created": issued_at.replace(tzinfo=None),
                "comments": f"excelcert {meta.role} {campaign.id}/{cluster.id}",
            }
        )
    finally:
        book.close()
    return meta


def workbook_language(scheme: Scheme, cluster: Cluster) -> str:
    """The language a cluster's workbook is written in: its own, if the scheme has it."""
    return cluster.language if cluster.language in scheme.languages else scheme.default_language


def self_assessment_meta(
    scheme: Scheme, campaign: Campaign, cluster: Cluster, issued_at: dt.datetime, nonce: str
) -> WorkbookMeta:
    """The signed metadata of a cluster's self-assessment workbook."""
    return WorkbookMeta(
        campaign_id=campaign.id,
        scheme_id=scheme.id,
        scheme_version=scheme.version,
        scheme_hash=campaign.scheme_hash,
        cluster_id=cluster.id,
        role=ROLE_SELF_ASSESSMENT,
        language=workbook_language(scheme, cluster),
        issued_at=issued_at.isoformat(),
        nonce=nonce,
        cluster_name=one_line(cluster.name),
    )


PROFILE_TEXTS = ("id", "name", "country", "group", "contact_name", "email", "website")


def profile_texts(cluster: Cluster, lang: str) -> dict[str, str]:
    """The profile sheet's values that are the cluster's own texts (the roster's), by field."""
    return {
        "id": cluster.id,
        "name": cluster.name,
        "country": country_name(cluster.country, lang),
        "group": cluster.group_in(lang),
        "contact_name": cluster.contact_name,
        "email": cluster.email,
        "website": cluster.website,
    }


class _Writer:
    def __init__(
        self,
        book: Any,
        scheme: Scheme,
        campaign: Campaign,
        cluster: Cluster,
        lang: str,
        answers: dict[str, Any],
        previous: Entry | None = None,
    ):
        self.book, self.scheme, self.campaign, self.cluster, self.lang = book, scheme, campaign, cluster, lang
        self.answers = answers
        self.previous = previous
        self.colours = category_colours(scheme)
        self.evaluation = evaluate(scheme, answers, lang)
        self.names = {k: text(lang, f"sheet_{k}") for k in ("start", "profile", "assessment", "summary")}
        self.f = self._formats()
        self.rows: dict[str, int] = {}  # indicator id -> its row on the assessment sheet
        self.subtotal_rows: dict[str, int] = {}
        self.total_row = 0
        self.helper_rows = (FIRST_ROW, FIRST_ROW)
        self.summary_cells: dict[str, str] = {}

    def t(self, key: str, **values: Any) -> str:
        return text(self.lang, key, **values)

    # --- formats ------------------------------------------------------------------------
    def _formats(self) -> dict[str, Any]:
        add = self.book.add_format
        base = {"font_name": "Calibri", "font_size": 11, "valign": "top"}
        entry = {
            **base,
            "bg_color": INPUT_FILL,
            "border": 1,
            "border_color": INPUT_BORDER,
            "locked": False,
            "text_wrap": True,
        }
        f = {
            "title": add({**base, "bold": True, "font_size": 16, "font_color": ACCENT}),
            "subtitle": add({**base, "font_size": 12, "font_color": ACCENT}),
            "cluster": add({**base, "bold": True, "font_size": 13}),
            "body": add({**base, "text_wrap": True}),
            "bold": add({**base, "bold": True, "text_wrap": True}),
            "muted": add({**base, "italic": True, "font_color": MUTED, "text_wrap": True}),
            "small": add({**base, "font_size": 9, "font_color": MUTED, "text_wrap": True}),
            "step": add({**base, "bold": True, "font_color": ACCENT, "align": "right"}),
            "head": add(
                {
                    **base,
                    "bold": True,
                    "font_color": "#FFFFFF",
                    "bg_color": ACCENT,
                    "text_wrap": True,
                    "valign": "vcenter",
                    "border": 1,
                    "border_color": ACCENT,
                }
            ),
            "id": add({**base, "bold": True, "font_color": ACCENT}),
            "subid": add({**base, "font_size": 9, "font_color": MUTED}),
            "name": add({**base, "bold": True, "text_wrap": True}),
            "points": add({**base, "align": "right"}),
            "points_bold": add({**base, "bold": True, "align": "right", "top": 1}),
            "sub_label": add({**base, "bold": True, "align": "right", "top": 1}),
            "total_label": add(
                {**base, "bold": True, "align": "right", "font_size": 12, "top": 2, "font_color": ACCENT}
            ),
            "total": add({**base, "bold": True, "align": "right", "font_size": 12, "top": 2, "font_color": ACCENT}),
            "percent": add({**base, "num_format": "0%", "align": "right"}),
            "percent_bold": add({**base, "num_format": "0%", "align": "right", "bold": True, "top": 1}),
            "big": add({**base, "bold": True, "font_size": 14, "font_color": ACCENT, "align": "left"}),
            "missing": add({"bg_color": MISSING_FILL, "border": 1, "border_color": "#C65911"}),
            "label_cell": add({**base, "bold": True, "font_color": MUTED}),
            "in": add(entry),
            "in_integer": add({**entry, "num_format": "#,##0"}),
            "in_decimal": add({**entry, "num_format": "#,##0.##########"}),
            "in_percent": add({**entry, "num_format": "0%"}),
            "in_date": add({**entry, "num_format": "yyyy-mm-dd"}),
            "locked_value": add({**base, "bold": True}),
        }
        for cat_id, colour in self.colours.items():
            f[f"band_{cat_id}"] = add(
                {**base, "bold": True, "font_color": "#FFFFFF", "bg_color": colour, "valign": "vcenter"}
            )
            f[f"swatch_{cat_id}"] = add({**base, "bg_color": colour})
        return f

    # --- the sheets ---------------------------------------------------------------------
    def write(self) -> None:
        start = self.book.add_worksheet(self.names["start"])
        profile = self.book.add_worksheet(self.names["profile"])
        assessment = self.book.add_worksheet(self.names["assessment"])
        summary = self.book.add_worksheet(self.names["summary"])
        lists = self.book.add_worksheet("lists")
        self._lists(lists)
        self._assessment(assessment)
        self._summary(summary)
        self._start(start)
        self._profile(profile)
        start.activate()
        for ws in (start, profile, assessment, summary):
            ws.hide_gridlines(2)
            ws.protect(
                "",
                {
                    "format_columns": True,
                    "format_rows": True,
                    "select_locked_cells": True,
                    "select_unlocked_cells": True,
                },
            )
        lists.hide()
        lists.protect()

    def _lists(self, ws: Any) -> None:
        """Choice sentences and their points, one block of two columns per indicator."""
        yes_no = self.scheme.choice_list(YES_NO)
        self.yes_label, self.no_label = (self.scheme.text(c.label, self.lang) for c in yes_no.choices[:2])
        ws.write_string(0, 0, "yesno")
        ws.write_string(1, 0, self.yes_label)
        ws.write_string(2, 0, self.no_label)
        self.book.define_name("yesno", "=lists!$A$2:$A$3")
        column = 2
        for ind in self.scheme.indicators:
            if not ind.is_choice or ind.type == SELECT_MULTIPLE:
                continue
            choices = self.scheme.choice_list_of(ind)
            ws.write_string(0, column, ind.id)
            ws.write_string(0, column + 1, "points")
            for n, choice in enumerate(choices.choices, start=1):
                ws.write_string(n, column, self.scheme.text(choice.label, self.lang))
                ws.write_number(n, column + 1, ind.scoring.choices.get(choice.value, 0))
            last = len(choices.choices) + 1
            self.book.define_name(
                defined_name("choices", ind.id), f"=lists!{cell(1, column, True)}:{cell(last - 1, column, True)}"
            )
            self.book.define_name(
                defined_name("points", ind.id), f"=lists!{cell(1, column + 1, True)}:{cell(last - 1, column + 1, True)}"
            )
            column += 2

    def _assessment(self, ws: Any) -> None:
        f, s = self.f, self.scheme
        for col, width in WIDTHS.items():
            ws.set_column(col, col, width)
        ws.set_column(C_MET, C_REQUIRED, 6, None, {"hidden": True})
        last_col = C_MAX
        ws.merge_range(0, 0, 0, last_col, f"{s.text(s.title, self.lang)} – {self.cluster.name}", f["title"])
        ws.merge_range(1, 0, 1, last_col, self.t("assessment_note"), f["muted"])
        ws.set_row(0, 24)
        heads = {
            C_ID: "h_id",
            C_NAME: "h_indicator",
            C_QUESTION: "h_question",
            C_GUIDANCE: "h_guidance",
            C_ANSWER: "h_answer",
            C_UNIT: "h_unit",
            C_EVIDENCE: "h_evidence",
            C_COMMENT: "h_comment",
            C_POINTS: "h_points",
            C_MAX: "h_max",
        }
        for col, key in heads.items():
            ws.write_string(2, col, self.t(key), f["head"])
        for col, name in ((C_MET, "met"), (C_ANSWERED, "answered"), (C_REQUIRED, "required")):
            ws.write_string(2, col, name)
        ws.set_row(2, 30)
        ws.freeze_panes(FIRST_ROW, C_QUESTION)
        row = FIRST_ROW
        starts = []
        for cat in s.categories:
            indicators = s.indicators_in(cat.id)
            if not indicators:
                continue
            starts.append(row)
            band = f[f"band_{cat.id}"]
            ws.write_string(row, C_ID, cat.id, band)
            ws.merge_range(row, C_NAME, row, C_POINTS, s.text(cat.name, self.lang), band)
            ws.write_number(row, C_MAX, s.category_points(cat.id), band)
            ws.set_row(row, 20)
            row += 1
            point_cells = []
            for ind in indicators:
                self.rows[ind.id] = row
                if ind.max_points:
                    point_cells.append(cell(row, C_POINTS))
                row = self._indicator(ws, ind, row)
            ws.merge_range(
                row, C_NAME, row, C_COMMENT, f"{self.t('subtotal')} – {s.text(cat.name, self.lang)}", f["sub_label"]
            )
            ws.write_blank(row, C_ID, None, f["sub_label"])
            formula = f"=SUM({','.join(point_cells)})" if point_cells else "=0"
            ws.write_formula(row, C_POINTS, formula, f["points_bold"], self.evaluation.category_points[cat.id])
            ws.write_number(row, C_MAX, s.category_points(cat.id), f["points_bold"])
            self.subtotal_rows[cat.id] = row
            row += 2
        self.total_row = row
        ws.merge_range(row, C_ID, row, C_COMMENT, self.t("total"), f["total_label"])
        ws.write_formula(
            row,
            C_POINTS,
            "=SUM(" + ",".join(cell(r, C_POINTS) for r in self.subtotal_rows.values()) + ")",
            f["total"],
            self.evaluation.total,
        )
        ws.write_number(row, C_MAX, s.total_points, f["total"])
        self.helper_rows = (FIRST_ROW, row)
        # One rule marks every required answer still missing (several-choice rows have their own).
        ws.conditional_format(
            FIRST_ROW,
            C_ANSWER,
            row,
            C_ANSWER,
            {
                "type": "formula",
                "format": f["missing"],
                "criteria": f"=AND(${cell(FIRST_ROW, C_REQUIRED)[0]}{FIRST_ROW + 1}=1,"
                f"LEN({cell(FIRST_ROW, C_ANSWER)})=0)",
            },
        )
        # each category starts a printed page: no category heading alone at the foot of a page
        print_setup(
            ws,
            self.cluster.name,
            repeat_row=None,
            page=self.t("page"),
            page_breaks=starts[1:],
        )
        ws.repeat_rows(0, 2)

    def _indicator(self, ws: Any, ind: Indicator, row: int) -> int:
        f, s, lang = self.f, self.scheme, self.lang
        ws.write_string(row, C_ID, ind.id, f["id"])
        ws.write_string(row, C_NAME, s.text(ind.name, lang), f["name"])
        ws.write_string(row, C_QUESTION, s.text(ind.question, lang), f["body"])
        ws.write_string(row, C_GUIDANCE, s.text(ind.guidance, lang), f["small"])
        ws.write_string(row, C_UNIT, s.text(ind.unit, lang), f["body"])
        ws.write_blank(row, C_EVIDENCE, None, f["in"])
        ws.write_blank(row, C_COMMENT, None, f["in"])
        ws.write_number(row, C_REQUIRED, 1 if ind.required else 0)
        lines = max(
            wrapped_lines(s.text(ind.question, lang), WIDTHS[C_QUESTION]),
            wrapped_lines(s.text(ind.guidance, lang), WIDTHS[C_GUIDANCE] * 1.2),
            wrapped_lines(s.text(ind.name, lang), WIDTHS[C_NAME]),
            2,
        )
        answer = cell(row, C_ANSWER)
        evaluation = self.evaluation
        if ind.type == SELECT_MULTIPLE:
            return self._several_choices(ws, ind, row, lines)
        self._answer_cell(ws, ind, row)
        if ind.max_points:
            ws.write_formula(row, C_POINTS, self._points_formula(ind, answer), f["points"], evaluation.points[ind.id])
            ws.write_number(row, C_MAX, ind.max_points, f["points"])
        if ind.met is not None:
            ws.write_formula(row, C_MET, self._met_formula(ind, ind.met, answer), None, evaluation.met[ind.id])
        ws.write_formula(row, C_ANSWERED, f"=IF(LEN({answer})>0,1,0)", None, int(evaluation.answered[ind.id]))
        answer_text = self._answer_lines(ind)
        ws.set_row(row, ROW_HEIGHT * max(lines, answer_text))
        return row + 1

    def _answer_lines(self, ind: Indicator) -> int:
        choices = self.scheme.choices_for(ind)
        if choices is None:
            return 1
        return max(wrapped_lines(self.scheme.text(c.label, self.lang), WIDTHS[C_ANSWER]) for c in choices.choices)

    def _several_choices(self, ws: Any, ind: Indicator, row: int, lines: int) -> int:
        """A header row, then one row per choice answered Yes or No."""
        f, s, lang = self.f, self.scheme, self.lang
        ws.write_string(row, C_ANSWER, self.t("mark_each"), f["muted"])
        ws.set_row(row, ROW_HEIGHT * lines)
        choices = s.choice_list_of(ind).choices
        first, last = row + 1, row + len(choices)
        selected = set(self.answers.get(ind.id) or ())
        self._last_time(ws, ind, first)
        self._validated(
            ws, first, C_ANSWER, f["in"], {"validate": "list", "source": "=yesno"}, "v_yes_no", ind, last_row=last
        )
        for n, choice in enumerate(choices, start=first):
            ws.write_string(n, C_ID, f"{ind.id}/{choice.value}", f["subid"])
            ws.write_string(n, C_QUESTION, s.text(choice.label, lang), f["body"])
            if self.answers.get(ind.id) is not None:
                ws.write_string(n, C_ANSWER, self.yes_label if choice.value in selected else self.no_label, f["in"])
            value = ind.scoring.choices.get(choice.value, 0)
            ws.write_formula(
                n,
                C_POINTS,
                f"=IF({cell(n, C_ANSWER)}=INDEX(yesno,1),{plain_number(value)},0)",
                f["points"],
                value if choice.value in selected else 0,
            )
            ws.write_number(n, C_MAX, value, f["small"])
            ws.set_row(n, ROW_HEIGHT * wrapped_lines(s.text(choice.label, lang), WIDTHS[C_QUESTION]))
        answers = f"{cell(first, C_ANSWER)}:{cell(last, C_ANSWER)}"
        if ind.max_points:
            ws.write_formula(
                row,
                C_POINTS,
                f"=SUM({cell(first, C_POINTS)}:{cell(last, C_POINTS)})",
                f["points"],
                self.evaluation.points[ind.id],
            )
            ws.write_number(row, C_MAX, ind.max_points, f["points"])
        if ind.met is not None:
            rows = [first + k for k, c in enumerate(choices) if c.value in ind.met.choices]
            terms = ",".join(f"{cell(r, C_ANSWER)}=INDEX(yesno,1)" for r in rows) or "FALSE"
            ws.write_formula(row, C_MET, f"=OR({terms})", None, self.evaluation.met[ind.id])
        ws.write_formula(
            row,
            C_ANSWERED,
            f"=IF(COUNTIF({answers},INDEX(yesno,1))>0,1,0)",
            None,
            int(self.evaluation.answered[ind.id]),
        )
        if ind.required:
            ws.conditional_format(
                row,
                C_ANSWER,
                row,
                C_ANSWER,
                {"type": "formula", "criteria": f"=COUNTIF({answers},INDEX(yesno,1))=0", "format": f["missing"]},
            )
        return last + 1

    def _answer_cell(self, ws: Any, ind: Indicator, row: int) -> None:
        f = self.f
        rule: dict[str, str | float | dt.date]  # xlsxwriter's data validation options
        if ind.type == INTEGER:
            rule = {
                "validate": "integer",
                "criteria": "between",
                "minimum": ind.min if ind.min is not None else -(10**15),
                "maximum": ind.max if ind.max is not None else 10**15,
            }
            self._validated(ws, row, C_ANSWER, f["in_integer"], rule, "v_integer", ind)
        elif ind.type in (DECIMAL, PERCENT):
            scale = 100 if ind.type == PERCENT else 1
            rule = {
                "validate": "decimal",
                "criteria": "between",
                "minimum": (ind.min if ind.min is not None else -(10**15)) / scale,
                "maximum": (ind.max if ind.max is not None else 10**15) / scale,
            }
            fmt = f["in_percent"] if ind.type == PERCENT else f["in_decimal"]
            self._validated(ws, row, C_ANSWER, fmt, rule, "v_percent" if ind.type == PERCENT else "v_decimal", ind)
        elif ind.type == DATE:
            rule = {
                "validate": "date",
                "criteria": "between",
                "minimum": dt.date(1900, 1, 1),
                "maximum": dt.date(2199, 12, 31),
            }
            self._validated(ws, row, C_ANSWER, f["in_date"], rule, "v_date", ind)
        elif ind.type == TEXT:
            rule = {"validate": "length", "criteria": "<=", "value": 5000}
            self._validated(ws, row, C_ANSWER, f["in"], rule, "v_text", ind)
        else:  # select_one, yes_no: the question's own sentences, from the hidden lists sheet
            rule = {"validate": "list", "source": "=" + defined_name("choices", ind.id)}
            self._validated(ws, row, C_ANSWER, f["in"], rule, "v_yes_no" if ind.type == YES_NO else "v_choice", ind)
        self._prefill(ws, ind, row)

    def _last_time(self, ws: Any, ind: Indicator, row: int) -> None:
        """Mark an answer filled in from last time's, so that the cluster checks it."""
        if self.previous is not None and self.answers.get(ind.id) not in (None, "", [], ()):
            note = self.t("last_time", reference=self.previous.reference)
            ws.write_comment(row, C_ANSWER, note, {"author": self.campaign.contact_name, "x_scale": 1.6})

    def _prefill(self, ws: Any, ind: Indicator, row: int) -> None:
        value = self.answers.get(ind.id)
        if value in (None, ""):
            return
        self._last_time(ws, ind, row)
        f = self.f
        if ind.type == PERCENT:
            ws.write_number(row, C_ANSWER, value / 100, f["in_percent"])
        elif ind.type in (INTEGER, DECIMAL):
            ws.write_number(row, C_ANSWER, value, f["in_integer" if ind.type == INTEGER else "in_decimal"])
        elif ind.type == DATE:
            ws.write_datetime(row, C_ANSWER, dt.datetime.combine(value, dt.time()), f["in_date"])
        elif ind.is_choice:
            choice = next(c for c in self.scheme.choice_list_of(ind).choices if c.value == value)
            ws.write_string(row, C_ANSWER, self.scheme.text(choice.label, self.lang), f["in"])
        else:
            ws.write_string(row, C_ANSWER, str(value), f["in"])

    def _validated(
        self,
        ws: Any,
        row: int,
        col: int,
        fmt: Any,
        rule: Mapping[str, str | float | dt.date],
        message: str,
        ind: Indicator,
        last_row: int | None = None,
    ) -> None:
        last_row = row if last_row is None else last_row
        for r in range(row, last_row + 1):
            ws.write_blank(r, col, None, fmt)
        lang = self.lang
        values = {
            "min": local_number(ind.min, lang) if ind.min is not None else "…",
            "max": local_number(ind.max, lang) if ind.max is not None else "…",
            "example": dt.date(dt.date.today().year, 12, 31).isoformat(),
        }
        expected = text(lang, message, **values)
        if ind.required:
            expected = f"{expected} {self.t('required')}"
        ws.data_validation(
            row,
            col,
            last_row,
            col,
            {
                **rule,
                "ignore_blank": True,
                "input_title": self.scheme.text(ind.name, lang)[:32],
                "input_message": expected[:255],
                "error_title": self.t("v_error_title")[:32],
                "error_message": self.t("v_error", expected=expected)[:255],
                "error_type": "stop",
            },
        )

    def _points_formula(self, ind: Indicator, answer: str) -> str:
        if ind.scoring.bands:
            value = f"{answer}*100" if ind.type == PERCENT else answer
            starts = ",".join(plain_number(b.start) for b in ind.scoring.bands)
            points = ",".join(plain_number(b.points) for b in ind.scoring.bands)
            return f"=IF(ISNUMBER({answer}),IFERROR(LOOKUP({value},{{{starts}}},{{{points}}}),0),0)"
        return (
            f"=IFERROR(INDEX({defined_name('points', ind.id)},MATCH({answer},{defined_name('choices', ind.id)},0)),0)"
        )

    def _met_formula(self, ind: Indicator, met: Threshold, answer: str) -> str:
        if ind.is_numeric:
            value = f"{answer}*100" if ind.type == PERCENT else answer
            terms = [f"ISNUMBER({answer})"]
            if met.min is not None:
                terms.append(f"{value}>={plain_number(met.min)}")
            if met.max is not None:
                terms.append(f"{value}<={plain_number(met.max)}")
            return f"=AND({','.join(terms)})"
        choices = self.scheme.choice_list_of(ind).choices
        positions = [n for n, c in enumerate(choices, start=1) if c.value in met.choices]
        name = defined_name("choices", ind.id)
        return "=OR(" + ",".join(f"{answer}=INDEX({name},{n})" for n in positions) + ")"

    def _summary(self, ws: Any) -> None:
        f, s, lang, ev = self.f, self.scheme, self.lang, self.evaluation
        assessment = sheet_ref(self.names["assessment"])
        ws.set_column(0, 0, 42)
        ws.set_column(1, 3, 11)
        thresholds = [r for r in sorted(s.labels, key=lambda r: r.min_percent) if r.min_percent > 0]
        # the label thresholds apply to the total only: the chart's lines read them from hidden
        # columns, so that no category row suggests a threshold of its own
        ws.set_column(SUMMARY_LINES, SUMMARY_LINES + max(len(thresholds) - 1, 0), 8, None, {"hidden": True})
        ws.merge_range(0, 0, 0, 3, self.t("summary_title"), f["title"])
        ws.write_string(1, 0, self.cluster.name, f["cluster"])
        heads = [self.t("h_category"), self.t("h_points"), self.t("h_max"), self.t("h_share")]
        for col, head in enumerate(heads):
            ws.write_string(3, col, head, f["head"])
        row = 4
        for cat in s.categories:
            sub = self.subtotal_rows.get(cat.id)
            if sub is None:
                continue
            ws.write_string(row, 0, s.text(cat.name, lang), f[f"band_{cat.id}"])
            ws.write_formula(
                row, 1, f"={assessment}{cell(sub, C_POINTS, True)}", f["points"], ev.category_points[cat.id]
            )
            ws.write_number(row, 2, s.category_points(cat.id), f["points"])
            share = ev.category_points[cat.id] / s.category_points(cat.id) if s.category_points(cat.id) else 0
            ws.write_formula(row, 3, f"=IFERROR({cell(row, 1)}/{cell(row, 2)},0)", f["percent"], share)
            for k, rule in enumerate(thresholds):
                ws.write_number(row, SUMMARY_LINES + k, rule.min_percent / 100)
            row += 1
        first_data, total_row = 4, row
        ws.write_string(total_row, 0, self.t("total"), f["sub_label"])
        ws.write_formula(
            total_row, 1, f"={assessment}{cell(self.total_row, C_POINTS, True)}", f["points_bold"], ev.total
        )
        ws.write_number(total_row, 2, s.total_points, f["points_bold"])
        ws.write_formula(
            total_row,
            3,
            f"=IFERROR({cell(total_row, 1)}/{cell(total_row, 2)},0)",
            f["percent_bold"],
            ev.total / s.total_points if s.total_points else 0,
        )
        for k, rule in enumerate(thresholds):
            ws.write_number(total_row, SUMMARY_LINES + k, rule.min_percent / 100)
        # Progress and the provisional label, which the start sheet shows.
        first, last = self.helper_rows
        answered = f"{assessment}{cell(first, C_ANSWERED, True)}:{cell(last, C_ANSWERED, True)}"
        required = f"{assessment}{cell(first, C_REQUIRED, True)}:{cell(last, C_REQUIRED, True)}"
        info = total_row + 2
        ws.write_string(info, 0, self.t("progress"), f["label_cell"])
        ws.write_formula(info, 1, f"=SUM({answered})", f["points"], ev.answered_count)
        ws.write_string(info, 2, f"/ {len(s.indicators)}", f["body"])
        ws.write_formula(info + 1, 1, f"=SUMPRODUCT({answered},{required})", f["points"], ev.required_answered)
        ws.write_string(info + 1, 0, self.t("required_answered"), f["label_cell"])
        ws.write_string(info + 1, 2, f"/ {ev.required_count}", f["body"])
        ws.write_string(info + 2, 0, self.t("provisional_label"), f["label_cell"])
        ws.write_formula(
            info + 2,
            1,
            self._label_formula(cell(total_row, 1, True), cell(info + 1, 1, True), ev.required_count),
            f["big"],
            ev.label,
        )
        self.summary_cells = {
            "answered": cell(info, 1, True),
            "total": cell(total_row, 1, True),
            "label": cell(info + 2, 1, True),
        }
        rules_end = self._rules(ws, info + 4, cell(total_row, 1, True))
        self._chart(ws, first_data, total_row, thresholds, rules_end + 2)
        print_setup(ws, self.cluster.name, repeat_row=None, page=self.t("page"), one_page=True)

    def _rules(self, ws: Any, row: int, total: str) -> int:
        """The label's rules, each with a live met / not met: the points each label needs, the
        eligibility criteria, the indicators a label needs at their quality level. Returns the
        last row written."""
        f, s, lang, ev = self.f, self.scheme, self.lang, self.evaluation
        assessment = sheet_ref(self.names["assessment"])
        met, not_met = self.t("met"), self.t("not_met")
        ws.write_string(row, 0, self.t("rules_title"), f["subtitle"])
        first = row + 1

        def status(at: int, condition: str, cached: bool) -> None:
            ws.write_formula(
                at, 1, f"=IF({condition},{quoted(met)},{quoted(not_met)})", f["bold"], met if cached else not_met
            )

        for rule in s.labels_by_rank():
            if rule.min_percent <= 0:
                continue
            need = threshold_points(s, rule)
            row += 1
            ws.write_string(
                row,
                0,
                self.t(
                    "rule_points",
                    label=s.text(rule.name, lang),
                    percent=plain_number(rule.min_percent),
                    points=plain_number(need),
                ),
                f["body"],
            )
            status(row, f"{total}>={plain_number(need)}", ev.total >= need - 1e-9)
        eligibility = [i for i in s.indicators if i.eligibility and i.id in self.rows]
        if eligibility and any(r.eligibility for r in s.labels):
            row += 1
            ws.write_string(row, 0, self.t("rules_eligibility"), f["label_cell"])
            for ind in eligibility:
                row += 1
                ws.write_string(row, 0, f"{s.text(ind.name, lang)} ({ind.id})", f["body"])
                status(row, f"{assessment}{cell(self.rows[ind.id], C_MET, True)}=TRUE", ev.met.get(ind.id, False))
        needed: dict[str, list[str]] = {}
        for rule in s.labels_by_rank(lowest_first=True):
            for ind_id in rule.must_meet:
                if ind_id in self.rows and not s.indicator(ind_id).eligibility:
                    needed.setdefault(ind_id, []).append(s.text(rule.name, lang))
        if needed:
            row += 1
            ws.write_string(row, 0, self.t("rules_must_meet"), f["label_cell"])
            for ind_id, labels in needed.items():
                row += 1
                ind = s.indicator(ind_id)
                line = self.t("rule_needed_for", indicator=s.text(ind.name, lang), id=ind_id, labels=", ".join(labels))
                ws.write_string(row, 0, line, f["body"])
                ws.set_row(row, ROW_HEIGHT * wrapped_lines(line, 50))
                status(row, f"{assessment}{cell(self.rows[ind_id], C_MET, True)}=TRUE", ev.met.get(ind_id, False))
        if any(r.reviewed for r in s.labels):
            row += 1
            ws.merge_range(row, 0, row, 3, self.t("rules_review"), f["muted"])
        for value, colour in ((met, "#2E7D32"), (not_met, "#C00000")):
            ws.conditional_format(
                first,
                1,
                row,
                1,
                {
                    "type": "cell",
                    "criteria": "==",
                    "value": quoted(value),
                    "format": self.book.add_format({"font_color": colour}),
                },
            )
        return row

    def _label_formula(self, total: str, required_answered: str, required_count: int) -> str:
        s, assessment = self.scheme, sheet_ref(self.names["assessment"])
        formula = quoted(self.t("no_label"))
        for rule in s.labels_by_rank(lowest_first=True):  # built inside out: best label tested first
            terms = [f"{total}>={plain_number(threshold_points(s, rule))}"]
            terms += [
                f"{assessment}{cell(self.rows[i], C_MET, True)}=TRUE"
                for i in rule_indicators(s, rule)
                if i in self.rows
            ]
            formula = f"IF(AND({','.join(terms)}),{quoted(s.text(rule.name, self.lang))},{formula})"
        return f"=IF({required_answered}<{required_count},{quoted(self.t('incomplete'))},{formula})"

    def _chart(self, ws: Any, first: int, total_row: int, thresholds: list[LabelRule], at_row: int) -> None:
        s = self.scheme
        name = sheet_ref(self.names["summary"])
        column = self.book.add_chart({"type": "column"})
        colours = [self.colours[c.id] for c in s.categories if c.id in self.subtotal_rows] + [ACCENT]
        column.add_series(
            {
                "name": self.t("h_share"),
                "categories": f"={name}{cell(first, 0, True)}:{cell(total_row, 0, True)}",
                "values": f"={name}{cell(first, 3, True)}:{cell(total_row, 3, True)}",
                "points": [{"fill": {"color": c}, "border": {"none": True}} for c in colours],
                "data_labels": {"value": True, "num_format": "0%"},
                "gap": 60,
            }
        )
        if thresholds:
            lines = self.book.add_chart({"type": "line"})
            dashes = ("dash", "square_dot", "long_dash", "round_dot")
            for k, rule in enumerate(reversed(thresholds)):
                col = SUMMARY_LINES + thresholds.index(rule)
                lines.add_series(
                    {
                        "name": f"{s.text(rule.name, self.lang)} {plain_number(rule.min_percent)} %",
                        "categories": f"={name}{cell(first, 0, True)}:{cell(total_row, 0, True)}",
                        "values": f"={name}{cell(first, col, True)}:{cell(total_row, col, True)}",
                        "line": {"color": ACCENT if k == 0 else MUTED, "width": 1.75, "dash_type": dashes[k % 4]},
                        "marker": {"type": "none"},
                    }
                )
            column.combine(lines)
        column.set_title({"name": self.t("chart_title"), "name_font": {"size": 12, "bold": True, "color": ACCENT}})
        column.set_y_axis(
            {
                "min": 0,
                "max": 1,
                "major_unit": 0.2,
                "num_format": "0%",
                "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}},
            }
        )
        column.set_x_axis({"num_font": {"size": 9}})
        column.set_legend({"position": "bottom", "delete_series": [0]})
        column.set_size({"width": 760, "height": 380})
        column.show_hidden_data()  # the threshold lines read hidden columns
        ws.insert_chart(at_row, 0, column)

    def _start(self, ws: Any) -> None:
        f, s, lang, c = self.f, self.scheme, self.lang, self.campaign
        ws.set_column(0, 0, 6)
        ws.set_column(1, 1, 100)
        ws.set_column(2, 2, 16)
        deadline = format_date(c.deadline, lang)
        ws.write_string(0, 1, s.text(s.title, lang), f["title"])
        ws.write_string(1, 1, c.title_in(lang), f["subtitle"])
        ws.write_string(2, 1, self.cluster.name, f["cluster"])
        ws.set_row(0, 24)
        intro = self.t("intro", count=len(s.indicators))  # the title above names the scheme
        ws.write_string(4, 1, intro, f["body"])
        ws.set_row(4, ROW_HEIGHT * wrapped_lines(intro, 100))
        ws.write_string(6, 1, self.t("deadline", deadline=deadline), f["bold"])
        row = 8
        if self.previous is not None:
            p = self.previous
            renewal = self.t(
                "renewal",
                label=p.label_name,
                reference=p.reference,
                points=local_number(round(p.points or 0, 1), lang),
                max_points=local_number(p.max_points or 0, lang),
                valid_until=format_date(dt.date.fromisoformat(p.valid_until), lang),
            )
            ws.write_string(row, 1, renewal, f["body"])
            ws.set_row(row, ROW_HEIGHT * wrapped_lines(renewal, 100))
            row += 2
        ws.write_string(row, 1, self.t("steps_title"), f["subtitle"])
        steps = [
            self.t("step1", profile=self.names["profile"]),
            self.t("step2", assessment=self.names["assessment"]),
            self.t("step3"),
            self.t("step4"),
            self.t("step5"),
            self.t("step6", email=c.contact_email, deadline=deadline),
        ]
        row += 1
        height = ROW_HEIGHT * max(wrapped_lines(step, 100) for step in steps)  # evenly spaced steps
        for n, step in enumerate(steps, start=1):
            ws.write_string(row, 0, f"{n}.", f["step"])
            ws.write_string(row, 1, step, f["body"])
            ws.set_row(row, height)
            row += 1
        row += 1
        ws.write_string(row, 1, self.t("contact", name=c.secretariat_in(lang), email=c.contact_email), f["body"])
        row += 2
        summary, ev = sheet_ref(self.names["summary"]), self.evaluation
        ws.write_string(row, 1, self.t("progress"), f["subtitle"])
        counter = (
            f"={summary}{self.summary_cells['answered']}&{quoted(self.t('of'))}&{len(s.indicators)}"
            f"&{quoted(self.t('answered_suffix'))}"
        )
        ws.write_formula(
            row + 1, 1, counter, f["big"], self.t("answered", n=ev.answered_count, total=len(s.indicators))
        )
        ws.write_string(row + 2, 1, self.t("provisional_score"), f["subtitle"])
        score = f'={summary}{self.summary_cells["total"]}&" / {plain_number(s.total_points)} {self.t("points")}"'
        ws.write_formula(
            row + 3, 1, score, f["big"], f"{plain_number(ev.total)} / {plain_number(s.total_points)} {self.t('points')}"
        )
        ws.write_string(row + 4, 1, self.t("provisional_label"), f["subtitle"])
        ws.write_formula(row + 5, 1, f"={summary}{self.summary_cells['label']}", f["big"], ev.label)
        ws.write_string(row + 6, 1, self.t("provisional_note"), f["muted"])
        print_setup(ws, self.cluster.name, repeat_row=None, page=self.t("page"), one_page=True)  # the start: one page

    def _profile(self, ws: Any) -> None:
        f, lang, cluster = self.f, self.lang, self.cluster
        yes, no = (choice.label.get(lang) or choice.value for choice in yes_no_list((lang,)).choices)
        ws.set_column(P_KEY, P_KEY, 14, None, {"hidden": True})  # field keys, which intake reads
        ws.set_column(P_LABEL, P_LABEL, 26)
        ws.set_column(P_VALUE, P_VALUE, 60)
        ws.write_string(0, P_LABEL, self.t("profile_title"), f["title"])
        intro = self.t("profile_note")
        ws.merge_range(1, P_LABEL, 1, P_VALUE, intro, f["muted"])  # the whole width: never cut off
        ws.set_row(1, ROW_HEIGHT * wrapped_lines(intro, 26 + 60))
        ws.set_row(0, 24)
        values = {
            **profile_texts(cluster, lang),
            "language": _language_name(cluster.language, lang),
            "club": yes if cluster.club else no,
        }
        for n, key in enumerate(PROFILE_FIELDS, start=P_FIRST_ROW):
            ws.write_string(n, P_KEY, key, f["small"])
            ws.write_string(n, P_LABEL, self.t(f"f_{key}"), f["label_cell"])
            ws.write_string(n, P_VALUE, values[key], f["locked_value"] if key in P_LOCKED else f["in"])
        club_row = P_FIRST_ROW + PROFILE_FIELDS.index("club")
        ws.data_validation(club_row, P_VALUE, club_row, P_VALUE, {"validate": "list", "source": [yes, no]})
        note_row = P_FIRST_ROW + len(PROFILE_FIELDS) + 1
        note = self.t("club_note")
        ws.merge_range(note_row, P_LABEL, note_row, P_VALUE, note, f["muted"])
        ws.set_row(note_row, ROW_HEIGHT * wrapped_lines(note, 26 + 60))
        print_setup(ws, self.cluster.name, repeat_row=None, page=self.t("page"))


def _language_name(code: str, lang: str) -> str:
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(code).get_display_name(lang) or code
    except (UnknownLocaleError, ValueError):
        return code


def usable_answers(scheme: Scheme, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers of last time that the scheme still accepts, as the workbook writes them:
    an indicator gone, a choice no longer offered, a value of another type is left out (the
    cluster answers it afresh). Values come as the ledger keeps them (dates as ISO text)."""
    out: dict[str, Any] = {}
    for ind in scheme.indicators:
        value = answers.get(ind.id)
        if value in (None, "", [], ()):
            continue
        if ind.type in (INTEGER, DECIMAL, PERCENT):
            if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
                if ind.type != INTEGER or float(value).is_integer():
                    out[ind.id] = int(value) if ind.type == INTEGER else value
        elif ind.type == DATE:
            try:
                out[ind.id] = dt.date.fromisoformat(str(value)[:10])
            except ValueError:
                continue
        elif ind.type == SELECT_MULTIPLE:
            offered = {c.value for c in scheme.choice_list_of(ind).choices}
            if isinstance(value, list) and value and all(v in offered for v in value):
                out[ind.id] = list(value)
        elif ind.is_choice:
            if value in {c.value for c in scheme.choice_list_of(ind).choices}:
                out[ind.id] = value
        elif isinstance(value, str):
            out[ind.id] = value
    return out

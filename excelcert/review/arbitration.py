"""The arbitration workbook: every flagged item with all views side by side, and empty
decision, reason and 'decided by' cells for the secretariat.

It carries the contract like every workbook excelcert sends (role `arbitration`, signed,
campaign-wide), so `excelcert import` recognises it and stores each decision with who
decided, when (the workbook's save time, else the import time) and why. A decision
without a reason or a name is not stored, and says so with its cell.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from excelcert.assessment.read import (
    ReturnedWorkbook,
    RowReference,
    as_text,
    heading_columns,
    id_sheet,
    raw_cell,
    sheets_twice,
)
from excelcert.assessment.values import RawCell, parse_answer, parse_choice_list
from excelcert.assessment.workbook import ACCENT, INPUT_BORDER, INPUT_FILL, MUTED
from excelcert.base.contract import ROLE_ARBITRATION, WorkbookMeta, new_nonce, sign, sign_row, write_meta
from excelcert.base.ledger import Decision
from excelcert.base.problems import problem
from excelcert.base.sheetwriter import ROW_HEIGHT, new_book, print_setup, wrapped_lines
from excelcert.campaign.config import Campaign
from excelcert.campaign.roster import Cluster
from excelcert.review.reconcile import Item, points_of
from excelcert.scheme.answers import answer_text
from excelcert.scheme.model import SELECT_MULTIPLE, Scheme

SHEET = "Arbitration"
COLUMNS = (
    "cluster",
    "indicator",
    "indicator_name",
    "cluster_answer",
    "views",
    "why_flagged",
    "decision",
    "reason",
    "decided_by",
    "reference",
)
_WIDTHS = (14, 9, 28, 22, 46, 34, 22, 34, 18, 36)
_HIDDEN = ("reference",)  # the signed reference of the flagged item each row decides
_HEADINGS = {
    "cluster": "Cluster",
    "indicator": "ID",
    "indicator_name": "Indicator",
    "cluster_answer": "Cluster's answer",
    "views": "Reviewers' views",
    "why_flagged": "Why it is here",
    "decision": "Decision (the value that counts)",
    "reason": "Reason",
    "decided_by": "Decided by",
    "reference": "Reference (do not edit)",
}


def write_arbitration(
    path: Path, scheme: Scheme, campaign: Campaign, clusters: list[Cluster], items: list[Item], key: bytes
) -> WorkbookMeta:
    lang = scheme.default_language
    names = {c.id: c.name for c in clusters}
    meta = WorkbookMeta(
        campaign_id=campaign.id,
        scheme_id=scheme.id,
        scheme_version=scheme.version,
        scheme_hash=campaign.scheme_hash,
        cluster_id="",
        role=ROLE_ARBITRATION,
        language=lang,
        issued_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        nonce=new_nonce(),
    )
    book = new_book(path)
    try:
        base = {"font_name": "Calibri", "font_size": 10, "valign": "top", "text_wrap": True}
        head = book.add_format({**base, "bold": True, "font_color": "#FFFFFF", "bg_color": ACCENT, "border": 1})
        body = book.add_format({**base, "border": 1, "border_color": "#BFBFBF"})
        muted = book.add_format({**base, "italic": True, "font_color": MUTED})
        entry = book.add_format(
            {**base, "bg_color": INPUT_FILL, "border": 1, "border_color": INPUT_BORDER, "locked": False}
        )
        ws = book.add_worksheet(SHEET)
        ws.merge_range(
            0,
            0,
            0,
            len(COLUMNS) - 1,
            f"{campaign.title}: items to arbitrate ({len(items)})",
            book.add_format({**base, "bold": True, "font_size": 14, "font_color": ACCENT}),
        )
        ws.merge_range(
            1,
            0,
            1,
            len(COLUMNS) - 1,
            "For each row, type the value that counts (as the cluster would: a number, or one of the "
            "answers offered), why, and who decided. Rows left without a decision stay open. Then run "
            "`excelcert import` on this file.",
            muted,
        )
        ws.set_row(1, 2 * ROW_HEIGHT)
        ws.set_row(2, 30)
        for c, (column, width) in enumerate(zip(COLUMNS, _WIDTHS, strict=True)):
            ws.write_string(2, c, _HEADINGS[column], head)
            ws.set_column(c, c, width, None, {"hidden": column in _HIDDEN})
        for r, item in enumerate(items, start=3):
            ind = scheme.indicator(item.indicator_id)
            views = "\n".join(
                f"{v.reviewer_id}: {answer_text(scheme, ind, v.value, lang) or '–'} "
                f"({points_of(ind, v):g} pts{', ' + v.agreement if v.agreement else ''})"
                + (f" – {v.comment}" if v.comment else "")
                for v in item.views
            )
            values = [
                item.cluster_id,
                ind.id,
                scheme.text(ind.name, lang),  # the indicator's name; the cluster's name is a note on its id
                f"{answer_text(scheme, ind, item.self_value, lang) or '–'} ({ind.points_for(item.self_value):g} pts)",
                views,
                item.flag,
            ]
            for c, value in enumerate(values):
                ws.write_string(r, c, value, body)
            if names.get(item.cluster_id):  # the cluster's name, without leaving its id's cell
                ws.write_comment(r, 0, names[item.cluster_id], {"visible": False})
            for c in range(len(values), len(COLUMNS) - 1):
                ws.write_blank(r, c, None, entry)
            reference = sign_row(key, campaign.id, item.cluster_id, ind.id, item.flag)
            ws.write_string(r, len(COLUMNS) - 1, reference, body)
            ws.set_row(
                r,
                ROW_HEIGHT
                * min(12, max(2, views.count("\n") + 1, wrapped_lines(views, 46), wrapped_lines(item.flag, 34))),
            )
        ws.freeze_panes(3, 2)
        ws.autofilter(2, 0, max(len(items), 1) + 2, len(COLUMNS) - 1)
        ws.protect(
            "",
            {
                "format_columns": True,
                "format_rows": True,
                "autofilter": True,
                "sort": False,
                "select_locked_cells": True,
                "select_unlocked_cells": True,
            },
        )
        print_setup(ws, "arbitration", repeat_row=2)
        ws.set_landscape()
        write_meta(book, meta, sign(meta, key))
    finally:
        book.close()
    return meta


def read_decisions(book: Any, scheme: Scheme, result: ReturnedWorkbook) -> None:
    """Each decided row of a returned arbitration workbook, as a Decision; problems for the others."""
    keys = {i.id for i in scheme.indicators}
    sheet, id_column = id_sheet(book, keys)
    if sheet is None:
        result.problems.append(problem("answer-sheet-missing", None))
        return
    twice = sheets_twice(book, keys)
    if twice is not None:
        result.problems.append(twice)
        return
    found = {c: {_HEADINGS[c].casefold(), c} for c in COLUMNS}
    columns = heading_columns(sheet, found, {c: id_column + n - 1 for n, c in enumerate(COLUMNS)})
    decided_at = result.saved_at.isoformat() if result.saved_at else ""
    lang = result.meta.language
    for row, values in sheet.values:
        if len(values) <= id_column or as_text(values[id_column]) not in keys:
            continue

        def cell(name: str, row: int = row) -> RawCell:
            return raw_cell(sheet, row, columns[name])

        decision = cell("decision")
        if decision.value is None or not as_text(decision.value):
            continue  # not decided yet
        cluster_id, ind = as_text(cell("cluster").value), scheme.indicator(as_text(values[id_column]))
        if not cluster_id:
            result.problems.append(problem("arbitration-unknown-item", cell("cluster").place, cluster="", value=ind.id))
            continue
        reason, by = as_text(cell("reason").value), as_text(cell("decided_by").value)
        if not reason:
            result.problems.append(
                problem("arbitration-no-reason", cell("reason").place, indicator=ind.id, cluster=cluster_id)
            )
            continue
        if not by:
            result.problems.append(
                problem("arbitration-no-decider", cell("decided_by").place, indicator=ind.id, cluster=cluster_id)
            )
            continue
        if ind.type == SELECT_MULTIPLE:
            value, problems = parse_choice_list(ind, decision, scheme, lang)
        else:
            value, problems = parse_answer(ind, decision, scheme, lang, book.epoch)
        errors = [p for p in problems if p.severity == "error"]
        result.problems.extend(problems)
        if errors or value is None:
            continue
        result.references[f"{decision.place.sheet}!{decision.place.cell}"] = RowReference(
            cluster_id,
            ind.id,
            as_text(cell("why_flagged").value),
            as_text(cell("reference").value),
            cell("cluster").place,
        )
        result.decisions.append(
            Decision(
                cluster_id,
                ind.id,
                decision.value,
                value,
                by,
                reason,
                decided_at,
                decision.place.sheet,
                decision.place.cell,
            )
        )

"""Read a returned reviewer workbook: per indicator the verified value, agreement, points and
comment; every note and threaded comment with its cell (and the indicator of its row);
the overall appreciation. Rows are found by indicator id and columns by their headings,
as for the self-assessment, so sorted rows or widened columns do not matter.
"""

from __future__ import annotations

import re

from excelcert.assessment.read import (
    Answer,
    ReturnedWorkbook,
    as_text,
    cell_text,
    heading,
    heading_columns,
    id_sheet,
    missing_row,
    raw_cell,
    rows_by_id,
    sheets_twice,
)
from excelcert.assessment.values import (
    RawCell,
    damaged_cell,
    normalise,
    number_from_text,
    parse_answer,
    parse_choice_list,
)
from excelcert.base.contract import Identity
from excelcert.base.i18n import AGREEMENTS, REVIEW
from excelcert.base.language import language_name, seems_other_language
from excelcert.base.ledger import StoredNote
from excelcert.base.problems import Place, problem
from excelcert.base.spreadsheet import Damaged, Workbook
from excelcert.review.workbook import R_AGREEMENT, R_ID, R_RCOMMENT, R_RPOINTS, R_VERIFIED
from excelcert.scheme.model import SELECT_MULTIPLE, Indicator, Scheme

_HEADINGS = {
    key: {normalise(REVIEW[lang][f"h_{key}"]) for lang in REVIEW}
    for key in ("verified", "agreement", "review_points", "review_comment")
}
_AGREEMENT_WORDS = {normalise(REVIEW[lang][a]): a for lang in REVIEW for a in AGREEMENTS} | {a: a for a in AGREEMENTS}
_APPRECIATION = {normalise(REVIEW[lang][k]): k for lang in REVIEW for k in ("strengths", "recommendations")}


def read_review(book: Workbook, scheme: Scheme, result: ReturnedWorkbook) -> None:
    lang = result.meta.language
    keys = {i.id for i in scheme.indicators}
    sheet, id_column = id_sheet(book, keys)
    if sheet is None:
        result.problems.append(problem("answer-sheet-missing", None))
        return
    twice = sheets_twice(book, keys)
    if twice is not None:
        result.problems.append(twice)
        return
    layout = {
        "verified": R_VERIFIED,
        "agreement": R_AGREEMENT,
        "review_points": R_RPOINTS,
        "review_comment": R_RCOMMENT,
    }
    columns = heading_columns(sheet, _HEADINGS, {k: id_column + v - R_ID for k, v in layout.items()})
    rows = rows_by_id(sheet, id_column, keys)
    for ind in scheme.indicators:
        if ind.id not in rows:
            result.problems.append(missing_row(sheet, id_column, ind.id))
            continue
        row = rows[ind.id][0]
        verified = raw_cell(sheet, row, columns["verified"])
        if ind.type == SELECT_MULTIPLE:
            value, found = parse_choice_list(ind, verified, scheme, lang)
        else:
            value, found = parse_answer(ind, verified, scheme, lang, book.epoch)
        result.problems.extend(found)
        agreement = _agreement(ind.id, raw_cell(sheet, row, columns["agreement"]), lang, result)
        points = _points(ind, raw_cell(sheet, row, columns["review_points"]), lang, result)
        comment = cell_text(sheet, row, columns["review_comment"], lang)
        result.answers[ind.id] = Answer(ind.id, verified.value, value, verified.place, "", comment, agreement, points)
    row_ids = {number: as_text(values[id_column]) for number, values in sheet.values if len(values) > id_column}
    for each in book.sheets.values():
        for note in each.notes:
            indicator = row_ids.get(_row_of(note.coordinate)) if each is sheet else None
            result.notes.append(
                StoredNote(note.kind, each.name, note.coordinate, indicator or None, note.author, note.text)
            )
    appreciation = _appreciation(book)
    result.notes.extend(appreciation)
    result.identity = Identity(heading=heading(book, scheme))
    expected = _appreciation_language(book)
    for said in appreciation if expected else ():
        other = seems_other_language(said.text, expected or "")
        if other:
            result.problems.append(
                problem(
                    "appreciation-language",
                    Place(said.sheet or "", said.cell or ""),
                    value=said.text[:60] + ("…" if len(said.text) > 60 else ""),
                    found=language_name(other, "en"),
                    expected=language_name(expected or "", "en"),
                )
            )


def _agreement(indicator: str, cell: RawCell, lang: str, result: ReturnedWorkbook) -> str | None:
    if cell.value is None or not as_text(cell.value):
        return None
    if isinstance(cell.value, Damaged):
        result.problems.append(damaged_cell(indicator, cell))
        return None
    found = _AGREEMENT_WORDS.get(normalise(str(cell.value)))
    if found is None:
        choices = ", ".join(REVIEW.get(lang, REVIEW["en"])[a] for a in AGREEMENTS)
        result.problems.append(
            problem("review-bad-agreement", cell.place, indicator=indicator, value=cell.value, choices=choices)
        )
    return found


def _points(ind: Indicator, cell: RawCell, lang: str, result: ReturnedWorkbook) -> float | None:
    value = cell.value
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, Damaged):
        result.problems.append(damaged_cell(ind.id, cell))
        return None
    number = (
        value
        if isinstance(value, (int, float)) and not isinstance(value, bool)
        else number_from_text(str(value), lang)[0]
    )
    if number is None or not 0 <= number <= ind.max_points:
        result.problems.append(
            problem("review-bad-points", cell.place, indicator=ind.id, value=value, max=f"{ind.max_points:g}")
        )
        return None
    return float(number)


def _row_of(coordinate: str) -> int:
    digits = "".join(ch for ch in coordinate if ch.isdigit())
    return int(digits) if digits else 0


_LANGUAGE_WORDS = {normalise(REVIEW[lang]["language"]) for lang in REVIEW}
_CODE = re.compile(r"\(([a-z]{2,3})\)\s*$")


def _appreciation_language(book: Workbook) -> str | None:
    """The cluster's language the appreciation sheet asks for ('Language: French (fr)'), or None."""
    for sheet in book.sheets.values():
        for _number, values in sheet.values:
            if len(values) > 1 and type(values[0]) is str and normalise(values[0]) in _LANGUAGE_WORDS:
                found = _CODE.search(str(values[1] or ""))
                if found:
                    return found.group(1)
    return None


def _appreciation(book: Workbook) -> list[StoredNote]:
    out = []
    for sheet in book.sheets.values():
        for number, values in sheet.values:
            if len(values) > 1 and type(values[0]) is str:
                kind = _APPRECIATION.get(normalise(values[0]))
                text = cell_text(sheet, number, 1)
                if kind and text:
                    out.append(StoredNote(kind, sheet.name, sheet.cell(number, 2).coordinate, None, "", text))
    return out

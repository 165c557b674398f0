"""Read a returned self-assessment: its answers by indicator id, its profile, its problems.

The helpers here (finding the id column, the columns by heading, a cell with its place)
are shared by the readers of reviews and arbitration decisions.

Answers are found by the indicator id in each row (the contract), on whichever sheet
holds them, however the rows were sorted, inserted, deleted or hidden, and whatever the
sheet is called now. The answer, evidence and comment columns are found by their
headings (in any of the scheme's languages), else where excelcert put them.
Verification against the campaign (key, campaign, scheme version, roster) is the batch's
job; this module only reads.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Container
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from excelcert.assessment.values import RawCell, decimal_mark, parse_answer, parse_several
from excelcert.assessment.workbook import C_ANSWER, C_COMMENT, C_EVIDENCE, C_ID, P_KEY, P_VALUE, PROFILE_FIELDS
from excelcert.base.contract import (
    META_SHEET,
    ContractError,
    Identity,
    WorkbookMeta,
    read_workbook_meta,
)
from excelcert.base.foreign import read_returned_book
from excelcert.base.i18n import TEXTS
from excelcert.base.ledger import Decision, StoredNote
from excelcert.base.problems import Place, Problem, UnreadableFile, problem
from excelcert.base.spreadsheet import Damaged, Sheet, Workbook
from excelcert.scheme.model import SELECT_MULTIPLE, Indicator, Scheme

# The headings of the answer, evidence and comment columns, in every language excelcert writes.
_HEADINGS = {key: {TEXTS[lang][f"h_{key}"].casefold() for lang in TEXTS} for key in ("answer", "evidence", "comment")}


@dataclass
class Answer:
    indicator: str
    raw: Any  # what the cell held (for several choices: {choice: raw})
    value: Any  # parsed; None when blank or unreadable
    place: Place | None
    evidence: str = ""
    comment: str = ""
    agreement: str | None = None  # a review: agree / partly / disagree
    points: float | None = None  # a review: the reviewer's points


@dataclass(frozen=True)
class RowReference:
    """What an arbitration row says it decides (cluster, indicator, why it was flagged), its
    signed reference, and the row's cluster cell; the batch verifies it with the key."""

    cluster_id: str
    indicator_id: str
    flag: str
    reference: str
    place: Place


@dataclass
class ReturnedWorkbook:
    path: Path
    meta: WorkbookMeta
    signature: str
    saved_at: dt.datetime | None  # from the document properties
    saved_local: bool = False  # `saved_at` is the saver's local time, its zone unknown (Workbook.modified_local)
    answers: dict[str, Answer] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    profile: dict[str, str] = field(default_factory=dict)
    notes: list[StoredNote] = field(default_factory=list)  # a review
    identity: Identity = field(default_factory=Identity)  # what its own content says it is
    references: dict[str, RowReference] = field(default_factory=dict)  # an arbitration: by decision cell
    decisions: list[Decision] = field(default_factory=list)  # an arbitration

    @property
    def missing_required(self) -> list[str]:
        return [p.indicator for p in self.problems if p.code == "answer-missing" and p.indicator is not None]


def id_sheet(book: Workbook, keys: Container[str]) -> tuple[Sheet | None, int]:
    """The sheet with the most cells holding one of `keys` (indicator ids), and their column."""
    found = _id_sheets(book, keys)
    return (found[0][1], found[0][2]) if found else (None, C_ID)


def _id_sheets(book: Workbook, keys: Container[str]) -> list[tuple[int, Sheet, int]]:
    """(ids held, sheet, their column) of each sheet holding some of `keys`, the most first
    (on a tie, the sheet met first). Found once per workbook and set of keys: a reader asks
    for them several times."""
    if not isinstance(keys, (set, frozenset, dict)):
        return _find_id_sheets(book, keys)
    cache: dict[frozenset[str], list[tuple[int, Sheet, int]]] = book.__dict__.setdefault("_id_sheets", {})
    cache_key = frozenset(keys)
    found = cache.get(cache_key)
    if found is None:
        found = cache[cache_key] = _find_id_sheets(book, keys)
    return found


def _find_id_sheets(book: Workbook, keys: Container[str]) -> list[tuple[int, Sheet, int]]:
    out: list[tuple[int, Sheet, int]] = []
    for sheet in book.sheets.values():
        if sheet.name.strip().casefold() == META_SHEET.casefold():
            continue
        hits: dict[int, int] = {}
        for _, values in sheet.values:
            for n, v in enumerate(values):
                if type(v) is str and v.strip() in keys:
                    hits[n] = hits.get(n, 0) + 1
        if hits:
            column = max(hits, key=hits.__getitem__)  # the most ids; on a tie, the first met
            out.append((hits[column], sheet, column))
    return sorted(out, key=lambda found: -found[0])


def sheets_twice(book: Workbook, keys: Container[str]) -> Problem | None:
    """A problem if two sheets hold the indicator ids (a copy of the answer sheet, say, kept
    beside the original): which one holds the answers cannot be told, so none is read.
    A sheet that names a few ids (2, or under half as many as the answer sheet) is not a copy."""
    found = _id_sheets(book, keys)
    if len(found) < 2 or found[1][0] < max(2, found[0][0] // 2):
        return None
    first, second = sorted((found[0][1].name, found[1][1].name), key=list(book.sheets).index)
    return problem("answer-sheet-twice", Place(first, ""), sheet=first, other=second)


def heading_columns(sheet: Sheet, headings: dict[str, set[str]], defaults: dict[str, int]) -> dict[str, int]:
    """Columns (from 0) found by their heading (casefolded, any language), else where excelcert put them."""
    found: dict[str, int] = {}
    for _, values in sheet.values:
        for column, value in enumerate(values):
            text = as_text(value).casefold()
            for key, names in headings.items():
                if text in names and key not in found:
                    found[key] = column
        if len(found) == len(headings):
            break
    return {key: found.get(key, column) for key, column in defaults.items()}


def rows_by_id(sheet: Sheet, id_column: int, keys: Container[str]) -> dict[str, list[int]]:
    """The numbers of the rows holding each key in `id_column` (from 0), in sheet order."""
    rows: dict[str, list[int]] = {}
    for number, values in sheet.values:
        if len(values) > id_column and as_text(values[id_column]) in keys:
            rows.setdefault(as_text(values[id_column]), []).append(number)
    return rows


def missing_row(sheet: Sheet, id_column: int, key: str) -> Problem:
    """Why `key`'s row was not found: its id changed in a row that is still there (a hidden
    character, other capitals, a space inside: `answer-id-altered` on that cell, the row not
    read, since which row it was is not certain), else the row gone (`answer-row-missing`)."""
    wanted = _id_form(key)
    for number, values in sheet.values:
        if len(values) > id_column and isinstance(values[id_column], str):
            text = values[id_column]
            if as_text(text) != key and _id_form(text) == wanted:
                place = Place(sheet.name, sheet.cell(number, id_column + 1).coordinate)
                return problem("answer-id-altered", place, indicator=key, value=_visible(text))
    return problem("answer-row-missing", Place(sheet.name, ""), indicator=key)


def _id_form(text: str) -> str:
    """An id without what a person cannot see or tell apart: compatibility forms, invisible
    and control characters, spaces, capitals."""
    return "".join(
        ch for ch in unicodedata.normalize("NFKC", text) if unicodedata.category(ch)[0] not in "CZ"
    ).casefold()


def _visible(text: str) -> str:
    """`text` with each invisible or control character shown as <U+XXXX>."""
    return "".join(ch if ch == " " or unicodedata.category(ch)[0] not in "CZ" else f"<U+{ord(ch):04X}>" for ch in text)


def raw_cell(sheet: Sheet, row: int, column: int) -> RawCell:
    """The cell in `row` and `column` (from 0), as the file has it, with its place."""
    cell = sheet.cell(row, column + 1)
    return RawCell(cell.value, Place(sheet.name, cell.coordinate), cell.number_format, cell.formula)


def cell_text(sheet: Sheet, row: int, column: int, lang: str = "en") -> str:
    """What the cell in `row` and `column` (from 0) says, as text (a comment, a name): a
    number as a reader of `lang` writes it (3,5 in French and German), a percentage with
    its %, a date as a date."""
    return as_text(sheet.text(row, column + 1, decimal=decimal_mark(lang)))


# The decimal mark of each language a workbook may be in (a point where not listed).


def read_meta(book: Workbook, name: str) -> tuple[WorkbookMeta, str]:
    try:
        return read_workbook_meta(book)
    except ContractError as exc:
        raise UnreadableFile(problem("not-excelcert", path=name, detail=str(exc))) from None


def open_returned(path: Path, name: str | None = None, data: bytes | None = None) -> tuple[Workbook, ReturnedWorkbook]:
    """The workbook at `path` (or its bytes `data`) and its signed metadata, with no answers yet;
    UnreadableFile if it cannot be read or is not ours."""
    name = name or path.name
    book = read_returned_book(path, name=name, skip=_not_read, data=data)
    meta, signature = read_meta(book, name)
    result = ReturnedWorkbook(path, meta, signature, book.modified, book.modified_local)
    if book.macros:
        result.problems.append(problem("macro-workbook", None))
    return book, result


def read_self_assessment(book: Workbook, scheme: Scheme, result: ReturnedWorkbook) -> None:
    """The answers and profile of a returned self-assessment, into `result`."""
    _Answers(book, scheme, result.meta.language, result).read()
    result.profile = _profile(book)
    result.identity = Identity(result.profile.get("id", ""), heading(book, scheme))


def heading(book: Workbook, scheme: Scheme) -> str:
    """The text of the answer sheet above its first indicator row: its title, which names
    the cluster (and a review's introduction, which names the reviewer)."""
    sheet, id_column = id_sheet(book, {i.id for i in scheme.indicators})
    if sheet is None:
        return ""
    keys = {i.id for i in scheme.indicators}
    texts = []
    for _, values in sheet.values:
        if len(values) > id_column and as_text(values[id_column]) in keys:
            break
        texts += [value for value in values if isinstance(value, str) and value.strip()]
    return "\n".join(texts)


# Sheets intake never reads, under any language's name: not parsed at all.
_NEVER_READ = {"lists"} | {TEXTS[lang][f"sheet_{k}"].casefold() for lang in TEXTS for k in ("start", "summary")}


def _not_read(sheet_name: str) -> bool:
    return sheet_name.strip().casefold() in _NEVER_READ


def as_text(value: Any) -> str:
    """A cell's value as stripped text (\"\" for an empty cell, and for one whose data in the
    file cannot be read: text is never guessed from damage)."""
    return "" if value is None or isinstance(value, Damaged) else str(value).strip()


class _Answers:
    def __init__(self, book: Workbook, scheme: Scheme, lang: str, result: ReturnedWorkbook):
        self.book, self.scheme, self.lang, self.result = book, scheme, lang, result
        self.keys = {i.id: i for i in scheme.indicators}
        for ind in scheme.indicators:
            if ind.type == SELECT_MULTIPLE:
                for choice in scheme.choice_list_of(ind).choices:
                    self.keys[f"{ind.id}/{choice.value}"] = ind
        self.conflicts: set[str] = set()  # indicators given twice with different answers

    def add(self, item: Problem) -> None:
        self.result.problems.append(item)

    def read(self) -> None:
        sheet, id_column = self._answer_sheet()
        if sheet is None:
            self.add(problem("answer-sheet-missing", None))
            return
        twice = sheets_twice(self.book, self.keys)
        if twice is not None:
            self.add(twice)
            return
        columns = self._columns(sheet, id_column)
        rows = rows_by_id(sheet, id_column, self.keys)
        self.id_column = id_column
        for ind in self.scheme.indicators:
            if ind.type == SELECT_MULTIPLE:
                self._several(ind, sheet, rows, columns)
            else:
                self._single(ind, sheet, rows, columns)

    def _answer_sheet(self) -> tuple[Sheet | None, int]:
        return id_sheet(self.book, self.keys)

    def _columns(self, sheet: Sheet, id_column: int) -> dict[str, int]:
        """Answer, evidence and comment columns, by their headings, else excelcert's layout."""
        layout = {"answer": C_ANSWER, "evidence": C_EVIDENCE, "comment": C_COMMENT}
        return heading_columns(sheet, _HEADINGS, {k: id_column + v - C_ID for k, v in layout.items()})

    def _row(self, key: str, sheet: Sheet, rows: dict[str, list[int]], column: int) -> RawCell | None:
        """The answer cell of `key`'s row; None if the row is gone; a problem (and no value)
        if the row is given twice with different answers."""
        found = rows.get(key)
        if not found:
            return None
        cells = [raw_cell(sheet, row, column) for row in found]
        if len(cells) > 1 and len({as_text(c.value) for c in cells}) > 1:
            self.add(problem("answer-row-duplicate", cells[1].place, indicator=key, other=cells[0].place))
            self.conflicts.add(key.split("/")[0])
            return RawCell(None, cells[0].place)
        return cells[0]

    def _single(self, ind: Indicator, sheet: Sheet, rows: dict[str, list[int]], columns: dict[str, int]) -> None:
        cell = self._row(ind.id, sheet, rows, columns["answer"])
        if cell is None:
            self.add(missing_row(sheet, self.id_column, ind.id))
            return
        value, problems = parse_answer(ind, cell, self.scheme, self.lang, self.book.epoch)
        for item in problems:
            self.add(item)
        self._store(ind, cell.value, value, cell.place, sheet, rows, columns)
        if value is None and not problems and ind.required and ind.id not in self.conflicts:
            self.add(
                problem("answer-missing", cell.place, indicator=ind.id, name=self.scheme.text(ind.name, self.lang))
            )

    def _several(self, ind: Indicator, sheet: Sheet, rows: dict[str, list[int]], columns: dict[str, int]) -> None:
        cells: dict[str, RawCell] = {}
        for choice in self.scheme.choice_list_of(ind).choices:
            cell = self._row(f"{ind.id}/{choice.value}", sheet, rows, columns["answer"])
            if cell is None:
                self.add(missing_row(sheet, self.id_column, f"{ind.id}/{choice.value}"))
            else:
                cells[choice.value] = cell
        value, problems = parse_several(ind, cells, self.scheme)
        for item in problems:
            self.add(item)
        first = next(iter(cells.values()), None)
        raw = {choice: cell.value for choice, cell in cells.items() if cell.value not in (None, "")}
        self._store(ind, raw or None, value, first.place if first else None, sheet, rows, columns)
        if value is None and not problems and ind.required and first is not None and ind.id not in self.conflicts:
            self.add(
                problem("answer-missing", first.place, indicator=ind.id, name=self.scheme.text(ind.name, self.lang))
            )

    def _store(
        self,
        ind: Indicator,
        raw: Any,
        value: Any,
        place: Place | None,
        sheet: Sheet,
        rows: dict[str, list[int]],
        columns: dict[str, int],
    ) -> None:
        notes: dict[str, str] = {}
        for key in ("evidence", "comment"):  # from the indicator's (first) row: duplicates are reported once
            found = rows.get(ind.id)
            notes[key] = cell_text(sheet, found[0], columns[key], self.lang) if found else ""
        self.result.answers[ind.id] = Answer(ind.id, raw, value, place, notes["evidence"], notes["comment"])


def _profile(book: Workbook) -> dict[str, str]:
    """The profile sheet's field key -> value (the cluster's corrections of the roster)."""
    for sheet in book.sheets.values():
        fields = {
            as_text(values[P_KEY]): cell_text(sheet, number, P_VALUE)
            for number, values in sheet.values
            if as_text(values[P_KEY]) in PROFILE_FIELDS
        }  # a field left empty: ""
        if len(fields) >= len(PROFILE_FIELDS) // 2:
            return fields
    return {}

"""Turn what a cluster typed into an answer, or into a problem: never a guess.

Numbers typed as text (`45 %`, `0,45`, `1 234,5`, `1,234.5`, `€ 12 000`), percentages as
45 or 0.45 (decided by the cell's format and the scheme's bounds, with a warning when it
is a judgement), yes/no in many languages (`Oui`, `ja`, `x`, `✓`), choices typed instead
of picked, dates as serials or text, trailing spaces. What cannot be read is reported
with its cell and the raw value kept; the parsed value is then None.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from excelcert.base.i18n import NO_WORDS, YES_WORDS
from excelcert.base.numberformats import WINDOWS_EPOCH, from_excel
from excelcert.base.problems import Place, Problem, problem
from excelcert.base.spreadsheet import Damaged, shown_as_text
from excelcert.scheme.build import plain_number
from excelcert.scheme.model import (
    DATE,
    INTEGER,
    PERCENT,
    SELECT_ONE,
    TEXT,
    YES_NO,
    Indicator,
    Scheme,
)

_CURRENCY = re.compile(r"^(?:€|\$|£|eur|euros?|chf|usd|gbp)\s*|\s*(?:€|\$|£|eur|euros?|chf|usd|gbp)$", re.I)
_COMMA_DECIMAL = {
    "fr",
    "de",
    "es",
    "it",
    "nl",
    "pt",
    "pl",
    "cs",
    "da",
    "sv",
    "nb",
    "no",
    "fi",
    "et",
    "hu",
    "hr",
    "sl",
    "ro",
    "el",
    "bg",
    "lt",
    "lv",
    "sk",
}


@dataclass(frozen=True)
class RawCell:
    """An answer cell as read: its value, where it is, its number format, its formula if any."""

    value: Any
    place: Place
    number_format: str = "General"
    formula: str | None = None

    @property
    def is_percent(self) -> bool:
        return "%" in (self.number_format or "")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@lru_cache(maxsize=4096)  # the same words come back in every workbook
def normalise(text: str) -> str:
    """For matching typed text: case, accents' composition, spaces and a final full stop."""
    text = unicodedata.normalize("NFC", str(text)).replace("\u00a0", " ").replace("\u202f", " ")
    return re.sub(r"\s+", " ", text).strip().rstrip(".").strip().casefold()


def number_from_text(text: str, lang: str) -> tuple[float | None, bool]:
    """(number, had a % sign) from text such as '1 234,5', '1,234.5', '€ 12 000', '45 %'."""
    cleaned = text.replace("\u00a0", " ").replace("\u202f", " ").strip()
    cleaned = _CURRENCY.sub("", cleaned).strip()
    percent = cleaned.endswith("%")
    if percent:  # `45 %%`: what Calc holds when "45 %" is typed into a percent cell
        cleaned = cleaned.rstrip("% ").strip()
    cleaned = cleaned.replace(" ", "").replace("'", "").replace("’", "")
    if not re.fullmatch(r"[+-]?[\d.,]*\d[\d.,]*", cleaned):
        return None, percent
    comma_decimal = lang in _COMMA_DECIMAL
    if "," in cleaned and "." in cleaned:  # the later one is the decimal mark
        decimal = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        cleaned = cleaned.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif "," in cleaned:
        if cleaned.count(",") > 1 or (re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+", cleaned) and not comma_decimal):
            cleaned = cleaned.replace(",", "")  # 1,234,567 or English 1,234
        else:
            cleaned = cleaned.replace(",", ".")
    elif cleaned.count(".") > 1 or (re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+", cleaned) and comma_decimal):
        cleaned = cleaned.replace(".", "")  # 1.234.567 or German 1.234
    try:
        number = float(cleaned)
    except ValueError:
        return None, percent
    return (number if math.isfinite(number) else None), percent  # 'nan', 'inf', 400 digits: not a number


def parse_answer(
    ind: Indicator, cell: RawCell, scheme: Scheme, lang: str, epoch: dt.datetime | None = None
) -> tuple[Any, list[Problem]]:
    """The answer of `ind` in `cell`: (parsed value or None, problems). Whatever the cell holds,
    this never raises: a value that cannot be read at all is a problem on its cell."""
    if isinstance(cell.value, Damaged):
        return None, [damaged_cell(ind.id, cell)]
    try:
        return _parse_answer(ind, cell, scheme, lang, epoch)
    except (ValueError, OverflowError, ArithmeticError):
        return None, [problem("answer-unreadable", cell.place, indicator=ind.id, value=_shown(cell.value))]


def damaged_cell(indicator: str, cell: RawCell) -> Problem:
    """The problem with a cell whose data in the file cannot be read (`Damaged`)."""
    assert isinstance(cell.value, Damaged)
    return problem("answer-cell-damaged", cell.place, indicator=indicator, why=cell.value.why)


def _shown(value: Any) -> str:
    """A cell's value as a problem may quote it: short."""
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _parse_answer(
    ind: Indicator, cell: RawCell, scheme: Scheme, lang: str, epoch: dt.datetime | None = None
) -> tuple[Any, list[Problem]]:
    value = cell.value
    if cell.formula is not None and value is None:
        return None, [problem("answer-formula-not-calculated", cell.place, indicator=ind.id, value=cell.formula)]
    if _blank(value):
        return None, []
    if isinstance(value, str):
        value = value.strip()
    if ind.is_numeric:
        return _number(ind, cell, value, lang)
    if ind.type == YES_NO:
        return _yes_no(ind, cell, value, scheme)
    if ind.type == SELECT_ONE:
        return _choice(ind, cell, value, scheme, lang)
    if ind.type == DATE:
        return _date(ind, cell, value, lang, epoch)
    if ind.type == TEXT:
        return (
            value if isinstance(value, str) else plain_number(value) if isinstance(value, float) else str(value)
        ), []
    raise ValueError(f"indicator {ind.id}: type {ind.type} is not answered in one cell")


def parse_yes_no(value: Any, scheme: Scheme) -> bool | None:
    """True for yes, False for no, None when the value is neither."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    word = normalise(value)
    labels = _yes_no_labels(scheme)
    if word in labels:
        return labels[word]
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    return None


_LABELS: dict[int, tuple[Scheme, dict[str, bool]]] = {}  # id(scheme) -> (scheme, its yes/no labels)


def _yes_no_labels(scheme: Scheme) -> dict[str, bool]:
    """The scheme's yes and no labels in every language, normalised -> True for yes
    (worked out once per scheme, not once per answer)."""
    cached = _LABELS.get(id(scheme))
    if cached is None or cached[0] is not scheme:
        yes_no = scheme.choice_list(YES_NO)
        labels = {
            normalise(label): choice.value == "yes" for choice in yes_no.choices for label in choice.label.values()
        }
        if len(_LABELS) >= 8:
            _LABELS.clear()
        cached = _LABELS[id(scheme)] = (scheme, labels)
    return cached[1]


DECIMAL_MARK = {"fr": ",", "de": ",", "es": ",", "it": ",", "pt": ",", "nl": ",", "pl": ",", "cs": ","}


def decimal_mark(lang: str) -> str:
    """The decimal mark a workbook in `lang` shows numbers with (',' in French and German)."""
    return DECIMAL_MARK.get(lang.split("-")[0].casefold(), ".")


def _number(ind: Indicator, cell: RawCell, value: Any, lang: str) -> tuple[Any, list[Problem]]:
    problems: list[Problem] = []
    if isinstance(value, (bool, dt.date, dt.datetime)):
        return None, [problem("answer-not-a-number", cell.place, indicator=ind.id, value=value)]
    if isinstance(value, (int, float)):
        if not math.isfinite(value):  # NaN or infinity stored in the cell
            return None, [problem("answer-not-a-number", cell.place, indicator=ind.id, value=value)]
        number, typed_percent = float(value), False
        if ind.type == PERCENT and cell.is_percent:
            number = round(number * 100, 9)
            typed_percent = True
            if _implausibly_small(ind, number):
                return None, [
                    problem(
                        "answer-tiny-percent",
                        cell.place,
                        indicator=ind.id,
                        value=plain_number(number),
                        percent=plain_number(round(number * 100, 9)),
                    )
                ]
    else:
        parsed, typed_percent = number_from_text(str(value), lang)
        if parsed is None:
            return None, [problem("answer-not-a-number", cell.place, indicator=ind.id, value=value)]
        number = parsed
    if ind.type == PERCENT and not typed_percent:
        number, problems = _percent_points(ind, cell, number)
    number = round(number, 9)
    if ind.type == INTEGER and number != int(number):
        shown = (
            value if isinstance(value, str) else shown_as_text(value, cell.number_format, decimal=decimal_mark(lang))
        )
        return None, [problem("answer-not-whole", cell.place, indicator=ind.id, value=shown)]
    if (ind.min is not None and number < ind.min) or (ind.max is not None and number > ind.max):
        unit = " %" if ind.type == PERCENT else ""  # 4550 % is what the cell shows: '4550' alone reads as a count
        return None, problems + [
            problem(
                "answer-out-of-bounds",
                cell.place,
                indicator=ind.id,
                value=plain_number(number) + unit,
                min=(plain_number(ind.min) + unit) if ind.min is not None else "…",
                max=(plain_number(ind.max) + unit) if ind.max is not None else "…",
            )
        ]
    return (int(number) if ind.type == INTEGER or number == int(number) else number), problems


def _implausibly_small(ind: Indicator, percent: float) -> bool:
    """Whether a percent cell's `percent` (0.45 for 0.45 %) is below 1 % where the indicator's
    range makes that implausible: a share (no negative value allowed) whose value 100 times
    larger is also allowed. LibreOffice stores 0,45 typed into a percent cell as 0.45 %
    (Excel as 45 %): such a value is asked about, never taken, nor guessed."""
    low = ind.min if ind.min is not None else 0
    return low >= 0 and 0 < abs(percent) < 1 and (ind.max is None or percent * 100 <= ind.max)


def _percent_points(ind: Indicator, cell: RawCell, number: float) -> tuple[float, list[Problem]]:
    """45 is 45 %; 0.45 in a cell without % format is most likely 45 %: read so, and say so."""
    low = ind.min if ind.min is not None else 0
    if 0 < abs(number) <= 1 and low > -100:
        percent = round(number * 100, 9)
        return percent, [
            problem(
                "answer-ambiguous-percent",
                cell.place,
                indicator=ind.id,
                value=plain_number(number),
                percent=plain_number(percent),
            )
        ]
    return number, []


def _yes_no(ind: Indicator, cell: RawCell, value: Any, scheme: Scheme) -> tuple[Any, list[Problem]]:
    answer = parse_yes_no(value, scheme)
    if answer is None:
        return None, [problem("answer-not-yes-no", cell.place, indicator=ind.id, value=value)]
    return ("yes" if answer else "no"), []


def _choice(ind: Indicator, cell: RawCell, value: Any, scheme: Scheme, lang: str) -> tuple[Any, list[Problem]]:
    choices = scheme.choice_list_of(ind)
    typed = normalise(value if not isinstance(value, float) else plain_number(value))
    for language in [lang] + [x for x in scheme.languages if x != lang]:  # the workbook's language first
        for choice in choices.choices:
            if normalise(choice.label.get(language, "")) == typed:
                return choice.value, []
    for choice in choices.choices:
        if normalise(choice.value) == typed:
            return choice.value, []
    return None, [problem("answer-unknown-choice", cell.place, indicator=ind.id, value=value)]


def _date(ind: Indicator, cell: RawCell, value: Any, lang: str, epoch: dt.datetime | None) -> tuple[Any, list[Problem]]:
    if isinstance(value, dt.datetime):
        return value.date(), []
    if isinstance(value, dt.date):
        return value, []
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < 2958466:
        moment = from_excel(value, epoch=epoch or WINDOWS_EPOCH)
        assert isinstance(moment, dt.datetime), "a serial of 1 or more is a day"
        return moment.date(), []
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10]), []
    except ValueError:
        pass
    match = re.fullmatch(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})", text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            date = dt.date(year, month, day)
        except ValueError:
            return None, [problem("answer-not-a-date", cell.place, indicator=ind.id, value=value)]
        if day <= 12 and month <= 12 and day != month:
            return date, [
                problem("answer-ambiguous-date", cell.place, indicator=ind.id, value=value, date=date.isoformat())
            ]
        return date, []
    return None, [problem("answer-not-a-date", cell.place, indicator=ind.id, value=value)]


def parse_several(ind: Indicator, cells: dict[str, RawCell], scheme: Scheme) -> tuple[Any, list[Problem]]:
    """A several-choice indicator's rows (choice value -> cell): the chosen values, in list order."""
    chosen: list[str] = []
    problems: list[Problem] = []
    answered = False
    for choice in scheme.choice_list_of(ind).choices:
        cell = cells.get(choice.value)
        if cell is None or _blank(cell.value):
            continue
        answered = True
        if isinstance(cell.value, Damaged):
            problems.append(damaged_cell(f"{ind.id}/{choice.value}", cell))
            continue
        answer = parse_yes_no(cell.value.strip() if isinstance(cell.value, str) else cell.value, scheme)
        if answer is None:
            problems.append(
                problem("answer-not-yes-no", cell.place, indicator=f"{ind.id}/{choice.value}", value=cell.value)
            )
        elif answer:
            chosen.append(choice.value)
    return (chosen if answered else None), problems


def parse_choice_list(ind: Indicator, cell: RawCell, scheme: Scheme, lang: str) -> tuple[Any, list[Problem]]:
    """A several-choice answer typed in one cell ('newsletter; portal'): the chosen values, in list order."""
    if _blank(cell.value):
        return None, []
    if isinstance(cell.value, Damaged):
        return None, [damaged_cell(ind.id, cell)]
    chosen: set[str] = set()
    problems: list[Problem] = []
    for part in re.split(r"[;\n]", str(cell.value)):
        if part.strip():
            value, found = _choice(ind, cell, part.strip(), scheme, lang)
            problems += found
            if value is not None:
                chosen.add(value)
    return [c.value for c in scheme.choice_list_of(ind).choices if c.value in chosen], problems

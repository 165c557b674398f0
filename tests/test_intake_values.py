"""What clusters actually type, read as answers or as problems (never as guesses)."""

from __future__ import annotations

import datetime as dt

import pytest

from excelcert.assessment.values import RawCell, number_from_text, parse_answer, parse_several
from excelcert.base.problems import Place
from excelcert.scheme import load_scheme

SCHEME = load_scheme()
PLACE = Place("Assessment", "E17")


def answer(indicator: str, value, lang="en", fmt="General", formula=None):
    parsed, problems = parse_answer(SCHEME.indicator(indicator), RawCell(value, PLACE, fmt, formula), SCHEME, lang)
    return parsed, [p.code for p in problems]


@pytest.mark.parametrize(
    "text, lang, expected",
    [
        ("45 %", "en", (45, True)),
        ("45%", "fr", (45, True)),
        ("0,45", "fr", (0.45, False)),
        ("1 234,5", "fr", (1234.5, False)),
        ("1\u00a0234,5", "fr", (1234.5, False)),
        ("1\u202f234,5", "fr", (1234.5, False)),
        ("1,234.5", "en", (1234.5, False)),
        ("€ 12 000", "fr", (12000, False)),
        ("12.000 €", "de", (12000, False)),
        ("EUR 260,000", "en", (260000, False)),
        ("1,234", "en", (1234, False)),
        ("1,234", "de", (1.234, False)),
        ("1.234", "de", (1234, False)),
        ("1.234", "en", (1.234, False)),
        ("1'234.5", "de", (1234.5, False)),
        ("-3", "en", (-3, False)),
        ("forty", "en", (None, False)),
        ("12 cats", "en", (None, False)),
        ("", "en", (None, False)),
    ],
)
def test_numbers_typed_as_text(text, lang, expected):
    assert number_from_text(text, lang) == expected


def test_integer_answers():
    assert answer("STR-01", 45) == (45, [])
    assert answer("STR-01", 45.0) == (45, [])
    assert answer("STR-01", " 1 234 ", "fr") == (1234, [])
    assert answer("STR-01", "forty") == (None, ["answer-not-a-number"])
    assert answer("STR-01", 4.5) == (None, ["answer-not-whole"])
    assert answer("STR-01", 150000) == (None, ["answer-out-of-bounds"])
    assert answer("STR-01", True) == (None, ["answer-not-a-number"])


@pytest.mark.parametrize(
    "value, lang, fmt, shown",
    [
        (12.5, "de", "General", "12,5"),
        (12.5, "fr", "0.0", "12,5"),
        (12.5, "en", "General", "12.5"),
        ("12,5", "de", "@", "12,5"),
    ],
)
def test_a_number_that_is_not_whole_is_quoted_as_the_cluster_typed_it(value, lang, fmt, shown):
    """A German typing 12,5 in LibreOffice stores the number 12.5: the message quotes '12,5'."""
    parsed, problems = parse_answer(SCHEME.indicator("STR-01"), RawCell(value, PLACE, fmt), SCHEME, lang)
    assert parsed is None and [p.code for p in problems] == ["answer-not-whole"]
    assert f"'{shown}' is not a whole number" in problems[0].message


def test_the_problem_names_the_cell_and_the_value():
    _, problems = parse_answer(SCHEME.indicator("STR-01"), RawCell("forty", PLACE), SCHEME, "en")
    assert str(problems[0]).startswith("Assessment!E17: indicator STR-01: 'forty' is not a number")


def test_percentages_by_cell_format_and_bounds():
    assert answer("STR-03", 0.45, fmt="0%") == (45, [])  # the workbook's own percent cell
    assert answer("STR-03", 45) == (45, [])  # format lost, 45 can only be 45 %
    assert answer("STR-03", 0.45) == (45, ["answer-ambiguous-percent"])  # most likely 45 %: said so
    assert answer("STR-03", "45 %") == (45, [])
    assert answer("STR-03", "0,45", "fr") == (45, ["answer-ambiguous-percent"])
    assert answer("STR-03", 1.2, fmt="0%") == (None, ["answer-out-of-bounds"])  # 120 %
    assert answer("STR-06", 0.5) == (0.5, [])  # growth may be negative: 0.5 stays 0.5 %
    assert answer("STR-06", -0.03, fmt="0%") == (-3, [])


def test_the_percent_trap_is_asked_about_never_taken():
    """LibreOffice stores 0,45 typed into a percent cell as 0.45 % (the value 0.0045)."""
    parsed, problems = parse_answer(SCHEME.indicator("GOV-04"), RawCell(0.0045, PLACE, "0%"), SCHEME, "fr")
    assert parsed is None and [p.code for p in problems] == ["answer-tiny-percent"]
    assert problems[0].severity == "error" and "0.45 % — did you mean 45 %?" in problems[0].message
    assert answer("STR-03", 0.005, fmt="0.0%") == (None, ["answer-tiny-percent"])
    assert answer("STR-03", 0.01, fmt="0%") == (1, [])  # 1 %: plausible
    assert answer("STR-03", 0, fmt="0%") == (0, [])
    assert answer("STR-06", 0.0045, fmt="0%") == (0.45, [])  # growth may be small, or negative
    assert answer("STR-03", "0.45 %") == (0.45, [])  # typed with its % sign: meant
    assert answer("STR-03", "45 %%", "fr") == (45, [])  # what Calc holds when "45 %" is typed into a percent cell
    assert number_from_text("45 % %", "fr") == (45, True)


def test_decimal_answers():
    assert answer("GOV-01", "0,5", "de") == (0.5, [])
    assert answer("GOV-01", 2.5) == (2.5, [])
    assert answer("FIN-01", "€ 260 000", "fr") == (260000, [])


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("Oui", "yes"),
        ("ja", "yes"),
        ("x", "yes"),
        ("✓", "yes"),
        ("Yes", "yes"),
        (True, "yes"),
        (1, "yes"),
        ("Non", "no"),
        ("nein", "no"),
        ("No ", "no"),
        (False, "no"),
        ("Ja.", "yes"),
    ],
)
def test_yes_no_in_many_languages(typed, expected):
    assert answer("GOV-06", typed, "fr") == (expected, [])


def test_yes_no_that_is_neither():
    assert answer("GOV-06", "maybe") == (None, ["answer-not-yes-no"])


def test_choices_typed_instead_of_picked():
    adopted_fr = "Oui, adoptée par le conseil au cours des trois dernières années"
    assert answer("SRV-01", adopted_fr, "fr") == ("adopted", [])
    assert answer("SRV-01", "  oui, adoptée par le conseil au cours des trois dernières années. ", "fr") == (
        "adopted",
        [],
    )
    assert answer("SRV-01", "Yes, adopted by the board within the last three years", "fr") == ("adopted", [])
    assert answer("SRV-01", "adopted", "de") == ("adopted", [])
    assert answer("SRV-01", "We have one", "en") == (None, ["answer-unknown-choice"])


def test_dates():
    ind = SCHEME.indicator("STR-01")
    date_ind = type(ind)(
        **{
            **{f: getattr(ind, f) for f in ind.__dataclass_fields__},
            "type": "date",
            "min": None,
            "max": None,
            "scoring": type(ind.scoring)(),
            "met": None,
        }
    )

    def parse(value, epoch=None):
        parsed, problems = parse_answer(date_ind, RawCell(value, PLACE), SCHEME, "fr", epoch)
        return parsed, [p.code for p in problems]

    assert parse(dt.datetime(2026, 12, 31)) == (dt.date(2026, 12, 31), [])
    assert parse(46387) == (dt.date(2026, 12, 31), [])  # a serial, 1900 system
    assert parse(44925, dt.datetime(1904, 1, 1)) == (dt.date(2026, 12, 31), [])  # 1904 system
    assert parse("2026-12-31") == (dt.date(2026, 12, 31), [])
    assert parse("31/12/2026") == (dt.date(2026, 12, 31), [])
    assert parse("31.12.2026") == (dt.date(2026, 12, 31), [])
    assert parse("01/02/2026") == (dt.date(2026, 2, 1), ["answer-ambiguous-date"])
    assert parse("31/02/2026") == (None, ["answer-not-a-date"])
    assert parse("soon") == (None, ["answer-not-a-date"])


def test_trailing_spaces_and_blanks():
    assert answer("STR-01", "  45  ") == (45, [])
    assert answer("STR-01", "   ") == (None, [])
    assert answer("STR-01", None) == (None, [])


def test_a_formula_never_calculated_is_said_not_read_as_zero():
    assert answer("STR-01", None, formula="=A1+A2") == (None, ["answer-formula-not-calculated"])
    assert answer("STR-01", 45, formula="=40+5") == (45, [])  # the cached value is used


def test_several_choices():
    ind = SCHEME.indicator("GOV-07")
    cells = {"newsletter": RawCell("Oui", PLACE), "portal": RawCell("Non", PLACE), "social": RawCell("x", PLACE)}
    assert parse_several(ind, cells, SCHEME) == (["newsletter", "social"], [])
    assert parse_several(ind, {}, SCHEME) == (None, [])
    assert parse_several(ind, {"portal": RawCell("Non", PLACE)}, SCHEME) == ([], [])
    chosen, problems = parse_several(ind, {"portal": RawCell("perhaps", PLACE)}, SCHEME)
    assert chosen == [] and [p.code for p in problems] == ["answer-not-yes-no"]


@pytest.mark.parametrize(
    "value", ["1" * 400, "-" + "9" * 400, "1e400", "nan", "inf", "-Infinity", float("nan"), float("inf"), -float("inf")]
)
@pytest.mark.parametrize("indicator", ["STR-01", "STR-05", "FIN-01"])  # whole number, percent, decimal
def test_a_number_no_cell_can_mean_is_a_problem_on_that_cell(indicator, value):
    parsed, problems = parse_answer(SCHEME.indicator(indicator), RawCell(value, PLACE, "General", None), SCHEME, "en")
    assert parsed is None
    assert [(p.code, p.place) for p in problems] == [("answer-not-a-number", PLACE)]


def test_any_other_unreadable_value_is_a_problem_on_its_cell_never_an_exception(monkeypatch):
    from excelcert.assessment import values

    def broken(*args, **kwargs):
        raise OverflowError("date value out of range")

    monkeypatch.setattr(values, "_parse_answer", broken)
    parsed, problems = parse_answer(
        SCHEME.indicator("STR-01"), RawCell("x" * 100, PLACE, "General", None), SCHEME, "en"
    )
    assert parsed is None and [(p.code, p.place) for p in problems] == [("answer-unreadable", PLACE)]
    assert "OverflowError" not in problems[0].message and len(problems[0].message) < 300


def test_a_cell_of_32767_characters_is_quoted_short_and_kept_whole():
    """A cell holding Excel's longest text (32,767 characters) typed as a number made a
    problem message of 32,835 characters: the import report's cell cut it before its 'what
    to do', and the terminal and the correction letters quoted all of it. The message
    quotes its beginning and its length; the problem keeps the value whole."""
    typed = "1" * 32767
    parsed, problems = parse_answer(SCHEME.indicator("FIN-01"), RawCell(typed, PLACE), SCHEME, "en")
    (found,) = problems
    assert parsed is None and found.code == "answer-not-a-number"
    assert len(found.message) < 400 and "(32,767 characters)" in found.message
    assert found.message.endswith("Type a number, for example 45.")
    assert found.value == typed  # nothing lost: the ledger keeps the raw answer
    short = parse_answer(SCHEME.indicator("FIN-01"), RawCell("forty", PLACE), SCHEME, "en")[1][0]
    assert "'forty' is not a number" in short.message


def test_a_percentage_out_of_range_is_said_in_percent():
    """LibreOffice shows 45,5 typed into a percent cell as 4550 %; the message said '4550 is
    outside the range 0 to 100', a figure the cluster does not see anywhere."""
    parsed, problems = parse_answer(SCHEME.indicator("STR-05"), RawCell(45.5, PLACE, "0%"), SCHEME, "fr")
    assert parsed is None and "4550 % is outside the range 0 % to 100 %" in problems[0].message
    _, counted = parse_answer(SCHEME.indicator("STR-01"), RawCell(150000, PLACE), SCHEME, "en")
    assert "150000 is outside the range 0 to 100000" in counted[0].message  # a count stays a count

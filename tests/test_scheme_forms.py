"""The two forms of a scheme: YAML text and the XLSForm-style workbook."""

from __future__ import annotations

import openpyxl
import pytest

from excelcert.base.problems import UnreadableFile
from excelcert.scheme import check_scheme, check_scheme_text, load_scheme, write_scheme
from excelcert.scheme.xlsx_form import SHEET_ORDER
from excelcert.scheme.yaml_form import scheme_to_yaml
from tests.helpers import (
    MINI_TABLES,
    MINI_YAML,
    check_file,
    libreoffice_resave,
    mini_workbook,
    needs_soffice,
    write_workbook,
)


def test_yaml_to_xlsx_to_yaml_is_exact(tmp_path):
    original = load_scheme()
    text = scheme_to_yaml(original)
    workbook = write_scheme(original, tmp_path / "scheme.xlsx")
    back = check_scheme(workbook)
    assert back.report.ok and len(back.report) == 0
    assert back.scheme == original
    again = write_scheme(back.scheme, tmp_path / "again.yaml")
    assert again.read_text(encoding="utf-8") == text


def test_mini_scheme_reads_the_same_from_both_forms(tmp_path):
    from_yaml = check_scheme_text(MINI_YAML)
    from_xlsx = check_file(mini_workbook(tmp_path))
    assert len(from_yaml.report) == 0 and len(from_xlsx.report) == 0
    assert from_xlsx.scheme == from_yaml.scheme


def test_workbook_form_layout(tmp_path):
    path = write_scheme(load_scheme(), tmp_path / "scheme.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["about", *SHEET_ORDER]
    headings = [c.value for c in book["indicators"][1]]
    assert headings[:4] == ["id", "category", "name::en", "name::fr"]
    assert "question::de" in headings and "met_choices" in headings
    assert book["settings"]["B2"].value == "2026.1"  # version stays text
    assert book["indicators"].freeze_panes == "B2"
    # user text is never written as a formula
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    text = MINI_YAML.replace("title: {en: Mini scheme,", 'title: {en: \'=HYPERLINK("x","y")\',')
    scheme = check_scheme_text(text).scheme
    path = write_scheme(scheme, tmp_path / "scheme.xlsx")
    cell = openpyxl.load_workbook(path)["settings"]["C2"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("x","y")'
    assert check_scheme(path).scheme.title["en"] == '=HYPERLINK("x","y")'


def test_percent_formatted_cells_are_read_in_percent(tmp_path):
    """A secretariat types 60% into min_percent: the cell holds 0.6, shows 60 %."""
    path = mini_workbook(tmp_path)
    book = openpyxl.load_workbook(path)
    cell = book["labels"]["E3"]
    assert cell.value == 50
    cell.value = 0.6
    cell.number_format = "0%"
    book.save(path)
    result = check_scheme(path)
    assert result.report.ok
    assert {r.id: r.min_percent for r in result.scheme.labels}["silver"] == 60


def test_sheet_names_are_matched_without_case_and_extra_sheets_are_ignored(tmp_path):
    tables = dict(MINI_TABLES)
    tables["Indicators "] = tables.pop("indicators")
    tables["notes"] = "| the secretariat's own notes |"
    result = check_scheme(write_workbook(tmp_path / "scheme.xlsx", tables))
    assert len(result.report) == 0 and len(result.scheme.indicators) == 3


def test_reordered_columns_and_blank_rows_are_fine(tmp_path):
    path = mini_workbook(
        tmp_path,
        categories="""
        | name::fr    | name::en  | order | id  |
        | Structure   | Structure | 1     | STR |
        |             |           |       |     |
        | Financement | Financing | 2     | FIN |
    """,
    )
    result = check_scheme(path)
    assert len(result.report) == 0
    assert [c.id for c in result.scheme.categories] == ["STR", "FIN"]


def test_yaml_booleans_are_only_true_and_false():
    """`no` is Norwegian and `yes` is a choice value, not booleans (YAML 1.1 would say so)."""
    text = MINI_YAML.replace("languages: [en, fr]", "languages: [en, fr, no]")
    result = check_scheme_text(text)
    assert result.scheme.languages == ("en", "fr", "no")
    assert result.scheme.indicator("FIN-02").scoring.choices == {"yes": 3, "no": 0}


def test_yaml_aliases_are_refused():
    from excelcert.base.problems import UnreadableFile

    bomb = "settings: &a {id: x}\ncategories: [*a, *a]\n"
    with pytest.raises(UnreadableFile) as caught:
        check_scheme_text(bomb)
    assert caught.value.problem.code == "unsafe-content"


@needs_soffice
@pytest.mark.soffice
def test_workbook_saved_by_libreoffice_still_loads(tmp_path):
    """The secretariat edits the scheme in LibreOffice Calc and saves it as .xlsx."""
    original = load_scheme()
    path = write_scheme(original, tmp_path / "scheme.xlsx")
    resaved = libreoffice_resave(path, tmp_path / "resaved")
    assert resaved.read_bytes() != path.read_bytes()
    result = check_scheme(resaved)
    assert [str(p) for p in result.report] == []
    assert result.scheme == original


@pytest.mark.parametrize(
    "text",
    [
        scheme_to_yaml(load_scheme(None)),
        MINI_YAML,
        MINI_YAML.replace("scheme:", "scheme: &a", 1) + "\nextra: *a\n",  # an alias
        MINI_YAML + "\nflags: [yes, no, on, off, true, False, 1.5, 2026-01-01, ~]\n",
        MINI_YAML + "\nbroken: [unclosed\n",
        MINI_YAML + "\n  bad indentation: here\n",
        "just text",
        "a: b\n\x07bell: x\n",  # a character the Python reader refuses
        "a: 'b\\u0000'\nc: \ufeffd\n",
    ],
)
def test_the_libyaml_parser_gives_the_python_parsers_verdicts(text, monkeypatch):
    """Schemes are parsed by libyaml when PyYAML has it; every table, place and problem is
    the one the Python parser gives."""
    from excelcert.scheme import yaml_form

    def outcome():
        try:
            return repr(yaml_form.yaml_text_to_tables(text, "s.yaml"))
        except Exception as exc:  # the same verdict, whatever it is
            return f"{type(exc).__name__}: {exc}"

    fast = outcome()
    monkeypatch.setattr(yaml_form, "_FastLoader", None)
    assert fast == outcome()


@pytest.mark.parametrize("character", ["\x07", "\x1b", "\ufffe"])
def test_a_control_character_in_a_yaml_scheme_is_a_problem_with_its_line(character):
    text = scheme_to_yaml(load_scheme()).replace("indicators:", f"indicators: # {character}", 1)
    with pytest.raises(UnreadableFile) as refused:
        check_scheme_text(text, "scheme.yaml")
    found = refused.value.problem
    assert found.code == "yaml-syntax"
    line = text[: text.index(character)].count("\n") + 1
    assert found.place is not None and found.place.line == line
    assert f"U+{ord(character):04X}" in found.message

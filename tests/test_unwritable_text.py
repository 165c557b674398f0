"""Text that no workbook or Word document can hold (a non-character, a lone surrogate: half
of a broken emoji, or a byte a non-UTF-8 terminal sent) is refused where it comes in, with
where it is and what to do; never a traceback, an unexpected error or a file that cannot be
opened."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from excelcert.base.files import safe_filename
from excelcert.base.sheetwriter import new_book, unwritable
from excelcert.campaign.reviewers import read_reviewers
from excelcert.campaign.roster import read_roster
from excelcert.cli import cli

LANGUAGES = ("en", "fr", "de")


def _edit_csv(source: Path, target: Path, edits: dict[tuple[int, int], str]) -> None:
    """`source` (a .xlsx or .csv table) as a UTF-8 CSV at `target`, with cells (row, column) replaced."""
    if source.suffix == ".xlsx":
        rows = [
            ["" if v is None else str(v) for v in row]
            for row in openpyxl.load_workbook(source).worksheets[0].iter_rows(values_only=True)
        ]
    else:
        rows = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8-sig"))))
    for (r, c), value in edits.items():
        rows[r][c] = value
    with target.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


@pytest.mark.parametrize("char", ["\ufffe", "\uffff"])
def test_a_roster_text_no_file_can_hold_is_an_error_at_its_cell(campaign, char):
    """A non-character in a CSV roster used to reach the writers: escaped in the workbooks,
    dropped from the documents without a word (a lone surrogate cannot come from a file: it
    cannot be decoded; the command line is tested below)."""
    path = campaign.root / "workbooks" / "roster.csv"
    _edit_csv(campaign.roster_path, path, {(2, 5): f"Camille{char}Martin"})
    found = read_roster(path, LANGUAGES)
    [error] = found.report.errors
    assert error.code == "roster-unwritable-character" and str(error.place) == "roster.csv!F3"
    text = str(error)
    assert f"U+{ord(char):04X}" in text and "column 'contact_name'" in text and "Retype the text" in text
    assert "roster.csv" in text


def test_generate_refuses_such_a_roster_with_its_cell_and_writes_nothing(campaign):
    path = campaign.root / "workbooks" / "roster.csv"
    _edit_csv(campaign.roster_path, path, {(1, 1): "Automotive\uffffCluster"})
    config = campaign.root / "campaign.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("roster: workbooks/roster.xlsx", "roster: workbooks/roster.csv"),
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["--campaign", str(campaign.root), "generate"])
    assert result.exit_code == 1
    assert "roster.csv!B2: roster.csv, column 'name': the text holds the character U+FFFF" in result.output
    assert "Traceback" not in result.output and "unexpected error" not in result.output
    assert not list(campaign.to_clusters_dir.glob("*.xlsx"))


def test_a_reviewers_roster_text_no_file_can_hold_is_an_error_at_its_cell(campaign):
    path = campaign.root / "workbooks" / "reviewers.csv"
    _edit_csv(campaign.reviewers_path, path, {(1, 1): "Anna\ufffeHuber"})
    found = read_reviewers(path)
    assert [(e.code, str(e.place)) for e in found.report.errors] == [
        ("roster-unwritable-character", "reviewers.csv!B2")
    ]


def test_text_typed_in_another_encoding_than_utf8_is_refused_before_anything_is_done(demo_copy):
    """A terminal set to Latin-1 sends 'é' as the byte E9, which Python keeps as the lone
    surrogate U+DCE9: stored in the register it made the command fail with 'unexpected error'."""
    runner = CliRunner()
    listed = json.loads(runner.invoke(cli, ["--campaign", str(demo_copy), "register", "list", "--json"]).output)
    number = listed["certificates"][0]["reference"]
    register = (demo_copy / "register.sqlite").read_bytes()
    result = runner.invoke(
        cli, ["--campaign", str(demo_copy), "register", "withdraw", number, "--reason", "Qualit\udce9", "--by", "me"]
    )
    assert result.exit_code == 1
    assert "the command line holds text that is not UTF-8 ('Qualit\\xe9')" in result.output
    assert "Set the terminal to UTF-8" in result.output and "unexpected error" not in result.output
    assert (demo_copy / "register.sqlite").read_bytes() == register  # nothing was done
    result = runner.invoke(cli, ["init", str(demo_copy.parent / "new"), "--title", "Campagne \udce9t\udce9"])
    assert result.exit_code == 1 and not (demo_copy.parent / "new").exists()


def test_an_existing_files_name_may_hold_bytes_that_are_not_utf8(tmp_path):
    folder = tmp_path / "caf\udce9"  # a folder named in Latin-1
    folder.mkdir()
    result = CliRunner().invoke(cli, ["--campaign", str(folder), "status"])
    assert result.exit_code == 1 and "is not a campaign folder" in result.output  # used to open it, not refused


@pytest.mark.parametrize("rows_in_order", [False, True], ids=["shared texts", "texts in their cells"])
def test_a_lone_surrogate_that_reaches_a_writer_is_written_as_the_replacement_character(tmp_path, rows_in_order):
    """Behind the checks where text comes in: a file name and a workbook take it safely, and
    a text that looks like xlsxwriter's rich text is written as the text it is, whether the
    workbook shares its texts or writes each in its cell (a table written a row at a time)."""
    assert unwritable("ab\ud800") == "U+D800" and unwritable("tab\tand\nbreak\x0b") is None
    assert safe_filename("DE-01 Cluster \ud800 Nord") == "DE-01 Cluster _ Nord"
    path = tmp_path / "book.xlsx"
    texts = [
        "Cluster \ud800 Nord",
        "<r><t>Pôle</t></r>",
        "<r>A & B</r>",
        " spaced \udce9",
        "tab\tbreak",
        "no \ufffe \uffff",
    ]
    book = new_book(path, rows_in_order=rows_in_order)
    sheet = book.add_worksheet("s")
    for row, text in enumerate(texts):
        sheet.write_string(row, 0, text)
    book.close()
    with zipfile.ZipFile(path) as archive:
        assert ("xl/sharedStrings.xml" in archive.namelist()) is not rows_in_order
        assert b"<is><r>" not in archive.read("xl/worksheets/sheet1.xml")  # no markup of the texts'
    read = [row[0] for row in openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True)]
    # the non-characters FFFE/FFFF too: in its cell, a text was escaped as `_xFFFE_`, which
    # Excel and LibreOffice show as an invisible U+FFFE where the shared texts show U+FFFD
    assert read[:5] == ["Cluster \ufffd Nord", "<r><t>Pôle</t></r>", "<r>A & B</r>", " spaced \ufffd", "tab\tbreak"]
    assert read[5] == "no \ufffd \ufffd"


@pytest.mark.parametrize("escape", ["\\uFFFE", "\\udce9"])
def test_a_scheme_text_no_file_can_hold_is_an_error_at_its_line(escape):
    """YAML's escapes write any character into a scheme text: one no workbook or Word document
    can hold is refused by the check at its line (it passed the check and ended `score`,
    `generate` and `letters` in 'unexpected error: UnicodeEncodeError')."""
    from excelcert.scheme import DEFAULT_SCHEME_PATH, check_scheme_text

    text = DEFAULT_SCHEME_PATH.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.strip().startswith("fr: ") and "Structure" in x)
    number = text.splitlines().index(line) + 1
    edited = text.replace(line, line.replace("fr: ", 'fr: "', 1).rstrip() + f' {escape}"', 1)
    found = check_scheme_text(edited)
    [error] = found.report.errors
    assert error.code == "scheme-unwritable-character" and error.place.line == number
    assert f"U+{escape[2:].upper()}" in str(error) and "Delete it" in str(error)


def test_a_file_whose_name_is_not_utf8_is_imported_under_a_name_every_file_can_hold(campaign, tmp_path):
    """A folder copied from a Latin-1 system holds 'café.xlsx' as the bytes caf\\xe9: its name,
    as Python keeps it, stopped the whole import at the ledger ('unexpected error:
    UnicodeEncodeError'). It is imported, and shown and stored as 'caf\\xe9.xlsx'."""
    import os

    from excelcert.base.ledger import Ledger
    from tests.test_intake import returned

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    made = returned(campaign, tmp_path)
    target = inbox / os.fsdecode(b"caf\xe9.xlsx")
    target.write_bytes(made.read_bytes())
    out = CliRunner().invoke(cli, ["--campaign", str(campaign.root), "import", str(inbox), "--json"])
    assert out.exit_code == 0, out.output
    [found] = json.loads(out.output)["files"]
    assert found["verdict"] == "accepted" and found["file"].endswith("caf\\xe9.xlsx")
    with Ledger.for_campaign(campaign.root) as ledger:
        [submission] = ledger.history("FR-AERO-01")
    assert submission.original_name.endswith("caf\\xe9.xlsx") and unwritable(submission.original_name) is None

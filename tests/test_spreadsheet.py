"""Files from outside are hostile: each gets one clear verdict, never a crash or a hang.

The files come from ../shared/corpus/foreign (real files saved by Excel, LibreOffice,
Google Sheets, fuzzers and attackers); the tests skip when that folder is absent.
"""

from __future__ import annotations

import zipfile

import pytest

from excelcert.problems import UnreadableFile
from excelcert.scheme import check_scheme
from excelcert.spreadsheet import read_workbook
from tests.helpers import CORPUS

corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared/corpus/foreign is not beside the repository")

REFUSED = {
    "poi-protected_sha512.xlsx": ("encrypted-file", "protected with a password"),
    "poi-protect.xlsx": ("encrypted-file", "protected with a password"),
    "calamine-pass_protected.ods": ("encrypted-file", "protected with a password"),
    "poi-invalid.xlsx": ("not-a-workbook", "empty archive"),
    "poi-clusterfuzz-testcase-minimized-POIXSSFFuzzer-4828727001088000.xlsx": ("corrupt-file", "damaged"),
    "poi-duplicate-filename.xlsx": ("corrupt-file", "two different copies of 'xl/worksheets/sheet1.xml'"),
    "poi-poc-xmlbomb.xlsx": ("unsafe-content", "entity"),
    "poi-SimpleStrict.xlsx": ("strict-ooxml", "Strict Open XML"),
    "poi-SampleSS.xls": ("legacy-format", "Excel 97-2003"),
    "poi-Simple.xlsb": ("legacy-format", "Excel Binary Workbook"),
    "poi-SampleSS.ods": ("legacy-format", "OpenDocument spreadsheet"),
}

READABLE = ["poi-64750.xlsx", "poi-60384.xlsx", "poi-SimpleWithComments.xlsx", "poi-64759.xlsx",
            "calamine-date_1904.xlsx", "poi-SimpleMacro.xlsm", "poi-xlsx-corrupted.xlsx",
            "poi-xxe_in_schema.xlsx"]


@corpus
@pytest.mark.parametrize("name", sorted(REFUSED))
def test_hostile_and_foreign_files_get_one_clear_verdict(name):
    code, words = REFUSED[name]
    with pytest.raises(UnreadableFile) as caught:
        read_workbook(CORPUS / name)
    assert caught.value.problem.code == code
    message = str(caught.value)
    assert words in message and "\n" not in message
    assert name in message  # says which file


@corpus
@pytest.mark.parametrize("name", READABLE)
def test_foreign_workbooks_open_with_cells_and_coordinates(name):
    book = read_workbook(CORPUS / name)
    assert book.sheets
    cells = [c for sheet in book.sheets.values() for row in sheet.rows for c in row if c.value is not None]
    assert cells and all(c.coordinate for c in cells)


@corpus
@pytest.mark.parametrize("name", READABLE)
def test_foreign_workbooks_are_not_schemes(name):
    with pytest.raises(UnreadableFile) as caught:
        check_scheme(CORPUS / name)
    assert caught.value.problem.code == "not-a-scheme"


def test_missing_file(tmp_path):
    with pytest.raises(UnreadableFile) as caught:
        read_workbook(tmp_path / "nowhere.xlsx")
    assert caught.value.problem.code == "file-not-found"


def test_text_file_with_an_xlsx_name(tmp_path):
    path = tmp_path / "answers.xlsx"
    path.write_text("id;answer\nSTR-01;45\n", encoding="utf-8")
    with pytest.raises(UnreadableFile) as caught:
        read_workbook(path)
    assert caught.value.problem.code == "not-a-workbook"


def test_word_document_with_an_xlsx_name(tmp_path):
    path = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml",
                         '<Types><Override ContentType="application/vnd.openxmlformats-officedocument'
                         '.wordprocessingml.document.main+xml"/></Types>')
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(UnreadableFile) as caught:
        read_workbook(path)
    assert caught.value.problem.code == "not-a-workbook"
    assert "not a workbook" in str(caught.value)


def test_zip_bomb_is_refused_before_it_is_unpacked(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "spreadsheetml.sheet.main+xml")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (300 * 1024 * 1024))
    assert path.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(UnreadableFile) as caught:
        read_workbook(path)
    assert caught.value.problem.code == "oversized-file"

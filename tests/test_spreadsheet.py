"""Files from outside are hostile: each gets one clear verdict, never a crash or a hang.

The files come from ../shared/corpus/foreign (real files saved by Excel, LibreOffice,
Google Sheets, fuzzers and attackers); the tests skip when that folder is absent.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from excelcert.base.problems import UnreadableFile
from excelcert.base.spreadsheet import read_workbook
from excelcert.campaign.roster import example_clusters
from excelcert.scheme import check_scheme
from tests.helpers import CORPUS, libreoffice_resave, needs_soffice, write_workbook

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

READABLE = [
    "poi-64750.xlsx",
    "poi-60384.xlsx",
    "poi-SimpleWithComments.xlsx",
    "poi-64759.xlsx",
    "calamine-date_1904.xlsx",
    "poi-SimpleMacro.xlsm",
    "poi-xlsx-corrupted.xlsx",
    "poi-xxe_in_schema.xlsx",
]


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
        archive.writestr(
            "[Content_Types].xml",
            '<Types><Override ContentType="application/vnd.openxmlformats-officedocument'
            '.wordprocessingml.document.main+xml"/></Types>',
        )
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


def _openpyxl_formulas(path):
    """sheet -> coordinates of its formula cells, as openpyxl sees them."""
    import openpyxl

    book = openpyxl.load_workbook(path, data_only=False, read_only=True)
    try:
        return {
            ws.title: {c.coordinate for row in ws.iter_rows() for c in row if getattr(c, "data_type", "") == "f"}
            for ws in book.worksheets
        }
    finally:
        book.close()


def _filled_cells(book, name, formulas):
    return {
        c.coordinate: (c.value, c.number_format, c.coordinate in formulas)
        for row in book.sheets[name].rows
        for c in row
        if c.value not in (None, "") or c.coordinate in formulas
    }


def _same_as_openpyxl(path):
    from excelcert.base.spreadsheet import read_workbook_xml

    slow, fast = read_workbook(path), read_workbook_xml(path)
    formulas = _openpyxl_formulas(path)
    assert list(slow.sheets) == list(fast.sheets)
    assert (slow.epoch, slow.macros) == (fast.epoch, fast.macros)
    for name in slow.sheets:
        found = {c.coordinate for row in fast.sheets[name].rows for c in row if c.formula is not None}
        assert found == formulas[name], name
        assert _filled_cells(slow, name, formulas[name]) == _filled_cells(fast, name, found), name
        assert slow.sheets[name].hidden == fast.sheets[name].hidden


def test_the_fast_reader_reads_what_openpyxl_reads_in_our_workbooks(tmp_path, shared_campaign, filled_workbook):
    from excelcert.assessment.workbook import build_self_assessment
    from excelcert.campaign.config import read_key
    from tests.test_workbook import ANSWERS

    campaign = shared_campaign
    scheme, cluster = campaign.load_scheme(), example_clusters()[1]
    generated = tmp_path / "generated.xlsx"
    build_self_assessment(generated, scheme, campaign, cluster, read_key(campaign), answers=ANSWERS)
    _same_as_openpyxl(generated)
    _same_as_openpyxl(filled_workbook)  # saved by openpyxl, as another tool would


@corpus
@pytest.mark.parametrize("name", READABLE)
def test_the_fast_reader_reads_what_openpyxl_reads_in_foreign_files(name):
    _same_as_openpyxl(CORPUS / name)


@corpus
@pytest.mark.parametrize("name", sorted(REFUSED))
def test_the_fast_reader_refuses_what_the_sniffer_refuses(name):
    from excelcert.base.spreadsheet import read_workbook_xml

    with pytest.raises(UnreadableFile) as caught:
        read_workbook_xml(CORPUS / name)
    assert caught.value.problem.code == REFUSED[name][0]


def test_the_fast_reader_refuses_entity_declarations(tmp_path):
    from excelcert.base.spreadsheet import read_workbook_xml
    from tests.helpers import write_workbook

    path = _replace_part(
        write_workbook(tmp_path / "bomb.xlsx", {"Sheet": "| a |"}),
        "xl/sharedStrings.xml",
        lambda _: (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b"<si><t>&a;</t></si></sst>"
        ),
    )
    with pytest.raises(UnreadableFile) as caught:
        read_workbook_xml(path)
    assert caught.value.problem.code == "unsafe-content"


@corpus
def test_parts_are_read_exactly_as_zipfile_reads_them(tmp_path):
    """Parts are inflated straight from the package's bytes: byte for byte what zipfile reads,
    in our workbooks, stored (uncompressed) ones and foreign ones."""
    from excelcert.base.spreadsheet import _read_part

    ours = write_workbook(tmp_path / "ours.xlsx", {"Sheet": "| a | 1 |"})
    stored = tmp_path / "stored.xlsx"
    with zipfile.ZipFile(ours) as source, zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as target:
        for name in source.namelist():
            target.writestr(name, source.read(name))
    for path in [ours, stored] + [CORPUS / name for name in READABLE]:
        data = path.read_bytes()
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                assert _read_part(archive, data, name) == archive.read(name), (path.name, name)


def _damage_part(path, name: str, damage) -> None:
    """Rewrite the package at `path` with damage(package bytes, offset of part `name`'s local header)."""
    with zipfile.ZipFile(path) as archive:
        offset = archive.getinfo(name).header_offset
    path.write_bytes(damage(bytearray(path.read_bytes()), offset))


def _flip_packed_byte(data: bytearray, offset: int) -> bytes:
    start = (
        offset
        + 30
        + int.from_bytes(data[offset + 26 : offset + 28], "little")
        + int.from_bytes(data[offset + 28 : offset + 30], "little")
    )
    data[start + 5] ^= 0xFF
    return bytes(data)


def _rename_in_local_header(data: bytearray, offset: int) -> bytes:
    data[offset + 30] ^= 0x20  # the part's name in its local header, not in the directory
    return bytes(data)


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "[Content_Types].xml", "xl/workbook.xml"])
@pytest.mark.parametrize("damage", [_flip_packed_byte, _rename_in_local_header])
def test_a_damaged_part_makes_the_file_corrupt_not_a_traceback(tmp_path, part, damage):
    from excelcert.base.spreadsheet import read_workbook_xml

    path = write_workbook(tmp_path / "damaged.xlsx", {"Sheet": "| a | 1 |"})
    _damage_part(path, part, damage)
    for read in (read_workbook_xml, lambda p: read_workbook_xml(p, grid=False)):
        with pytest.raises(UnreadableFile) as caught:
            read(path)
        assert caught.value.problem.code == "corrupt-file"


# --- the grid reader: values from python-calamine, exact cells found again in the XML -----


def _grid_backed(sheet):
    from excelcert.base.spreadsheet import _CellFinder

    return isinstance(getattr(sheet.find, "__self__", None), _CellFinder)


def _same_both_ways(path):
    """Read with calamine's grid and cell by cell: the same sheets, and at every place the
    same text and the same cell (value, number format, formula)."""
    from excelcert.base.spreadsheet import read_workbook_xml

    grid, cells = read_workbook_xml(path), read_workbook_xml(path, grid=False)
    assert list(grid.sheets) == list(cells.sheets)
    assert (grid.epoch, grid.modified, grid.macros) == (cells.epoch, cells.modified, cells.macros)
    for name, expected in cells.sheets.items():
        found = grid.sheets[name]
        assert found.rows == expected.rows, name
        assert found.hidden == expected.hidden and found.notes == expected.notes
        places = {
            (number, column)
            for sheet in (found, expected)
            for number, values in sheet.values
            for column in range(1, len(values) + 2)
        }
        for row, column in sorted(places):
            assert found.cell(row, column) == expected.cell(row, column), (name, row, column)
            assert found.text(row, column) == expected.text(row, column), (name, row, column)
    return grid


@pytest.fixture(scope="module")
def _filled_once(shared_campaign, tmp_path_factory):
    from excelcert.assessment.workbook import build_self_assessment
    from excelcert.campaign.config import read_key
    from excelcert.demo.returns import AS_TEXT, AVERAGE, fill_in

    campaign = shared_campaign
    scheme, cluster = campaign.load_scheme(), example_clusters()[1]
    filled = tmp_path_factory.mktemp("filled") / "filled.xlsx"
    build_self_assessment(filled, scheme, campaign, cluster, read_key(campaign))
    fill_in(filled, scheme, {**AVERAGE, **AS_TEXT}, "fr")  # saved by openpyxl: formulas without values
    return filled


@pytest.fixture
def filled_workbook(_filled_once, tmp_path):
    """A French self-assessment filled in (numbers typed as text) and saved by openpyxl: a copy of its own."""
    return Path(shutil.copyfile(_filled_once, tmp_path / "filled.xlsx"))


def test_the_grid_reader_reads_what_the_cell_by_cell_reader_reads_in_our_workbooks(
    tmp_path, shared_campaign, filled_workbook
):
    from excelcert.assessment.workbook import build_self_assessment
    from excelcert.campaign.config import read_key
    from tests.test_workbook import ANSWERS

    campaign = shared_campaign
    generated = tmp_path / "generated.xlsx"
    build_self_assessment(
        generated, campaign.load_scheme(), campaign, example_clusters()[0], read_key(campaign), answers=ANSWERS
    )
    for path in (generated, filled_workbook):
        book = _same_both_ways(path)
        assert all(_grid_backed(sheet) for sheet in book.sheets.values())  # the fast way was taken


@needs_soffice
def test_the_grid_reader_reads_what_the_cell_by_cell_reader_reads_after_libreoffice(tmp_path, filled_workbook):
    resaved = libreoffice_resave(filled_workbook, tmp_path / "lo")
    book = _same_both_ways(resaved)
    assert any(_grid_backed(sheet) for sheet in book.sheets.values())


@corpus
@pytest.mark.parametrize("name", READABLE)
def test_the_grid_reader_reads_what_the_cell_by_cell_reader_reads_in_foreign_files(name):
    _same_both_ways(CORPUS / name)


def _replace_part(path, name: str, change):
    """Rewrite the package at `path` with part `name` replaced by change(its bytes)."""
    with zipfile.ZipFile(path) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    parts[name] = change(parts.get(name, b""))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, data in parts.items():
            archive.writestr(part, data)
    return path


def _rewrite_sheet(path, old: bytes, new: bytes):
    """Replace bytes once in the answer sheet's XML of a workbook (its third sheet)."""

    def change(xml: bytes) -> bytes:
        assert old in xml
        return xml.replace(old, new, 1)

    return _replace_part(path, "xl/worksheets/sheet3.xml", change)


def test_rows_are_found_by_their_number_only_when_each_is_a_plain_distinct_number():
    from excelcert.base.spreadsheet import _row_spans

    xml = b'<sheetData><row r="1"><c r="A1"/></row><row r="3"><c r="A3"/></row></sheetData>'
    spans = _row_spans(xml)
    assert list(spans) == [1, 3]
    assert xml[slice(*spans[1])] == b'<row r="1"><c r="A1"/></row>'
    assert xml[slice(*spans[3])] == b'<row r="3"><c r="A3"/></row></sheetData>'
    for odd in (b'<row r="1"', b'<row r="3 "', b'<row r=""', b'<row r="x3"'):  # a second row 1, odd numbers
        assert _row_spans(xml.replace(b'<row r="3"', odd)) is None, odd
    assert _row_spans(b"<sheetData/>") == {}


@pytest.mark.parametrize(
    "old, new",
    [
        (b"<sheetData>", b"<sheetData><!-- a comment could hide a cell from a plain search -->"),
        (b'<c r="K5"', b'<c  r="K5"'),  # a cell tag whose reference is not where a plain search looks
        (b'<c r="K5"', b"<c\tr='K5'"),
    ],
)
def test_when_the_xml_could_mislead_a_plain_search_the_sheet_is_read_cell_by_cell(filled_workbook, old, new):
    from excelcert.base.spreadsheet import read_workbook_xml

    path = _rewrite_sheet(filled_workbook, old, new)
    book = _same_both_ways(path)
    sheet = list(book.sheets.values())[2]  # the answer sheet, whose XML was rewritten
    formula = read_workbook_xml(path, grid=False).sheets[sheet.name].cell(5, 11).formula
    assert formula and sheet.cell(5, 11).formula == formula  # a formula without a value, found all the same
    assert not _grid_backed(sheet)  # read cell by cell from the start
    assert _grid_backed(list(book.sheets.values())[1])  # the other sheets the fast way


def test_when_the_grid_and_the_xml_disagree_about_a_cell_the_sheet_is_read_cell_by_cell(filled_workbook):
    path = _rewrite_sheet(filled_workbook, b'<c r="E6"', b'<c r="E999"')  # in row 6, says row 999
    book = _same_both_ways(path)
    sheet = list(book.sheets.values())[2]
    assert _grid_backed(sheet) and sheet.find.__self__.fallback is not None  # found out, then read cell by cell


# Sheets whose cells python-calamine would place far away (its dense grid would then ask for
# terabytes and abort the process), each written in a way a plain search does not see.
FAR_CELLS = {
    "plain": '<row r="1"><c r="A1"><v>1</v></c><c r="XFD1048576"><v>2</v></c></row>',
    "prefixed": '<row r="1"><c r="A1"><v>1</v></c><x:c xmlns:x="urn:x" r="XFD1048576"><x:v>2</x:v></x:c></row>',
    "glued": '<row r="1"><c r="A1"><v>1</v></c><c s="0"r="XFD1048576"><v>2</v></c></row>',
    "single quotes": '<row r="1"><c r="A1"><v>1</v></c><c r=\'XFD1048576\'><v>2</v></c></row>',
    "tab": '<row r="1"><c r="A1"><v>1</v></c><c\tr="XFD1048576"><v>2</v></c></row>',
    "spaced": '<row r="1"><c r="A1"><v>1</v></c><c r = "XFD1048576"><v>2</v></c></row>',
    "lower case": '<row r="1"><c r="A1"><v>1</v></c><c r="xfd1048576"><v>2</v></c></row>',
    "counted": '<row r="1048576"><c><v>1</v></c></row><row r="1"><c r="XFD1"><v>2</v></c></row>',
    "outside a row": '<c r="A1"><v>1</v></c><c r="XFD1048576"><v>2</v></c>',
    "eleven digits": '<row r="1"><c r="A1"><v>1</v></c><c r="A99999999999"><v>2</v></c></row>',
    "second reference": '<row r="1"><c r="A1"><v>1</v></c><c r="A2" r="XFD1048576"><v>2</v></c></row>',
    "glued second": '<row r="1"><c r="A1"><v>1</v></c><c r="A2"r="XFD1048576"><v>2</v></c></row>',
    "after a <": '<row r="1"><c r="A1"><v>1</v></c><c r="A2" s="<" r="XFD1048576"><v>2</v></c></row>',
    "after a >": '<row r="1"><c r="A1"><v>1</v></c><c r="A2" s=">" r="XFD1048576"><v>2</v></c></row>',
}


def test_a_large_sensible_sheet_is_still_read_from_the_grid(tmp_path):
    from excelcert.base.spreadsheet import read_workbook_xml

    rows = [[f"ID-{n}", n, None, f"note {n}"] for n in range(1, 1501)]  # past row 999: the area is counted
    rows[0][2] = "=B1*2"
    book = _same_both_ways(write_workbook(tmp_path / "long.xlsx", {"S": rows}))
    assert _grid_backed(book.sheets["S"])
    assert read_workbook_xml(tmp_path / "long.xlsx").sheets["S"].text(1500, 4) == "note 1500"


def _read_in_a_child(path) -> str:
    """How a child process with 2 GB of address space reads sheet S of `path`: 'grid', 'cell by
    cell' or the problem code. Should python-calamine be asked for an absurd allocation, the
    child aborts (it cannot raise on a failed allocation): the test fails, not the machine."""
    import subprocess
    import sys

    child = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
        "from excelcert.base.spreadsheet import UnreadableFile, read_workbook_xml\n"
        "try:\n"
        "    sheet = read_workbook_xml(sys.argv[1]).sheets['S']\n"
        "    print('cell by cell' if getattr(sheet.find, '__self__', None) is None else 'grid')\n"
        "except UnreadableFile as exc:\n"
        "    print(exc.problem.code)\n"
    )
    done = subprocess.run([sys.executable, "-c", child, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-500:]
    return done.stdout.strip()


@pytest.mark.parametrize("name", FAR_CELLS)
def test_cells_placed_absurdly_far_never_reach_the_dense_grid(tmp_path, name):
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{FAR_CELLS[name]}</sheetData></worksheet>"
    ).encode()
    path = _replace_part(
        write_workbook(tmp_path / "far.xlsx", {"S": [[1]]}), "xl/worksheets/sheet1.xml", lambda _: sheet
    )
    assert _read_in_a_child(path) in ("cell by cell", "oversized-file", "corrupt-file")


def test_a_forged_count_of_shared_strings_never_reaches_calamine(tmp_path):
    import xlsxwriter

    path = tmp_path / "strings.xlsx"
    with xlsxwriter.Workbook(path) as book:  # xlsxwriter writes shared strings (openpyxl, inline ones)
        sheet = book.add_worksheet("S")
        sheet.write_row(0, 0, ["a", "b"])
        sheet.write_row(1, 0, ["c", 1])
    assert _read_in_a_child(path) == "grid"
    _replace_part(
        path, "xl/sharedStrings.xml", lambda xml: xml.replace(b'uniqueCount="3"', b'uniqueCount="4000000000"', 1)
    )
    assert _read_in_a_child(path) == "cell by cell"  # calamine would reserve room for 4 billion strings
    assert read_workbook(path).sheets["S"].text(2, 1) == "c"


def test_a_sheet_spanning_an_absurd_area_is_refused_not_padded(tmp_path):
    from excelcert.base.spreadsheet import read_workbook_xml

    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c><c r="XFD{r}"><v>2</v></c></row>' for r in range(1, 3001))
    path = _replace_part(
        write_workbook(tmp_path / "wide.xlsx", {"S": [[1]]}),
        "xl/worksheets/sheet1.xml",
        lambda _: (
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"<sheetData>{rows}</sheetData></worksheet>"
        ).encode(),
    )
    for reader in (read_workbook_xml, read_workbook):  # 49 million blank cells would be padded in
        with pytest.raises(UnreadableFile) as caught:
            reader(path)
        assert caught.value.problem.code == "oversized-file"
        assert "3,000 rows and 16,384 columns" in str(caught.value)


def test_intake_reads_the_same_answers_and_problems_either_way(filled_workbook, shared_campaign, monkeypatch):
    from excelcert.base import foreign
    from excelcert.intake.read import read_returned

    path = filled_workbook  # numbers typed as text, formulas never calculated
    scheme = shared_campaign.load_scheme()

    def summary(returned):
        return (
            returned.meta,
            returned.signature,
            returned.saved_at,
            returned.profile,
            {key: vars(answer) for key, answer in returned.answers.items()},
            [(p.code, p.place, p.message) for p in returned.problems],
        )

    fast = summary(read_returned(path, scheme))
    grid_reader = foreign.read_workbook_xml  # what reads an .xlsx return (base/foreign.py dispatches)
    monkeypatch.setattr(foreign, "read_workbook_xml", lambda *args, **kw: grid_reader(*args, grid=False, **kw))
    assert summary(read_returned(path, scheme)) == fast
    assert fast[4] and fast[5]  # answers were read, and problems found


def test_a_comment_holding_a_number_or_date_reads_as_the_cell_shows_it(tmp_path):
    """A comment or an evidence cell where the office suite made a number, a percentage,
    a date or a truth value of what was typed ('3,5', '45 %', '31/12/2026', 'vrai' in a
    French LibreOffice) was stored as Python writes it: '3.5', '0.45', '2026-12-31 00:00:00',
    'True'. It reads as the cell shows it, in the workbook's language."""
    import datetime as dt

    import openpyxl

    from excelcert.assessment.read import cell_text
    from excelcert.base.spreadsheet import read_workbook_xml

    book = openpyxl.Workbook()
    sheet = book.active
    typed = [
        (3.5, "General", "3,5"),
        (0.45, "0.00%", "45 %"),
        (0.455, "0%", "45,5 %"),
        (dt.datetime(2026, 12, 31), "dd/mm/yy", "2026-12-31"),
        (dt.datetime(2026, 12, 31, 14, 30), "dd/mm/yy hh:mm", "2026-12-31 14:30"),
        (True, "General", "TRUE"),
        (60000, "General", "60000"),
        (0.1 + 0.2, "General", "0,3"),
        (123456789012, "General", "123456789012"),
        (-5, "0%", "-500 %"),
    ]
    for row, (value, number_format, _) in enumerate(typed, start=1):
        sheet.cell(row, 2, value).number_format = number_format
    path = tmp_path / "typed.xlsx"
    book.save(path)
    for grid in (True, False):
        read = read_workbook_xml(path, grid=grid).sheets["Sheet"]
        assert [cell_text(read, row, 1, "fr") for row in range(1, len(typed) + 1)] == [t for *_, t in typed]
        assert cell_text(read, 1, 1, "en") == "3.5" and cell_text(read, 3, 1, "en") == "45.5 %"

"""Returns saved by other office suites: .ods and .xls read as the .xlsx is; .xlsb and
Numbers refused with what to do; hostile OpenDocument and .xls files refused, one by one."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment

from excelcert.assessment.generate import generate_workbooks
from excelcert.base.foreign import read_returned_book
from excelcert.base.ledger import Ledger
from excelcert.base.problems import UnreadableFile
from excelcert.base.spreadsheet import parse_instant
from excelcert.campaign.config import init_campaign, read_key
from excelcert.campaign.reviewers import example_reviewers
from excelcert.campaign.roster import example_clusters
from excelcert.demo.returns import AVERAGE, STRONG, fill_in
from excelcert.intake.batch import ACCEPTED, WITH_PROBLEMS, import_files
from excelcert.intake.read import read_returned
from excelcert.review.workbook import ClusterAnswer, build_review
from tests.conftest import TODAY
from tests.helpers import CORPUS, libreoffice_convert, needs_soffice

CLUSTERS = {c.id: c for c in example_clusters()}


@pytest.fixture(scope="module")
def returns(tmp_path_factory):
    """A campaign, and two of its workbooks filled in (one French with a problem, one
    German) as .xlsx, then each saved by LibreOffice as .ods and as .xls."""
    root = tmp_path_factory.mktemp("foreign")
    campaign = init_campaign(root / "camp", today=TODAY)
    scheme = campaign.load_scheme()
    chosen = [CLUSTERS["FR-AERO-01"], CLUSTERS["DE-AUTO-01"]]
    made = generate_workbooks(campaign, scheme, chosen, read_key(campaign))
    inbox = root / "xlsx"
    inbox.mkdir()
    paths = []
    for (cluster, path), answers in zip(made.written, (AVERAGE, STRONG), strict=True):
        target = inbox / path.name
        shutil.copyfile(path, target)
        fill_in(target, scheme, answers, cluster.language)
        paths.append(target)
    book = openpyxl.load_workbook(paths[0])  # the French cluster types a word into a number,
    for row in book["Auto-évaluation"].iter_rows():  # 0,45 into a percent cell in Calc, "45 %" too
        if row[0].value == "GOV-01":
            row[4].value = "quarante"
        elif row[0].value == "GOV-04":
            row[4].value = 0.0045  # what Calc stores: 0.45 %
        elif row[0].value == "FIN-02":
            row[4].value = "45 %%"  # what Calc holds
    book.save(paths[0])
    review = inbox / "review.xlsx"  # a reviewer's workbook, with a verdict and a note
    reviewer = example_reviewers()[0]
    build_review(
        review, scheme, campaign, chosen[1], reviewer, read_key(campaign), {"STR-01": ClusterAnswer(60)}, "0" * 64
    )
    book = openpyxl.load_workbook(review)
    for row in book.worksheets[0].iter_rows():
        if row[0].value == "STR-01":
            row[5].value = 55
            row[5].comment = Comment("Counted on site", reviewer.name)
    book.save(review)
    return campaign, paths + [review], root


@pytest.fixture(scope="module")
def converted(returns):
    campaign, paths, root = returns
    return {
        "ods": libreoffice_convert(paths, root / "ods", "ods"),
        "xls": libreoffice_convert(paths, root / "xls", "xls"),
    }


def answers_of(result):
    return {k: (a.value, a.place, a.evidence, a.comment) for k, a in result.answers.items()}


def problems_of(result):
    return [(p.code, p.place, p.message) for p in result.problems]


@needs_soffice
@pytest.mark.soffice
@pytest.mark.parametrize("kind", ["ods", "xls"])
def test_a_return_saved_by_libreoffice_reads_as_the_xlsx_does(returns, converted, kind):
    campaign, paths, _ = returns
    scheme = campaign.load_scheme()
    for original, saved in zip(paths, converted[kind], strict=True):
        expected, got = read_returned(original, scheme), read_returned(saved, scheme)
        assert got.meta == expected.meta and got.signature == expected.signature
        assert answers_of(got) == answers_of(expected)
        assert problems_of(got) == problems_of(expected)
        assert got.profile == expected.profile
        assert [(n.sheet, n.cell, n.indicator_id, n.text) for n in got.notes] == [
            (n.sheet, n.cell, n.indicator_id, n.text) for n in expected.notes
        ]  # a review's notes (LibreOffice drops a note's author when it converts)
    assert read_returned(converted[kind][2], scheme).notes[0].text == "Counted on site"
    french = read_returned(converted[kind][0], scheme)
    assert {("answer-not-a-number", "GOV-01"), ("answer-tiny-percent", "GOV-04")} <= {
        (p.code, p.indicator) for p in french.problems
    }
    assert french.answers["GOV-04"].value is None and french.answers["FIN-02"].value == 45


@needs_soffice
@pytest.mark.soffice
def test_ods_and_xls_returns_are_imported_and_attributed(returns, converted, tmp_path):
    campaign, paths, _ = returns
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for path in converted["ods"][:2] + converted["xls"][1:2]:
        shutil.copyfile(path, inbox / path.name)
    with Ledger.for_campaign(campaign.root) as ledger:
        results = import_files(campaign, campaign.load_scheme(), set(CLUSTERS), read_key(campaign), ledger, [inbox])
        by_name = {Path(r.name).name: r for r in results}
        french, german = paths[0].stem, paths[1].stem
        assert by_name[f"{french}.ods"].verdict == WITH_PROBLEMS
        assert by_name[f"{german}.ods"].verdict == ACCEPTED
        assert by_name[f"{german}.xls"].verdict == ACCEPTED
        assert {r.cluster for r in results} == {"FR-AERO-01", "DE-AUTO-01"}
        stored = {a.indicator_id: a.value for a in ledger.answers(by_name[f"{german}.xls"].submission_id)}
        assert stored["STR-03"] == STRONG["STR-03"] and stored["GOV-07"] == STRONG["GOV-07"]
        archived = sorted(p.suffix for p in (campaign.root / "archive").iterdir() if p.is_file())
        assert archived == [".ods", ".ods", ".xls"]


# --- refused, with what to do ----------------------------------------------------------------


def ods_bytes(tables: str, manifest: str = "", extra: dict[str, bytes] | None = None) -> bytes:
    """An OpenDocument spreadsheet whose body holds `tables` (table:table elements)."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", manifest or "<manifest/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def refusal(data: bytes, name: str = "return.ods"):
    with pytest.raises(UnreadableFile) as caught:
        read_returned_book(Path(name), data=data)
    return caught.value.problem


def test_an_ods_is_read_cell_by_cell_with_its_types():
    data = ods_bytes(
        '<table:table table:name="Answers"><table:table-row>'
        '<table:table-cell office:value-type="string"><text:p>A<text:s text:c="2"/>b</text:p><text:p>c</text:p></table:table-cell>'
        '<table:table-cell table:number-columns-repeated="2"/>'
        '<table:table-cell office:value-type="percentage" office:value="0.45"><text:p>45%</text:p></table:table-cell>'
        '</table:table-row><table:table-row table:number-rows-repeated="3"><table:table-cell/></table:table-row>'
        '<table:table-row><table:table-cell office:value-type="float" office:value="12" table:formula="of:=[.A9]*2"/>'
        '<table:table-cell office:value-type="date" office:date-value="2026-12-31"/></table:table-row>'
        "</table:table>"
    )
    sheet = read_returned_book(Path("x.ods"), data=data).sheets["Answers"]
    assert sheet.cell(1, 1).value == "A  b\nc"
    assert (sheet.cell(1, 4).value, sheet.cell(1, 4).is_percent, sheet.cell(1, 4).coordinate) == (0.45, True, "D1")
    assert (sheet.cell(5, 1).value, sheet.cell(5, 1).formula) == (12, "=[.A9]*2")
    assert sheet.cell(5, 2).value == dt.datetime(2026, 12, 31)


@pytest.mark.parametrize(
    ("tables", "says"),
    [
        (  # a value repeated into a billion cells by two small numbers
            '<table:table table:name="S"><table:table-row table:number-rows-repeated="1048576">'
            '<table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="16384"/>'
            "</table:table-row></table:table>",
            "spans 1,048,576 rows and 16,384 columns",
        ),
        (  # one cell at A1, one at XFD1048576, empty repeats between
            '<table:table table:name="S"><table:table-row><table:table-cell office:value-type="float" office:value="1"/>'
            '</table:table-row><table:table-row table:number-rows-repeated="1048574"><table:table-cell/></table:table-row>'
            '<table:table-row><table:table-cell table:number-columns-repeated="16383"/>'
            '<table:table-cell office:value-type="float" office:value="1"/></table:table-row></table:table>',
            "spans 1,048,576 rows and 16,384 columns",
        ),
        (  # within the area, but a value repeated into a million cells
            '<table:table table:name="S"><table:table-row table:number-rows-repeated="1000000">'
            '<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>'
            "</table:table-row></table:table>",
            "repeats values into more than",
        ),
    ],
)
def test_an_ods_spanning_an_absurd_area_is_refused_before_it_is_built(tables, says):
    import time

    start = time.perf_counter()
    found = refusal(ods_bytes(tables))
    assert found.code == "oversized-file" and says in found.message
    assert time.perf_counter() - start < 5


def test_hostile_and_foreign_packages_each_get_their_verdict():
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    assert refusal(ods_bytes("", extra={"meta.xml": bomb.encode()})).code == "unsafe-content"
    encrypted = '<manifest><file-entry><encryption-data checksum="x"/></file-entry></manifest>'
    assert refusal(ods_bytes("", manifest=encrypted)).code == "encrypted-file"
    numbers = io.BytesIO()
    with zipfile.ZipFile(numbers, "w") as archive:
        archive.writestr("Index/Document.iwa", b"\x00" * 64)
        archive.writestr("Metadata/Properties.plist", b"")
    found = refusal(numbers.getvalue(), "return.numbers")
    assert found.code == "numbers-file" and "File > Export To > Excel" in found.message
    assert refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "return.xls").code == "corrupt-file"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared/corpus/foreign is not beside the repository")
@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("calamine-pass_protected.ods", "encrypted-file"),
        ("poi-SampleSS.ods", "not-excelcert"),
        ("poi-SampleSS.xls", "not-excelcert"),
        ("poi-Simple.xlsb", "legacy-format"),
    ],
)
def test_foreign_files_of_the_corpus(shared_campaign, name, code):
    data = (CORPUS / name).read_bytes()
    if code == "not-excelcert":
        import python_calamine

        book = read_returned_book(Path(name), data=data)  # read: as python-calamine reads it
        other = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        assert list(book.sheets) == other.sheet_names
        for title, sheet in book.sheets.items():
            texts = {(r, c): v for r, row in sheet.values for c, v in enumerate(row, 1) if isinstance(v, str)}
            grid = other.get_sheet_by_name(title).to_python(skip_empty_area=False)
            assert texts == {
                (r, c): v for r, row in enumerate(grid, 1) for c, v in enumerate(row, 1) if v and isinstance(v, str)
            }
        with pytest.raises(UnreadableFile) as caught:
            read_returned(Path(name), shared_campaign.load_scheme(), data=data)
        assert caught.value.problem.code == code
    else:
        assert refusal(data, name).code == code


def test_a_password_protected_xls_is_refused_as_such():
    """Saved by LibreOffice (Excel 97-2003) with the password 'x': a small file kept in tests/files."""
    path = Path(__file__).parent / "files" / "password-protected-by-libreoffice.xls"
    found = refusal(path.read_bytes(), path.name)
    assert found.code == "encrypted-file" and "'Save with password' unticked" in found.message


def test_save_times_are_instants():
    assert parse_instant("2026-03-01T12:00:00+05:00") == dt.datetime(2026, 3, 1, 7, 0)
    assert parse_instant("2026-03-01T12:00:00Z") == dt.datetime(2026, 3, 1, 12, 0)
    assert parse_instant("2026-11-30T08:30:40.123456789") == dt.datetime(2026, 11, 30, 8, 30, 40, 123456)
    assert parse_instant("yesterday") is None


def test_a_damaged_ods_is_a_verdict_not_a_traceback():
    data = ods_bytes('<table:table table:name="S"><table:table-row>')  # content.xml cut short
    assert refusal(data).code == "corrupt-file"


@pytest.mark.parametrize(
    ("stamp", "saved", "local"),
    [  # LibreOffice writes its local time with no zone (saved in Tokyo at 13:42 UTC)
        ("2026-11-30T22:42:52.004060748", dt.datetime(2026, 11, 30, 22, 42, 52, 4060), True),
        ("2026-11-30T13:42:52Z", dt.datetime(2026, 11, 30, 13, 42, 52), False),  # a zone: an instant
        ("2026-11-30T22:42:52+09:00", dt.datetime(2026, 11, 30, 13, 42, 52), False),
    ],
)
def test_an_ods_save_time_without_a_zone_is_the_savers_local_time(stamp, saved, local):
    meta = (
        '<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><office:meta>'
        f"<dc:date>{stamp}</dc:date></office:meta></office:document-meta>"
    ).encode()
    data = ods_bytes('<table:table table:name="S"/>', extra={"meta.xml": meta})
    book = read_returned_book(Path("x.ods"), data=data)
    assert (book.modified, book.modified_local) == (saved, local)

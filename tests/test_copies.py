"""Self-assessment workbooks copied from one written per language: byte for byte the
workbook xlsxwriter writes whole, or written whole when a copy cannot be sure."""

from __future__ import annotations

import datetime as dt
import io
import warnings
import zipfile
from dataclasses import replace

import openpyxl
import pytest

from excelcert.assessment.copies import Copies
from excelcert.assessment.generate import generate_workbooks
from excelcert.assessment.workbook import build_self_assessment
from excelcert.base.contract import read_workbook_meta, verify
from excelcert.base.i18n import text
from excelcert.base.ledger import Ledger
from excelcert.base.spreadsheet import read_workbook
from excelcert.base.xlsxcopy import Copier, CopyError
from excelcert.campaign.config import read_key
from excelcert.campaign.roster import example_clusters
from excelcert.demo.returns import AVERAGE, fill_in
from excelcert.intake.batch import ACCEPTED, import_files
from excelcert.register.store import Entry

ISSUED = dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC)
NONCE = "0123456789abcdef"
ROSTER = example_clusters()
FR, DE, EN = (next(c for c in ROSTER if c.language == lang) for lang in ("fr", "de", "en"))

# Names and texts a copy must put in exactly as xlsxwriter writes them.
COPIED = {
    "markup": replace(FR, name="A & B <c> \"d\" 'e' &amp;"),
    "formula": replace(EN, name="=cmd|' /C calc'!A0"),
    "plus": replace(DE, name="+49 Cluster", contact_name="-Dr. Weber", website="@web"),
    "at sign": replace(EN, name="@SUM(A1)"),
    "control character": replace(FR, name="Pôle\x01Aéro\x07", contact_name="\x0bCamille"),
    "escape lookalike": replace(EN, name="x_x0041_y _xFFFF_", email="_x000D_@example"),
    "non-characters": replace(EN, name="odd \ufffe\uffff"),
    "rtl": replace(EN, name="مجموعة الابتكار العنقودية", contact_name="שרה לוי"),
    "rich lookalike": replace(DE, name="<r>fett</r>"),
    "rich markup": replace(FR, name="<r><t>Pôle</t></r>", contact_name="<r>A & B</r>"),
    "an ampersand before G": replace(EN, name="R&G Industries"),
    "a picture code": replace(EN, name="Cluster &[Picture]"),
    "emoji": replace(EN, name="Cluster 🚀" * 10),
    "long id": replace(EN, id="X" * 200),
    "a header shortened to fit": replace(EN, name="R&D" + " R&D" * 59),
    "another language": replace(EN, language="it"),
    "not a club": replace(FR, club=False),
    "empty optional texts": replace(EN, group="", groups=(), website="", contact_name=""),
    "the id of another": replace(EN, name=FR.id),
}
# ... and those a copy cannot be sure of: written whole.
WHOLE = {
    "a label's text": replace(EN, name=text("en", "f_name")),
    "the word on a button": replace(EN, website=text("en", "met")),
    "two equal texts": replace(DE, contact_name=DE.email),
    "a text equal to the name": replace(FR, group=FR.name, groups=()),
    "two lines": replace(EN, name="Ocean\nTech"),
    "two spaces": replace(EN, name="Ocean  Tech"),
    "a separator read as a space": replace(EN, name="Ocean\x1fTech"),
    "trailing spaces": replace(EN, name="Ocean Tech  "),
    "leading spaces": replace(EN, name="  Ocean Tech"),
    "over 255 characters": replace(FR, name="Pôle " * 60),
}


@pytest.fixture(scope="module")
def copies(shared_campaign):
    return Copies(shared_campaign.load_scheme(), shared_campaign, read_key(shared_campaign), ISSUED)


def both_ways(campaign, copies, cluster, tmp_path):
    """The workbook written whole, and its copy (None when written whole)."""
    whole, copy = tmp_path / "whole.xlsx", tmp_path / "copy.xlsx"
    key = read_key(campaign)
    build_self_assessment(whole, copies.scheme, campaign, cluster, key, issued_at=ISSUED, nonce=NONCE)
    copied = copies.write(copy, cluster, nonce=NONCE)
    return whole.read_bytes(), copy.read_bytes() if copied else None


@pytest.mark.parametrize("cluster", ROSTER, ids=[c.id for c in ROSTER])
def test_every_workbook_of_the_example_roster_is_a_byte_equal_copy(shared_campaign, copies, cluster, tmp_path):
    whole, copy = both_ways(shared_campaign, copies, cluster, tmp_path)
    assert copy is not None and copy == whole


@pytest.mark.parametrize("case", COPIED)
def test_hostile_texts_are_copied_byte_equal(shared_campaign, copies, case, tmp_path):
    whole, copy = both_ways(shared_campaign, copies, COPIED[case], tmp_path)
    assert copy is not None, "this text can be copied"
    assert copy == whole


@pytest.mark.parametrize("case", WHOLE)
def test_texts_a_copy_cannot_be_sure_of_are_written_whole(shared_campaign, copies, case, tmp_path):
    whole, copy = both_ways(shared_campaign, copies, WHOLE[case], tmp_path)
    assert copy is None
    assert not (tmp_path / "copy.xlsx").exists() or (tmp_path / "copy.xlsx").stat().st_size == 0


def test_a_copied_name_stays_text_never_a_formula(shared_campaign, copies, tmp_path):
    cluster = COPIED["formula"]
    assert copies.write(tmp_path / "wb.xlsx", cluster)
    book = openpyxl.load_workbook(tmp_path / "wb.xlsx")
    start, profile = book.worksheets[0], book.worksheets[1]
    assert (start["B3"].value, start["B3"].data_type) == (cluster.name, "s")
    assert (profile["C5"].value, profile["C5"].data_type) == (cluster.name, "s")
    assert book.properties.title.endswith(cluster.name)


def test_each_copy_signs_its_own_nonce_and_verifies(shared_campaign, copies, tmp_path):
    key, seen = read_key(shared_campaign), set()
    for n, cluster in enumerate([FR, FR, COPIED["markup"], COPIED["rtl"]]):
        path = tmp_path / f"{n}.xlsx"
        assert copies.write(path, cluster)
        meta, signature = read_workbook_meta(read_workbook(path))
        assert verify(meta, signature, key)
        assert (meta.cluster_id, meta.cluster_name, meta.issued_at) == (cluster.id, cluster.name, ISSUED.isoformat())
        seen.add(meta.nonce)
    assert len(seen) == 4


def test_a_copy_filled_in_by_the_cluster_is_imported(campaign, tmp_path):
    scheme, key = campaign.load_scheme(), read_key(campaign)
    result = generate_workbooks(campaign, scheme, [FR, EN], key)
    assert result.copied == 2
    paths = [path for _, path in result.written]
    for (_, path), lang in zip(result.written, ("fr", "en"), strict=True):
        fill_in(path, scheme, AVERAGE, lang)
    with Ledger.for_campaign(campaign.root) as ledger:
        results = import_files(campaign, scheme, {FR.id, EN.id}, key, ledger, paths)
    assert [(r.verdict, r.cluster) for r in results] == [(ACCEPTED, FR.id), (ACCEPTED, EN.id)]


@pytest.mark.parametrize("copy", [True, False], ids=["copied", "whole"])
def test_a_name_with_an_ampersand_before_g_keeps_its_page_headers(campaign, copy):
    """xlsxwriter takes '&G' for a picture's place even after '&&' and drops such a header
    with a warning: "R&G Industries" lost the header of every sheet."""
    scheme, key = campaign.load_scheme(), read_key(campaign)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # xlsxwriter's warning would fail the test
        result = generate_workbooks(
            campaign, scheme, [replace(EN, name="R&G Industries & [Picture] &[Picture]")], key, copy=copy
        )
    with zipfile.ZipFile(result.written[0][1]) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        headers = [archive.read(n).decode() for n in sheets if b"<oddHeader>" in archive.read(n)]
    assert len(headers) >= 4  # the four visible sheets
    assert all(
        "&amp;LR&amp;&amp;\u2060G Industries &amp;&amp; [Picture] &amp;&amp;\u2060[Picture]&amp;R&amp;A" in h
        for h in headers
    )


@pytest.mark.parametrize("copy", [True, False], ids=["copied", "whole"])
def test_a_name_that_looks_like_rich_text_stays_the_text_it_is(campaign, copy):
    """xlsxwriter copies a text that starts with <r> and ends with </r> into the file as XML;
    excelcert's workbooks write it escaped: the name reads back as typed, and the return is
    accepted (it was refused as altered, the sheet showing another name than the signed one)."""
    scheme, key = campaign.load_scheme(), read_key(campaign)
    hostile = [
        replace(FR, name="<r><t>Pôle</t></r>", contact_name="<r>A & B</r>"),
        replace(EN, name="<r>Ocean & <b>Tech</r>"),
    ]
    result = generate_workbooks(campaign, scheme, hostile, key, copy=copy)
    assert result.copied == (2 if copy else 0)
    paths = [path for _, path in result.written]
    for path in paths:
        with zipfile.ZipFile(path) as archive:
            assert b"<si><r>" not in archive.read("xl/sharedStrings.xml")  # no markup of the cluster's
    for path, lang in zip(paths, ("fr", "en"), strict=True):
        fill_in(path, scheme, AVERAGE, lang)
    with Ledger.for_campaign(campaign.root) as ledger:
        results = import_files(campaign, scheme, {FR.id, EN.id}, key, ledger, paths)
    assert [(r.verdict, r.cluster) for r in results] == [(ACCEPTED, FR.id), (ACCEPTED, EN.id)]
    texts = {value for sheet in read_workbook(paths[0]).sheets.values() for _, row in sheet.values for value in row}
    assert {"<r><t>Pôle</t></r>", "<r>A & B</r>"} <= texts


def test_generate_writes_the_same_files_copied_or_whole(campaign, tmp_path, monkeypatch):
    import excelcert.assessment.copies
    import excelcert.assessment.workbook

    for module in (excelcert.assessment.copies, excelcert.assessment.workbook):
        monkeypatch.setattr(module, "new_nonce", lambda: NONCE)  # else each workbook draws its own
    scheme, key = campaign.load_scheme(), read_key(campaign)
    clusters = [*ROSTER, *(replace(c, id=f"{c.id}-{n}") for n, c in enumerate([*COPIED.values(), *WHOLE.values()]))]
    written = {}
    for copy in (True, False):
        folder = replace(campaign, root=tmp_path / str(copy))
        result = generate_workbooks(folder, scheme, clusters, key, copy=copy, issued_at=ISSUED)
        written[copy] = {path.name: path.read_bytes() for _, path in result.written}
        assert result.copied == (len(ROSTER) + len(COPIED) if copy else 0)
    assert written[True].keys() == written[False].keys() and len(written[True]) == len(clusters)
    assert [name for name in written[True] if written[True][name] != written[False][name]] == []


def test_generate_copies_in_parallel_and_writes_renewals_whole(campaign):
    scheme, key = campaign.load_scheme(), read_key(campaign)
    result = generate_workbooks(campaign, scheme, ROSTER, key, jobs=2)
    assert result.copied == len(ROSTER)
    for cluster, path in result.written:
        meta, signature = read_workbook_meta(read_workbook(path))
        assert meta.cluster_id == cluster.id and verify(meta, signature, key)
    last_time = Entry(
        **{
            **dict.fromkeys(("name", "country", "sector", "website", "contact_name", "email", "language"), ""),
            "cluster_id": DE.id,
            "club_consent": True,
            "label": "gold",
            "label_name": "Gold",
            "label_rank": 1,
            "scheme_id": scheme.id,
            "scheme_version": scheme.version,
            "campaign_id": "earlier",
            "assessed": "2024-11",
            "issued_on": "2024-12-01",
            "valid_until": "2026-12-01",
            "continues": None,
            "points": 120.0,
            "max_points": 150.0,
            "answers": {"STR-01": 75},
        },
        number=1,
        reference="CL-2024-0001",
        code="ABCD",
        entered_at="2024-12-01",
    )
    renewed = generate_workbooks(campaign, scheme, [DE], key, previous={DE.id: last_time}, force=True)
    assert (renewed.copied, renewed.renewals) == (0, [DE.id])  # it shows last time's label: written whole
    start = openpyxl.load_workbook(renewed.written[0][1]).worksheets[0]
    assert any("CL-2024-0001" in str(c.value) for row in start.iter_rows() for c in row)


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as book:
        for name, data in members.items():
            book.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def test_a_token_where_no_value_can_go_refuses_the_copier():
    with pytest.raises(CopyError):
        Copier(zipped({"xl/worksheets/sheet1.xml": b'<worksheet><c r="A1" t="tok1q"/></worksheet>'}), [], ["tok1q"])
    with pytest.raises(CopyError):
        Copier(zipped({"xl/worksheets/sheet1.xml": b"<worksheet><f>tok1q</f></worksheet>"}), [], ["tok1q"])
    with pytest.raises(CopyError):  # a shared string xlsxwriter would not have written so
        Copier(zipped({"xl/sharedStrings.xml": b"<sst><si><t>tok1q&#65;</t></si></sst>"}), ["tok1qA"], ["tok1q"])


def test_a_zip_not_written_as_xlsxwriter_does_refuses_the_copier():
    members = {"docProps/core.xml": b"<cp><dc:title>tok1q</dc:title></cp>"}
    Copier(zipped(members), [], ["tok1q"])  # as xlsxwriter zips
    with pytest.raises(CopyError):  # stored, not deflated
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as book:
            book.writestr("docProps/core.xml", members["docProps/core.xml"])
        Copier(buffer.getvalue(), [], ["tok1q"])
    with pytest.raises(CopyError):  # a comment after the directory
        Copier(_with_comment(zipped(members)), [], ["tok1q"])


def _with_comment(data: bytes) -> bytes:
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as book:
        book.comment = b"hello"
    return buffer.getvalue()

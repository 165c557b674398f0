"""The self-assessment workbook, as a cluster manager receives it, and its contract."""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from excelcert.assessment.generate import generate_workbooks, workbook_names
from excelcert.assessment.workbook import C_ANSWER, FIRST_ROW, INPUT_FILL, build_self_assessment, evaluate
from excelcert.base.contract import META_SHEET, ContractError, read_workbook_meta, verify
from excelcert.base.files import safe_filename
from excelcert.base.spreadsheet import read_workbook
from excelcert.campaign.config import init_campaign, read_key
from excelcert.campaign.roster import Cluster, example_clusters
from excelcert.demo.returns import AVERAGE
from tests.helpers import libreoffice_resave, needs_soffice

# A full set of answers, to see the score and label computed (110 points: Silver).
ANSWERS = AVERAGE


@pytest.fixture
def campaign(shared_campaign):
    """The session's campaign: these tests build workbooks from it, never change it."""
    return shared_campaign


@pytest.fixture(scope="module")
def scheme(shared_campaign):
    return shared_campaign.load_scheme()


def build(campaign, scheme, tmp_path, cluster=None, answers=None, name="wb.xlsx") -> Path:
    path = tmp_path / name
    build_self_assessment(path, scheme, campaign, cluster or example_clusters()[1], read_key(campaign), answers=answers)
    return path


# --- file names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../../x",
        'Café / Ümlaut: "A"',
        "x" * 300,
        "CON",
        "con.txt",
        "NUL",
        "a\\b|c?d*e<f>g",
        "  . trailing dots ...",
        "\x00\x1f",
        "COM1",
    ],
)
def test_hostile_names_give_safe_file_names(name):
    safe = safe_filename(name)
    assert safe not in ("", ".", "..") and "/" not in safe and "\\" not in safe
    assert not any(ch in safe for ch in '<>:"|?*') and all(ord(ch) >= 32 for ch in safe)
    assert len(safe.encode("utf-8")) <= 120
    assert safe.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT1"}
    assert not safe.endswith((".", " "))


def test_readable_names_stay_readable():
    assert safe_filename('Café / Ümlaut: "A"') == "Café _ Ümlaut_ _A"
    assert safe_filename("FR-AERO-01 Pôle Aéro & Espace") == "FR-AERO-01 Pôle Aéro & Espace"


def test_two_clusters_never_get_the_same_file_name():
    clusters = [
        Cluster("A-1", "x" * 300, "DE", "de"),
        Cluster("A-1x", "x" * 300, "DE", "de"),
        Cluster("b-2", "Same", "DE", "de"),
        Cluster("B-2", "Same", "DE", "de"),
        Cluster("C", "../../x", "DE", "de"),
        Cluster("C.", "../../x", "DE", "de"),
    ]
    names = list(workbook_names(clusters).values())
    assert len({n.casefold() for n in names}) == len(clusters)


# --- generate ------------------------------------------------------------------------------


def test_generate_writes_one_workbook_per_cluster_in_its_language(tmp_path):
    campaign = init_campaign(tmp_path / "camp")
    scheme = campaign.load_scheme()
    clusters = example_clusters()
    result = generate_workbooks(campaign, scheme, clusters, read_key(campaign), jobs=2)
    files = sorted(campaign.to_clusters_dir.glob("*.xlsx"))
    assert len(files) == len(clusters) == len(result.written)
    sheets = {openpyxl.load_workbook(p, read_only=True).sheetnames[2] for p in files}
    assert sheets == {"Assessment", "Auto-évaluation", "Selbstbewertung"}
    first = result.written[0][1]
    inode = first.stat().st_ino
    again = generate_workbooks(campaign, scheme, clusters[:2], read_key(campaign))
    assert len(again.kept) == 2 and not again.written
    assert first.stat().st_ino == inode  # kept: the very same file
    forced = generate_workbooks(campaign, scheme, clusters[:1], read_key(campaign), force=True)
    assert [p for _, p in forced.written] == [first]
    assert first.stat().st_ino != inode  # replaced by a new file, moved into place
    assert sorted(p.name for p in campaign.to_clusters_dir.iterdir()) == sorted(p.name for p in files)


# --- the workbook's structure -----------------------------------------------------------------


def test_sheets_and_their_visibility(campaign, scheme, tmp_path):
    book = openpyxl.load_workbook(build(campaign, scheme, tmp_path))
    assert book.sheetnames == ["Accueil", "Profil", "Auto-évaluation", "Synthèse", "lists", META_SHEET]
    assert book["lists"].sheet_state == "hidden"
    assert book[META_SHEET].sheet_state == "veryHidden"
    assert all(book[n].protection.sheet for n in book.sheetnames)
    assert not book["Accueil"].protection.password  # structure protected, no password to lose
    assert book.active.title == "Accueil"


def _answer_rows(ws):
    """Rows whose ID cell holds an indicator id (the contract: matched by id)."""
    for row in range(FIRST_ROW + 1, ws.max_row + 1):
        value = ws.cell(row, 1).value
        if isinstance(value, str) and "-" in value and value.split("-")[0].isupper():
            yield row, value


def test_every_answer_row_carries_its_indicator_id(campaign, scheme, tmp_path):
    ws = openpyxl.load_workbook(build(campaign, scheme, tmp_path))["Auto-évaluation"]
    ids = [value for _, value in _answer_rows(ws) if "/" not in value]
    assert ids == [i.id for i in scheme.indicators]
    subrows = [value for _, value in _answer_rows(ws) if "/" in value]
    assert "GOV-07/newsletter" in subrows and len(subrows) == 10  # two several-choice indicators


def test_answer_cells_alone_are_yellow_and_unlocked(campaign, scheme, tmp_path):
    book = openpyxl.load_workbook(build(campaign, scheme, tmp_path))
    yellow, unlocked = set(), set()
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                fill = (cell.fill.fgColor.rgb or "")[-6:] if cell.fill and cell.fill.fill_type else ""
                if fill == INPUT_FILL[1:]:
                    yellow.add((ws.title, cell.coordinate))
                if cell.protection.locked is False:
                    unlocked.add((ws.title, cell.coordinate))
    assert yellow == unlocked  # the one style of the cells a cluster may type in
    answers = {
        ("Auto-évaluation", f"E{row}")
        for row, value in _answer_rows(book["Auto-évaluation"])
        if "/" in value or value not in ("GOV-07", "SRV-04")
    }
    assert answers <= unlocked
    assert ("Profil", "C5") in unlocked and ("Profil", "C4") not in unlocked  # name editable, id not


def test_validation_fits_each_answer_type(campaign, scheme, tmp_path):
    ws = openpyxl.load_workbook(build(campaign, scheme, tmp_path))["Auto-évaluation"]
    rows = {value: row for row, value in _answer_rows(ws)}

    class Rules(dict):
        def __getitem__(self, ref):
            return next(dv for dv in ws.data_validations.dataValidation if ref in dv.sqref)

    rules = Rules()
    participants = rules[f"E{rows['STR-01']}"]
    assert (participants.type, participants.formula1, participants.formula2) == ("whole", "0", "100000")
    assert participants.operator in (None, "between")  # OOXML leaves out its default, between
    assert participants.errorStyle in (None, "stop") and participants.showErrorMessage  # stop: the default
    assert "nombre entier de 0 à 100" in participants.prompt  # in the cluster's language
    share = rules[f"E{rows['STR-03']}"]
    assert share.type == "decimal" and (float(share.formula1), float(share.formula2)) == (0, 1)  # 0..100 %
    strategy = rules[f"E{rows['SRV-01']}"]
    assert strategy.type == "list" and strategy.formula1 == "choices_SRV_01"
    assert rules[f"E{rows['GOV-07/newsletter']}"].formula1 == "yesno"


def test_validation_rejects_a_wrong_value(campaign, scheme, tmp_path):
    """What Excel and Calc do with the rule when a value is typed: 'forty' and 150000 are refused."""
    ws = openpyxl.load_workbook(build(campaign, scheme, tmp_path))["Auto-évaluation"]
    rows = {value: row for row, value in _answer_rows(ws)}
    rule = next(dv for dv in ws.data_validations.dataValidation if f"E{rows['STR-01']}" in str(dv.sqref))

    def accepted(value):
        if rule.type == "whole":
            return isinstance(value, int) and float(rule.formula1) <= value <= float(rule.formula2)
        raise AssertionError(rule.type)

    assert accepted(75) and not accepted("forty") and not accepted(150000) and not accepted(7.5)


def test_choice_sentences_are_written_for_the_question(campaign, scheme, tmp_path):
    book = openpyxl.load_workbook(build(campaign, scheme, tmp_path))
    lists = book["lists"]
    names = book.defined_names
    sheet, cells = names["choices_SRV_01"].attr_text.split("!")
    assert sheet == "lists"
    values = [row[0].value for row in lists[cells.replace("$", "")]]
    assert values == [
        "Non, il n'y a pas de stratégie écrite",
        "Une stratégie est rédigée mais pas encore adoptée, ou date de plus de trois ans",
        "Oui, adoptée par le conseil au cours des trois dernières années",
    ]


def test_print_setup_everywhere(campaign, scheme, tmp_path):
    book = openpyxl.load_workbook(build(campaign, scheme, tmp_path))
    for name in ("Accueil", "Profil", "Auto-évaluation", "Synthèse"):
        ws = book[name]
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        tall = 1 if name in ("Accueil", "Synthèse") else 0  # start and summary on one page; the others one page wide
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight in ((None, 1) if tall else (0,))
        assert "Pôle Aéro" in ws.oddHeader.left.text and "Page &P" in ws.oddFooter.right.text
    # every category after the first starts a printed page: no category heading alone at a page's foot
    assessment = book["Auto-évaluation"]
    breaks = [b.id for b in assessment.row_breaks.brk]
    bands = [r[0].row for r in assessment.iter_rows(min_row=4) if r[0].value in {c.id for c in scheme.categories}]
    assert breaks == [row - 1 for row in bands[1:]]
    assert book["Auto-évaluation"].print_title_rows == "$1:$3"
    assert book["Auto-évaluation"].freeze_panes == "C4"


def test_summary_has_a_native_chart(campaign, scheme, tmp_path):
    import zipfile

    with zipfile.ZipFile(build(campaign, scheme, tmp_path)) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        xml = archive.read(charts[0]).decode("utf-8")
    assert len(charts) == 1
    assert "<c:barChart>" in xml and "<c:lineChart>" in xml  # points per category, thresholds as lines
    assert '<c:max val="1"/>' in xml and '<c:min val="0"/>' in xml  # fixed axis 0..100 %
    assert "4F6F96" in xml and "6A8A7C" in xml  # the categories' own colours


def test_text_from_the_roster_is_written_as_text(campaign, scheme, tmp_path):
    hostile = Cluster(
        "X-1", '=HYPERLINK("http://evil.example","Click")', "DE", "en", contact_name="@SUM(A1)", email="a@b.example"
    )
    book = openpyxl.load_workbook(build(campaign, scheme, tmp_path, cluster=hostile))
    profile = book["Profile"]
    assert profile["C5"].value == '=HYPERLINK("http://evil.example","Click")' and profile["C5"].data_type == "s"
    assert profile["C9"].value == "@SUM(A1)" and profile["C9"].data_type == "s"


# --- scores: cached values ------------------------------------------------------------------


def test_a_fresh_workbook_shows_zero_and_incomplete(campaign, scheme, tmp_path):
    book = openpyxl.load_workbook(build(campaign, scheme, tmp_path), data_only=True)
    start = [c.value for row in book["Accueil"].iter_rows() for c in row if c.value]
    assert "0 sur 31 renseignées" in start and "0 / 150 points" in start and "Incomplet" in start


def test_cached_values_without_recalculation(campaign, scheme, tmp_path):
    """What a viewer that never recalculates shows: the right figures, not zeros."""
    book = openpyxl.load_workbook(build(campaign, scheme, tmp_path, answers=ANSWERS), data_only=True)
    start = [c.value for row in book["Accueil"].iter_rows() for c in row if c.value]
    assert "31 sur 31 renseignées" in start and "110 / 150 points" in start and "Argent" in start
    expected = evaluate(scheme, ANSWERS, "fr")
    assert expected.total == 110 and expected.label == "Argent"


def test_label_rules_in_the_evaluation(scheme):
    assert evaluate(scheme, {}, "en").label == "Incomplete"
    missing_eligibility = {**ANSWERS, "SRV-08": "no"}
    assert evaluate(scheme, missing_eligibility, "en").label == "No label"
    no_survey = {**ANSWERS, "ACH-01": "none"}
    assert evaluate(scheme, no_survey, "de").label == "Silber"
    optional_missing = {k: v for k, v in ANSWERS.items() if k != "ACH-02"}  # not required
    assert evaluate(scheme, optional_missing, "en").label != "Incomplete"


@needs_soffice
@pytest.mark.soffice
def test_cached_values_equal_what_libreoffice_computes(campaign, scheme, tmp_path):
    """Every formula's cached value is what LibreOffice computes when it recalculates."""
    path = build(campaign, scheme, tmp_path, answers=ANSWERS)
    recalculated = libreoffice_resave(path, tmp_path / "lo", recalculate=True)
    formulas = openpyxl.load_workbook(path)
    ours = openpyxl.load_workbook(path, data_only=True)
    theirs = openpyxl.load_workbook(recalculated, data_only=True)
    compared = 0
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    a, b = ours[ws.title][cell.coordinate].value, theirs[ws.title][cell.coordinate].value
                    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
                        assert a == pytest.approx(b), (ws.title, cell.coordinate, cell.value)
                    else:
                        assert a == b, (ws.title, cell.coordinate, cell.value)
                    compared += 1
    assert compared > 100


@needs_soffice
@pytest.mark.soffice
def test_libreoffice_really_recalculates_in_that_test(campaign, scheme, tmp_path, monkeypatch):
    """The control for the test above: wrong cached values are corrected by LibreOffice."""
    import excelcert.assessment.workbook as module

    real = module.evaluate
    monkeypatch.setattr(module, "evaluate", lambda s, answers, lang: real(s, {}, lang))
    path = build(campaign, scheme, tmp_path, answers={"STR-01": 75})
    recalculated = libreoffice_resave(path, tmp_path / "lo", recalculate=True)
    row = {v: r for r, v in _answer_rows(openpyxl.load_workbook(path)["Auto-évaluation"])}["STR-01"]
    assert openpyxl.load_workbook(path, data_only=True)["Auto-évaluation"][f"I{row}"].value == 0
    assert openpyxl.load_workbook(recalculated, data_only=True)["Auto-évaluation"][f"I{row}"].value == 3


# --- the contract -----------------------------------------------------------------------------


def test_metadata_verifies_with_the_campaign_key(campaign, scheme, tmp_path):
    meta, signature = read_workbook_meta(read_workbook(build(campaign, scheme, tmp_path)))
    assert (meta.campaign_id, meta.cluster_id, meta.role, meta.language) == (
        "camp",
        "FR-AERO-01",
        "self-assessment",
        "fr",
    )
    assert (meta.scheme_id, meta.scheme_version, meta.scheme_hash) == (scheme.id, scheme.version, campaign.scheme_hash)
    assert verify(meta, signature, read_key(campaign))
    assert not verify(meta, signature, b"another campaign's key" + b"\0" * 10)


def test_the_key_is_never_in_the_workbook(campaign, scheme, tmp_path):
    import zipfile

    key = read_key(campaign)
    with zipfile.ZipFile(build(campaign, scheme, tmp_path)) as archive:
        content = b"".join(archive.read(n) for n in archive.namelist())
    assert key.hex().encode() not in content and key not in content


def test_editing_the_cluster_id_breaks_the_signature(campaign, scheme, tmp_path):
    path = build(campaign, scheme, tmp_path)
    book = openpyxl.load_workbook(path)
    meta_sheet = book[META_SHEET]
    for row in meta_sheet.iter_rows():
        if row[0].value == "cluster_id":
            row[1].value = "DE-AUTO-01"
    book.save(path)
    meta, signature = read_workbook_meta(read_workbook(path))
    assert meta.cluster_id == "DE-AUTO-01"
    assert not verify(meta, signature, read_key(campaign))


def test_a_workbook_without_metadata_is_not_ours(tmp_path):
    from tests.helpers import write_workbook

    path = write_workbook(tmp_path / "lookalike.xlsx", {"Assessment": "| ID | Answer |\n| STR-01 | 45 |"})
    with pytest.raises(ContractError, match="not made by excelcert"):
        read_workbook_meta(read_workbook(path))


@needs_soffice
@pytest.mark.soffice
def test_contract_survives_a_libreoffice_resave(campaign, scheme, tmp_path):
    path = build(campaign, scheme, tmp_path, answers=ANSWERS)
    resaved = libreoffice_resave(path, tmp_path / "resaved")
    book = openpyxl.load_workbook(resaved)
    assert book[META_SHEET].sheet_state in ("hidden", "veryHidden")
    meta, signature = read_workbook_meta(read_workbook(resaved))
    assert verify(meta, signature, read_key(campaign)) and meta.cluster_id == "FR-AERO-01"
    ws = book["Auto-évaluation"]
    assert [v for _, v in _answer_rows(ws) if "/" not in v] == [i.id for i in scheme.indicators]
    assert "choices_SRV_01" in book.defined_names
    assert ws.protection.sheet and ws.data_validations.dataValidation
    row = {v: r for r, v in _answer_rows(ws)}["STR-01"]
    assert ws.cell(row, C_ANSWER + 1).value == 75


def test_an_over_long_name_is_shortened_in_the_printed_header_without_a_warning(campaign, scheme, tmp_path):
    import warnings
    from dataclasses import replace

    from excelcert.base.sheetwriter import HEADER_LIMIT

    name = "Pôle & Cluster " + "très long " * 40  # 415 characters; '&' is written '&&' in a header
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # xlsxwriter warns of a header over Excel's limit
        path = build(campaign, scheme, tmp_path, cluster=replace(example_clusters()[1], name=name))
    book = openpyxl.load_workbook(path)
    headers = [ws.oddHeader.left.text for ws in book.worksheets if "Cluster" in (ws.oddHeader.left.text or "")]
    assert headers and all(h.startswith("Pôle && Cluster très long") and h.endswith("…") for h in headers)
    with zipfile.ZipFile(path) as archive:
        raw = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    for xml in raw:
        found = re.search(r"<oddHeader>([^<]*)</oddHeader>", xml)
        if found:
            assert len(html.unescape(found.group(1))) <= HEADER_LIMIT


def test_the_summary_shows_the_label_rules_each_with_a_live_met(campaign, scheme, tmp_path):
    """The summary lists what decides the label: each label's points, the eligibility criteria
    and the indicators a label needs at their quality level, each with a formula saying met or
    not; the category rows carry no thresholds of their own."""
    path = build(campaign, scheme, tmp_path, answers=ANSWERS)
    book, values = openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True)
    summary, cached = book["Synthèse"], values["Synthèse"]
    rows = {r[0].value: r[0].row for r in summary.iter_rows() if isinstance(r[0].value, str)}
    assert "Ce qui décide du label" in rows
    strategy = next(name for name in rows if name.startswith("Stratégie écrite (SRV-01), pour Argent, Or"))
    formula = summary.cell(rows[strategy], 2).value
    assert formula.startswith("=IF(") and "$K$" in formula  # the assessment's met helper, live
    assert cached.cell(rows[strategy], 2).value == ("atteint" if ANSWERS["SRV-01"] == "adopted" else "non atteint")
    gold = next(name for name in rows if name.startswith("Or : au moins 80 % des points (120)"))
    assert cached.cell(rows[gold], 2).value == "non atteint"  # 110 points
    assert any(name.startswith("Membres engagés (STR-01)") for name in rows)  # an eligibility criterion
    # no threshold beside a category: columns E onwards are empty, or hidden
    category = rows[scheme.text(scheme.categories[0].name, "fr")]
    hidden = {n for d in summary.column_dimensions.values() if d.hidden for n in range(d.min, d.max + 1)}
    visible = [c for c in summary[category] if c.value is not None and c.column not in hidden]
    assert [c.column for c in visible] == [1, 2, 3, 4]


def test_no_invisible_mark_in_a_file_name():
    """A right-to-left override in a cluster's name made its workbook 'BE-BIO-01 name\u202eexe.xlsx.xlsx',
    shown as '...xslx.exe.xlsx' by a file manager and in the mail the cluster gets; a zero-width
    space made two names that look alike differ. Such marks are left out; C1 controls too."""
    assert safe_filename("BE-BIO-01 name\u202eexe.xlsx") == "BE-BIO-01 nameexe.xlsx"
    assert safe_filename("DE-01 Auto\u200bmotive\u2066 Nord\u00ad") == "DE-01 Automotive Nord"
    assert safe_filename("DE-01 Bell\x85Nord\x9b") == "DE-01 Bell_Nord"
    assert safe_filename("FR-01 Pôle Aéro") == "FR-01 Pôle Aéro"

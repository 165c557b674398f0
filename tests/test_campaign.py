"""The campaign folder and the roster."""

from __future__ import annotations

import datetime as dt
import os
import stat

import pytest
import yaml

from excelcert.base.problems import WARNING, Place, problem
from excelcert.campaign.config import (
    CampaignError,
    init_campaign,
    open_campaign,
    read_key,
    renew_key,
    update_campaign_scheme,
)
from excelcert.campaign.roster import read_roster, write_roster, write_roster_template
from excelcert.scheme import load_scheme
from tests.helpers import MINI_YAML, assert_problem, write_workbook

LANGS = ("en", "fr", "de")


def test_init_creates_a_complete_campaign(campaign):
    root = campaign.root
    for name in ("campaign.yaml", "campaign.key", "scheme.yaml", "workbooks/roster.xlsx", ".gitignore"):
        assert (root / name).is_file(), name
    for folder in ("templates", "output"):
        assert (root / folder).is_dir()
    config = yaml.safe_load((root / "campaign.yaml").read_text(encoding="utf-8"))
    assert config["id"] == "camp" and config["deadline"] == "2027-01-08"
    assert config["scheme"]["id"] == "cluster-excellence" and len(config["scheme"]["sha256"]) == 64
    assert config["languages"] == ["en", "fr", "de"]


def test_the_key_is_private_and_ignored_by_git(campaign):
    mode = stat.S_IMODE(os.stat(campaign.key_path).st_mode)
    assert mode == 0o600
    assert "campaign.key" in (campaign.root / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert len(read_key(campaign)) == 32


def test_init_refuses_an_existing_campaign(campaign):
    before = campaign.key_path.read_bytes()
    with pytest.raises(CampaignError, match="already holds a campaign"):
        init_campaign(campaign.root)
    assert campaign.key_path.read_bytes() == before


def test_init_with_a_bad_scheme_creates_nothing(tmp_path):
    from excelcert.scheme import SchemeError

    bad = tmp_path / "bad.yaml"
    bad.write_text(MINI_YAML.replace("max_points: 12", "max_points: 13"), encoding="utf-8")
    with pytest.raises(SchemeError):
        init_campaign(tmp_path / "camp", scheme_file=bad)
    assert not (tmp_path / "camp").exists()


def test_campaign_is_found_from_a_subfolder(campaign, monkeypatch):
    monkeypatch.chdir(campaign.root / "workbooks")
    assert open_campaign().root.resolve() == campaign.root.resolve()


def test_no_campaign_here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CampaignError, match="no campaign here"):
        open_campaign()


def test_missing_key_says_to_restore_it(campaign):
    campaign.key_path.unlink()
    with pytest.raises(CampaignError, match="restore it from your backup"):
        read_key(campaign)
    renew_key(campaign)  # nothing issued yet: a new key is allowed
    assert len(read_key(campaign)) == 32


def test_no_new_key_once_workbooks_are_issued(campaign):
    campaign.to_clusters_dir.mkdir(parents=True)
    (campaign.to_clusters_dir / "sent.xlsx").write_bytes(b"x")
    campaign.key_path.unlink()
    with pytest.raises(CampaignError, match="already issued"):
        renew_key(campaign)


def test_an_edited_scheme_is_noticed_and_needs_a_new_version(campaign):
    text = campaign.scheme_path.read_text(encoding="utf-8").replace("min_percent: 80", "min_percent: 85")
    campaign.scheme_path.write_text(text, encoding="utf-8")
    with pytest.raises(CampaignError, match="has changed since the campaign was created"):
        campaign.load_scheme()
    with pytest.raises(CampaignError, match="still says version 2026.1"):
        update_campaign_scheme(campaign)
    campaign.scheme_path.write_text(text.replace("version: '2026.1'", "version: '2026.2'"), encoding="utf-8")
    updated = update_campaign_scheme(campaign)
    assert updated.scheme_version == "2026.2"
    assert open_campaign(campaign.root).load_scheme().version == "2026.2"


# --- the roster ------------------------------------------------------------------------


def test_example_roster_is_clean_and_international(campaign):
    result = read_roster(campaign.roster_path, LANGS)
    assert [str(p) for p in result.report] == []
    assert len(result.clusters) == 12
    assert {c.language for c in result.clusters} == set(LANGS)
    assert len({c.country for c in result.clusters}) >= 10


ROSTER = """
    | id         | name                 | country | language | group | contact_name | email              | website              |
    | DE-AUTO-01 | Auto Cluster         | DE      | de       | Auto  | Jana Weber   | jana@auto.example  | https://auto.example |
    | FR-AERO-01 | Pôle Aéro            | FR      | fr       | Aero  | Camille      | c@aero.example     | www.aero.example     |
"""


def test_roster_mistakes_each_with_their_cell(tmp_path):
    table = (
        ROSTER
        + """
    | DE-AUTO-01 | Copy                 | DE      | de       |       |              | x@copy.example     |                      |
    | ES-AGRI-01 | Agro Ebro            | ES      | es       |       |              | agro@ebro.example  |                      |
    | IT-FASH-01 |                      | IT      | en       |       |              | moda.example       |                      |
    | UK-ICT-01  | London ICT           | UK      | en       |       |              | ict@london.example | not a site           |
    """
    )
    result = read_roster(write_workbook(tmp_path / "roster.xlsx", {"roster": table}), LANGS)
    report = result.report
    assert_problem(report, "roster-duplicate-id", "roster!A4", value="DE-AUTO-01", first=Place("roster", "A2"))
    assert_problem(
        report, "roster-unknown-language", "roster!D5", cluster="ES-AGRI-01", value="es", languages="en, fr, de"
    )
    assert_problem(
        report,
        "roster-missing-value",
        "roster!B6",
        cluster="IT-FASH-01",
        column="name",
        why="the name is printed on the workbook and the certificate",
    )
    bad_email = [p for p in report if p.code == "roster-bad-email"]
    assert [str(p.place) for p in bad_email] == ["roster!G6"] and "'moda.example'" in bad_email[0].message
    assert_problem(report, "roster-unknown-country", "roster!C7", cluster="UK-ICT-01", value="UK")
    assert [(p.code, p.severity) for p in report if p.code == "roster-bad-website"] == [("roster-bad-website", WARNING)]
    assert [c.id for c in result.clusters] == ["DE-AUTO-01", "FR-AERO-01"]


def test_roster_missing_column(tmp_path):
    table = "| id | name | country | email |\n| A-1 | A | DE | a@a.example |"
    result = read_roster(write_workbook(tmp_path / "roster.xlsx", {"roster": table}), LANGS)
    assert_problem(
        result.report,
        "roster-missing-column",
        "roster!A1",
        column="language",
        expected="id, name, country, language, group, contact_name, email, website, club, salutation",
    )


def test_a_misspelt_heading_is_named_not_silently_ignored(tmp_path):
    """A heading typed 'Webiste' or 'Clubb' left the column unread without a word: the
    websites lost, the club consent read as no. Each is a warning on its heading's cell, with
    the column it looks like; a column of one's own ('notes') and a known heading are not."""
    table = (
        "| id | name | country | language | email | Webiste | Clubb | notes | emial |\n"
        "| A-1 | A | DE | de | a@a.example | https://a.example | yes | x | b@b.example |"
    )
    result = read_roster(write_workbook(tmp_path / "roster.xlsx", {"roster": table}), LANGS)
    expected = "id, name, country, language, group, contact_name, email, website, club, salutation"
    assert_problem(
        result.report, "roster-unknown-column", "roster!F1", heading="Webiste", column="website", expected=expected
    )
    assert_problem(
        result.report, "roster-unknown-column", "roster!G1", heading="Clubb", column="club", expected=expected
    )
    assert [p.place.cell for p in result.report if p.code == "roster-unknown-column"] == ["F1", "G1"]
    assert result.report.ok  # warnings: the roster is still usable


def test_an_invisible_formatting_mark_in_the_roster_is_a_warning_on_its_cell(tmp_path):
    """A right-to-left override pasted with a name turns it around on the workbook and the
    certificate; a zero-width space makes two names that look alike differ. Said, with the
    character's name, on its cell; the roster stays usable."""
    table = (
        "| id | name | country | language | email |\n"
        "| A-1 | Pôle\u202e Aéro | FR | fr | a@a.example |\n"
        "| B-1 | Auto\u200bcluster | DE | de | b@b.example |\n"
        "| C-1 | Clúster Ebro | ES | en | c@c.example |"
    )
    result = read_roster(write_workbook(tmp_path / "roster.xlsx", {"roster": table}), LANGS)
    found = {str(p.place): p.message for p in result.report if p.code == "roster-invisible-character"}
    assert sorted(found) == ["roster!B2", "roster!B3"]
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in found["roster!B2"] and "U+200B ZERO WIDTH SPACE" in found["roster!B3"]
    assert result.report.ok and len(result.clusters) == 3


def test_roster_as_csv_with_semicolons_and_other_headings(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(
        "ID;Cluster name;Country;Lang;Sector;Contact;E-mail;URL\n"
        "DE-AUTO-01;Auto Cluster;de;DE;Auto;Jana;jana@auto.example;auto.example\n"
        "FR-AERO-01;Pôle Aéro;FR;fr;;;c@aero.example;\n",
        encoding="utf-8",
    )
    result = read_roster(path, LANGS)
    assert [str(p) for p in result.report] == []
    assert [(c.id, c.country, c.language) for c in result.clusters] == [
        ("DE-AUTO-01", "DE", "de"),
        ("FR-AERO-01", "FR", "fr"),
    ]


def test_roster_csv_mistake_names_the_cell(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("id,name,country,language,email\nA-1,A,DE,xx,a@a.example\n", encoding="utf-8")
    result = read_roster(path, LANGS)
    assert_problem(
        result.report, "roster-unknown-language", "roster.csv!D2", cluster="A-1", value="xx", languages="en, fr, de"
    )


def test_roster_saved_by_excel_as_ansi_csv_is_read_with_a_warning(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes("id;name;country;language;email\nFR-1;Pôle Aéro;FR;fr;a@a.example\n".encode("cp1252"))
    result = read_roster(path, LANGS)
    assert result.clusters[0].name == "Pôle Aéro"
    assert [p.severity for p in result.report] == [WARNING]


def test_roster_template_reads_back_with_its_example_row(tmp_path):
    path = write_roster_template(tmp_path / "roster.xlsx", LANGS)
    result = read_roster(path, LANGS)
    assert result.report.ok and len(result.clusters) == 1


def test_not_a_roster(tmp_path):
    from excelcert.base.problems import UnreadableFile

    path = write_workbook(tmp_path / "budget.xlsx", {"Budget": "| item | amount |\n| rent | 1200 |"})
    with pytest.raises(UnreadableFile) as caught:
        read_roster(path, LANGS)
    assert caught.value.problem.code == "not-a-roster"


def test_empty_roster(tmp_path):
    path = write_workbook(tmp_path / "roster.xlsx", {"roster": "| id | name | country | language | email |"})
    result = read_roster(path, LANGS)
    assert [p.code for p in result.report] == ["roster-empty"]
    assert result.report.errors[0].message == problem("roster-empty").message


def test_a_mistake_deep_in_a_long_roster_names_its_cell(tmp_path):
    """The roster is read a row at a time (nothing of its cells kept): the messages still
    name each cell, here 2,000 rows down, with a heading row below a blank one and rows that
    stop short, and a later row's sector per language wins for an id given twice."""
    rows: list[list[object]] = [[], ["id", "name", "country", "language", "email", "group", "group_fr"]]
    rows += [[f"C-{k:04d}", f"Cluster {k}", "DE", "de", f"c{k}@x.example", "Auto", "Auto (fr)"] for k in range(2000)]
    rows[1502][4] = "not an address"  # row 1503
    rows[1803] = ["C-0007", "Again", "DE", "de", "a@x.example", "Auto", "Automobile"]  # row 1804
    rows[1900] = ["C-1898", "Short"]  # row 1901: no country, language nor email cell at all
    rows[1950][2] = 12  # row 1951: a number where the country goes
    result = read_roster(write_workbook(tmp_path / "roster.xlsx", {"roster": rows}), LANGS)
    assert [(p.code, str(p.place)) for p in result.report] == [
        ("roster-bad-email", "roster!E1503"),
        ("roster-duplicate-id", "roster!A1804"),
        ("roster-missing-value", "roster!C1901"),
        ("roster-missing-value", "roster!D1901"),
        ("roster-missing-value", "roster!E1901"),
        ("roster-unknown-country", "roster!C1951"),
    ]
    assert_problem(result.report, "roster-duplicate-id", "roster!A1804", value="C-0007", first=Place("roster", "A10"))
    assert result.report.problems[2].fields["cluster"] == "C-1898"
    assert len(result.clusters) == 2000 - 4
    by_id = {c.id: c for c in result.clusters}
    assert by_id["C-0007"].name == "Cluster 7" and by_id["C-0007"].groups == (("fr", "Automobile"),)
    assert by_id["C-0008"].groups == (("fr", "Auto (fr)"),)


def test_a_long_sheets_values_a_row_at_a_time_are_its_rows_values(tmp_path):
    """`Sheet.value_rows` gives each row's values as `rows` has them, read from the grid (one
    row at a time) or cell by cell where the grid cannot be trusted."""
    from excelcert.base.spreadsheet import read_workbook_xml

    rows: list[list[object]] = [["id", "n", "when"], []]
    rows += [
        [f"r{k}", k + 0.5 if k % 3 else k, dt.datetime(2026, 1, 1 + k % 28) if k % 7 == 0 else None] for k in range(500)
    ]
    path = write_workbook(tmp_path / "long.xlsx", {"s": rows})
    for grid in (True, False):
        sheet = read_workbook_xml(path, grid=grid).sheets["s"]
        expected = [(cells[0].row, [c.value for c in cells]) for cells in sheet.rows]
        got = [
            (number, values[: len(cells)])
            for (number, values), cells in zip(sheet.value_rows(), sheet.rows, strict=True)
        ]
        assert got == expected and len(list(sheet.value_rows())) == len(expected) == 501
        assert all(v is None for _, (_, values) in zip(expected, sheet.value_rows(), strict=True) for v in values[3:])
        values = dict(sheet.value_rows())[24]  # k = 21: a whole number, and a date as the file has it
        assert values[:2] == ["r21", 21] and type(values[1]) is int and values[2] == dt.datetime(2026, 1, 22)
        assert (sheet.every_value is not None) == grid  # read from the grid, or cell by cell


def test_roster_languages_come_from_the_scheme():
    assert load_scheme().languages == LANGS


def test_the_repository_is_the_example_campaign():
    """Its campaign.yaml names the built-in scheme and roster, and its scheme hash is current."""
    from tests.helpers import REPO

    campaign = open_campaign(REPO)
    assert campaign.scheme_path.resolve() == (REPO / "excelcert" / "data" / "scheme.yaml").resolve()
    assert campaign.load_scheme() == load_scheme()
    assert read_roster(campaign.roster_path, LANGS).report.ok


def test_title_secretariat_and_signature_may_be_given_per_language(tmp_path):
    from excelcert.campaign.config import init_campaign, read_config

    campaign = init_campaign(
        tmp_path / "c",
        title={"en": "Label 2027", "fr": "Label 2027 (fr)", "de": "Label 2027 (de)"},
        contact_name={"en": "Secretariat", "fr": "Secrétariat"},
        signature={"en": "A. Person, head", "de": "A. Person, Leiterin"},
    )
    again = read_config(campaign.root)
    assert again == campaign
    assert (again.title, again.title_in("fr"), again.title_in("it")) == ("Label 2027", "Label 2027 (fr)", "Label 2027")
    assert (again.secretariat_in("fr"), again.secretariat_in("de")) == ("Secrétariat", "Secretariat")
    assert (again.signature_in("de"), again.signature_in("fr")) == ("A. Person, Leiterin", "A. Person, head")
    one = init_campaign(tmp_path / "d", title="One title")
    assert read_config(one.root).title_in("de") == "One title" and read_config(one.root).signature_in("en") == ""


def test_the_sector_may_be_given_per_language(tmp_path):
    table = (
        "| id | name | country | language | group | group_fr | sector_de | email |\n"
        "| A-1 | A | FR | fr | Aerospace | Aéronautique | Luftfahrt | a@a.example |\n"
        "| B-1 | B | DE | de | Wood | | | b@b.example |"
    )
    result = read_roster(write_workbook(tmp_path / "roster.xlsx", {"roster": table}), LANGS)
    a, b = result.clusters
    assert (a.group_in("fr"), a.group_in("de"), a.group_in("en")) == ("Aéronautique", "Luftfahrt", "Aerospace")
    assert b.group_in("de") == "Wood" and b.groups == ()
    written = write_roster(tmp_path / "again.xlsx", result.clusters, LANGS)
    assert read_roster(written, LANGS).clusters == result.clusters  # the translations survive a rewrite

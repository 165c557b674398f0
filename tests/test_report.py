"""The campaign report (`excelcert report`): the workbook with native charts, the same as one
self-contained HTML file, in en/fr/de; it opens in LibreOffice and its charts render in a
real browser. And the training needs it shows."""

from __future__ import annotations

import html
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from excelcert.benchmark.peers import peer_table
from excelcert.benchmark.training import training_needs
from excelcert.cli import cli
from excelcert.scheme import load_scheme
from tests.helpers import libreoffice_pdf, libreoffice_resave, needs_soffice
from tests.test_benchmark import assessment
from tests.test_publish import driver  # noqa: F401  (the browser, shared with the public site's tests)

SCHEME = load_scheme(None)


@pytest.fixture(scope="module")
def reported(tmp_path_factory, demo):
    """The demo's report in the three languages, written once for the module (in a copy)."""
    import shutil

    root = Path(shutil.copytree(demo, tmp_path_factory.mktemp("report") / "demo"))
    outputs = {}
    for lang in ("en", "fr", "de"):
        result = CliRunner().invoke(cli, ["--campaign", str(root), "report", "--lang", lang, "--json"])
        assert result.exit_code == 0, result.output
        outputs[lang] = json.loads(result.output)
    return root, outputs


def _charts(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return sorted(n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n))


def test_the_report_workbook_has_a_sheet_per_part_and_native_charts(reported):
    root, outputs = reported
    data = outputs["en"]
    path = Path(data["workbook"])
    assert path == root / "output" / "demo" / "report-en.xlsx"
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:4] == ["Summary", "Returns over time", "Labels by country", "Labels by sector"]
    assert "Training needs" in book.sheetnames and "Reviewer agreement" in book.sheetnames
    assert len(_charts(path)) >= 10  # charts Excel draws, not pictures
    with zipfile.ZipFile(path) as z:
        assert not [n for n in z.namelist() if n.startswith("xl/media/")]
        returns_chart = z.read("xl/charts/chart1.xml").decode()
    assert "<c:scatterChart>" in returns_chart  # returns over time, against the deadline
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=4, values_only=True) if row[0]}
    assert summary["Clusters invited"] == data["roster"] == 12
    assert summary["Clusters scored"] == data["scored"] > 0
    training = book["Training needs"]
    topics = {t.id for t in SCHEME.topics}
    rows = [r for r in training.iter_rows(min_row=5, values_only=True) if r[0] and str(r[0]).split()[0] in topics]
    counts = {str(r[0]).split()[0]: r[2] for r in rows}
    assert counts == {item["topic"]: item["count"] for item in data["training"]["topics"]}
    linked = [c.hyperlink.target for c in training["E"] if c.hyperlink]
    assert linked and all(link.startswith("https://") for link in linked)
    # the secretariat's sheet names the clusters needing each topic, a row per pair
    who = book["Who needs what"]
    pairs = {(r[0], str(r[4]).split()[0]) for r in who.iter_rows(min_row=5, values_only=True) if r[0]}
    expected = {(c, item["topic"]) for item in data["training"]["topics"] for c in item["clusters"]}
    assert pairs == expected and len(expected) > 0


def test_the_html_report_is_one_file_that_loads_nothing(reported):
    root, outputs = reported
    page = Path(outputs["en"]["html"]).read_text(encoding="utf-8")
    assert page.count("<svg") >= 9
    assert not re.search(r"<(script|link|img|iframe)\b", page)
    assert not re.search(r"""(src|xlink:href)=["']https?:""", page)
    assert "url(http" not in page
    # the funders' copy says how many clusters need each module, never which
    for item in outputs["en"]["training"]["topics"]:
        for cluster in item["clusters"]:
            assert cluster not in page


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["Campaign report", "Returns over time", "Training needs", "Gold"]),
        ("fr", ["Rapport de campagne", "Retours dans le temps", "Besoins de formation", "Or"]),
        ("de", ["Kampagnenbericht", "Rückläufe im Zeitverlauf", "Weiterbildungsbedarf", "Silber"]),
    ],
)
def test_the_report_speaks_the_language_asked(reported, lang, words):
    root, outputs = reported
    page = Path(outputs[lang]["html"]).read_text(encoding="utf-8")
    assert f'<html lang="{lang}">' in page
    for word in words:
        assert word in page, word
    book = openpyxl.load_workbook(outputs[lang]["workbook"])
    assert (
        book.sheetnames[1]
        == {"en": "Returns over time", "fr": "Retours dans le temps", "de": "Rückläufe im Zeitverlauf"}[lang]
    )


def test_the_report_names_the_campaign_as_the_letters_do_in_its_language(reported):
    """A funder reading the French report reads the campaign's French title, a date as French
    writes it ('30 novembre 2026', not 2026-11-30), and no English title."""
    from excelcert.base.i18n import format_date
    from excelcert.campaign.config import read_config

    root, outputs = reported
    campaign = read_config(root)
    for lang in ("fr", "de"):
        page = Path(outputs[lang]["html"]).read_text(encoding="utf-8")
        assert html.escape(campaign.title_in(lang)) in page and html.escape(campaign.title) not in page, lang
        assert html.escape(format_date(campaign.deadline, lang)) in page, lang
        summary = openpyxl.load_workbook(outputs[lang]["workbook"]).worksheets[0]
        assert summary["A1"].value.endswith(campaign.title_in(lang)), lang
    assert campaign.title_in("fr") != campaign.title


def _cells(path: str) -> set[str]:
    book = openpyxl.load_workbook(path)
    return {str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v}


@pytest.mark.parametrize("lang", ["fr", "de"])
def test_every_peer_group_sector_and_country_is_named_in_the_reports_language(reported, lang):
    """Not only the reader's own sector: every sector of the peer groups (other clusters',
    peers of earlier campaigns) is named as the roster names it in the report's language,
    every country by its name in that language, with the language's own punctuation and
    decimal comma; no English name of the roster's `group` column is left."""
    from excelcert.campaign.config import read_config
    from excelcert.campaign.roster import country_name, read_roster, sector_names

    root, outputs = reported
    campaign = read_config(root)
    clusters = read_roster(campaign.roster_path, SCHEME.languages).clusters
    names = sector_names(clusters)
    found = json.loads(CliRunner().invoke(cli, ["--campaign", str(root), "benchmark", "--json"]).output)
    groups = [g for g in found["groups"] if g["kind"] in ("sector", "country") and g["shown"]]
    assert len(groups) > 20  # the demo's peers: 11 sectors, 14 countries
    colon = "\u00a0: " if lang == "fr" else ": "
    sector, country = {"fr": ("Secteur", "Pays"), "de": ("Branche", "Land")}[lang]
    expected = [
        f"{sector}{colon}{names[key[7:]][lang]}"
        if key.startswith("sector:")
        else f"{country}{colon}{country_name(key[8:], lang)}"
        for key in (g["group"] for g in groups)
    ]
    page = html.unescape(Path(outputs[lang]["html"]).read_text(encoding="utf-8"))
    cells = _cells(outputs[lang]["workbook"])
    for name in expected:
        assert name in page and name in cells, name
    # the English names, but those a translation holds too: 'Finance', 'Maritime (Wirtschaft)'
    english = {g["name"] for g in groups if g["kind"] == "sector" and g["name"] not in names[g["name"]][lang]}
    shown = " ".join(sorted(cells)) + page
    assert english and not [s for s in english if re.search(rf"\b{re.escape(s)}\b", shown)]
    assert "Pays: AT" not in page and "Land: AT" not in page
    assert re.search(r"<td[^>]*>\d+,\d</td>", page)  # 54,7, not 54.7


def test_report_names_its_files_relative_to_the_campaign_folder(reported, monkeypatch):
    root, _ = reported
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["report", "--lang", "de"])
    assert result.exit_code == 0, result.output
    assert "Campaign report: output/demo/report-de.xlsx" in result.output
    assert "and output/demo/report-de.html" in result.output and str(root) not in result.output


def test_report_refuses_a_language_the_scheme_lacks(reported):
    root, _ = reported
    result = CliRunner().invoke(cli, ["--campaign", str(root), "report", "--lang", "es"])
    assert result.exit_code == 1 and "no language 'es'" in result.output


@pytest.mark.soffice
@needs_soffice
def test_libreoffice_opens_the_report_workbook_and_keeps_its_charts(reported, tmp_path):
    _, outputs = reported
    path = Path(outputs["de"]["workbook"])
    again = libreoffice_resave(path, tmp_path / "resaved")
    assert len(_charts(again)) == len(_charts(path))  # every chart read and written back, none dropped
    assert openpyxl.load_workbook(again).sheetnames == openpyxl.load_workbook(path).sheetnames
    (pdf,) = libreoffice_pdf([path], tmp_path / "pdf")
    assert pdf.stat().st_size > 20_000


@pytest.mark.browser
def test_the_html_reports_charts_render_in_a_browser(reported, driver):  # noqa: F811
    from selenium.webdriver.common.by import By

    _, outputs = reported
    for lang in ("en", "fr", "de"):
        driver.get_log("performance")
        driver.get(Path(outputs[lang]["html"]).as_uri())
        charts = driver.find_elements(By.CSS_SELECTOR, "figure.chart svg")
        assert len(charts) >= 9, lang
        for chart in charts:
            box = driver.execute_script(
                "const r = arguments[0].getBoundingClientRect(); return [r.width, r.height]", chart
            )
            assert box[0] > 200 and box[1] > 80, (lang, box)
            drawn = driver.execute_script("return arguments[0].querySelectorAll('path, rect, text, use').length", chart)
            assert drawn > 5
        requested = [
            message["params"]["request"]["url"]
            for message in (json.loads(entry["message"])["message"] for entry in driver.get_log("performance"))
            if message.get("method") == "Network.requestWillBeSent"
            and not message["params"]["request"]["url"].startswith(("chrome:", "chrome-untrusted:", "data:"))
        ]
        assert requested == [Path(outputs[lang]["html"]).as_uri()], requested  # the page alone, nothing from outside
        severe = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        assert not severe, severe


# --- training needs ----------------------------------------------------------------------------


def test_training_needs_count_the_clusters_weak_in_what_a_topic_addresses():
    strategy = SCHEME.indicators[0]  # STR-01: topics T05 and CS01
    assert strategy.topics
    weak = {strategy.id: 0.0}
    rows = [assessment(f"W{n}", 0.9, points=weak) for n in range(3)]
    rows += [assessment(f"S{n}", 0.9) for n in range(5)]
    rows.append(assessment("OLD", 0.1, campaign="before"))
    needs = training_needs(SCHEME, peer_table(SCHEME, rows[:-1], [rows[-1]]))
    first = next(n for n in needs.indicators if n.id == strategy.id)
    assert first.clusters == ["W0", "W1", "W2", "OLD"] and first.assessed == 9
    assert needs.indicators[0].id == strategy.id or needs.indicators[0].count >= first.count
    topics = {t.id: need for t, need in needs.topics}
    for topic in strategy.topics:
        assert {"W0", "W1", "W2", "OLD"} <= set(topics[topic].clusters)
    # a topic no weak indicator points to is needed by the weak-everywhere cluster only
    assert all(set(n.clusters) <= {"W0", "W1", "W2", "OLD"} for n in topics.values())
    assert [t.id for t, _ in needs.topics][0] in strategy.topics or needs.topics[0][1].count >= 4
    category = next(n for n in needs.categories if n.id == strategy.category)
    assert category.clusters == ["OLD"]  # weak in one indicator is not weak in the category
    json.dumps(needs.to_json())


HOSTILE = "<script>alert(1)</script> $\\frac$ & =SUM(A1)"


def test_names_from_the_roster_are_text_in_the_report_whatever_they_hold(campaign, tmp_path):
    from excelcert.base.ledger import Ledger
    from excelcert.benchmark.report import gather_report, write_report_html, write_report_xlsx
    from excelcert.benchmark.stats import benchmark

    rows = [assessment(f"P{n}", n / 10, sector=HOSTILE, country="DE") for n in range(8)]
    current = [assessment(f"C{n}", 0.3 + n / 20, sector=HOSTILE, campaign=campaign.id) for n in range(5)]
    peers = peer_table(SCHEME, rows, current)
    found = benchmark(SCHEME, peers, 5)
    with Ledger.for_campaign(campaign.root) as ledger:
        report = gather_report(campaign, SCHEME, [], [], ledger, peers, found)
    page = write_report_html(report, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    book = openpyxl.load_workbook(write_report_xlsx(report, tmp_path / "r.xlsx"))
    texts = {c.value for ws in book for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert HOSTILE in texts  # written as typed: text, never a formula


def test_figures_over_the_campaign_are_hidden_when_they_would_give_peers_away(campaign, tmp_path):
    """6 clusters this campaign, 2 from earlier ones: the campaign's quartiles next to all
    peers' would single out those 2, so the report shows neither its quartiles nor its weakest."""
    from excelcert.base.ledger import Ledger
    from excelcert.benchmark.report import gather_report, write_report_html
    from excelcert.benchmark.stats import benchmark
    from excelcert.benchmark.texts import report_text

    current = [assessment(f"C{n}", 0.2 + n / 10, campaign=campaign.id) for n in range(6)]
    for rows, shown in (([assessment(f"H{n}", 0.5) for n in range(2)], False), ([], True)):
        peers = peer_table(SCHEME, rows, current)
        found = benchmark(SCHEME, peers, 5)
        with Ledger.for_campaign(campaign.root) as ledger:
            report = gather_report(campaign, SCHEME, [], [], ledger, peers, found)
        assert report.campaign_shown == shown
        assert bool(report.categories) == shown and bool(report.weakest) == shown
        page = write_report_html(report, tmp_path / "r.html").read_text(encoding="utf-8")
        hidden = report_text("en", "campaign_hidden", k=5).split(":")[0]
        assert (hidden in page) == (not shown)


@pytest.mark.parametrize(("lang", "shown"), [("fr", "53,3"), ("de-AT", "53,3"), ("de-CH", "53.3"), ("xx", "53.3")])
def test_a_share_is_written_as_the_reports_language_writes_it_whatever_the_code(lang, shown):
    """A scheme's language may be a regional one (de-AT, de-CH: the scheme check accepts them)
    or one babel does not know: `report --lang de-AT` ended in 'unexpected error: ValueError'
    (babel's locales are written de_AT). The number is written as the language writes it
    (53,3 in Austria, 53.3 in Switzerland), else as the code does."""
    from types import SimpleNamespace

    from excelcert.benchmark.report import CampaignReport

    assert CampaignReport.number(SimpleNamespace(lang=lang), 53.333) == shown  # type: ignore[arg-type]


def test_a_country_is_named_in_a_regional_language_too():
    from excelcert.campaign.roster import country_name

    assert country_name("FR", "de-AT") == "Frankreich" and country_name("FR", "xx") == "FR"

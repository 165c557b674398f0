"""The benchmarking report of each cluster (Word, en/fr/de, with the feedback letter) and the
letter's short benchmarking summary."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from docx import Document

from excelcert.benchmark.peers import peer_table
from excelcert.benchmark.stats import BOTTOM, MIDDLE, TOP, Benchmark, benchmark
from excelcert.campaign.roster import Cluster, sector_names
from excelcert.documents.benchmarking import POSITION_COLOURS, bench_text, benchmark_summary, group_name, group_phrase
from excelcert.documents.names import is_document
from excelcert.scheme import load_scheme
from tests.helpers import libreoffice_pdf, needs_writer
from tests.test_benchmark import assessment

SCHEME = load_scheme(None)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _reports(demo: Path) -> dict[str, Path]:
    found = (demo / "output" / "demo" / "documents").glob("*/*.docx")
    return {p.name.split()[0]: p for p in found if is_document(p.name, "benchmark", p.name.split()[0])}


def _text(path: Path) -> str:
    doc = Document(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_every_scored_cluster_gets_a_benchmarking_report_in_its_language(demo):
    reports = _reports(demo)
    found = (demo / "output" / "demo" / "documents").glob("*/*.docx")
    letters = {p.name.split()[0] for p in found if is_document(p.name, "letter", p.name.split()[0])}
    assert reports and set(reports) == letters
    expected = {"DE-AUTO-01": "de", "FR-AERO-01": "fr", "HR-ICT-01": "en"}
    for cluster, lang in expected.items():
        text = _text(reports[cluster])
        assert bench_text(lang, "title") in text
        assert bench_text(lang, "groups_title") in text and bench_text(lang, "training_title") in text
        assert "{{" not in text and "{%" not in text


def test_the_report_names_the_campaign_and_secretariat_as_the_letter_does(demo):
    """The report goes in the same envelope as the letter: same secretariat name, same campaign
    title, in the cluster's language; counted words without '(s)' or '(n)'."""
    from excelcert.campaign.config import read_config

    campaign = read_config(demo)
    reports = _reports(demo)
    for cluster, lang in {"DE-AUTO-01": "de", "FR-AERO-01": "fr", "HR-ICT-01": "en"}.items():
        text = _text(reports[cluster])
        assert campaign.secretariat_in(lang) in text and campaign.title_in(lang) in text, cluster
        assert "(s)" not in text and "(n)" not in text, cluster
    assert campaign.secretariat_in("de") != campaign.secretariat_in("en")  # else the test shows nothing
    assert re.search(r"aus \d+ Kampagnen,", _text(reports["DE-AUTO-01"]))


def test_the_clusters_sector_is_named_in_its_language_where_the_roster_gives_it(demo):
    """The example roster gives group_fr / group_de: the report and the letter's summary use them."""
    folder = demo / "output" / "demo" / "documents"
    french = _text(_reports(demo)["FR-AERO-01"])
    assert "Secteur : Aéronautique et spatial" in french and "Aerospace" not in french
    letter = _text(next(folder.glob("DE-AUTO-01*/* Brief.docx")))
    assert "Ihrer Branche (Automobil)" in letter and "(Automotive)" not in letter
    english = _text(_reports(demo)["HR-ICT-01"])
    assert "Sector: ICT" in english  # no translation needed, the group column as it is


def test_letter_and_report_call_training_by_one_word(demo):
    """The German letter points to the report's 'Weiterbildungen': it says the same word."""
    letter = _text(next((demo / "output" / "demo" / "documents").glob("DE-AUTO-01*/* Brief.docx")))
    report = _text(_reports(demo)["DE-AUTO-01"])
    assert "Weiterbildungen und Fallstudien" in letter and "Weiterbildungen und Fallstudien" in report
    assert "Schulung" not in letter + report


def test_a_case_study_titled_as_such_is_not_marked_case_study_again(demo):
    text = _text(_reports(demo)["DE-AUTO-01"])
    assert re.search(r"CS\d+ Fallstudie: [^\n(]+\n", text)  # no '(Fallstudie)' after it
    assert "(Fallstudie)" not in text and "(Weiterbildungsmodul)" in text  # a module still says what it is


def test_the_report_marks_each_indicator_bottom_middle_or_top_with_its_colour(demo):
    doc = Document(str(_reports(demo)["FR-AERO-01"]))
    marks = {}
    for table in doc.tables:
        for row in table.rows[1:]:
            cell = row.cells[-1]
            shading = cell._tc.find(f"{W}tcPr/{W}shd")
            if shading is not None:
                marks.setdefault(cell.text, set()).add(shading.get(f"{W}fill"))
    words = {bench_text("fr", p): POSITION_COLOURS[p] for p in (BOTTOM, MIDDLE, TOP)}
    shown = {w: c for w, c in words.items() if w in marks}
    assert len(shown) >= 2, marks  # a weak cluster: bottom quartile and middle at least
    for word, colours in marks.items():
        if word in words:
            assert colours == {words[word]}, word  # each position has its one colour


def test_the_report_has_the_radar_chart_and_the_training_for_the_gaps(demo):
    path = _reports(demo)["FR-AERO-01"]
    doc = Document(str(path))
    assert len(doc.inline_shapes) == 1  # the radar
    text = _text(path)
    assert "https://academy.label.example/" in text  # the catalogue's links for the gaps
    assert bench_text("fr", "gaps_title") in text


def test_the_letter_gets_a_short_benchmarking_summary(demo):
    letter = next((demo / "output" / "demo" / "documents").glob("FR-AERO-01*/* lettre.docx"))
    text = _text(letter)
    assert bench_text("fr", "summary_title") in text
    assert re.search(r"au \d+e centile", text)
    # one bracket per sentence: 'secteur (Aéronautique et spatial) (moitié centrale)' read badly
    assert re.search(r"Votre total se situe dans (le|la) [^(]+ parmi les clusters de votre secteur \([^)]+\), au", text)
    assert ") (" not in text


def test_no_summary_without_a_group_to_compare_with():
    rows = [assessment(f"P{n}", n / 10) for n in range(3)]  # fewer than k peers
    found = benchmark(SCHEME, peer_table(SCHEME, rows, [assessment("ME", 0.5)]), k=5)
    assert benchmark_summary(SCHEME, found.cluster("ME"), found, "en") == []
    rows = [assessment(f"P{n}", n / 10) for n in range(10)]
    found = benchmark(SCHEME, peer_table(SCHEME, rows, [assessment("ME", 0.05)]), k=5)
    lines = benchmark_summary(SCHEME, found.cluster("ME"), found, "en")
    assert lines[0].startswith("Your total lies in the bottom quartile of") and "percentile" in lines[0]
    assert len(lines) >= 2


@pytest.mark.soffice
@needs_writer
def test_the_benchmarking_reports_render_in_libreoffice(demo, tmp_path):
    reports = _reports(demo)
    chosen = [reports[c] for c in ("HR-ICT-01", "FR-AERO-01", "DE-AUTO-01")]
    pdfs = libreoffice_pdf(chosen, tmp_path)
    for pdf in pdfs:
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=False).stdout
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1)) if info else 0
        assert 2 <= pages <= 5, (pdf.name, pages)


def test_a_sector_is_named_as_any_row_of_the_roster_names_it_in_the_readers_language():
    """A cluster whose row leaves group_fr empty, and a peer group of another cluster's sector,
    read the sector as the roster names it in French on another row; a sector no row
    translates stays as the roster has it (the secretariat's data, not excelcert's word)."""
    own = Cluster("LU-FIN-02", "Fintech Lux", "LU", "fr", "Finance and banking")  # no group_fr on its row
    other = Cluster("BE-FIN-01", "Fin Wallonie", "BE", "fr", "Finance and banking", groups=(("fr", "Finance"),))
    robots = Cluster("DE-ROB-01", "Robotik", "DE", "de", "Robotics", groups=(("de", "Robotik"),))
    found = Benchmark(5, 0, 0, "label:gold", [], [], [], sectors=sector_names([own, other, robots]))
    assert group_name(SCHEME, found, "sector:Finance and banking", "fr", own) == "Secteur : Finance"
    assert group_phrase("sector:Finance and banking", "fr", own, found) == "les clusters de votre secteur (Finance)"
    assert group_name(SCHEME, found, "sector:Robotics", "de") == "Branche: Robotik"  # another cluster's sector
    assert group_name(SCHEME, found, "sector:Robotics", "fr") == "Secteur : Robotics"  # no French name given
    assert group_name(SCHEME, found, "country:LU", "de") == "Land: Luxemburg"

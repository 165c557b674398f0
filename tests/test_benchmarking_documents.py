"""The benchmarking report of each cluster (Word, en/fr/de, with the feedback letter) and the
letter's short benchmarking summary."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from docx import Document

from excelcert.benchmark.peers import peer_table
from excelcert.benchmark.stats import BOTTOM, MIDDLE, TOP, benchmark
from excelcert.documents.benchmarking import POSITION_COLOURS, bench_text, benchmark_summary
from excelcert.scheme import load_scheme
from tests.helpers import libreoffice_pdf, needs_writer
from tests.test_benchmark import assessment

SCHEME = load_scheme(None)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _reports(demo: Path) -> dict[str, Path]:
    return {p.name.split()[0]: p for p in (demo / "output" / "demo" / "documents").glob("*/* benchmarking.docx")}


def _text(path: Path) -> str:
    doc = Document(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_every_scored_cluster_gets_a_benchmarking_report_in_its_language(demo):
    reports = _reports(demo)
    letters = {p.name.split()[0] for p in (demo / "output" / "demo" / "documents").glob("*/* letter.docx")}
    assert reports and set(reports) == letters
    expected = {"DE-AUTO-01": "de", "FR-AERO-01": "fr", "HR-ICT-01": "en"}
    for cluster, lang in expected.items():
        text = _text(reports[cluster])
        assert bench_text(lang, "title") in text
        assert bench_text(lang, "groups_title") in text and bench_text(lang, "training_title") in text
        assert "{{" not in text and "{%" not in text


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
    letter = next((demo / "output" / "demo" / "documents").glob("FR-AERO-01*/* letter.docx"))
    text = _text(letter)
    assert bench_text("fr", "summary_title") in text
    assert re.search(r"au \d+e centile", text)


def test_no_summary_without_a_group_to_compare_with():
    rows = [assessment(f"P{n}", n / 10) for n in range(3)]  # fewer than k peers
    found = benchmark(SCHEME, peer_table(SCHEME, rows, [assessment("ME", 0.5)]), k=5)
    assert benchmark_summary(SCHEME, found.cluster("ME"), found, "en") == []
    rows = [assessment(f"P{n}", n / 10) for n in range(10)]
    found = benchmark(SCHEME, peer_table(SCHEME, rows, [assessment("ME", 0.05)]), k=5)
    lines = benchmark_summary(SCHEME, found.cluster("ME"), found, "en")
    assert lines[0].startswith("Your total is at the") and "bottom quartile" in lines[0]
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

"""The documents as a cluster reads them: every kind of demo document (certificate, feedback
letter, correction letter) in English, French and German, printed to PDF by LibreOffice in
one call and read back with pdftotext, page by page."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from excelcert.base.ledger import Ledger
from excelcert.campaign.config import read_config
from excelcert.campaign.roster import read_roster
from excelcert.documents.context import correction_context
from excelcert.documents.names import FILE_WORDS
from excelcert.documents.render import find_template, render
from excelcert.documents.texts import DOCS
from excelcert.intake.corrections import collect_corrections
from tests.helpers import libreoffice_pdf, needs_writer

LANGUAGES = ("en", "fr", "de")
# the demo's clusters whose documents are in each language (a correction letter is made for each)
LETTERS = {"en": "HR-ICT-01", "fr": "FR-AERO-01", "de": "DE-AUTO-01"}
SECTIONS = {
    "letter": ("result_title", "improve_title", "table_title", "appreciation_title", "next_title", "appendix_title"),
    "certificate": ("number", "issued", "valid", "code", "for_secretariat"),
    "correction": ("corr_subject", "h_cell", "h_todo"),
}
MONTHS = {
    "en": r"\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4}",
    "fr": r"\d{1,2} (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre) \d{4}",
    "de": r"\d{1,2}\. (Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember) \d{4}",
}
# a date as another language writes it: 'November 30, 2026' (American), '2026-11-30' (ISO)
FOREIGN_DATES = (r"\b[A-Z][a-z]+ \d{1,2}, \d{4}\b", r"\b20\d\d-\d\d-\d\d\b")


def _flat(text: str) -> str:
    """One line, single spaces: sentences as printed, whatever the line breaks."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2011", "-").split())


def _fragments(lang: str) -> set[str]:
    """The fixed parts (20 characters or more) of a language's template sentences."""
    out = set()
    for value in DOCS[lang].values():
        for part in re.split(r"\{[^}]*\}", value):
            part = _flat(part)
            if len(part) >= 20:
                out.add(part)
    return out


@pytest.fixture(scope="module")
def rendered(demo, tmp_path_factory) -> dict[tuple[str, str], list[str]]:
    """(kind, language) -> the text of each printed page."""
    folder = demo / "output" / "demo" / "documents"
    work = tmp_path_factory.mktemp("rendered")
    documents: dict[tuple[str, str], Path] = {}
    for lang, cluster_id in LETTERS.items():
        words = FILE_WORDS[lang]
        for kind, pattern in (
            ("letter", f"* {words['letter']}.docx"),
            ("certificate", f"* {words['certificate']} *.docx"),
        ):
            source = next(folder.glob(f"{cluster_id}*/{pattern}"))
            documents[kind, lang] = Path(shutil.copyfile(source, work / f"{kind}-{lang}.docx"))
    campaign = read_config(demo)
    scheme = campaign.load_scheme()
    clusters = read_roster(campaign.roster_path, scheme.languages).clusters
    with Ledger.for_campaign(demo) as ledger:
        [item] = collect_corrections(clusters, ledger, scheme)  # the demo's one incomplete return
    for lang in LANGUAGES:  # the same correction letter, as a cluster of each language gets it
        cluster = replace(item.cluster, language=lang)
        context, pictures = correction_context(
            scheme, campaign, cluster, replace(item, cluster=cluster), dt.date.today()
        )
        template = find_template(demo / "templates", "correction", lang, scheme.default_language)
        documents["correction", lang] = render(template, context, pictures, work / f"correction-{lang}.docx")
    paths = list(documents.values())
    pdfs = libreoffice_pdf(paths, work / "pdf")  # one LibreOffice process for all nine
    pages = {}
    for key, pdf in zip(documents, pdfs, strict=True):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
        pages[key] = text.stdout.rstrip("\f").split("\f")
    return pages


pytestmark = [
    pytest.mark.soffice,
    needs_writer,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler's pdftotext is not installed"),
]


@pytest.mark.parametrize("kind", ["certificate", "letter", "correction"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_printed_document_reads_right(rendered, kind, lang):
    pages = rendered[kind, lang]
    text = _flat(" ".join(pages))
    # no empty or nearly empty page: each holds more than its page number
    for number, page in enumerate(pages, start=1):
        words = re.sub(r"\b(Page|Seite)\s+\d+\b", "", page).split()
        assert len(words) >= 12, f"{kind}-{lang}: page {number} is (nearly) empty: {page!r}"
    # no leftover template syntax
    assert not re.search(r"\{\{|\}\}|\{%|%\}", text), f"{kind}-{lang}: template syntax left"
    # every expected section
    for key in SECTIONS[kind]:
        expected = _flat(DOCS[lang][key])
        if kind == "certificate" and key == "number":
            assert _flat(DOCS[lang]["certificate"]).upper() in text
        assert expected in text, f"{kind}-{lang}: section '{expected}' missing"
    # no sentence from another language's template
    own = _fragments(lang)
    for other in LANGUAGES:
        if other != lang:
            foreign = [f for f in _fragments(other) - own if f in text]
            assert not foreign, f"{kind}-{lang}: {other} text: {foreign}"
    # dates in the language's own form
    assert re.search(MONTHS[lang], text), f"{kind}-{lang}: no date written as {lang} writes it"
    for pattern in FOREIGN_DATES:
        assert not re.search(pattern, text), f"{kind}-{lang}: a date in another form: {re.search(pattern, text)}"

"""Scores, labels and documents: the rules at their edges, certificates, letters, templates."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import shutil
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from excelcert.base.ledger import Ledger, Submission
from excelcert.base.sheetwriter import csv_safe
from excelcert.campaign.config import BUILTIN_TEMPLATES as BUILTIN
from excelcert.campaign.config import Campaign, read_key
from excelcert.campaign.roster import Cluster
from excelcert.cli.commands import cli
from excelcert.documents.context import letter_context, sample_context
from excelcert.documents.issue import plan_and_number, render_all
from excelcert.documents.names import is_document
from excelcert.documents.render import check_template
from excelcert.results.scores import score_final as score
from excelcert.review.final import ClusterFinal
from excelcert.review.reconcile import Item
from excelcert.scheme import load_scheme
from excelcert.scoring.rules import _MAPPINGS, gap_to, label_for, threshold_points
from tests.helpers import libreoffice_pdf, needs_writer

SCHEME = load_scheme()
ELIGIBILITY = [i.id for i in SCHEME.indicators if i.eligibility]
ALL_MET = {i.id: True for i in SCHEME.indicators}


def _label(total, met=ALL_MET, reviewed=True):
    rule, reason, failed = label_for(SCHEME, total, met, reviewed)
    return (rule.id if rule else None), reason, failed


# --- labels at the edges (hand-worked from the built-in scheme: 150 points, Gold 80 %, Silver 60 %) ---------


def test_exactly_80_percent_is_gold():
    assert threshold_points(SCHEME, next(r for r in SCHEME.labels if r.id == "gold")) == 120
    assert _label(120)[0] == "gold"
    label, reason, failed = _label(119.5)
    assert label == "silver" and [str(f) for f in failed] == ["gold needs 120 points (80 %), 119.5 reached"]


def test_exactly_60_percent_is_silver_and_just_below_is_bronze():
    assert _label(90)[0] == "silver"
    assert _label(89.9)[0] == "bronze"


def test_one_eligibility_criterion_missing_means_no_label():
    met = {**ALL_MET, ELIGIBILITY[0]: False}
    label, reason, failed = _label(150, met)
    assert label is None
    assert reason.startswith("no label") and ELIGIBILITY[0] in reason


def test_silver_without_review_is_no_label():
    label, reason, failed = _label(100, reviewed=False)
    assert label is None and "reviewed" in reason
    assert [f.kind for f in failed] == ["review"]


def test_a_must_meet_indicator_blocks_gold_whatever_the_points():
    label, _, failed = _label(150, {**ALL_MET, "SRV-03": False})
    assert label == "silver" and failed[0].indicators == ("SRV-03",)


@pytest.mark.parametrize("total", [0, 60, 95, 110, 119])
def test_the_gap_to_gold_is_the_fewest_improvements(total):
    gold = next(r for r in SCHEME.labels if r.id == "gold")
    # points spread so that they add up to `total`
    points, left = {}, total
    for ind in SCHEME.indicators:
        points[ind.id] = min(ind.max_points, left)
        left -= points[ind.id]
    gap = gap_to(SCHEME, gold, points, ALL_MET, total, True)
    gains = sorted((i.max_points - points[i.id] for i in SCHEME.indicators), reverse=True)
    assert sum(i.gain for i in gap.improvements) >= gap.points_short
    k = len(gap.improvements)
    assert k == 0 or sum(gains[: k - 1]) < gap.points_short  # no smaller set could do it


def _final(values, reviewed=True):
    submission = Submission(1, "x", "x.xlsx", 1, "", 1, "C1", "self-assessment", None, None, None, "accepted", "", None)
    final = ClusterFinal("C1", submission, [Item("C1", i, v, value=v) for i, v in values.items()])
    final.reviewers = ["R1"] if reviewed else []
    return final


def test_score_counts_final_values_by_the_scheme_rules():
    from tests.test_workbook import ANSWERS  # the demo's average cluster: 110 points, Silver in its workbook

    result = score(SCHEME, _final(ANSWERS))
    assert (result.total, result.label) == (110, "silver")
    assert sum(result.category_points.values()) == 110 and round(result.share, 2) == 73.33
    assert score(SCHEME, _final(ANSWERS, reviewed=False)).label is None


def test_a_score_held_compactly_reads_and_writes_as_its_dicts():
    """A score's mappings are held as tuples beside keys shared by every score (`Keyed`): each
    reads as the dict it stands for, and its JSON (the ledger's detail, `score --json`) is
    what `dataclasses.asdict` gives of the score made of dicts, key for key and in order."""
    import pickle
    from dataclasses import asdict, fields

    from tests.test_workbook import ANSWERS

    result = score(SCHEME, _final(ANSWERS))
    other = score(SCHEME, _final({**ANSWERS, SCHEME.indicators[0].id: None}))
    assert result.points._at is other.points._at  # one index of the scheme's indicators for all
    plain = replace(result, **{f.name: dict(getattr(result, f.name)) for f in fields(result) if f.name in _MAPPINGS})
    assert result.as_dict() == asdict(plain)
    assert json.dumps(result.as_dict()) == json.dumps(asdict(plain))  # the same order of keys
    assert list(result.points) == [i.id for i in SCHEME.indicators] and len(result.met) == len(SCHEME.indicators)
    assert result.points == dict(result.points) and dict(result.points) == result.points
    assert result.provenance.get("nothing") is None and "nothing" not in result.met
    assert pickle.loads(pickle.dumps(result)) == result


# --- documents ------------------------------------------------------------------------------

NASTY = 'Société & <Fils> "Ölçü" – Zoë\'s cluster'


def _document_text(path: Path) -> str:
    from docx import Document

    doc = Document(str(path))
    texts = [p.text for p in doc.paragraphs]
    texts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join(texts)


def test_the_demo_certifies_only_labelled_clusters_with_sequential_numbers(demo_copy):
    root = demo_copy
    folder = root / "output" / "demo" / "documents"
    certificates = sorted(p for p in folder.glob("*/*.docx") if is_document(p.name, "certificate", p.name.split()[0]))
    with Ledger.for_campaign(root) as ledger:
        labelled = {s.cluster_id for s in ledger.latest_scores() if s.label}
        numbers = [c.number for c in ledger.certificates()]
        unlabelled = {s.cluster_id for s in ledger.latest_scores() if not s.label}
    assert {p.name.split(" ")[0] for p in certificates} == labelled and labelled
    assert numbers == list(range(1, len(numbers) + 1))
    assert not any(p.name.split(" ")[0] in unlabelled for p in certificates)
    # issuing again gives the same certificates, the same numbers
    result = CliRunner().invoke(cli, ["--campaign", str(root), "certify", "--json"], catch_exceptions=False)
    again = json.loads(result.output)["certificates"]
    with Ledger.for_campaign(root) as ledger:
        assert [c.number for c in ledger.certificates()] == numbers
        references = {c.reference for c in ledger.certificates()}
    # the demo's campaign has a register, which numbers the certificates across its campaigns
    assert {c["number"] for c in again} == references and all(r.startswith("DEMO-2026-") for r in references)


def test_a_letter_says_the_result_first_and_its_threshold_is_the_charts(demo):
    root = demo
    letter = next((root / "output" / "demo" / "documents").glob("ES-AGRI-01*/* letter.docx"))
    text = _document_text(letter)
    assert (
        text.index("is awarded the Silver label")
        < text.index("Points by category")  # the chart's figures, then strengths, then what to improve
        < text.index("Indicators at full points")
        < text.index("Where to improve first")
        < text.index("Compared with your peers")
        < text.index("The reviewers' appreciation")
        < text.index("Congratulations")
        < text.index("Appendix")
    )
    # one heading says 'strengths' on its own: the reviewers' (the peers' section says 'against')
    assert text.count("Strengths\n") == 1 and "Your strengths" not in text
    assert "Gold requires 120 points (80\u00a0%)" in text  # the why: what Gold would take
    with zipfile.ZipFile(letter) as archive:
        assert any(n.startswith("word/media/") and n.endswith(".png") for n in archive.namelist())
        footer = "".join(archive.read(n).decode() for n in archive.namelist() if n.startswith("word/footer"))
    assert 'w:instr="PAGE"' in footer  # a page number Word and Writer fill in themselves


def test_a_blocked_label_is_explained_with_level_answer_and_its_source(demo_copy):
    """FR-AERO-01 has Silver's points but its strategy, decided in arbitration, is a draft:
    the letter, `score` and results.xlsx say which indicator, the level, the answer, where it
    came from, and that meeting it alone would earn Silver; the priority table puts it first."""
    demo = demo_copy
    letter = next((demo / "output" / "demo" / "documents").glob("FR-AERO-01*/* lettre.docx"))
    text = _document_text(letter)
    why = text[text.index("Pourquoi") : text.index("Depuis votre")]
    assert "Stratégie écrite (SRV-01)" in why
    assert "«\u202fOui, adoptée par le conseil au cours des trois dernières années\u202f»" in why
    assert "«\u202fUne stratégie est rédigée mais pas encore adoptée" in why
    assert re.search(r"décidée par arbitrage le \d+ \w+ 20\d\d\u202f: L'assemblée", why)
    assert "procès-verbal du 12 mars" in why
    assert "Atteindre ce seul niveau vous vaudrait le label Argent." in why
    from docx import Document

    [priorities] = [t for t in Document(str(letter)).tables if t.rows[0].cells[2].text == "Points à gagner"]
    first, second = priorities.rows[1].cells[0].text, priorities.rows[2].cells[0].text
    assert "Stratégie écrite" in first and "Requis pour le label Argent" in first
    assert "Requis" not in second
    result = CliRunner().invoke(cli, ["--campaign", str(demo), "score"], catch_exceptions=False)
    table = " ".join(result.output.split())
    assert "Silver requires Documented strategy (SRV-01)" in table
    book = openpyxl.load_workbook(demo / "output" / "demo" / "results.xlsx", read_only=True)
    rows = {r[0]: r for r in book.worksheets[0].iter_rows(values_only=True)}
    head = list(rows["cluster"])
    reason = rows["FR-AERO-01"][head.index("why this label, not the next")]
    assert "Silver requires Documented strategy (SRV-01) to reach this level" in reason
    assert re.search(r"decided in arbitration on \d+ [A-Z][a-z]+ 20\d\d", reason)
    assert "Meeting this alone would earn the cluster Silver." in reason
    # AT-WOOD-01 lacks points too: meeting the strategy alone would not earn Silver, so no such promise
    assert "alone" not in rows["AT-WOOD-01"][head.index("why this label, not the next")]


def test_a_letter_with_a_label_congratulates_and_delivers_the_seal(demo):
    folder = next((demo / "output" / "demo" / "documents").glob("DE-AUTO-01*"))
    png, svg = folder / "DE-AUTO-01 Siegel Gold.png", folder / "DE-AUTO-01 Siegel Gold.svg"  # named in German
    assert png.read_bytes().startswith(b"\x89PNG") and b"<svg" in svg.read_bytes()[:2000]
    with Ledger.for_campaign(demo) as ledger:
        certificate = ledger.certificate_of("DE-AUTO-01", "gold")
    assert certificate is not None
    text = _document_text(folder / "DE-AUTO-01 Brief.docx")
    steps = text[text.index("Herzlichen Glückwunsch – und wie es weitergeht") :]
    assert f"Das Zertifikat {certificate.reference} liegt diesem Schreiben bei" in steps
    from excelcert.base.i18n import format_date

    assert f"gültig bis zum {format_date(dt.date.fromisoformat(certificate.valid_until), 'de')}." in steps
    assert png.name in steps and svg.name in steps
    assert "secretariat@label.example" in steps
    # the secretariat's name is not put where the sentence wants an article ('schreiben Sie an Label-Sekretariat')
    assert "Bei Fragen schreiben Sie uns an secretariat@label.example." in steps


def test_a_letter_without_a_label_says_what_to_do_next():
    cluster = Cluster("C1", "C", "FR", "fr", contact_name="X")
    campaign = Campaign(
        Path("."), "c", "Campaign", "s", "s", "1", "h", dt.date(2027, 1, 1), ("en",), "r", "Sec", "s@x.example"
    )
    result = score(SCHEME, _final({}))
    assert result.label is None
    context, _ = letter_context(SCHEME, campaign, cluster, result, _final({}), {}, {}, dt.date(2027, 1, 1))
    assert context["next_title"] == "Ce que vous pouvez faire maintenant"
    assert any("prochaine campagne" in line for line in context["next_steps"])
    assert not any("sceau" in line for line in context["next_steps"])


def test_one_value_drives_the_threshold_in_text_and_chart():
    cluster = Cluster("C1", "C", "DE", "de", contact_name="X")
    campaign = Campaign(
        Path("."), "c", "Campaign", "s", "s", "1", "h", dt.date(2027, 1, 1), ("en",), "r", "Sec", "s@x.example"
    )
    from tests.test_workbook import ANSWERS

    result = score(SCHEME, _final(ANSWERS))
    context, pictures = letter_context(SCHEME, campaign, cluster, result, _final(ANSWERS), {}, {}, dt.date(2027, 1, 1))
    thresholds = {name: value for name, value, _ in pictures["chart"][1]["thresholds"]}
    assert thresholds == {"Silber": 60, "Gold": 80}
    # the text names the label's threshold, then what the next label would take: the chart's 60 and 80
    assert "Silber verlangt 90 Punkte (60\u00a0%)" in context["points_sentence"]
    assert "Gold verlangt 120 Punkte (80\u00a0%)" in " ".join(context["why"])


def test_a_letter_names_the_next_labels_points_once(demo):
    """A Bronze cluster short of Silver's points: the points sentence says what Silver takes;
    the 'why' list goes on with what else stands in the way, without saying it again."""
    folder = next((demo / "output" / "demo" / "documents").glob("AT-WOOD-01 *"))
    text = _document_text(folder / "AT-WOOD-01 Brief.docx")
    assert text.count("Silber verlangt 90 Punkte (60\u00a0%)") == 1
    assert "Silber verlangt, dass der Indikator Dokumentierte Strategie (SRV-01)" in text  # the why stays


def test_a_french_renewal_letter_sets_a_space_before_its_colons(demo):
    folder = next((demo / "output" / "demo" / "documents").glob("FR-AERO-01 *"))
    text = _document_text(folder / "FR-AERO-01 lettre.docx")
    changes = text[text.index("Depuis votre dernière évaluation") : text.index("Points par catégorie")]
    assert "\u202f: 0 → 5" in changes and not re.search(r"\w: \d", changes)


@pytest.mark.parametrize("lang", ["en", "fr", "de"])
def test_names_with_ampersands_brackets_quotes_and_accents_render(shared_campaign, tmp_path, lang):
    campaign = shared_campaign
    scheme = campaign.load_scheme()
    context = sample_context("certificate", scheme, campaign)
    context["cluster_name"] = NASTY
    from excelcert.documents.render import render

    out = render(BUILTIN / f"certificate-{lang}.docx", context, {}, tmp_path / "c.docx")
    assert NASTY in _document_text(out)
    letter = sample_context("letter", scheme, campaign)
    letter["cluster_name"] = letter["result_sentence"] = NASTY
    out = render(BUILTIN / f"letter-{lang}.docx", letter, {}, tmp_path / "l.docx")
    assert NASTY in _document_text(out)


@needs_writer
def test_certificates_and_letters_open_in_libreoffice_writer(demo, tmp_path):
    folder = demo / "output" / "demo" / "documents"
    documents = [next(folder.glob("FR-AERO-01*/* certificat *.docx")), next(folder.glob("DE-AUTO-01*/* Brief.docx"))]
    for path in documents:
        shutil.copyfile(path, tmp_path / path.name)
    libreoffice_pdf([tmp_path / p.name for p in documents], tmp_path)
    pdfs = sorted(tmp_path.glob("*.pdf"))
    assert len(pdfs) == 2 and all(p.stat().st_size > 5000 for p in pdfs)
    text = (
        subprocess.run(
            ["pdftotext", str(tmp_path / documents[0].with_suffix(".pdf").name), "-"], capture_output=True, text=True
        ).stdout
        if shutil.which("pdftotext")
        else ""
    )
    if text:
        assert "Pôle Aéro & Espace Occitanie" in text and "CERTIFICAT" in text


# --- templates check ------------------------------------------------------------------------


def _edited_template(tmp_path: Path, name: str, old: str, new: str) -> Path:
    source = BUILTIN / name
    target = tmp_path / name
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                assert old.encode() in data
                data = data.replace(old.encode(), new.encode(), 1)
            zout.writestr(item, data)
    return target


def test_the_built_in_templates_are_clean_and_the_campaign_gets_copies(campaign):
    result = CliRunner().invoke(cli, ["--campaign", str(campaign.root), "templates", "check"], catch_exceptions=False)
    assert result.exit_code == 0 and "27 templates" in result.output  # 12 Word, 15 mail
    copies = sorted(p.name for p in (campaign.root / "templates").glob("*.docx"))
    assert copies == sorted(p.name for p in BUILTIN.glob("*.docx")) and len(copies) == 12
    repo = Path(__file__).resolve().parents[1] / "templates"  # the example campaign's copies: the same files
    for path in [*BUILTIN.glob("*.docx"), *BUILTIN.glob("mail-*.txt")]:
        assert (repo / path.name).read_bytes() == path.read_bytes(), path.name


def test_templates_check_catches_a_typo(campaign, tmp_path):
    bad = _edited_template(campaign.root / "templates", "letter-en.docx", "{{ cluster_name }}", "{{ cluster_nmae }}")
    result = CliRunner().invoke(cli, ["--campaign", str(campaign.root), "templates", "check", str(bad)])
    assert result.exit_code == 1
    assert "uses 'cluster_nmae', which excelcert does not provide" in result.output


def test_templates_check_catches_a_typo_after_a_dot(campaign):
    bad = _edited_template(campaign.root / "templates", "letter-de.docx", "{{ item.gain }}", "{{ item.gian }}")
    problems = check_template(bad, sample_context("letter", campaign.load_scheme(), campaign))
    assert [p.code for p in problems] == ["template-unknown-variable"] and "gian" in problems[0].message


def test_templates_check_finds_tags_word_broke(campaign):
    scheme = campaign.load_scheme()
    split = _edited_template(
        campaign.root / "templates",
        "certificate-en.docx",
        "{{ cluster_name }}",
        "{{ cluster_</w:t></w:r><w:r><w:rPr><w:i/></w:rPr><w:t>name }}",
    )
    problems = check_template(split, sample_context("certificate", scheme, campaign))
    assert [(p.code, p.severity) for p in problems] == [("template-split-tag", "warning")]
    curly = _edited_template(
        campaign.root / "templates", "certificate-fr.docx", "{{ cluster_name }}", "{{ cluster_name if “x” }}"
    )
    codes = [p.code for p in check_template(curly, sample_context("certificate", scheme, campaign))]
    assert "template-broken-tag" in codes


def test_a_template_edited_by_the_secretariat_is_used(demo_copy, tmp_path):
    root = demo_copy
    _edited_template(
        root / "templates", "certificate-en.docx", "{{ secretariat_name }}", "Issued by {{ secretariat_name }}"
    )
    CliRunner().invoke(cli, ["--campaign", str(root), "certify"], catch_exceptions=False)
    certificate = next((root / "output" / "demo" / "documents").glob("DE-AUTO-01*/* Zertifikat *.docx"))
    # DE-AUTO-01 writes German; an English cluster uses the edited template
    english = next((root / "output" / "demo" / "documents").glob("HR-ICT-01*/* certificate *.docx"))
    assert "Issued by Demo label secretariat" in _document_text(english)
    assert "Issued by" not in _document_text(certificate)


# --- what a cluster typed never becomes a formula ------------------------------------------------


def test_results_are_written_as_text_never_as_formulas(shared_campaign, tmp_path):
    from excelcert.results.scores import Results, write_results

    campaign = shared_campaign
    cluster = Cluster("C1", '=HYPERLINK("http://x.example","click")', "DE", "de")
    from tests.test_workbook import ANSWERS

    final = replace(_final(ANSWERS), cluster_id="C1")
    results = Results(scores=[score(SCHEME, final)], finals={"C1": final})
    xlsx, csv_path = write_results(tmp_path / "out", campaign, SCHEME, [cluster], results)
    ws = openpyxl.load_workbook(xlsx)["Results"]
    assert ws["B2"].value == cluster.name and ws["B2"].data_type == "s"
    assert "'=HYPERLINK" in csv_path.read_text(encoding="utf-8-sig")
    assert [csv_safe(x) for x in ("+1", "-x", "@a", "ok", 5)] == ["'+1", "'-x", "'@a", "ok", 5]


def test_pdf_without_libreoffice_says_so_and_keeps_the_documents(demo_copy, monkeypatch):
    import excelcert.documents.pdf as pdf

    monkeypatch.setattr(pdf, "soffice", lambda: None)
    result = CliRunner().invoke(cli, ["--campaign", str(demo_copy), "letters", "--pdf"])
    assert result.exit_code == 1 and "LibreOffice is not installed" in result.output
    assert list((demo_copy / "output" / "demo" / "documents").glob("*/* letter.docx"))


def test_documents_rendered_in_parallel_and_while_others_are_planned_are_the_same(demo_copy, monkeypatch):
    """Rendering with two workers gives the documents one gives; `issue_documents` renders the
    first clusters' documents while the next are planned: the same documents again, and only
    a bounded number of contexts held at once."""
    from excelcert.campaign.config import read_config
    from excelcert.campaign.roster import read_roster
    from excelcert.documents import issue

    campaign = read_config(demo_copy)
    scheme = campaign.load_scheme()
    clusters = read_roster(campaign.roster_path, scheme.languages).clusters
    with Ledger.for_campaign(campaign.root) as ledger:
        issued = plan_and_number(campaign, scheme, clusters, ledger, read_key(campaign), kinds=("letter",))
    before = [_document_text(p) for p in render_all(issued.documents, jobs=1)]
    assert [_document_text(p) for p in render_all(issued.documents, jobs=2)] == before

    held: list[int] = []
    plan_cluster = issue._plan_cluster

    benchmarked: list[bool] = []

    def counting(*args):
        held.append(sum(1 for job in args[6].documents if job.context))  # args[6]: the Issued being filled
        benchmarked.append(args[6].benchmark is not None)
        return plan_cluster(*args)

    monkeypatch.setattr(issue, "_plan_cluster", counting)
    monkeypatch.setattr(issue, "SLICE", 1)
    monkeypatch.setattr(issue, "SLICES_WAITING", 1)
    with Ledger.for_campaign(campaign.root) as ledger:
        outcome = issue.issue_documents(
            campaign, scheme, clusters, ledger, read_key(campaign), kinds=("letter",), jobs=2
        )
    assert [_document_text(p) for p in outcome.written] == before and len(before) == 10
    assert [j.out for j in outcome.issued.documents] == outcome.written
    assert all(not j.context and not j.pictures for j in outcome.issued.documents)  # dropped once rendered
    assert max(held) <= 4 < len(before)  # two slices waiting (one a worker) and a cluster's two documents
    # the clusters' standings serve every letter, and are dropped once the last is planned
    assert benchmarked == [True] * len(clusters) and outcome.issued.benchmark is None


def test_edge_rules_hold_for_every_combination_of_the_three_conditions():
    """Every label needs eligibility and a review; hand-worked truth table at 125 points."""
    for eligible, reviewed in itertools.product((True, False), repeat=2):
        met = ALL_MET if eligible else {**ALL_MET, ELIGIBILITY[-1]: False}
        assert _label(125, met, reviewed)[0] == ("gold" if eligible and reviewed else None)


def test_a_certificate_for_a_label_no_longer_held_is_removed(demo_copy):
    folder = next((demo_copy / "output" / "demo" / "documents").glob("DE-AUTO-01*"))
    stale = folder / "DE-AUTO-01 Zertifikat Silber.docx"
    stale.write_bytes(b"an earlier certificate")
    stale.with_suffix(".pdf").write_bytes(b"%PDF")
    for name in ("DE-AUTO-01 Siegel Silber.png", "DE-AUTO-01 seal silver.svg"):  # its seal goes too
        (folder / name).write_bytes(b"seal")
    result = CliRunner().invoke(cli, ["--campaign", str(demo_copy), "certify"], catch_exceptions=False)
    assert result.exit_code == 0
    assert sorted(p.name for p in folder.glob("* Zertifikat *")) == ["DE-AUTO-01 Zertifikat Gold.docx"]
    assert sorted(p.name for p in folder.iterdir() if p.suffix in (".png", ".svg")) == [
        "DE-AUTO-01 Siegel Gold.png",
        "DE-AUTO-01 Siegel Gold.svg",
    ]


# the names an earlier excelcert gave: English words and the label's id, the seal in the cluster's language
EARLIER_NAMES = {
    "DE-AUTO-01": ("certificate gold", "letter", "benchmarking", "Siegel gold"),
    "FR-AERO-01": ("certificate bronze", "letter", "benchmarking", "sceau bronze"),
    "BE-BIO-01": ("corrections",),
}


def test_every_document_is_named_in_the_clusters_language_and_replaces_earlier_names(demo_copy):
    """A cluster receives every file named in its language (a German cluster no "Siegel"
    beside "certificate"); issuing again over a folder an earlier version wrote, or after the
    cluster's language changed, leaves one copy of each document, never a stale duplicate
    that the documents message would attach."""
    documents = demo_copy / "output" / "demo" / "documents"
    for cluster, stems in EARLIER_NAMES.items():
        folder = next(documents.glob(f"{cluster} *"))
        for stem in stems:
            suffixes = (".png", ".svg") if stem.startswith(("Siegel", "sceau")) else (".docx", ".pdf")
            for suffix in suffixes:
                (folder / f"{cluster} {stem}{suffix}").write_bytes(b"written by an earlier version")
    runner = CliRunner()
    for command in ("certify", "letters"):
        result = runner.invoke(cli, ["--campaign", str(demo_copy), command], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    names = {f.name.split()[0]: sorted(p.name for p in f.iterdir()) for f in documents.iterdir()}
    assert names["DE-AUTO-01"] == [
        "DE-AUTO-01 Benchmarking-Bericht.docx",
        "DE-AUTO-01 Brief.docx",
        "DE-AUTO-01 Siegel Gold.png",
        "DE-AUTO-01 Siegel Gold.svg",
        "DE-AUTO-01 Zertifikat Gold.docx",
    ]
    assert names["FR-AERO-01"] == [
        "FR-AERO-01 certificat Bronze.docx",
        "FR-AERO-01 lettre.docx",
        "FR-AERO-01 rapport de benchmarking.docx",
        "FR-AERO-01 sceau Bronze.png",
        "FR-AERO-01 sceau Bronze.svg",
    ]
    assert names["BE-BIO-01"] == ["BE-BIO-01 corrections.docx"]  # French: the same word
    assert names["HR-ICT-01"] == [
        "HR-ICT-01 benchmarking report.docx",
        "HR-ICT-01 certificate Gold.docx",
        "HR-ICT-01 letter.docx",
        "HR-ICT-01 seal Gold.png",
        "HR-ICT-01 seal Gold.svg",
    ]
    # the cluster now writes English: its German documents go, the English ones replace them
    roster = demo_copy / "workbooks" / "roster.xlsx"
    book = openpyxl.load_workbook(roster)
    sheet = book.worksheets[0]
    head = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[head.index("id")].value == "DE-AUTO-01")
    row[head.index("language")].value = "en"
    book.save(roster)
    for command in ("certify", "letters"):
        assert runner.invoke(cli, ["--campaign", str(demo_copy), command]).exit_code == 0
    folder = next(documents.glob("DE-AUTO-01 *"))
    assert sorted(p.name for p in folder.iterdir()) == [
        "DE-AUTO-01 benchmarking report.docx",
        "DE-AUTO-01 certificate Gold.docx",
        "DE-AUTO-01 letter.docx",
        "DE-AUTO-01 seal Gold.png",
        "DE-AUTO-01 seal Gold.svg",
    ]
    assert all(is_document(p.name, "letter", "DE-AUTO-01") for p in folder.glob("* letter.docx"))


def test_a_quoted_certificate_is_verified_by_a_campaign_without_a_register(demo_copy):
    demo = demo_copy
    (demo / "register.yaml").unlink()  # the campaign's own certificates then (tests/test_register.py: with one)
    with Ledger.for_campaign(demo) as ledger:
        first = ledger.certificates()[0]
    run = CliRunner().invoke
    good = run(cli, ["--campaign", str(demo), "verify", first.reference, first.code.lower()])
    assert good.exit_code == 0 and f"label for cluster {first.cluster_id}" in good.output
    forged = first.code[:-1] + ("A" if first.code[-1] != "A" else "B")
    bad = run(cli, ["--campaign", str(demo), "verify", first.reference, forged])
    assert bad.exit_code == 1 and "NOT issued" in bad.output
    unknown = run(cli, ["--campaign", str(demo), "verify", "DEMO-2026-9999", first.code])
    assert unknown.exit_code == 1 and "no certificate has this number" in unknown.output


def test_status_shows_review_state_and_label(demo):
    result = CliRunner().invoke(cli, ["--campaign", str(demo), "status", "--json"], catch_exceptions=False)
    rows = {r["cluster"]: r for r in json.loads(result.output)}
    with Ledger.for_campaign(demo) as ledger:
        labels = {s.cluster_id: s.label for s in ledger.latest_scores()}
    assert rows["ES-AGRI-01"]["review"] == "reviewed" and rows["ES-AGRI-01"]["label"] == "Silver"
    assert labels["ES-AGRI-01"] == "silver"
    assert rows["EE-HEALTH-01"]["review"] is None and rows["EE-HEALTH-01"]["label"] is None


def test_templates_check_on_files_that_are_no_templates(campaign, tmp_path):
    from tests.helpers import CORPUS

    not_docx = tmp_path / "letter-en.docx"
    not_docx.write_bytes(b"PK\x05\x06" + b"\0" * 18)  # an empty zip archive
    wrong_name = tmp_path / "invitation-en.docx"
    wrong_name.write_bytes((BUILTIN / "letter-en.docx").read_bytes())
    paths = [not_docx, wrong_name]
    if (CORPUS / "poi-xlsx-corrupted.xlsx").exists():
        paths.append(tmp_path / "certificate-fr.docx")
        paths[-1].write_bytes((CORPUS / "poi-xlsx-corrupted.xlsx").read_bytes())
    result = CliRunner().invoke(
        cli, ["--campaign", str(campaign.root), "templates", "check", "--json", *map(str, paths)]
    )
    assert result.exit_code == 1
    codes = [(p["code"], p["place"]) for p in json.loads(result.output)["problems"]]
    assert ("template-not-docx", "letter-en.docx") in codes and ("template-unknown-kind", "invitation-en.docx") in codes
    assert len(codes) == len(paths)


def test_templates_compiled_once_give_the_documents_docxtpl_gives(demo_copy, tmp_path, monkeypatch):
    """Each part of a template is compiled once per process: the documents rendered from the
    compiled parts (one after the other, in three languages, values escaped) have every part
    equal to those docxtpl renders compiling each part afresh."""
    import zipfile
    from dataclasses import replace

    from jinja2 import Environment

    from excelcert.campaign.config import read_config
    from excelcert.campaign.roster import read_roster
    from excelcert.documents import render as rendering

    campaign = read_config(demo_copy)
    scheme = campaign.load_scheme()
    clusters = read_roster(campaign.roster_path, scheme.languages).clusters
    with Ledger.for_campaign(campaign.root) as ledger:
        issued = plan_and_number(
            campaign, scheme, clusters, ledger, read_key(campaign), kinds=("certificate", "letter")
        )
    jobs = [j for j in issued.documents if j.kind in ("certificate", "letter")]  # not the seals' pictures
    jobs[0].context["cluster_name"] = NASTY
    (tmp_path / "once").mkdir()
    (tmp_path / "fresh").mkdir()
    once = render_all([replace(j, out=tmp_path / "once" / f"{i}.docx") for i, j in enumerate(jobs)])
    assert len(rendering._jinja().compiled) >= 3  # one per part of each template used, not per document
    monkeypatch.setattr(rendering, "_jinja", lambda: Environment(autoescape=True))  # docxtpl's own
    monkeypatch.setattr(rendering.fill, "compiled", lambda *_: None)  # and docxtpl's whole path
    fresh = render_all([replace(j, out=tmp_path / "fresh" / f"{i}.docx") for i, j in enumerate(jobs)])
    assert len(once) == len(fresh) >= 8
    for a, b in zip(once, fresh, strict=True):
        with zipfile.ZipFile(a) as x, zipfile.ZipFile(b) as y:
            assert x.namelist() == y.namelist()
            assert all(x.read(n) == y.read(n) for n in x.namelist()), a.name
    assert NASTY in _document_text(once[0])


@pytest.mark.parametrize(
    ("lang", "contact", "form", "dear", "closing"),
    [
        ("de", "Dr. Jana Weber", "Frau", "Sehr geehrte Frau Dr. Weber,", "Mit freundlichen Grüßen"),
        ("de", "Mag. Florian Gruber", "Herr", "Sehr geehrter Herr Mag. Gruber,", "Mit freundlichen Grüßen"),
        (
            "fr",
            "Camille Martin",
            "Mme",
            "Madame,",
            "Veuillez agréer, Madame, l'expression de nos salutations distinguées.",
        ),
        ("fr", "Marc Schmit", "", "Madame, Monsieur,", "Veuillez agréer, Madame, Monsieur, l'expression"),
        ("en", "Lucía Fernández", "Ms", "Dear Ms Fernández,", "Yours sincerely,"),
        ("en", "Dr. Gábor Nagy", "Mr", "Dear Dr Nagy,", "Yours sincerely,"),
        ("en", "", "", "Dear Sir or Madam,", "Yours faithfully,"),
    ],
)
def test_a_formal_salutation_and_closing_in_each_language(lang, contact, form, dear, closing):
    from excelcert.documents.context import salutation_and_closing

    said = salutation_and_closing(Cluster("C1", "C", "DE", lang, contact_name=contact, salutation=form), lang)
    assert said["salutation"] == dear and said["closing"].startswith(closing)


def test_no_heading_without_content_and_whole_cell_references(demo):
    folder = demo / "output" / "demo" / "documents"
    weak = _document_text(next(folder.glob("AT-WOOD-01*/* Brief.docx")))  # no indicator at full points
    assert "Indikatoren mit voller Punktzahl" not in weak and "Sehr geehrter Herr Mag. Gruber," in weak
    corrections = _document_text(next(folder.glob("BE-BIO-01*/* corrections.docx")))
    assert "Auto\u2011évaluation!\u2060E29" in corrections and "(vide)" in corrections


def test_pdf_conversion_starts_libreoffice_once_per_worker_whatever_the_folders(tmp_path, monkeypatch):
    """A stand-in soffice that logs each start: documents in three cluster folders (two of the
    same name) are converted in as few starts as names allow, each PDF beside its document."""
    from excelcert.documents import pdf

    log = tmp_path / "starts.log"
    fake = tmp_path / "soffice"
    fake.write_text(
        "#!/bin/sh\n"
        f'echo start >> "{log}"\n'
        'out=""; while [ $# -gt 0 ]; do case "$1" in --outdir) out="$2"; shift 2;; *.docx) '
        'n=$(basename "$1" .docx); echo pdf > "$out/$n.pdf"; shift;; *) shift;; esac; done\n'
    )
    fake.chmod(0o755)
    monkeypatch.setattr(pdf, "soffice", lambda: str(fake))
    documents = []
    for folder, name in (("A", "A letter"), ("B", "B letter"), ("C", "A letter")):
        (tmp_path / folder).mkdir()
        documents.append(tmp_path / folder / f"{name}.docx")
        documents[-1].write_bytes(b"docx")
    assert pdf.to_pdf(documents, jobs=1) == [d.with_suffix(".pdf") for d in documents]
    assert all(d.with_suffix(".pdf").read_text() == "pdf\n" for d in documents)
    assert log.read_text().count("start") == 2  # 'A letter' twice: two calls, not three folders' worth


def test_a_seal_drawn_once_is_the_seal_drawn_afresh():
    """The seal (PNG and SVG) is drawn once per label and year in a process; what the cache
    gives is byte for byte what drawing it again gives (the SVG has no date, fixed ids)."""
    from excelcert.documents.charts import emblem, emblem_svg

    args = ("Gold", "#C9A227", "2026")
    first_svg, first_png = emblem_svg(*args), emblem(*args)
    assert emblem_svg(*args) is first_svg and emblem(*args) is first_png  # from the cache
    assert emblem_svg.__wrapped__(*args) == first_svg
    assert emblem.__wrapped__(*args) == first_png
    assert emblem_svg("Silver", "#9EA3A8", "2026") != first_svg


def test_status_lists_the_clusters_in_the_states_asked_and_counts_them_all(demo):
    run = CliRunner().invoke
    every = json.loads(run(cli, ["--campaign", str(demo), "status", "--json"], catch_exceptions=False).output)
    states = {r["cluster"]: r["state"] for r in every}
    asked = run(cli, ["--campaign", str(demo), "status", "--state", "incomplete", "--state", "not-returned", "--json"])
    assert asked.exit_code == 0, asked.output
    listed = [r["cluster"] for r in json.loads(asked.output)]
    assert listed and set(listed) == {c for c, s in states.items() if s in ("incomplete", "not returned")}
    table = run(cli, ["--campaign", str(demo), "status", "--state", "incomplete"], terminal_width=200).output
    last = table.strip().splitlines()[-1]
    counts = {
        s: sum(1 for v in states.values() if v == s) for s in ("complete", "incomplete", "rejected", "not returned")
    }
    assert last == (
        f"{len(states)} clusters: {counts['complete']} complete, {counts['incomplete']} incomplete, "
        f"{counts['rejected']} rejected, {counts['not returned']} not returned; listed: {counts['incomplete']} (incomplete)"
    )
    incomplete = [c for c, s in states.items() if s == "incomplete"]
    assert all(c in table for c in incomplete)
    assert not any(c in table for c, s in states.items() if s == "complete")
    wrong = run(cli, ["--campaign", str(demo), "status", "--state", "done"])
    assert wrong.exit_code == 2 and "not-returned" in wrong.output

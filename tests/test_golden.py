"""Golden files: every kind of file excelcert writes, made from fixed inputs and compared,
part by part, with its expected copy in tests/golden/ (see tests/golden.py).

A change of layout (a column width, a format, a sheet, a text run) fails here with the
part and the element that changed. When the change is intended, rewrite the expected
files and review their diff before committing:

    EXCELCERT_UPDATE_GOLDEN=1 pytest tests/test_golden.py

The inputs are small on purpose: the mini scheme of tests/helpers.py (3 indicators, 2
categories, en and fr), a campaign made in memory, a fixed key and fixed times, so that
the files and their expected copies stay short and the same on every run.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from excelcert.assessment.workbook import build_self_assessment
from excelcert.base.contract import sign
from excelcert.base.ledger import Assignment, Certificate, Submission
from excelcert.base.problems import Place, problem
from excelcert.campaign.config import Campaign, scheme_hash
from excelcert.campaign.reviewers import Reviewer
from excelcert.campaign.roster import Cluster, write_roster_template
from excelcert.documents.context import certificate_context, correction_context, letter_context
from excelcert.documents.render import find_template, render
from excelcert.intake.batch import FileResult
from excelcert.intake.corrections import CorrectionItem, Corrections, write_corrections
from excelcert.intake.report import write_import_report
from excelcert.results.scores import Results, score_final, write_results
from excelcert.review.arbitration import write_arbitration
from excelcert.review.assign import write_assignment
from excelcert.review.final import ClusterFinal
from excelcert.review.reconcile import Item, View
from excelcert.review.workbook import ClusterAnswer, build_review
from excelcert.scheme import check_scheme_text, write_scheme
from tests import golden
from tests.helpers import MINI_YAML, REPO

KEY = bytes(range(32))  # a campaign key, fixed so that signatures are the same on every run
NONCE = "5eed5eed5eed5eed"  # each workbook's own random value, fixed here for the same reason
ISSUED_AT = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 27)
SA_HASH = "5" * 64  # the SHA-256 of the self-assessment a review is based on


@pytest.fixture(scope="module")
def scheme():
    result = check_scheme_text(MINI_YAML)
    assert result.report.ok, result.report
    return result.scheme


@pytest.fixture(scope="module")
def campaign(scheme, tmp_path_factory):
    """A campaign in memory: nothing in it depends on the day or on a random key."""
    return Campaign(
        root=tmp_path_factory.mktemp("golden-campaign"),
        id="golden",
        title="Golden campaign 2027",
        scheme_file="scheme.yaml",
        scheme_id=scheme.id,
        scheme_version=scheme.version,
        scheme_hash=scheme_hash(scheme),
        deadline=dt.date(2027, 1, 8),
        languages=scheme.languages,
        roster_file="workbooks/roster.xlsx",
        contact_name="Label secretariat",
        contact_email="secretariat@label.example",
        reviewers_file="workbooks/reviewers.xlsx",
    )


# Names with characters that XML, Excel and Word each treat specially.
CLUSTERS = [
    Cluster("FR-AERO-01", 'Pôle Aéro & <Espace> "Occitanie"', "FR", "fr", "Aerospace", "Marie Curie", "m@aero.example"),
    Cluster("DE-AUTO-01", "Automotive Cluster Südwest e.V.", "DE", "en", "Automotive", "Lea Keller", "l@auto.example"),
    Cluster("AT-WOOD-01", "=Holzcluster Steiermark", "AT", "en", "Wood", "", "h@wood.example"),
]
REVIEWERS = [
    Reviewer("R-BE-01", "Dr. Jan Peeters", "Flanders Cluster Office", "BE", ("en", "fr")),
    Reviewer("R-NO-01", "Ingrid Olsen", "Innovation Norway", "NO", ("en",), max_load=2),
    Reviewer("R-CH-01", "Luc Favre", "Swiss Clusters", "CH", ("fr", "de"), conflicts=("FR-AERO-01",)),
]
STRONG = {"STR-01": 60, "FIN-01": "adopted", "FIN-02": "yes"}
AVERAGE = {"STR-01": 20, "FIN-01": "draft", "FIN-02": "no"}


def _final(cluster_id: str, values: dict, reviewers=("R-BE-01",)) -> ClusterFinal:
    submission = Submission(
        1,
        "ab" * 32,
        f"{cluster_id}.xlsx",
        1000,
        "2027-01-10T09:00:00",
        1,
        cluster_id,
        "self-assessment",
        "1",
        "en",
        None,
        "accepted",
        "",
        None,
    )
    items = [Item(cluster_id, i, v, value=v) for i, v in values.items()]
    return ClusterFinal(cluster_id, submission, items, reviewers=list(reviewers))


# --- workbooks ----------------------------------------------------------------------------


@pytest.mark.parametrize("cluster", [CLUSTERS[0], CLUSTERS[1]], ids=["fr", "en"])
def test_self_assessment_workbook(scheme, campaign, tmp_path, cluster):
    path = tmp_path / "self-assessment.xlsx"
    build_self_assessment(path, scheme, campaign, cluster, KEY, issued_at=ISSUED_AT, answers=AVERAGE, nonce=NONCE)
    golden.assert_package_matches(path, f"self-assessment-{cluster.language}.xlsx.txt")


def test_reviewer_workbook(scheme, campaign, tmp_path):
    answers = {
        "STR-01": ClusterAnswer(60, "List of members 2026", "Two left in May"),
        "FIN-01": ClusterAnswer("adopted", "Strategy 2030 (PDF)"),
        "FIN-02": ClusterAnswer("yes"),
    }
    path = tmp_path / "review.xlsx"
    build_review(
        path, scheme, campaign, CLUSTERS[0], REVIEWERS[0], KEY, answers, SA_HASH, issued_at=ISSUED_AT, nonce=NONCE
    )
    golden.assert_package_matches(path, "review.xlsx.txt")


def _arbitration(scheme, campaign, path: Path) -> dict[str, str]:
    """The arbitration workbook; its issue time and signature (taken from the clock: the
    function has no `issued_at`) as the volatile values to ignore."""
    items = [
        Item(
            "FR-AERO-01",
            "FIN-01",
            "adopted",
            [View("R-BE-01", "draft", 2.0, "partly", "No board decision yet")],
            flag="the reviewers disagree",
        ),
        Item(
            "DE-AUTO-01",
            "STR-01",
            60,
            [View("R-BE-01", 40, None, "no"), View("R-NO-01", 61, 5.0, "yes")],
            flag="beyond the tolerance of 2",
        ),
    ]
    meta = write_arbitration(path, scheme, campaign, CLUSTERS, items, KEY)
    return {meta.issued_at: "[issued_at]", meta.nonce: "[nonce]", sign(meta, KEY): "[signature]"}


def test_arbitration_workbook(scheme, campaign, tmp_path):
    path = tmp_path / "arbitration.xlsx"
    volatile = _arbitration(scheme, campaign, path)
    golden.assert_package_matches(path, "arbitration.xlsx.txt", volatile=volatile)


def _corrections(cluster: Cluster, rejected: bool = False) -> Corrections:
    items = [
        CorrectionItem(
            "Auto-évaluation!E5", "STR-01", "Membres engagés", "beaucoup", "Tapez un nombre, par exemple 45.", True
        ),
        CorrectionItem("Auto-évaluation!E7", "FIN-02", "Plan d'action", "", "Vérifiez la réponse.", False),
    ]
    return Corrections(cluster, "FR-AERO-01 Pôle Aéro.xlsx", "2027-01-10T09:00:00", rejected, items)


def test_corrections_workbook(scheme, campaign, tmp_path):
    path = write_corrections(tmp_path / "corrections.xlsx", _corrections(CLUSTERS[0]), campaign, scheme)
    golden.assert_package_matches(path, "corrections.xlsx.txt")


def _results(scheme) -> Results:
    finals = {
        "FR-AERO-01": _final("FR-AERO-01", STRONG),
        "DE-AUTO-01": _final("DE-AUTO-01", AVERAGE, reviewers=()),
        "AT-WOOD-01": _final("AT-WOOD-01", {"FIN-01": "none"}),
    }
    scores = [score_final(scheme, finals["FR-AERO-01"]), score_final(scheme, finals["DE-AUTO-01"])]
    return Results(scores=scores, finals=finals, incomplete={"AT-WOOD-01": ["STR-01"]})


def test_results_workbook_and_csv(scheme, campaign, tmp_path):
    xlsx, csv_path = write_results(tmp_path, campaign, scheme, CLUSTERS, _results(scheme))
    golden.assert_package_matches(xlsx, "results.xlsx.txt")
    golden.assert_text_matches(csv_path, "results.csv")


def test_a_results_csv_that_cannot_be_written_leaves_the_results_workbook_whole(scheme, campaign, tmp_path):
    """results.csv open in another program (or not writable): `score` fails with a message,
    and the results.xlsx of the last run is still whole (it was replaced by one holding the
    table's headings only, since both were written a row at a time)."""
    xlsx, csv_path = write_results(tmp_path, campaign, scheme, CLUSTERS, _results(scheme))
    before = xlsx.read_bytes()
    csv_path.unlink()
    csv_path.mkdir()  # cannot be opened for writing, as a file Excel holds open on Windows
    with pytest.raises(OSError):
        write_results(tmp_path, campaign, scheme, CLUSTERS, _results(scheme))
    assert xlsx.read_bytes() == before


def test_a_failure_half_way_through_the_results_leaves_the_last_ones_whole(scheme, campaign, tmp_path, monkeypatch):
    """The results are written a row at a time: a failure after the first rows (here, the
    reason of the second cluster's label) leaves the last run's workbook and CSV as they were,
    and no temporary file beside them."""
    import excelcert.results.scores as scores

    xlsx, csv_path = write_results(tmp_path, campaign, scheme, CLUSTERS, _results(scheme))
    before = {path: path.read_bytes() for path in (xlsx, csv_path)}
    explained = []

    def explain_then_fail(*args, **kwargs):
        if explained:
            raise RuntimeError("half-way")
        explained.append(args)
        return real(*args, **kwargs)

    real = scores.explain
    monkeypatch.setattr(scores, "explain", explain_then_fail)
    with pytest.raises(RuntimeError, match="half-way"):
        write_results(tmp_path, campaign, scheme, CLUSTERS, _results(scheme))
    assert explained  # the first row was written before the failure
    assert {path: path.read_bytes() for path in (xlsx, csv_path)} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([xlsx.name, csv_path.name])


def test_import_report_workbook(tmp_path):
    results = [
        FileResult("returned/DE-AUTO-01 Automotive.xlsx", "accepted", "counts", "DE-AUTO-01", "1" * 64, True),
        FileResult(
            "returned/FR-AERO-01 Pôle Aéro & Espace.xlsx",
            "accepted with problems",
            "counts: 1 answer to correct",
            "FR-AERO-01",
            "2" * 64,
            True,
            [
                problem("answer-not-a-number", Place("Auto-évaluation", "E5"), indicator="STR-01", value="beaucoup"),
                problem("answer-missing", Place("Auto-évaluation", "E7"), indicator="FIN-02", name="Plan d'action"),
            ],
        ),
        FileResult("returned/notes.docx", "rejected", "not an Excel workbook (.xlsx)"),
    ]
    path = write_import_report(tmp_path / "import.xlsx", results, "Golden campaign 2027")
    golden.assert_package_matches(path, "import-report.xlsx.txt")


def test_assignment_workbook(tmp_path):
    pairs = [
        Assignment("FR-AERO-01", "R-BE-01"),
        Assignment("FR-AERO-01", "R-NO-01"),
        Assignment("DE-AUTO-01", "R-CH-01"),
        Assignment("DE-AUTO-01", "R-GONE-01"),  # a reviewer no longer on the roster
    ]
    path = write_assignment(tmp_path / "assignment.xlsx", CLUSTERS, REVIEWERS, pairs)
    golden.assert_package_matches(path, "assignment.xlsx.txt")


def test_roster_template(tmp_path):
    path = write_roster_template(tmp_path / "roster.xlsx", ("en", "fr", "de"))
    golden.assert_package_matches(path, "roster-template.xlsx.txt")


def test_scheme_exported_as_a_workbook(scheme, tmp_path):
    path = write_scheme(scheme, tmp_path / "scheme.xlsx")
    golden.assert_package_matches(path, "scheme.xlsx.txt")


def test_the_scheme_workbook_is_the_same_whatever_the_hash_seed(tmp_path):
    """Its yes/no validations were once written in the order of a set, which changes with
    PYTHONHASHSEED: a golden test then fails one run in two."""
    script = (
        "import sys; from excelcert.scheme import check_scheme_text, write_scheme; from tests.helpers import MINI_YAML; "
        "write_scheme(check_scheme_text(MINI_YAML).scheme, sys.argv[1])"
    )
    texts = set()
    for seed in ("1", "2"):  # two seeds that gave two orders
        path = tmp_path / f"scheme-{seed}.xlsx"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", script, str(path)], check=True, env=env, cwd=REPO, timeout=120)
        texts.add(golden.parts_text(golden.package_parts(path)))
    assert len(texts) == 1


# --- Word documents -------------------------------------------------------------------------


def _word_content(name: str) -> bool:
    """The parts rendering fills in; the template's own parts (styles, theme, settings) are
    compared by name only (tests/test_documents.py checks the templates themselves)."""
    return name in ("[Content_Types].xml", "word/document.xml", "word/_rels/document.xml.rels") or bool(
        name.startswith(("word/header", "word/footer")) and name.endswith(".xml")
    )


def _certificate(scheme, campaign, out: Path) -> Path:
    cluster = CLUSTERS[1]
    final = _final(cluster.id, STRONG)
    score = score_final(scheme, final)
    certificate = Certificate(
        7, "GOLDEN-2026-0007", cluster.id, score.label, 1, TODAY.isoformat(), "2028-11-27", "ABCDE-FGHIJ"
    )
    context, pictures = certificate_context(scheme, campaign, cluster, score, certificate)
    return render(find_template(None, "certificate", "en", "en", score.label), context, pictures, out)


def _letter(scheme, campaign, out: Path) -> Path:
    cluster = CLUSTERS[1]
    final = _final(cluster.id, AVERAGE)
    score = score_final(scheme, final)
    appreciation = {"strengths": ["A clear strategy & a board that meets"], "recommendations": ["Track <members>"]}
    context, pictures = letter_context(
        scheme, campaign, cluster, score, final, {"STR": 40.0, "FIN": 57.1}, appreciation, TODAY
    )
    return render(find_template(None, "letter", "en", "en"), context, pictures, out)


def test_certificate_docx(scheme, campaign, tmp_path):
    path = _certificate(scheme, campaign, tmp_path / "certificate.docx")
    golden.assert_package_matches(path, "certificate-en.docx.txt", content=_word_content)


def test_feedback_letter_docx(scheme, campaign, tmp_path):
    path = _letter(scheme, campaign, tmp_path / "letter.docx")
    golden.assert_package_matches(path, "letter-en.docx.txt", content=_word_content)


def test_correction_letter_docx(scheme, campaign, tmp_path):
    cluster = CLUSTERS[0]
    context, pictures = correction_context(scheme, campaign, cluster, _corrections(cluster), TODAY)
    path = render(find_template(None, "correction", "fr", "en"), context, pictures, tmp_path / "correction.docx")
    golden.assert_package_matches(path, "correction-fr.docx.txt", content=_word_content)


# --- the comparison itself fails when the layout changes ------------------------------------


def _edited(source: Path, target: Path, part: str, old: bytes, new: bytes) -> Path:
    """A copy of the package `source` with the first `old` in `part` replaced by `new`."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == part:
                assert old in data, f"{old!r} is not in {part}"
                data = data.replace(old, new, 1)
            zout.writestr(item, data)
    return target


@pytest.fixture
def no_update(monkeypatch):
    """These tests compare a changed copy: they must never rewrite an expected file."""
    monkeypatch.delenv(golden.UPDATE_VARIABLE, raising=False)


def test_a_changed_column_width_or_cell_fails_the_workbook_comparison(scheme, campaign, tmp_path, no_update):
    path = tmp_path / "review.xlsx"
    answers = {"STR-01": ClusterAnswer(60, "List of members 2026", "Two left in May")}
    build_review(
        path, scheme, campaign, CLUSTERS[0], REVIEWERS[0], KEY, answers, SA_HASH, issued_at=ISSUED_AT, nonce=NONCE
    )
    # the same inputs as the golden test but one answer fewer: the comparison must see it
    assert golden.check_package(path, "review.xlsx.txt")
    path = tmp_path / "review-full.xlsx"
    answers = {
        "STR-01": ClusterAnswer(60, "List of members 2026", "Two left in May"),
        "FIN-01": ClusterAnswer("adopted", "Strategy 2030 (PDF)"),
        "FIN-02": ClusterAnswer("yes"),
    }
    build_review(
        path, scheme, campaign, CLUSTERS[0], REVIEWERS[0], KEY, answers, SA_HASH, issued_at=ISSUED_AT, nonce=NONCE
    )
    assert golden.check_package(path, "review.xlsx.txt") == []
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    width = sheet.split('<col min="4" max="4" width="', 1)[1].split('"', 1)[0]  # the cluster's evidence
    wider = _edited(
        path,
        tmp_path / "wider.xlsx",
        "xl/worksheets/sheet1.xml",
        f'<col min="4" max="4" width="{width}"'.encode(),
        b'<col min="4" max="4" width="99"',
    )
    assert golden.check_package(wider, "review.xlsx.txt") == [
        f"xl/worksheets/sheet1.xml: /worksheet/cols/col[3]/@width: expected '{width}', found '99'"
    ]
    retyped = _edited(path, tmp_path / "retyped.xlsx", "xl/sharedStrings.xml", b"Two left in May", b"Two left in June")
    [difference] = golden.check_package(retyped, "review.xlsx.txt")
    assert difference.startswith("xl/sharedStrings.xml: /sst/si[") and difference.endswith(
        "/t/text(): expected 'Two left in May', found 'Two left in June'"
    )
    # and the report on failure names the part and the place
    with pytest.raises(
        pytest.fail.Exception, match=r"(?s)review\.xlsx\.txt.*sheet1\.xml: /worksheet/cols/col\[3\]/@width"
    ):
        golden.assert_package_matches(wider, "review.xlsx.txt")


def test_a_changed_text_run_or_picture_fails_the_document_comparison(scheme, campaign, tmp_path, no_update):
    path = _certificate(scheme, campaign, tmp_path / "certificate.docx")
    assert golden.check_package(path, "certificate-en.docx.txt", content=_word_content) == []
    changed = _edited(path, tmp_path / "changed.docx", "word/document.xml", b"GOLDEN-2026-0007", b"GOLDEN-2026-0008")
    [difference] = golden.check_package(changed, "certificate-en.docx.txt", content=_word_content)
    assert difference.startswith("word/document.xml: /w:document/w:body/")
    assert "/w:t/text(): expected" in difference and "'GOLDEN-2026-0008'" in difference
    with zipfile.ZipFile(path) as archive:
        [image] = [n for n in archive.namelist() if n.startswith("word/media/")]
        width, height = golden.png_size(archive.read(image))
    smaller = tmp_path / "smaller.docx"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(smaller, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == image:  # the emblem drawn at another size
                data = data[:16] + (width // 2).to_bytes(4, "big") + data[20:]
            zout.writestr(item, data)
    [difference] = golden.check_package(smaller, "certificate-en.docx.txt", content=_word_content)
    assert difference.startswith(f"{image}: line 1, column ") and difference.endswith(
        f"expected '[PNG image, {width} x {height} pixels]', found '[PNG image, {width // 2} x {height} pixels]'"
    )


def test_time_and_volatile_values_are_ignored_and_nothing_else(scheme, campaign, tmp_path, no_update):
    first = tmp_path / "a.xlsx"
    volatile = _arbitration(scheme, campaign, first)
    assert golden.check_package(first, "arbitration.xlsx.txt", volatile=volatile) == []
    # without the volatile values named, the issue time and the signature are differences
    differences = golden.check_package(first, "arbitration.xlsx.txt")
    assert {d.split(":")[0] for d in differences} == {"docProps/custom.xml", "xl/sharedStrings.xml"}
    # a different creation time in docProps/core.xml is no difference
    with zipfile.ZipFile(first) as archive:
        core = archive.read("docProps/core.xml")
    created = core.split(b"<dcterms:created", 1)[1].split(b">", 1)[1].split(b"<", 1)[0]
    later = _edited(first, tmp_path / "later.xlsx", "docProps/core.xml", created, b"2031-01-01T00:00:00Z")
    assert golden.check_package(later, "arbitration.xlsx.txt", volatile=volatile) == []
    # but a property added is
    children = len(etree.fromstring(core))
    titled = _edited(
        later,
        tmp_path / "titled.xlsx",
        "docProps/core.xml",
        b"</cp:coreProperties>",
        b"<dc:title>x</dc:title></cp:coreProperties>",
    )
    assert golden.check_package(titled, "arbitration.xlsx.txt", volatile=volatile) == [
        f"docProps/core.xml: /cp:coreProperties: {children} child elements expected, {children + 1} found "
        "(first extra: <dc:title>)"
    ]


def test_a_part_added_or_removed_is_reported(scheme, campaign, tmp_path, no_update):
    path = write_corrections(tmp_path / "corrections.xlsx", _corrections(CLUSTERS[0]), campaign, scheme)
    extra = tmp_path / "extra.xlsx"
    shutil.copyfile(path, extra)
    with zipfile.ZipFile(extra, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\0" * 10)
    assert golden.check_package(extra, "corrections.xlsx.txt") == ["xl/vbaProject.bin: part not expected, found"]


def test_a_changed_csv_line_is_reported(scheme, campaign, tmp_path, no_update):
    _, csv_path = write_results(tmp_path, campaign, scheme, CLUSTERS, _results(scheme))
    text = csv_path.read_bytes().decode("utf-8")
    csv_path.write_bytes(text.replace("FR-AERO-01", "FR-AERO-02", 1).encode("utf-8"))
    with pytest.raises(pytest.fail.Exception, match=r"line 2, column 10: expected 'FR-AERO-01,"):
        golden.assert_text_matches(csv_path, "results.csv")

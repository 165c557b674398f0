"""Batch import of returned workbooks into the ledger: verdicts, archive, superseding, resumption."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest

from excelcert.assessment.workbook import build_self_assessment
from excelcert.base.contract import META_SHEET
from excelcert.base.ledger import Ledger
from excelcert.campaign.config import init_campaign, read_key
from excelcert.campaign.roster import example_clusters
from excelcert.intake.batch import ACCEPTED, ALREADY, REJECTED, WITH_PROBLEMS, import_files
from excelcert.intake.read import read_returned
from excelcert.intake.status import campaign_status
from tests.helpers import CORPUS, libreoffice_resave, needs_soffice, set_saved_at
from tests.test_workbook import ANSWERS

CLUSTERS = {c.id: c for c in example_clusters()}


def returned(campaign, tmp_path, cluster_id="FR-AERO-01", answers=ANSWERS, name=None, saved=None):
    """A workbook as the cluster sends it back: generated, filled in, saved."""
    path = tmp_path / (name or f"{cluster_id}.xlsx")
    build_self_assessment(
        path, campaign.load_scheme(), campaign, CLUSTERS[cluster_id], read_key(campaign), answers=answers
    )
    return set_saved_at(path, saved or dt.datetime(2027, 1, 10, 9, 0))


def run_import(campaign, *paths):
    scheme = campaign.load_scheme()
    with Ledger.for_campaign(campaign.root) as ledger:
        return import_files(campaign, scheme, set(CLUSTERS), read_key(campaign), ledger, list(paths))


def test_a_complete_return_is_accepted_with_its_cells(campaign, tmp_path):
    [result] = run_import(campaign, returned(campaign, tmp_path))
    assert (result.verdict, result.cluster, result.counts) == (ACCEPTED, "FR-AERO-01", True)
    with Ledger.for_campaign(campaign.root) as ledger:
        answers = {a.indicator_id: a for a in ledger.answers(result.submission_id)}
    assert len(answers) == 31
    assert (answers["STR-01"].value, answers["STR-01"].raw, answers["STR-01"].sheet) == (75, 75, "Auto-évaluation")
    assert answers["STR-01"].cell.startswith("E")
    assert answers["STR-03"].value == 52.5 and answers["SRV-01"].value == "adopted"
    assert answers["GOV-07"].value == ["newsletter", "meetings"]
    archived = [p for p in (campaign.root / "archive").iterdir() if p.is_file()]
    assert [p.name for p in archived] == [f"{result.sha256}.xlsx"]
    assert archived[0].read_bytes() == (tmp_path / "FR-AERO-01.xlsx").read_bytes()


def test_the_same_file_twice_is_stored_once(campaign, tmp_path):
    path = returned(campaign, tmp_path)
    run_import(campaign, path)
    with Ledger.for_campaign(campaign.root) as ledger:
        before = ledger.counts()
    [again] = run_import(campaign, path)
    assert again.verdict == ALREADY and "FR-AERO-01.xlsx" in again.reason
    with Ledger.for_campaign(campaign.root) as ledger:
        assert ledger.counts() == before


def test_answers_typed_by_hand_are_read_or_reported(campaign, tmp_path):
    path = returned(campaign, tmp_path, answers={})
    book = openpyxl.load_workbook(path)
    ws = book["Auto-évaluation"]
    typed = {
        "STR-01": "1 234",
        "STR-03": "45 %",
        "GOV-06": "oui",
        "GOV-01": "forty",
        "SRV-01": "Oui, adoptée par le conseil au cours des trois dernières années",
    }
    rows = {}
    for row in ws.iter_rows(min_row=4):
        if row[0].value in typed:
            row[4].value = typed[row[0].value]
            rows[row[0].value] = row[4].coordinate
    book.save(path)
    [result] = run_import(campaign, path)
    assert result.verdict == WITH_PROBLEMS
    with Ledger.for_campaign(campaign.root) as ledger:
        answers = {a.indicator_id: a.value for a in ledger.answers(result.submission_id)}
        problems = ledger.problems(result.submission_id)
    assert (answers["STR-01"], answers["STR-03"], answers["GOV-06"], answers["SRV-01"]) == (1234, 45, "yes", "adopted")
    assert answers["GOV-01"] is None  # 'forty' is not guessed
    forty = [p for p in problems if p.code == "answer-not-a-number"]
    assert [(p.sheet, p.cell, p.raw) for p in forty] == [("Auto-évaluation", rows["GOV-01"], "forty")]
    assert forty[0].message.startswith("indicator GOV-01: 'forty' is not a number")
    assert "required answers missing" in result.reason and "(s)" not in result.reason


def delete_row_as_excel_does(ws, row: int) -> None:
    """openpyxl's delete_rows leaves merged ranges where they were; Excel and Calc move them up."""
    below = [r for r in ws.merged_cells.ranges if r.min_row > row]
    for merged in below:
        ws.unmerge_cells(str(merged))
    ws.delete_rows(row)
    for merged in below:
        merged.shift(row_shift=-1)
        ws.merge_cells(str(merged))


def test_rows_sorted_deleted_and_sheets_renamed(campaign, tmp_path):
    path = returned(campaign, tmp_path)
    book = openpyxl.load_workbook(path)
    ws = book["Auto-évaluation"]
    ws.title = "Mes réponses"
    book.create_sheet("Notes")["A1"] = "STR-01 is hard"
    row_of = {c.value: c.row for c in ws["A"] if c.value in ("STR-01", "STR-02", "FIN-01")}
    # swap the contents of two indicator rows (a sort), then delete a third row
    for col in range(1, 11):
        a, b = ws.cell(row_of["STR-01"], col), ws.cell(row_of["STR-02"], col)
        a.value, b.value = b.value, a.value
    delete_row_as_excel_does(ws, row_of["FIN-01"])
    book.save(path)
    [result] = run_import(campaign, path)
    with Ledger.for_campaign(campaign.root) as ledger:
        answers = {a.indicator_id: (a.value, a.cell) for a in ledger.answers(result.submission_id)}
        problems = ledger.problems(result.submission_id)
    assert answers["STR-01"] == (75, f"E{row_of['STR-02']}") and answers["STR-02"] == (4, f"E{row_of['STR-01']}")
    assert "FIN-01" not in answers
    assert [(p.code, p.indicator_id) for p in problems] == [("answer-row-missing", "FIN-01")]


def test_altered_workbooks_are_rejected_and_name_no_cluster(campaign, tmp_path):
    path = returned(campaign, tmp_path, "AT-WOOD-01")
    book = openpyxl.load_workbook(path)
    for row in book["_excelcert"].iter_rows():
        if row[0].value == "cluster_id":
            row[1].value = "CH-MED-01"
    book.save(path)
    [result] = run_import(campaign, path)
    assert result.verdict == REJECTED and result.cluster is None
    assert "the workbook was altered" in result.reason and "CH-MED-01" in result.reason
    with Ledger.for_campaign(campaign.root) as ledger:
        assert ledger.history("CH-MED-01") == [] and ledger.counts()["answers"] == 0


def test_workbooks_of_another_campaign_or_scheme_version(campaign, tmp_path):
    other = init_campaign(tmp_path / "other")
    foreign = returned(other, tmp_path, name="foreign.xlsx")
    [result] = run_import(campaign, foreign)
    assert result.verdict == REJECTED and "belongs to campaign 'other', not to 'camp'" in result.reason
    path = returned(campaign, tmp_path, name="old.xlsx")
    text = campaign.scheme_path.read_text(encoding="utf-8")
    campaign.scheme_path.write_text(
        text.replace("version: '2026.1'", "version: '2026.2'").replace("min_percent: 80", "min_percent: 85"),
        encoding="utf-8",
    )
    from excelcert.campaign.config import update_campaign_scheme

    updated = update_campaign_scheme(campaign)
    [old] = run_import(updated, path)
    assert (
        old.verdict == REJECTED
        and "answers scheme cluster-excellence version 2026.1; the campaign uses version 2026.2" in old.reason
    )
    assert old.cluster == "FR-AERO-01"  # the signature holds: the cluster is known, its workbook is old


def test_a_newer_version_supersedes_and_a_late_older_one_never_wins(campaign, tmp_path):
    first = returned(
        campaign, tmp_path, name="v1.xlsx", answers={**ANSWERS, "STR-01": 20}, saved=dt.datetime(2027, 1, 5, 9, 0)
    )
    second = returned(
        campaign, tmp_path, name="v2.xlsx", answers={**ANSWERS, "STR-01": 40}, saved=dt.datetime(2027, 1, 9, 9, 0)
    )
    [r2] = run_import(campaign, second)  # the newer arrives first
    [r1] = run_import(campaign, first)
    assert r2.counts and not r1.counts
    assert "does not count: older than v2.xlsx" in r1.reason
    third = returned(
        campaign, tmp_path, name="v3.xlsx", answers={**ANSWERS, "STR-01": 60}, saved=dt.datetime(2027, 1, 12, 9, 0)
    )
    [r3] = run_import(campaign, third)
    assert r3.counts and "newer than v2.xlsx" in r3.reason
    with Ledger.for_campaign(campaign.root) as ledger:
        current = ledger.current("FR-AERO-01", "self-assessment")
        assert current.original_name.endswith("v3.xlsx") and current.supersedes == r2.submission_id
        assert [s.original_name[-7:] for s in ledger.history("FR-AERO-01")] == ["v2.xlsx", "v1.xlsx", "v3.xlsx"]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared/corpus/foreign is not beside the repository")
def test_a_mixed_batch_every_file_gets_a_verdict(campaign, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    returned(campaign, inbox, "FR-AERO-01")
    returned(campaign, inbox, "DE-AUTO-01", answers={"STR-01": 20})
    shutil.copytree(CORPUS, inbox / "foreign")
    shutil.make_archive(str(tmp_path / "mail"), "zip", inbox / "foreign")
    results = run_import(campaign, inbox, tmp_path / "mail.zip")
    corpus_files = sorted(p.name for p in CORPUS.iterdir())
    assert len(results) == 2 + 2 * len(corpus_files)
    assert all(r.verdict and r.reason for r in results)
    by_name = {r.name.split("/")[-1]: r for r in results if "mail.zip" not in r.name}
    assert by_name["FR-AERO-01.xlsx"].verdict == ACCEPTED
    assert by_name["DE-AUTO-01.xlsx"].verdict == WITH_PROBLEMS
    for name in corpus_files:
        assert by_name[name].verdict == REJECTED, name
    zipped = [r for r in results if "mail.zip" in r.name]
    assert all(r.verdict == ALREADY for r in zipped)  # the same files, recognised by their hash
    assert by_name["poi-protected_sha512.xlsx"].reason.startswith(
        "poi-protected_sha512.xlsx: the workbook is protected"
    )


def ledger_content(campaign):
    """What the ledger holds, without ids and times: (file, verdict, cluster, answers)."""
    with Ledger.for_campaign(campaign.root) as ledger:
        return sorted(
            (
                s.sha256,
                s.verdict,
                s.cluster_id,
                s.reason,
                tuple((a.indicator_id, repr(a.value), a.cell) for a in ledger.answers(s.id)),
            )
            for s in ledger.all_submissions()
        )


def test_an_interrupted_import_resumes_to_the_same_ledger(campaign, tmp_path, monkeypatch):
    from excelcert.campaign.config import open_campaign

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for cluster_id in ("FR-AERO-01", "DE-AUTO-01", "AT-WOOD-01"):
        returned(campaign, inbox, cluster_id)
    twin = open_campaign(shutil.copytree(campaign.root, tmp_path / "twin"))  # same id, same key
    run_import(twin, inbox)  # the uninterrupted run
    original = Ledger.record_submission
    calls = {"n": 0}

    def dies_on_the_second(self, new):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # Ctrl-C in the middle of the second file's transaction
        return original(self, new)

    monkeypatch.setattr(Ledger, "record_submission", dies_on_the_second)
    with pytest.raises(KeyboardInterrupt):
        run_import(campaign, inbox)
    monkeypatch.setattr(Ledger, "record_submission", original)
    with Ledger.for_campaign(campaign.root) as ledger:
        assert ledger.counts() == {
            "submissions": 1,
            "answers": 31,
            "problems": 0,
            "notes": 0,
            "decisions": 0,
        }  # nothing half-stored
    results = run_import(campaign, inbox)
    assert [r.verdict for r in results] == [ALREADY, ACCEPTED, ACCEPTED]
    assert ledger_content(campaign) == ledger_content(twin)


def test_status_tells_the_truth(campaign, tmp_path):
    run_import(
        campaign,
        returned(campaign, tmp_path, "FR-AERO-01"),
        returned(campaign, tmp_path, "DE-AUTO-01", answers={"STR-01": 20}),
    )
    with Ledger.for_campaign(campaign.root) as ledger:
        states = {s.cluster.id: s.state for s in campaign_status(list(CLUSTERS.values()), ledger)}
    assert states["FR-AERO-01"] == "complete" and states["DE-AUTO-01"] == "incomplete"
    assert states["AT-WOOD-01"] == "not returned"


@needs_soffice
@pytest.mark.soffice
def test_a_workbook_resaved_by_libreoffice_imports(campaign, tmp_path):
    path = returned(campaign, tmp_path, "DE-AUTO-01")
    resaved = libreoffice_resave(path, tmp_path / "lo")
    result = read_returned(resaved, campaign.load_scheme())
    assert {k: a.value for k, a in result.answers.items() if k not in ("SRV-04", "GOV-07")} == {
        k: v for k, v in ANSWERS.items() if k not in ("SRV-04", "GOV-07")
    }
    assert result.problems == []


def test_corrections_in_the_clusters_language(campaign, tmp_path):
    from excelcert.intake.corrections import collect_corrections, write_corrections

    path = returned(
        campaign, tmp_path, "FR-AERO-01", answers={k: v for k, v in ANSWERS.items() if not k.startswith("ACH")}
    )
    book = openpyxl.load_workbook(path)
    for row in book["Auto-évaluation"].iter_rows(min_row=4):
        if row[0].value == "GOV-01":
            row[4].value = "quarante"
    book.save(path)
    run_import(campaign, path, returned(campaign, tmp_path, "DE-AUTO-01"))
    with Ledger.for_campaign(campaign.root) as ledger:
        found = collect_corrections(list(CLUSTERS.values()), ledger, campaign.load_scheme())
    assert [c.cluster.id for c in found] == ["FR-AERO-01"]  # DE-AUTO-01 is complete
    items = {i.indicator: i for i in found[0].items}
    assert items["GOV-01"].given == "quarante" and items["GOV-01"].todo == "Saisissez un nombre, par exemple 45."
    assert items["GOV-01"].indicator_name == "Personnel du management du cluster"
    assert items["ACH-01"].todo == "Répondez à cette question." and items["ACH-01"].must_fix
    assert "ACH-02" not in items  # optional
    out = write_corrections(tmp_path / "fr.xlsx", found[0], campaign, campaign.load_scheme())
    sheet = openpyxl.load_workbook(out)["Corrections"]
    texts = [c.value for row in sheet.iter_rows() for c in row if c.value]
    assert "À corriger dans votre auto-évaluation" in texts and "Pôle Aéro & Espace Occitanie" in texts
    assert any(str(t).startswith("Merci pour votre classeur FR-AERO-01.xlsx, reçu le") for t in texts)


def test_killing_a_real_import_and_running_it_again(campaign, tmp_path):
    """kill -9 in the middle of `excelcert import`, then the same import: the same ledger
    as an uninterrupted run, nothing doubled, nothing half-written in the archive."""
    import os
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    from excelcert.assessment.generate import generate_workbooks
    from excelcert.campaign.config import open_campaign

    base = example_clusters()
    from dataclasses import replace

    clusters = [replace(base[i % len(base)], id=f"{base[i % len(base)].id}-{i:03d}") for i in range(48)]
    generate_workbooks(campaign, campaign.load_scheme(), clusters, read_key(campaign))
    inbox = tmp_path / "inbox"
    shutil.copytree(campaign.to_clusters_dir, inbox)
    roster = campaign.roster_path
    from excelcert.campaign.roster import write_roster

    write_roster(roster, clusters, ("en", "fr", "de"))
    twin = open_campaign(shutil.copytree(campaign.root, tmp_path / "twin"))
    command = [sys.executable, "-m", "excelcert", "--campaign", str(campaign.root), "import", str(inbox)]
    subprocess.run(
        [sys.executable, "-m", "excelcert", "--campaign", str(twin.root), "import", str(inbox)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ledger_path = campaign.root / "ledger.sqlite"
    killed_at = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if ledger_path.exists():
            try:
                with sqlite3.connect(f"file:{ledger_path}?mode=ro", uri=True, timeout=1) as db:
                    count = db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
            except sqlite3.Error:
                count = 0
            if count >= 5:
                os.kill(process.pid, signal.SIGKILL)
                killed_at = count
                break
        time.sleep(0.01)
    process.wait(timeout=30)
    assert killed_at is not None and process.returncode == -signal.SIGKILL, "the import ended before it was killed"
    with Ledger.for_campaign(campaign.root) as ledger:
        assert 5 <= ledger.counts()["submissions"] < 48  # stopped half way, consistent
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    assert ledger_content(campaign) == ledger_content(twin)
    assert not list((campaign.root / "archive" / ".incoming").iterdir())
    assert len(list((campaign.root / "archive").glob("*.xlsx"))) == 48


def test_hidden_rows_widened_and_recoloured_columns(campaign, tmp_path):
    from openpyxl.styles import PatternFill

    path = returned(campaign, tmp_path)
    book = openpyxl.load_workbook(path)
    ws = book["Auto-évaluation"]
    for row in ws.iter_rows(min_row=4):
        if row[0].value in ("STR-01", "GOV-06"):
            ws.row_dimensions[row[0].row].hidden = True
    ws.column_dimensions["E"].width = 80
    for row in ws.iter_rows(min_row=5, max_row=8, min_col=5, max_col=5):
        row[0].fill = PatternFill("solid", fgColor="FF00FF")
    book.save(path)
    [result] = run_import(campaign, path)
    assert result.verdict == ACCEPTED
    with Ledger.for_campaign(campaign.root) as ledger:
        answers = {a.indicator_id: a.value for a in ledger.answers(result.submission_id)}
    assert answers["STR-01"] == 75 and answers["GOV-06"] == "yes"


def test_a_formula_typed_by_the_cluster(campaign, tmp_path):
    path = returned(campaign, tmp_path, answers={**ANSWERS, "STR-01": None})
    book = openpyxl.load_workbook(path)
    ws = book["Auto-évaluation"]
    for row in ws.iter_rows(min_row=4):
        if row[0].value == "STR-01":
            row[4].value = "=40+35"  # openpyxl stores no cached value: as if never calculated
    book.save(path)
    [result] = run_import(campaign, path)
    with Ledger.for_campaign(campaign.root) as ledger:
        problems = ledger.problems(result.submission_id)
    assert [(p.code, p.indicator_id) for p in problems] == [("answer-formula-not-calculated", "STR-01")]
    assert "=40+35" in problems[0].message


def test_a_macro_enabled_save_is_read_with_a_warning(campaign, tmp_path):
    path = returned(campaign, tmp_path)
    macro = path.with_suffix(".xlsm")
    path.rename(macro)
    [result] = run_import(campaign, macro)
    assert result.verdict == WITH_PROBLEMS
    assert [p.code for p in result.problems] == ["macro-workbook"]


def test_parallel_import_gives_the_same_ledger(campaign, tmp_path):
    from excelcert.campaign.config import open_campaign

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for cluster_id in ("FR-AERO-01", "DE-AUTO-01", "AT-WOOD-01", "BE-BIO-01"):
        returned(campaign, inbox, cluster_id, answers={"STR-01": 20} if cluster_id == "BE-BIO-01" else ANSWERS)
    (inbox / "garbage.xlsx").write_bytes(b"not a workbook")
    shutil.make_archive(str(tmp_path / "mail"), "zip", inbox)  # the same files again, within the batch
    twin = open_campaign(shutil.copytree(campaign.root, tmp_path / "twin"))
    serial = run_import(twin, inbox, tmp_path / "mail.zip")
    scheme = campaign.load_scheme()
    with Ledger.for_campaign(campaign.root) as ledger:
        parallel = import_files(
            campaign, scheme, set(CLUSTERS), read_key(campaign), ledger, [inbox, tmp_path / "mail.zip"], jobs=2
        )
    assert [(r.verdict, r.cluster) for r in parallel] == [(r.verdict, r.cluster) for r in serial]
    assert [r.verdict for r in parallel].count(ALREADY) == 5  # the zip's copies, recognised in the same batch
    assert ledger_content(campaign) == ledger_content(twin)


def test_a_file_that_kills_its_reader_is_rejected_and_the_batch_goes_on(campaign, tmp_path, monkeypatch):
    import os

    from excelcert.intake import batch

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for cluster_id in ("FR-AERO-01", "DE-AUTO-01", "AT-WOOD-01"):
        returned(campaign, inbox, cluster_id)
    (inbox / "crash.xlsx").write_bytes(b"a file that kills the process reading it")
    read = batch._read

    def read_or_die(data, scheme, name):  # as a native library aborting would: no exception, no cleanup
        if name.endswith("crash.xlsx"):
            os._exit(134)
        return read(data, scheme, name)

    monkeypatch.setattr(batch, "_read", read_or_die)  # the workers are forked: they have it too
    with Ledger.for_campaign(campaign.root) as ledger:
        results = import_files(
            campaign, campaign.load_scheme(), set(CLUSTERS), read_key(campaign), ledger, [inbox], jobs=2
        )
    verdicts = {Path(r.name).name: (r.verdict, r.problems[0].code if r.verdict == REJECTED else None) for r in results}
    assert verdicts.pop("crash.xlsx") == (REJECTED, "corrupt-file")
    assert set(verdicts.values()) == {(ACCEPTED, None)} and len(verdicts) == 3  # the others, read again


def test_large_batches_are_read_in_parallel_by_default(tmp_path, monkeypatch):
    import zipfile

    from excelcert.intake import batch

    monkeypatch.setattr(batch.os, "cpu_count", lambda: 8)
    (tmp_path / "few").mkdir()
    for n in range(3):
        (tmp_path / "few" / f"{n}.xlsx").write_bytes(b"x")
    with zipfile.ZipFile(tmp_path / "mail.zip", "w") as archive:
        for n in range(batch.PARALLEL_FROM):
            archive.writestr(f"returns/{n}.xlsx", b"x")
    assert batch.auto_jobs([tmp_path / "few"]) == 1  # starting workers would cost more than it saves
    assert batch.auto_jobs([tmp_path / "few", tmp_path / "mail.zip"]) == batch.MAX_AUTO_JOBS
    monkeypatch.setattr(batch.os, "cpu_count", lambda: 1)
    assert batch.auto_jobs([tmp_path / "few", tmp_path / "mail.zip"]) == 1


def test_a_duplicated_row_is_reported_once_and_only_when_answers_differ(campaign, tmp_path):
    path = returned(campaign, tmp_path)
    book = openpyxl.load_workbook(path)
    ws = book["Auto-évaluation"]
    source = {c.value: c.row for c in ws["A"] if c.value in ("STR-01", "STR-02")}
    for key, answer, comment in (("STR-01", 75, "copied row"), ("STR-02", 9, "other figure")):
        new = ws.max_row + 1
        for col in range(1, 11):
            ws.cell(new, col).value = ws.cell(source[key], col).value
        ws.cell(new, 5).value, ws.cell(new, 8).value = answer, comment
    book.save(path)
    [result] = run_import(campaign, path)
    with Ledger.for_campaign(campaign.root) as ledger:
        problems = [(p.code, p.indicator_id) for p in ledger.problems(result.submission_id)]
        answers = {a.indicator_id: a.value for a in ledger.answers(result.submission_id)}
    assert problems == [("answer-row-duplicate", "STR-02")]  # STR-01: same answer, only a comment differs
    assert answers["STR-01"] == 75 and answers["STR-02"] is None


def test_corrections_typed_on_the_profile_sheet_are_kept(campaign, tmp_path):
    path = returned(campaign, tmp_path)
    book = openpyxl.load_workbook(path)
    profile = book["Profil"]
    row = next(r for r in profile.iter_rows() if r[0].value == "contact_name")
    row[2].value = "Camille Martin-Dupont"
    book.save(path)
    [result] = run_import(campaign, path)
    with Ledger.for_campaign(campaign.root) as ledger:
        kept = ledger.profile(result.submission_id)
    assert kept["contact_name"] == "Camille Martin-Dupont" and kept["id"] == "FR-AERO-01"


def test_a_ledger_of_the_first_schema_is_migrated_with_its_data(campaign, tmp_path):
    """A campaign started before peer review keeps its submissions when a newer excelcert opens it."""
    import sqlite3

    from excelcert.base.ledger import MIGRATIONS, LedgerError

    path = campaign.root / "ledger.sqlite"
    db = sqlite3.connect(path)
    for statement in [s for s in MIGRATIONS[0].split(";") if s.strip()]:
        db.execute(statement)
    db.execute(
        "INSERT INTO submissions (sha256, original_name, size, received_at, import_seq, cluster_id, role,"
        " verdict, reason) VALUES ('abc', 'old.xlsx', 1, '2026-01-01T00:00:00', 1, 'FR-AERO-01',"
        " 'self-assessment', 'accepted', 'counts')"
    )
    db.execute("INSERT INTO answers (submission_id, indicator_id, raw, value) VALUES (1, 'STR-01', '75', '75')")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with Ledger.for_campaign(campaign.root) as ledger:
        assert ledger.version == len(MIGRATIONS)
        old = ledger.current("FR-AERO-01", "self-assessment")
        assert old.original_name == "old.xlsx" and old.reviewer_id is None
        assert [(a.indicator_id, a.value, a.agreement) for a in ledger.answers(old.id)] == [("STR-01", 75, None)]
        assert ledger.assignments() == [] and ledger.certificates() == []
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    db.commit()
    db.close()
    with pytest.raises(LedgerError, match="newer excelcert"):
        Ledger.for_campaign(campaign.root)


def test_the_club_consent_typed_on_the_profile_sheet_is_kept_and_wins_over_the_roster(campaign, tmp_path):
    from excelcert.register.club import club_consent

    path = returned(campaign, tmp_path)
    book = openpyxl.load_workbook(path)
    profile = book["Profil"]
    row = next(r for r in profile.iter_rows() if r[0].value == "club")
    assert row[2].value in ("Oui", "Non")  # in the cluster's language, from the roster
    validation = next(v for v in profile.data_validations.dataValidation if row[2].coordinate in v.sqref)
    assert validation.formula1 == '"Oui,Non"'
    row[2].value = "oui"
    book.save(path)
    [result] = run_import(campaign, path)
    with Ledger.for_campaign(campaign.root) as ledger:
        kept = ledger.profile(result.submission_id)
    assert kept["club"] == "oui"
    assert club_consent(kept, roster=False) is True
    assert club_consent({"club": "Nein"}, roster=True) is False
    assert club_consent({"club": "perhaps"}, roster=True) is True  # unclear: the roster's answer stands
    assert club_consent({}, roster=False) is False


@pytest.mark.parametrize("signature", ["é" * 64, "\U0001f4a5", "", "0" * 10_000])
def test_a_signature_cell_holding_anything_rejects_that_file_only(campaign, tmp_path, signature):
    path = returned(campaign, tmp_path, name="edited.xlsx")
    book = openpyxl.load_workbook(path)
    meta = book[META_SHEET]
    row = next(r for r in meta.iter_rows() if r[0].value == "signature")
    row[1].value = signature
    book.save(path)
    good = returned(campaign, tmp_path, cluster_id="DE-AUTO-01")
    results = run_import(campaign, path, good)
    assert [r.verdict for r in results] == [REJECTED, ACCEPTED]  # one file never stops the batch
    assert "Traceback" not in results[0].reason and "TypeError" not in results[0].reason


def test_one_command_writes_a_campaign_at_a_time_and_a_killed_one_blocks_nobody(campaign, tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from click.testing import CliRunner

    from excelcert.cli import cli

    holder = subprocess.Popen(
        [sys.executable, "-c", (
            "import sys, time; from pathlib import Path; from excelcert.base.files import exclusive\n"
            f"with exclusive(Path({str(campaign.root)!r}), 'import'):\n"
            "    print('held', flush=True); time.sleep(120)\n"
        )],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        path = returned(campaign, tmp_path)
        busy = CliRunner().invoke(cli, ["--campaign", str(campaign.root), "import", str(path)], catch_exceptions=False)
        assert busy.exit_code == 1 and "`excelcert import`" in busy.output and "has been running since" in busy.output
        assert "nothing was done" in busy.output
        with Ledger.for_campaign(campaign.root) as ledger:
            assert ledger.all_submissions() == []  # nothing stored by the refused run
    finally:
        holder.send_signal(signal.SIGKILL)  # killed in the middle: its lock goes with it
        holder.wait(30)
    time.sleep(0.1)
    done = CliRunner().invoke(cli, ["--campaign", str(campaign.root), "import", str(path)], catch_exceptions=False)
    assert done.exit_code == 0 and "accepted" in done.output


def _alive(pid: int) -> bool:
    """Whether a process runs (a zombie waiting for its new parent to collect it does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to see processes")
def test_reading_workers_die_with_their_import():
    import signal
    import subprocess
    import sys
    import time

    parent = subprocess.Popen(
        [sys.executable, "-c", (
            "import os, time\n"
            "from concurrent.futures import ProcessPoolExecutor\n"
            "from excelcert.intake.batch import _worker_scheme\n"
            "from excelcert.scheme import load_scheme\n"
            "pool = ProcessPoolExecutor(2, initializer=_worker_scheme, initargs=(load_scheme(None),))\n"
            "pids = set(pool.submit(os.getpid).result() for _ in range(8))\n"
            "busy = [pool.submit(time.sleep, 300) for _ in range(2)]\n"
            "print(' '.join(map(str, sorted(pids))), flush=True)\n"
            "time.sleep(300)\n"
        )],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert parent.stdout is not None
    workers = [int(pid) for pid in parent.stdout.readline().split()]
    assert workers and all(_alive(pid) for pid in workers)
    parent.send_signal(signal.SIGKILL)  # the import is killed half way
    parent.wait(30)
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers), "a reading worker outlived its import"


def test_a_number_too_large_for_any_cell_is_a_problem_on_its_cell_not_a_rejection(campaign, tmp_path):
    path = returned(campaign, tmp_path)
    book = openpyxl.load_workbook(path)
    sheet = book["Auto-évaluation"]
    row = next(r for r in sheet.iter_rows() if r[0].value == "STR-01")
    row[4].value = "1" * 400  # typed as text: no number a workbook can hold
    book.save(path)
    [result] = run_import(campaign, path)
    assert result.verdict == WITH_PROBLEMS  # the rest of the workbook is read
    [bad] = [p for p in result.problems if p.indicator == "STR-01"]
    assert bad.code == "answer-not-a-number" and str(bad.place) == f"Auto-évaluation!{row[4].coordinate}"


def test_a_copy_of_the_answer_sheet_before_the_original_is_a_problem_naming_both(campaign, tmp_path):
    path = returned(campaign, tmp_path)
    book = openpyxl.load_workbook(path)
    copy = book.copy_worksheet(book["Auto-évaluation"])
    copy.title = "Ancienne version"
    book.move_sheet(copy, offset=-(len(book.sheetnames) - 1))  # first of all
    for row in copy.iter_rows():
        if row[0].value == "STR-01":
            row[4].value = 12  # an old answer
    book.save(path)
    result = read_returned(path, campaign.load_scheme())
    [twice] = [p for p in result.problems if p.code == "answer-sheet-twice"]
    assert "'Ancienne version' and 'Auto-évaluation'" in twice.message and twice.severity == "error"
    assert result.answers == {}  # neither is taken
    book.remove(book["Ancienne version"])
    notes = book.create_sheet("Notes")  # a sheet naming two indicators is no copy
    notes.append(["STR-01", "hard to count"])
    notes.append(["FIN-02", "see the annual report"])
    book.save(path)
    again = read_returned(path, campaign.load_scheme())
    assert [p.code for p in again.problems] == [] and again.answers["STR-01"].value == ANSWERS["STR-01"]


def test_save_times_are_compared_as_instants_with_their_offsets(campaign, tmp_path):
    import re
    import zipfile

    def saved(path, stamp):
        with zipfile.ZipFile(path) as archive:
            parts = {info: archive.read(info.filename) for info in archive.infolist()}
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for info, data in parts.items():
                if info.filename == "docProps/core.xml":
                    data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>" + stamp + rb"\g<2>", data)
                archive.writestr(info, data)
        return path

    later = saved(returned(campaign, tmp_path, name="later.xlsx", answers={"STR-01": 20}), b"2026-03-01T10:00:00Z")
    # 12:00 in a zone five hours ahead of UTC is 07:00 UTC: saved before the other one
    earlier = saved(returned(campaign, tmp_path, name="earlier.xlsx"), b"2026-03-01T12:00:00+05:00")
    first, second = run_import(campaign, later, earlier)
    assert first.counts and not second.counts
    assert "saved 2026-03-01 07:00, before 2026-03-01 10:00" in second.reason


def test_a_workbook_carrying_another_clusters_metadata_sheet_is_rejected(campaign, tmp_path):
    """Cluster A's filled workbook with B's (genuine, signed) metadata sheet put in."""
    mine = returned(campaign, tmp_path, "FR-AERO-01", name="mine.xlsx")
    theirs = returned(campaign, tmp_path, "DE-AUTO-01", name="theirs.xlsx")
    their_meta = [[c.value for c in row] for row in openpyxl.load_workbook(theirs)[META_SHEET].iter_rows()]
    book = openpyxl.load_workbook(mine)
    for row, values in zip(book[META_SHEET].iter_rows(), their_meta, strict=True):
        for cell, value in zip(row, values, strict=True):
            cell.value = value
    book.save(mine)
    [result] = run_import(campaign, mine)
    assert result.verdict == REJECTED and result.problems[0].code == "metadata-not-its-own"
    assert "that of cluster DE-AUTO-01, but its profile sheet is that of cluster FR-AERO-01" in result.reason
    # the profile's id edited too: the title still names the other cluster
    for row in book["Profil"].iter_rows():
        if row[0].value == "id":
            row[2].value = "DE-AUTO-01"
    book.save(mine)
    [again] = run_import(campaign, mine)
    assert again.verdict == REJECTED and "its title names another cluster than" in again.reason


def test_each_workbook_signs_a_value_of_its_own(campaign, tmp_path):
    from excelcert.base.contract import read_workbook_meta
    from excelcert.base.spreadsheet import read_workbook

    metas = [read_workbook_meta(read_workbook(returned(campaign, tmp_path, c)))[0] for c in ("FR-AERO-01", "BE-BIO-01")]
    assert metas[0].nonce and metas[0].nonce != metas[1].nonce
    assert metas[0].cluster_name == CLUSTERS["FR-AERO-01"].name


def test_rejections_lead_somewhere(campaign, tmp_path):
    """A rejected file whose signature verifies is attributed to its cluster (status, history);
    a CSV is told to send the original workbook; messages name the format as each suite does."""
    mine = returned(campaign, tmp_path, "FR-AERO-01", name="mine.xlsx")
    theirs = returned(campaign, tmp_path, "AT-WOOD-01", name="theirs.xlsx")
    their_meta = [[c.value for c in row] for row in openpyxl.load_workbook(theirs)[META_SHEET].iter_rows()]
    book = openpyxl.load_workbook(mine)
    for row, values in zip(book[META_SHEET].iter_rows(), their_meta, strict=True):
        for cell, value in zip(row, values, strict=True):
            cell.value = value
    book.save(mine)
    csv = tmp_path / "FR-AERO-01.csv"
    csv.write_text("ID;Indicateur;Votre réponse\nSTR-01;Membres engagés;75\n", encoding="utf-8")
    xlsb = tmp_path / "FR-AERO-01.xlsb"
    if CORPUS.is_dir():
        shutil.copyfile(CORPUS / "poi-Simple.xlsb", xlsb)
    results = {Path(r.name).name: r for r in run_import(campaign, mine, csv, *([xlsb] if xlsb.exists() else []))}
    assert results["mine.xlsx"].verdict == REJECTED and results["mine.xlsx"].cluster == "AT-WOOD-01"
    with Ledger.for_campaign(campaign.root) as ledger:
        states = {s.cluster.id: s.state for s in campaign_status(list(CLUSTERS.values()), ledger)}
        assert [Path(s.original_name).name for s in ledger.history("AT-WOOD-01")] == ["mine.xlsx"]
    assert states["AT-WOOD-01"] == "rejected"
    assert results["FR-AERO-01.csv"].problems[0].code == "csv-return"
    assert "send the original workbook it received" in results["FR-AERO-01.csv"].reason
    if xlsb.exists():
        assert "'Excel Workbook (.xlsx)' in Excel, 'Excel 2007-365 (.xlsx)' in LibreOffice" in results[xlsb.name].reason


def _saved_by_libreoffice(path: Path) -> Path:
    """The workbook as LibreOffice saves an .xlsx: its application in docProps/app.xml (and
    its local time written with a 'Z' in core.xml: set by `set_saved_at`)."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as archive:
        parts = {info: archive.read(info.filename) for info in archive.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in parts.items():
            if info.filename == "docProps/app.xml":
                data = re.sub(
                    rb"<Application>[^<]*</Application>", b"<Application>LibreOffice/7.4.7.2</Application>", data
                )
            archive.writestr(info, data)
    return path


def _import_in_countries(campaign, ledger, paths):
    """Import `paths` as the command line does, each cluster's country known (save times
    written as local time are converted with it)."""
    return import_files(
        campaign,
        campaign.load_scheme(),
        set(CLUSTERS),
        read_key(campaign),
        ledger,
        paths,
        countries={c.id: c.country for c in CLUSTERS.values()},
    )


@pytest.mark.parametrize("order", ["libreoffice first", "excel first"])
def test_a_save_time_libreoffice_wrote_as_local_time_is_the_clusters_countrys(campaign, tmp_path, order):
    """Saved in Paris at 10:00 in LibreOffice (which writes 10:00, as if UTC: it is 09:00 UTC),
    then at 09:30 UTC in Excel: the Excel one is the newer and counts, in either import order."""
    local = returned(campaign, tmp_path, name="calc.xlsx", answers={**ANSWERS, "STR-01": 20})
    local = _saved_by_libreoffice(set_saved_at(local, dt.datetime(2026, 11, 30, 10, 0)))
    excel = returned(campaign, tmp_path, name="excel.xlsx", saved=dt.datetime(2026, 11, 30, 9, 30))
    paths = [local, excel] if order == "libreoffice first" else [excel, local]
    with Ledger.for_campaign(campaign.root) as ledger:
        results = _import_in_countries(campaign, ledger, paths)
        by_name = {Path(r.name).name: r for r in results}
        current = ledger.current("FR-AERO-01", "self-assessment")
        saved = {Path(s.original_name).name: s.saved_at for s in ledger.history("FR-AERO-01")}
    assert current is not None and Path(current.original_name).name == "excel.xlsx"
    assert saved == {"calc.xlsx": "2026-11-30T09:00:00", "excel.xlsx": "2026-11-30T09:30:00"}
    if order == "libreoffice first":
        assert (
            by_name["excel.xlsx"].counts
            and "saved 2026-11-30 09:30 after 2026-11-30 09:00" in by_name["excel.xlsx"].reason
        )
    else:
        assert not by_name["calc.xlsx"].counts and "saved 2026-11-30 09:00, before" in by_name["calc.xlsx"].reason


def test_a_local_save_time_is_read_as_the_countrys_time_on_that_day():
    from excelcert.base.spreadsheet import local_to_utc

    assert local_to_utc(dt.datetime(2026, 11, 30, 10, 0), "FR") == dt.datetime(2026, 11, 30, 9, 0)
    assert local_to_utc(dt.datetime(2026, 7, 1, 10, 0), "fr") == dt.datetime(2026, 7, 1, 8, 0)  # summer time
    assert local_to_utc(dt.datetime(2026, 11, 30, 10, 0), "ES") == dt.datetime(2026, 11, 30, 9, 0)  # not the Canaries
    assert local_to_utc(dt.datetime(2026, 11, 30, 10, 0), "HR") == dt.datetime(2026, 11, 30, 9, 0)
    assert local_to_utc(dt.datetime(2026, 11, 30, 10, 0), "XX") is None  # no zone known: the caller keeps it


def _forge_saved_at(path: Path, stamp: str) -> Path:
    """The workbook with its save time (docProps/core.xml) written as `stamp`, whatever it says."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as archive:
        parts = {info: archive.read(info.filename) for info in archive.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in parts.items():
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>" + stamp.encode() + rb"\g<2>", data)
            archive.writestr(info, data)
    return path


def test_a_clusters_local_save_time_is_its_countrys_when_a_reviewer_has_its_id(campaign, tmp_path):
    """A reviewer whose id is a cluster's (ids of two rosters): the cluster's save time is
    still read as its own country's time, not the reviewer's (one map of both made the
    reviewer's country win: Tokyo's time for a return saved in Paris)."""
    from dataclasses import replace

    from click.testing import CliRunner

    from excelcert.campaign.reviewers import example_reviewers, write_reviewers
    from excelcert.cli import cli

    first, *others = example_reviewers()
    write_reviewers(campaign.reviewers_path, [replace(first, id="FR-AERO-01", country="JP"), *others])
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _saved_by_libreoffice(set_saved_at(returned(campaign, inbox, name="calc.xlsx"), dt.datetime(2026, 11, 30, 10, 0)))
    result = CliRunner().invoke(cli, ["--campaign", str(campaign.root), "import", str(inbox)])
    assert result.exit_code == 0, result.output
    with Ledger.for_campaign(campaign.root) as ledger:
        [saved] = [s.saved_at for s in ledger.history("FR-AERO-01")]
    assert saved == "2026-11-30T09:00:00"  # Paris, UTC+1 (Tokyo's would be 01:00)


def test_a_save_time_at_the_calendars_edge_is_unknown_not_a_failure(campaign, tmp_path):
    """A forged save time that UTC puts outside the calendar (year 1 saved east of Greenwich,
    in LibreOffice or with its offset; year 9999 west of it) stopped the whole import with
    'unexpected error: OverflowError', or refused the workbook as not one: it is imported,
    its save time the one written (LibreOffice) or unknown (an offset past the calendar)."""
    from excelcert.base.spreadsheet import local_to_utc, parse_instant

    assert parse_instant("0001-01-01T00:00:00+05:00") is None and parse_instant("9999-12-31T23:30:00-05:00") is None
    assert (
        local_to_utc(dt.datetime(1, 1, 1), "FR") is None and local_to_utc(dt.datetime(9999, 12, 31, 23), "US") is None
    )
    calc = _saved_by_libreoffice(
        _forge_saved_at(returned(campaign, tmp_path, name="calc.xlsx"), "0001-01-01T00:00:00Z")
    )
    offset = _forge_saved_at(returned(campaign, tmp_path, name="offset.xlsx"), "0001-01-01T00:00:00+05:00")
    with Ledger.for_campaign(campaign.root) as ledger:
        results = _import_in_countries(campaign, ledger, [calc, offset])
        saved = {Path(s.original_name).name: s.saved_at for s in ledger.history("FR-AERO-01")}
    assert [r.verdict for r in results] == [ACCEPTED, ACCEPTED]
    assert saved == {"calc.xlsx": "0001-01-01T00:00:00", "offset.xlsx": None}


def test_import_reads_a_local_save_time_as_the_clusters_country(campaign, tmp_path):
    """The same through `excelcert import`: the roster gives the cluster's country."""
    from click.testing import CliRunner

    from excelcert.cli import cli

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    local = returned(campaign, inbox, name="calc.xlsx", answers={**ANSWERS, "STR-01": 20})
    _saved_by_libreoffice(set_saved_at(local, dt.datetime(2026, 11, 30, 10, 0)))
    returned(campaign, inbox, name="excel.xlsx", saved=dt.datetime(2026, 11, 30, 9, 30))
    result = CliRunner().invoke(cli, ["--campaign", str(campaign.root), "import", str(inbox)])
    assert result.exit_code == 0, result.output
    with Ledger.for_campaign(campaign.root) as ledger:
        current = ledger.current("FR-AERO-01", "self-assessment")
    assert current is not None and Path(current.original_name).name == "excel.xlsx"


def test_the_workbooks_excelcert_wrote_to_send_are_not_returns(campaign, tmp_path):
    """`excelcert import output/` (a newcomer's slip) took every workbook written for the
    clusters as a return: all of them 'incomplete', 30 answers to correct, corrections
    written for clusters that had sent nothing. What excelcert wrote to send (to-clusters,
    to-reviewers, outbox, corrections, documents) is refused unread, named; the same file
    saved elsewhere (the cluster sent it back untouched) is a return."""
    import shutil

    from excelcert.assessment.generate import generate_workbooks

    sent = campaign.to_clusters_dir
    [(_, made)] = generate_workbooks(
        campaign, campaign.load_scheme(), [CLUSTERS["FR-AERO-01"]], read_key(campaign)
    ).written
    outbox = campaign.output_dir / "outbox" / "workbook"
    outbox.mkdir(parents=True)
    shutil.make_archive(str(outbox / "sent"), "zip", sent)
    results = run_import(campaign, campaign.root / "output")
    assert sorted(Path(r.name).name for r in results) == [made.name, made.name]
    assert all(r.verdict == REJECTED and "not a file sent back" in r.reason for r in results)
    assert any("the workbooks to send to the clusters" in r.reason for r in results)
    with Ledger.for_campaign(campaign.root) as ledger:
        assert ledger.current("FR-AERO-01", "self-assessment") is None
    back = shutil.copyfile(made, tmp_path / "inbox.xlsx")  # sent back untouched: a return, with nothing answered
    [result] = run_import(campaign, back)
    assert result.cluster == "FR-AERO-01" and result.counts
    filled = returned(campaign, tmp_path, name="filled.xlsx")  # filled in where it was written: read
    shutil.copyfile(filled, made)
    [result] = run_import(campaign, made)
    assert result.verdict == ACCEPTED and result.cluster == "FR-AERO-01"

"""Every returned file gets one verdict, whatever its metadata fields and answer cells hold.

Property-based: hypothesis puts values of every kind (text in any script, control
characters, huge and non-finite numbers, booleans, dates, empty cells) into the signed
metadata fields and into answer cells of a real returned workbook, and the import must
give that file exactly one verdict, with a reason written for a person: never an
exception, never Python's own error text.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from excelcert.assessment.workbook import build_self_assessment
from excelcert.base.contract import META_SHEET
from excelcert.base.ledger import Ledger
from excelcert.campaign.config import init_campaign, read_key
from excelcert.campaign.roster import example_clusters
from excelcert.intake.batch import import_files
from excelcert.scheme import load_scheme
from excelcert.scheme.model import SELECT_MULTIPLE
from tests.test_workbook import ANSWERS

CLUSTER = next(c for c in example_clusters() if c.id == "FR-AERO-01")
META_FIELDS = ("format", "campaign_id", "scheme_id", "scheme_version", "cluster_id", "role", "language", "signature")
# every answer row of the built-in scheme: each indicator's, and each choice's of a several-choice one
ANSWER_ROWS = tuple(
    key
    for ind in load_scheme().indicators
    for key in (
        [f"{ind.id}/{c.value}" for c in load_scheme().choice_list_of(ind).choices]
        if ind.type == SELECT_MULTIPLE
        else [ind.id]
    )
)

cell_values = st.one_of(
    st.none(),
    # any text a workbook can hold (XML 1.0 forbids most control characters and lone surrogates)
    st.text(st.characters(exclude_categories=("Cs",)), max_size=300).filter(
        lambda t: not ILLEGAL_CHARACTERS_RE.search(t)
    ),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)),
    st.sampled_from(["1" * 400, "nan", "inf", "-1e400", "=1+1", "é" * 70, "\u202e right-to-left \u200b"]),
)

_counter = itertools.count()


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("fuzz")
    campaign = init_campaign(root / "camp", today=dt.date(2026, 11, 27))
    path = root / "base.xlsx"
    scheme = campaign.load_scheme()
    build_self_assessment(path, scheme, campaign, CLUSTER, read_key(campaign), answers=ANSWERS)
    return campaign, path, scheme


def _returned(base_path: Path, folder: Path, meta: dict[str, object], answers: dict[str, object]) -> Path:
    book = openpyxl.load_workbook(base_path)
    for row in book[META_SHEET].iter_rows():
        if row[0].value in meta:
            row[1].value = meta[row[0].value]
    sheet = book["Auto-évaluation"]
    for row in sheet.iter_rows():
        if row[0].value in answers:
            row[4].value = answers[row[0].value]
    path = folder / f"returned-{next(_counter)}.xlsx"
    book.save(path)
    return path


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    meta=st.dictionaries(st.sampled_from(META_FIELDS), cell_values, max_size=3),
    answers=st.dictionaries(st.sampled_from(ANSWER_ROWS), cell_values, max_size=5),
)
def test_every_returned_file_gets_one_verdict_whatever_its_cells_hold(base, tmp_path, meta, answers):
    campaign, base_path, scheme = base
    path = _returned(base_path, tmp_path, meta, answers)
    with Ledger.for_campaign(campaign.root) as ledger:
        results = import_files(campaign, scheme, {CLUSTER.id}, read_key(campaign), ledger, [path])
    assert len(results) == 1
    [result] = results
    assert result.verdict in ("accepted", "accepted with problems", "rejected", "already imported")
    for text in [result.reason, *(p.message for p in result.problems)]:
        assert "Traceback" not in text and "Error:" not in text, text
    for problem in result.problems:  # a problem with an answer cell names that cell
        if (
            problem.code.startswith("answer-")
            and problem.code != "answer-row-missing"
            and problem.indicator in ANSWER_ROWS
        ):
            assert problem.place is not None and problem.place.cell
    if not meta:  # nothing of the contract was touched: the file is ours, whatever the answers
        assert result.verdict != "rejected", result.reason

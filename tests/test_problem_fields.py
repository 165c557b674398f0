"""A problem keeps the values its message was made from, and --json carries them."""

from __future__ import annotations

import json
import textwrap

from click.testing import CliRunner

from excelcert.base.problems import Place, problem
from excelcert.cli import cli


def test_a_problem_keeps_its_fields_and_their_json_is_plain():
    item = problem("roster-duplicate-id", Place("roster", "A3"), value="A-1", first=Place("roster", "A2"))
    assert item.fields == {"first": Place("roster", "A2")}
    data = item.to_dict()
    assert data["fields"] == {"first": "roster!A2"}  # a place is given as the reader writes it
    assert data["value"] == "A-1" and data["cell"] == "A3"
    json.dumps(data)  # nothing in it that JSON cannot carry


def test_lists_and_sets_in_fields_stay_lists():
    item = problem("points-total-mismatch", None, total=12.5, declared=10, detail=["a", "b"])
    assert item.to_dict()["fields"] == {"total": 12.5, "declared": 10, "detail": ["a", "b"]}


def test_json_of_a_check_carries_the_fields(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        textwrap.dedent(
            """\
            id,name,country,language,email
            A-1,Alpha,DE,de,a@example.org
            A-1,Beta,FR,fr,b@example.org
            """
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["roster", "check", str(roster), "--json"], catch_exceptions=False)
    assert result.exit_code == 1
    found = json.loads(result.output)["problems"]
    duplicate = next(p for p in found if p["code"] == "roster-duplicate-id")
    assert duplicate["fields"] == {"first": "roster.csv!A2"} and duplicate["value"] == "A-1"

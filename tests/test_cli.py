"""The command line, used as a secretariat uses it: exit codes, messages, files written."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from excelcert.cli import cli
from excelcert.scheme import check_scheme, load_scheme
from tests.helpers import REPO, mini_workbook


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, list(args), catch_exceptions=False)
    return invoke


def _all_commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from _all_commands(command, prefix + (name,))


def test_every_command_has_help_text_and_is_documented():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for path, command in _all_commands(cli):
        assert command.help and command.get_short_help_str(), path
        assert f"excelcert {' '.join(path)}" in readme, f"README does not mention `excelcert {' '.join(path)}`"


def test_help_shows_the_workflow(run):
    result = run("--help")
    assert result.exit_code == 0
    assert "scheme" in result.output and "Indicators and label rules" in result.output


def test_scheme_check_default(run):
    result = run("scheme", "check")
    assert result.exit_code == 0
    assert "no errors, no warnings" in result.output
    assert "31 indicators in 5 categories, 150 points, languages en, fr, de" in result.output


def test_scheme_show_json(run):
    result = run("scheme", "show", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    summary = data["summary"]
    assert summary["indicators"] == 31 and summary["categories"] == 5
    assert summary["max_points"] == 150
    assert summary["languages"] == ["en", "fr", "de"]
    assert summary["labels"]["gold"] == {"min_percent": 80, "min_points": 120}
    assert len(data["scheme"]["indicators"]) == 31


def test_scheme_show_table_in_french(run):
    result = run("scheme", "show", "--lang", "fr")
    assert result.exit_code == 0
    assert "Structure du cluster" in result.output and "Membres engagés" in result.output
    assert "Or" in result.output and "≥ 80 %" in result.output


def test_scheme_show_unknown_language_is_a_usage_error(run):
    result = run("scheme", "show", "--lang", "es")
    assert result.exit_code == 2
    assert "'es' is not one of the scheme's languages (en, fr, de)" in result.output


def test_export_then_check_the_workbook(run, tmp_path):
    out = tmp_path / "scheme.xlsx"
    result = run("scheme", "export", "--format", "xlsx", "-o", str(out))
    assert result.exit_code == 0 and out.exists()
    assert check_scheme(out).scheme == load_scheme()
    again = run("scheme", "export", "-o", str(out))
    assert again.exit_code == 1
    assert "already exists; nothing was written. Use --force" in again.output
    forced = run("scheme", "export", "-o", str(out), "--force")
    assert forced.exit_code == 0


def test_export_yaml_to_stdout(run):
    result = run("scheme", "export", "--format", "yaml", "-o", "-")
    assert result.exit_code == 0
    assert result.output.startswith("# excelcert scheme")
    assert "id: STR-01" in result.output


def test_export_needs_a_format(run):
    result = run("scheme", "export")
    assert result.exit_code == 2
    assert "--format xlsx or --format yaml" in result.output


def test_export_default_file_name(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("scheme", "export", "--format", "yaml")
    assert result.exit_code == 0
    assert (tmp_path / "cluster-excellence-2026.1.yaml").exists()


def test_check_a_workbook_with_several_mistakes(run, tmp_path):
    from tests.helpers import MINI_TABLES

    indicators = MINI_TABLES["indicators"].replace("| integer    |", "| nmber      |") \
        .replace("| FIN      | Strategy ", "| FINN     | Strategy ")
    path = mini_workbook(tmp_path, indicators=indicators)
    result = run("scheme", "check", str(path))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith("error: indicators!G2: indicator STR-01: unknown answer type 'nmber'")
               for line in lines)
    assert any(line.startswith("error: indicators!B3: indicator FIN-01: category 'FINN'") for line in lines)
    assert "Traceback" not in result.output


def test_check_json(run, tmp_path):
    path = mini_workbook(tmp_path)
    result = run("scheme", "check", str(path), "--json")
    assert result.exit_code == 0
    assert json.loads(result.output)["ok"] is True


def test_show_a_broken_scheme_fails_with_its_errors(run, tmp_path):
    from tests.helpers import MINI_TABLES

    path = mini_workbook(tmp_path, indicators=MINI_TABLES["indicators"].replace("| integer    |", "| nmber      |"))
    result = run("scheme", "show", "--scheme", str(path))
    assert result.exit_code == 1
    assert "indicators!G2" in result.output
    assert "the scheme has 1 error - nothing was written" in result.output


def test_unreadable_file_is_one_line_on_stderr(tmp_path):
    path = tmp_path / "scheme.xlsx"
    path.write_bytes(b"PK\x03\x04 truncated")
    proc = subprocess.run([sys.executable, "-m", "excelcert", "scheme", "check", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: ")
    assert "damaged" in proc.stderr and "Traceback" not in proc.stderr


def test_unexpected_failure_is_a_message_and_debug_shows_the_traceback(run, monkeypatch):
    import excelcert.scheme as scheme_module

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(scheme_module, "check_scheme", boom)
    runner = CliRunner()
    result = runner.invoke(cli, ["scheme", "check"])
    assert result.exit_code == 1
    assert "unexpected error: RuntimeError: disk on fire" in result.output
    assert "--debug" in result.output
    debug = runner.invoke(cli, ["--debug", "scheme", "check"])
    assert isinstance(debug.exception, RuntimeError)


def test_readme_opens_with_the_two_commands_and_ci_runs_the_second():
    lines = [line.strip() for line in (REPO / "README.md").read_text(encoding="utf-8").splitlines()]
    commands = [line for line in lines[:12] if line.startswith("python3 -m venv")]
    assert len(commands) == 2
    assert commands[0].endswith("excelcert scheme show")
    assert commands[1].endswith("pytest") and "[test]" in commands[1]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert commands[1] in ci

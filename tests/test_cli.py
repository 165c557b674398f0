"""The command line, used as a secretariat uses it: exit codes, messages, files written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from excelcert.cli.commands import cli
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

    indicators = (
        MINI_TABLES["indicators"]
        .replace("| integer    |", "| nmber      |")
        .replace("| FIN      | Strategy ", "| FINN     | Strategy ")
    )
    path = mini_workbook(tmp_path, indicators=indicators)
    result = run("scheme", "check", str(path))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith("error: indicators!G2: indicator STR-01: unknown answer type 'nmber'") for line in lines)
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
    proc = subprocess.run(
        [sys.executable, "-m", "excelcert", "scheme", "check", str(path)], capture_output=True, text=True, timeout=60
    )
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
    assert commands[0].endswith("excelcert demo")
    assert commands[1].endswith("pytest") and "[test]" in commands[1]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert commands[1] in ci


# --- campaign commands ----------------------------------------------------------------------


def test_init_roster_check_generate(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    created = run(
        "init",
        "camp",
        "--title",
        "Label 2027",
        "--deadline",
        "2027-02-15",
        "--contact-email",
        "label@secretariat.example",
    )
    assert created.exit_code == 0, created.output
    assert "Created campaign 'camp'" in created.output
    monkeypatch.chdir(tmp_path / "camp" / "workbooks")  # found from a subfolder, like git
    checked = run("roster", "check")
    assert checked.exit_code == 0 and "12 clusters" in checked.output
    generated = run("generate", "--json")
    assert generated.exit_code == 0
    data = json.loads(generated.output)
    assert len(data["written"]) == 12 and {w["language"] for w in data["written"]} == {"en", "fr", "de"}
    again = run("generate", "--cluster", "FR-AERO-01")
    assert again.exit_code == 0
    assert "kept" in again.output and "--force replaces it" in again.output
    forced = run("generate", "--cluster", "FR-AERO-01", "--force")
    assert "1 workbook written, 0 kept, in ../output/camp/to-clusters" in forced.output


def test_generate_unknown_cluster_is_a_usage_error(run, tmp_path):
    run("init", str(tmp_path / "camp"))
    result = run("--campaign", str(tmp_path / "camp"), "generate", "--cluster", "XX-NOPE")
    assert result.exit_code == 2 and "not in the roster: XX-NOPE" in result.output


def test_generate_refuses_a_roster_with_errors(run, tmp_path):
    from tests.helpers import write_workbook

    run("init", str(tmp_path / "camp"))
    write_workbook(
        tmp_path / "camp" / "workbooks" / "roster.xlsx",
        {
            "roster": """
        | id  | name | country | language | email         |
        | A-1 | A    | DE      | de       | a@a.example   |
        | A-1 | B    | XX      | es       | not-an-email  |
    """
        },
    )
    result = run("--campaign", str(tmp_path / "camp"), "generate")
    assert result.exit_code == 1
    assert "roster!A3: cluster id 'A-1' is used more than once" in result.output
    assert "nothing was done" in result.output
    assert not (tmp_path / "camp" / "output" / "camp" / "to-clusters").exists()


def test_commands_outside_a_campaign_say_what_to_do(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("generate")
    assert result.exit_code == 1
    assert "no campaign here" in result.output and "excelcert init DIR" in result.output


def test_roster_template(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run("roster", "template").exit_code == 0
    assert run("roster", "check", "roster.xlsx").exit_code == 0
    assert run("roster", "template").exit_code == 1  # never overwritten silently


def test_demo(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = run("demo")
    assert first.exit_code == 0, first.output
    assert "12 self-assessments (3 in de, 6 in en, 3 in fr)" in first.output
    assert len(list((tmp_path / "excelcert-demo" / "output" / "demo" / "to-clusters").glob("*.xlsx"))) == 12
    assert "in excelcert-demo/output/demo/to-clusters" in first.output  # relative to here, printed once
    assert "output/demo/output" not in first.output and "(s)" not in first.output
    assert "the campaign report excelcert-demo/output/demo/report-en.xlsx" in first.output  # relative, as the rest
    assert "12 messages with the workbooks, written as .eml files" in first.output
    assert "7 clusters replied with their workbook, saved as a mailbox" in first.output
    # the eighth reply is an out-of-office message: no workbook, a verdict of its own
    assert "import     4 accepted, 2 accepted with problems, 2 rejected" in first.output
    status = json.loads(run("--campaign", str(tmp_path / "excelcert-demo"), "status", "--json").output)
    states = {row["cluster"]: row["state"] for row in status}
    assert states["DE-AUTO-01"] == "complete" and states["BE-BIO-01"] == "incomplete"
    assert states["NO-OCEAN-01"] == "not returned"  # its altered workbook names no cluster
    assert first.output.strip().splitlines()[-1].endswith("/public/index.html")  # where to open the site
    # a fresh demo each time: the earlier one (register, both campaigns, site) is cleared whole
    from excelcert.demo.run import _clear

    (tmp_path / "excelcert-demo" / ".excelcert.lock").write_text("")  # left by a command run in it
    _clear(tmp_path / "excelcert-demo")
    assert not (tmp_path / "excelcert-demo").exists()


def test_demo_leaves_other_folders_alone(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious" / "thesis.docx").write_bytes(b"x")
    result = run("demo", "--dir", "precious")
    assert result.exit_code == 1 and "left alone" in result.output
    assert (tmp_path / "precious" / "thesis.docx").exists()


def test_scheme_commands_use_the_campaigns_scheme(run, tmp_path, monkeypatch):
    from tests.helpers import MINI_YAML

    mini = tmp_path / "mini.yaml"
    mini.write_text(MINI_YAML, encoding="utf-8")
    assert run("init", str(tmp_path / "camp"), "--scheme", str(mini)).exit_code == 0
    monkeypatch.chdir(tmp_path / "camp")
    shown = json.loads(run("scheme", "show", "--json").output)
    assert shown["summary"]["id"] == "mini" and shown["summary"]["indicators"] == 3
    monkeypatch.chdir(tmp_path)
    assert json.loads(run("scheme", "show", "--json").output)["summary"]["indicators"] == 31


def test_corrections_command(run, demo_copy, monkeypatch):
    monkeypatch.chdir(demo_copy.parent)  # the campaign given relative to the current folder
    result = run("--campaign", demo_copy.name, "corrections", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert [r["cluster"] for r in rows] == ["BE-BIO-01"]  # stopped half way
    assert rows[0]["items"] == 17 and rows[0]["file"].endswith(".xlsx")


def in_a_terminal(*args: str) -> str:
    """What `excelcert ARGS` prints in a pseudo-terminal (rich colours and all), as text."""
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "250", "LINES": "50", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "excelcert", *args], stdin=follower, stdout=follower, stderr=follower, env=env
    )
    os.close(follower)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the command has finished
            break
        if not chunk:
            break
        out += chunk
    os.close(leader)
    assert process.wait(timeout=60) == 0, out.decode("utf-8", "replace")
    return out.decode("utf-8", "replace")


def test_what_came_from_files_is_harmless_in_a_real_terminal(campaign, tmp_path):
    """Roster names and file names holding escape sequences (a window title, blinking, a
    link), printed by `status` and `import` in a pseudo-terminal: removed, whatever rich does."""
    import csv

    from excelcert.campaign.roster import EXAMPLE_ROSTER

    rows = list(csv.reader(EXAMPLE_ROSTER.read_text(encoding="utf-8").splitlines()))
    rows[1][1] = (
        "BioTech [/] Lab \x1b]0;pwned\x07\x1b[5mBLINK\x1b[25m \x1b]8;;https://evil.example\x1b\\here\x1b]8;;\x1b\\"
    )
    rows[2][1] = "Pôle [bio/santé]\x9b2J"
    roster = campaign.root / "workbooks" / "roster.csv"
    with roster.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    config = campaign.config_path
    config.write_text(config.read_text(encoding="utf-8").replace("workbooks/roster.xlsx", "workbooks/roster.csv"))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "\x1b]0;owned\x07reply\x1b[6m.xlsx").write_bytes(b"not a workbook")
    status = in_a_terminal("--campaign", str(campaign.root), "status")
    imported = in_a_terminal("--campaign", str(campaign.root), "import", str(inbox))
    for printed in (status, imported):
        assert "\x1b]" not in printed and "\x07" not in printed and "\x9b" not in printed  # no title, link, bell
        assert "\x1b[5m" not in printed and "\x1b[6m" not in printed  # no blinking
        assert "pwned" not in printed and "owned" not in printed
    assert "BioTech [/] Lab BLINK here" in status and "Pôle [bio/santé]" in status
    assert "\x1b[" in status  # rich's own colours are there: this is a terminal
    assert "reply.xlsx" in imported


def test_names_with_table_markup_and_escapes_print_as_typed(run, campaign):
    import csv

    from excelcert.campaign.roster import EXAMPLE_ROSTER

    rows = list(csv.reader(EXAMPLE_ROSTER.read_text(encoding="utf-8").splitlines()))
    rows[1][1] = "BioTech [/] Lab [link=https://evil.example]x[/link] \x1b]0;pwned\x07"
    rows[2][1] = "Pôle [bio/santé]"
    roster = campaign.root / "workbooks" / "roster.csv"
    with roster.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    config = campaign.config_path
    config.write_text(config.read_text(encoding="utf-8").replace("workbooks/roster.xlsx", "workbooks/roster.csv"))
    result = run("--campaign", str(campaign.root), "status")
    assert result.exit_code == 0  # rich markup in a name used to stop the whole table
    assert "BioTech [/] Lab [link=https://evil.example]x[/link]" in result.output
    assert "Pôle [bio/santé]" in result.output
    assert "\x1b" not in result.output and "\x07" not in result.output


def test_paths_are_shown_from_where_the_command_runs_and_counts_have_no_s_in_brackets(tmp_path, monkeypatch):
    from excelcert.base.words import counted, shown

    monkeypatch.chdir(tmp_path)
    assert shown(tmp_path / "demo" / "output" / "results.xlsx") == "demo/output/results.xlsx"
    assert shown("/nowhere/else/file.xlsx") == "/nowhere/else/file.xlsx"
    assert (counted(1, "file"), counted(2, "file"), counted(0, "entry", "entries")) == (
        "1 file",
        "2 files",
        "0 entries",
    )


def test_the_demo_is_built_outside_any_output_folder():
    """Its own outputs go to <dir>/output/demo/: a default inside output/ printed
    output/demo/output/demo/."""
    [option] = [p for p in cli.commands["demo"].params if p.name == "directory"]
    assert "output" not in Path(option.default).parts


def test_a_file_that_cannot_be_written_is_a_message_not_an_unexpected_error(demo_copy, monkeypatch):
    """A letter that cannot be written (its name taken by a folder here; on Windows, the file
    open in Word; a read-only share; a full disk) names the file and what to check, instead
    of asking the secretariat to report a bug."""
    monkeypatch.chdir(demo_copy)
    folder = next((demo_copy / "output").glob("*/documents/DE-AUTO-01 *"))
    letter = folder / "DE-AUTO-01 Brief.docx"
    letter.unlink(missing_ok=True)
    letter.mkdir()
    result = CliRunner().invoke(cli, ["letters", "--jobs", "1"])
    assert result.exit_code == 1
    assert "unexpected error" not in result.output and "report it" not in result.output
    assert "DE-AUTO-01 Brief.docx" in result.output and "Is a directory" in result.output
    assert "Traceback" not in result.output


def test_a_large_import_lists_only_the_files_that_need_a_look(capsys):
    from excelcert.cli.terminal import LIST_EVERY_FILE_UP_TO, import_summary, print_import
    from excelcert.intake.batch import FileResult

    routine = [
        FileResult(f"in/C{k:03}.xlsx", "accepted", "counts: the first workbook", f"C{k:03}", counts=True)
        for k in range(LIST_EVERY_FILE_UP_TO + 10)
    ]
    special = [
        FileResult("in/odd.xlsx", "rejected", "it is not a workbook"),
        FileResult("in/C900.xlsx", "accepted with problems", "2 problems to correct", "C900", counts=True),
        FileResult("in/C901 old.xlsx", "accepted", "does not count: older than C901.xlsx", "C901", counts=False),
        FileResult("in/C902.xlsx", "already imported", "the same file was imported on 2026-11-02", "C902"),
    ]
    results = routine[:20] + special + routine[20:]
    print_import(results)
    out = capsys.readouterr().out
    for r in special:
        assert Path(r.name).name in out
    assert "C005.xlsx" not in out and "C030.xlsx" not in out
    assert f"{len(routine)} files accepted without problems and counting are not listed" in out
    assert "--all" in out

    print_import(results, every_file=True)
    out = capsys.readouterr().out
    assert all(Path(r.name).name in out for r in results)
    assert "not listed" not in out

    print_import(routine[:LIST_EVERY_FILE_UP_TO])  # a small batch: every file, as always
    out = capsys.readouterr().out
    assert all(Path(r.name).name in out for r in routine[:LIST_EVERY_FILE_UP_TO])

    assert import_summary(results) == (
        f"{len(results)} files: {len(routine) + 1} accepted, 1 accepted with problems, 1 rejected, 1 already imported"
    )
    assert import_summary([]) == "0 files"


@pytest.mark.parametrize("terminal", [True, False])
def test_a_long_table_is_printed_a_few_rows_at_a_time_as_it_would_be_whole(terminal, monkeypatch):
    import io

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from excelcert.cli import terminal as printing

    def table() -> Table:
        made = Table(title=Text("Status", style="bold"), title_justify="left")
        for column in ("Cluster", "Name", "State"):
            made.add_column(column, justify="right" if column == "State" else "left")
        for n in range(300):  # long names wrap over several lines
            made.add_row(f"C-{n}", "Cluster " * (n % 7), Text("complete" if n % 3 else "rejected", style="red"))
        return made

    def console(out: io.StringIO) -> Console:
        return Console(file=out, width=60, force_terminal=terminal, color_system="truecolor" if terminal else None)

    whole, batched = io.StringIO(), io.StringIO()
    console(whole).print(table())
    monkeypatch.setattr(printing, "PRINTED_AT_ONCE", 7)  # many batches, cut anywhere
    printing._print_table(console(batched), table())
    assert batched.getvalue() == whole.getvalue()
    assert whole.getvalue().count("\n") > 300 and ("\x1b[" in whole.getvalue()) == terminal


@pytest.mark.parametrize("terminal", [True, False])
@pytest.mark.parametrize("width", [140, 60, 24])
def test_a_long_table_printed_in_batches_aligns_as_printed_whole(terminal, width, monkeypatch):
    """`_print_rows` makes the rows twice, measuring then printing a batch at a time in
    columns of fixed widths: the text is what rich prints of the whole table, at any width
    (wide enough for every cell, wrapping one column, or too narrow for any), also where the
    widest cell is in a later batch."""
    import io

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from excelcert.cli import terminal as printing

    def make_table() -> Table:
        made = Table(title=Text("Scores", style="bold"), title_justify="left")
        for column in ("Cluster", "Points", "Label", "Why"):
            made.add_column(column, justify="right" if column == "Points" else "left")
        return made

    def rows() -> list[tuple[str | Text, ...]]:
        return [
            (
                f"C-{n}" + "x" * (40 if n == 287 else 0),
                f"{n % 150} / 150",
                Text(["Gold", "Silver", "—"][n % 3], style="bold yellow"),
                "Gold requires 120 points. " * (n % 5) + ("[red]markup[/] kept" if n == 200 else ""),
            )
            for n in range(300)
        ]

    def console(out: io.StringIO) -> Console:
        return Console(file=out, width=width, force_terminal=terminal, color_system="truecolor" if terminal else None)

    whole, batched, made = io.StringIO(), io.StringIO(), []
    table = make_table()
    for row in rows():
        printing._add_row(table, *row)
    console(whole).print(table)
    monkeypatch.setattr(printing, "ROWS_AT_ONCE", 7)  # many batches
    printing._print_rows(console(batched), make_table, lambda: made.append(1) or rows())
    assert batched.getvalue() == whole.getvalue()
    assert len(made) == 2  # measured, then printed
    assert whole.getvalue().count("\n") > 300 and ("\x1b[" in whole.getvalue()) == terminal


def test_a_deleted_current_folder_is_said_plainly(tmp_path):
    """A terminal left in a folder deleted meanwhile (the campaign moved, a temporary folder
    cleaned up): every command, with or without a campaign, says so and what to do, instead
    of 'unexpected error: FileNotFoundError'."""
    gone = tmp_path / "gone"
    script = (
        "import os, sys; os.chdir(sys.argv[1]); os.rmdir(sys.argv[1]); "
        "from excelcert.cli.commands import main; sys.argv = ['excelcert', *sys.argv[2:]]; main()"
    )
    for args in (["status"], ["scheme", "show"], ["init", "x"]):
        gone.mkdir()
        proc = subprocess.run(
            [sys.executable, "-c", script, str(gone), *args], capture_output=True, text=True, timeout=60
        )
        assert proc.returncode == 1, args
        assert "current folder no longer exists" in proc.stderr and "cd" in proc.stderr, args
        assert "unexpected" not in proc.stderr and "Traceback" not in proc.stderr, args


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (OSError(28, "No space left on device"), "disk is full"),
        (OSError(24, "Too many open files"), "too many files are open"),
        (PermissionError(13, "Permission denied"), "the system refused an operation (Permission denied)"),
        (ConnectionResetError("reset by peer"), "the system refused an operation (reset by peer)"),
    ],
)
def test_a_system_error_without_a_file_name_is_not_a_bug_to_report(monkeypatch, error, expected):
    """An OSError that names no file (a full disk while writing, too many open files) is a
    fact about the machine: said in words, never 'unexpected error ... report it'."""
    import excelcert.scheme as scheme_module

    def refused(*args, **kwargs):
        raise error

    monkeypatch.setattr(scheme_module, "check_scheme", refused)
    result = CliRunner().invoke(cli, ["scheme", "check"])
    assert result.exit_code == 1
    assert expected in result.output
    assert "unexpected error" not in result.output and "report it" not in result.output


def test_roster_check_counts_one_cluster_in_the_singular(tmp_path, run):
    """The empty template's one example row: '1 cluster.', not '1 clusters.'."""
    template = tmp_path / "roster.xlsx"
    assert run("roster", "template", "-o", str(template)).exit_code == 0
    checked = run("roster", "check", str(template))
    assert checked.exit_code == 0 and checked.output.rstrip().endswith("no errors, no warnings. 1 cluster.")


def test_a_contact_address_that_is_none_is_refused_before_any_workbook(tmp_path, run, monkeypatch):
    """`init --contact-email 'label at secretariat'` made a campaign whose every workbook told
    the clusters to write to it, and whose mail then said 'no sender address: set contact.email'
    of a campaign.yaml that set it: refused at init, and in a campaign.yaml edited so."""
    monkeypatch.chdir(tmp_path)
    refused = run("init", "camp", "--contact-email", "label at secretariat")
    assert refused.exit_code == 1 and not (tmp_path / "camp").exists()
    assert "'label at secretariat' is not an e-mail address" in refused.output and "--contact-email" in refused.output
    assert run("init", "camp", "--contact-email", "label@secretariat.example").exit_code == 0
    config = tmp_path / "camp" / "campaign.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("label@secretariat.example", "label@"), "utf-8")
    generated = run("--campaign", str(tmp_path / "camp"), "generate")
    assert generated.exit_code == 1 and "contact.email 'label@' is not an e-mail address" in generated.output
    assert not list((tmp_path / "camp" / "output").rglob("*.xlsx"))


def test_a_mistyped_import_path_imports_nothing_and_says_so(run, demo_copy, tmp_path):
    """`import retruned/` is a typo, not a batch with one rejected file: nothing is stored,
    no report is written, and the command fails saying which path and what to do."""
    from excelcert.base.ledger import Ledger

    with Ledger.for_campaign(demo_copy) as ledger:
        before = len(ledger.all_submissions())
    reports = sorted((demo_copy / "output").rglob("import-*.xlsx"))
    real = demo_copy / "workbooks" / "returned"
    result = run("--campaign", str(demo_copy), "import", str(real), str(tmp_path / "retruned"))
    assert result.exit_code == 1
    assert "retruned: no such file or folder. Nothing was imported." in result.output
    with Ledger.for_campaign(demo_copy) as ledger:
        assert len(ledger.all_submissions()) == before
    assert sorted((demo_copy / "output").rglob("import-*.xlsx")) == reports

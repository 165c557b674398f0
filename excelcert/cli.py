"""The command line: a thin click layer over the pipeline stages.

Every command calls one library function and turns the stage's errors into a message
on stderr with exit code 1 (2 for usage mistakes); `--debug` shows the traceback of an
unexpected failure. Commands that report data accept `--json`.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from excelcert import __version__
from excelcert.problems import ERROR, Report, UnreadableFile

_MAX_LISTED = 25


class _Group(click.Group):
    """Lists commands in workflow order and turns failures into one clear message."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except UnreadableFile as exc:
            _fail(str(exc.problem))
        except Exception as exc:  # the last net: never a traceback without --debug
            from excelcert.scheme import SchemeError

            if isinstance(exc, SchemeError):
                _print_report_errors(exc.source, exc.report)
                _fail(f"{exc} - nothing was written. Fix them and run "
                      f"`excelcert scheme check {exc.source}`.")
            root = ctx.find_root()
            if root.params.get("debug"):
                raise
            _fail(f"unexpected error: {type(exc).__name__}: {exc}. "
                  "Run the same command with --debug for details, and report it.")


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _print_report_errors(source: str, report: Report) -> None:
    errors = report.errors
    for item in errors[:_MAX_LISTED]:
        click.echo(f"  {item}", err=True)
    if len(errors) > _MAX_LISTED:
        click.echo(f"  ... and {len(errors) - _MAX_LISTED} more", err=True)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected failure.")
@click.version_option(__version__, prog_name="excelcert")
def cli(debug: bool) -> None:
    """Run a cluster-management excellence label campaign from spreadsheets.

    \b
    The workflow, one command group per stage:
      scheme    indicator definitions and label rules
    Later stages (campaign, workbooks, import, review, labels, certificates)
    are added as they are built.
    """


# --- scheme --------------------------------------------------------------------------

_scheme_option = click.option(
    "--scheme", "scheme_file", type=click.Path(dir_okay=False, path_type=Path),
    help="Scheme file (.yaml or .xlsx); the built-in scheme if omitted.")


@cli.group(cls=_Group)
def scheme() -> None:
    """Indicators and label rules: check, show and export a scheme."""


@scheme.command("check")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
def scheme_check(file: Path | None, as_json: bool) -> None:
    """Report every mistake in a scheme file, each with its place.

    FILE is a scheme in YAML or workbook form; the built-in scheme if omitted.
    Exit code 1 when the scheme has errors (warnings alone pass).
    """
    from excelcert.scheme import check_scheme

    result = check_scheme(file)
    source = result.source if file is not None else "built-in scheme"
    report = result.report
    if as_json:
        _echo_json({"source": source, "ok": report.ok,
                    "errors": len(report.errors), "warnings": len(report.warnings),
                    "problems": [p.to_dict() for p in report]})
    else:
        for item in report:
            marker = "error" if item.severity == ERROR else "warning"
            click.echo(f"{marker}: {item}")
        scheme_ = result.scheme
        summary = f"{source}: {_count(len(report.errors), 'error')}, " \
                  f"{_count(len(report.warnings), 'warning')}"
        if report.ok:
            click.echo(f"{summary}. Scheme {scheme_.id} {scheme_.version}: "
                       f"{len(scheme_.indicators)} indicators in {len(scheme_.categories)} categories, "
                       f"{_num(scheme_.total_points)} points, languages {', '.join(scheme_.languages)}.")
        else:
            click.echo(summary, err=True)
    if not report.ok:
        sys.exit(1)


@scheme.command("show")
@_scheme_option
@click.option("--lang", help="Language of the texts (default: the scheme's default language).")
@click.option("--json", "as_json", is_flag=True, help="Print the whole scheme as JSON.")
def scheme_show(scheme_file: Path | None, lang: str | None, as_json: bool) -> None:
    """Categories, indicators, points and label rules, as a table."""
    from excelcert.scheme import load_scheme
    from excelcert.scheme.yaml_form import scheme_to_data

    scheme_ = load_scheme(scheme_file)
    if lang is not None and lang not in scheme_.languages:
        raise click.BadParameter(
            f"'{lang}' is not one of the scheme's languages ({', '.join(scheme_.languages)})",
            param_hint="--lang")
    if as_json:
        _echo_json({"summary": _summary(scheme_), "scheme": scheme_to_data(scheme_)})
        return
    from excelcert.terminal import print_scheme

    print_scheme(scheme_, lang or scheme_.default_language)


def _summary(scheme_: Any) -> dict[str, Any]:
    return {
        "id": scheme_.id, "version": scheme_.version, "languages": list(scheme_.languages),
        "default_language": scheme_.default_language,
        "categories": len(scheme_.categories), "indicators": len(scheme_.indicators),
        "max_points": scheme_.total_points,
        "points_per_category": {c.id: scheme_.category_points(c.id) for c in scheme_.categories},
        "eligibility_criteria": [i.id for i in scheme_.indicators if i.eligibility],
        "labels": {r.id: {"min_percent": r.min_percent,
                          "min_points": scheme_.total_points * r.min_percent / 100}
                   for r in scheme_.labels_by_rank()},
    }


def _count(n: int, noun: str) -> str:
    return f"{'no' if n == 0 else n} {noun}{'' if n == 1 else 's'}"


def _num(value: float) -> str:
    from excelcert.scheme.build import format_number

    return format_number(value)


@scheme.command("export")
@_scheme_option
@click.option("--format", "fmt", type=click.Choice(["xlsx", "yaml"]),
              help="Workbook (xlsx) or text (yaml); taken from --output's extension if omitted.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write ('-' for standard output, yaml only); "
                   "default: <scheme id>-<version>.<format> in the current folder.")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
def scheme_export(scheme_file: Path | None, fmt: str | None, output: Path | None, force: bool) -> None:
    """Write a scheme as a workbook to edit in Excel, or as YAML text."""
    from excelcert.scheme import load_scheme, write_scheme
    from excelcert.scheme.yaml_form import scheme_to_yaml

    if fmt is None:
        suffix = output.suffix.casefold() if output is not None and str(output) != "-" else ""
        fmt = {".xlsx": "xlsx", ".yaml": "yaml", ".yml": "yaml"}.get(suffix)
        if fmt is None:
            raise click.UsageError("say which format to write: --format xlsx or --format yaml")
    scheme_ = load_scheme(scheme_file)
    if output is not None and str(output) == "-":
        if fmt != "yaml":
            raise click.UsageError("only --format yaml can be written to standard output")
        click.echo(scheme_to_yaml(scheme_), nl=False)
        return
    if output is None:
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{scheme_.id}-{scheme_.version}").strip("._") or "scheme"
        output = Path(f"{stem}.{fmt}")
    if output.exists() and not force:
        _fail(f"{output} already exists; nothing was written. Use --force to replace it, "
              "or -o to choose another file.")
    if not output.parent.exists():
        _fail(f"the folder {output.parent} does not exist; nothing was written.")
    write_scheme(scheme_, output, fmt)
    click.echo(f"Wrote {output} (scheme {scheme_.id} {scheme_.version}, {fmt}).")


def main() -> None:
    cli(prog_name="excelcert")


if __name__ == "__main__":
    main()

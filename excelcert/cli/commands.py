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
from excelcert.base.problems import ERROR, Report, UnreadableFile
from excelcert.campaign.config import CampaignError
from excelcert.scheme import SchemeError

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
        except CampaignError as exc:
            _fail(str(exc))
        except SchemeError as exc:
            _print_report_errors(exc.report)
            _fail(f"{exc} - nothing was written. Fix them and run `excelcert scheme check {exc.source}`.")
        except Exception as exc:  # the last net: never a traceback without --debug
            root = ctx.find_root()
            if root.params.get("debug"):
                raise
            _fail(
                f"unexpected error: {type(exc).__name__}: {exc}. "
                "Run the same command with --debug for details, and report it."
            )


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _print_report_errors(report: Report) -> None:
    errors = report.errors
    for item in errors[:_MAX_LISTED]:
        click.echo(f"  {item}", err=True)
    if len(errors) > _MAX_LISTED:
        click.echo(f"  ... and {len(errors) - _MAX_LISTED} more", err=True)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected failure.")
@click.option(
    "--campaign",
    "campaign_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The campaign folder (default: the one the current folder is in).",
)
@click.version_option(__version__, prog_name="excelcert")
@click.pass_context
def cli(ctx: click.Context, debug: bool, campaign_dir: Path | None) -> None:
    """Run a cluster-management excellence label campaign from spreadsheets.

    \b
    The workflow, in order:
      scheme     indicator definitions and label rules
      init       create a campaign folder
      roster     the clusters of the campaign
      generate   one self-assessment workbook per cluster
      import     returned workbooks into the campaign's ledger
      status     where every cluster stands; history CLUSTER: its files
      corrections  what each cluster must fix, as workbooks to mail
      reviewers  the reviewers roster (check)
      assign     reviewers for every cluster
      generate --reviews  one reviewer workbook per assignment (returns: import)
      reconcile  final values with provenance; the arbitration workbook
      score      points, labels and gap analysis; the results workbook
      certify    certificates; letters: feedback and correction letters; verify: a quoted certificate
      templates  check the Word templates
      demo       all of the above on the built-in example, in output/demo
    """
    ctx.obj = {"campaign": campaign_dir}


def _campaign(ctx: click.Context):
    from excelcert.campaign.config import open_campaign

    return open_campaign(ctx.find_root().obj.get("campaign"))


def _scheme_path(ctx: click.Context, given: Path | None) -> Path | None:
    """The scheme a command uses: the one given, else the campaign's, else the built-in one (None)."""
    from excelcert.campaign.config import find_campaign_root

    if given is not None:
        return given
    if ctx.find_root().obj.get("campaign") is not None or find_campaign_root(Path.cwd()) is not None:
        return _campaign(ctx).scheme_path
    return None


# --- scheme --------------------------------------------------------------------------

_scheme_option = click.option(
    "--scheme",
    "scheme_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Scheme file (.yaml or .xlsx); default: the campaign's scheme, or the built-in one outside a campaign.",
)


@cli.group(cls=_Group)
def scheme() -> None:
    """Indicators and label rules: check, show and export a scheme."""


@scheme.command("check")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@click.pass_context
def scheme_check(ctx: click.Context, file: Path | None, as_json: bool) -> None:
    """Report every mistake in a scheme file, each with its place.

    FILE is a scheme in YAML or workbook form; if omitted, the campaign's scheme, or
    the built-in one outside a campaign. Exit code 1 when the scheme has errors
    (warnings alone pass).
    """
    from excelcert.scheme import check_scheme

    file = _scheme_path(ctx, file)
    result = check_scheme(file)
    source = result.source if file is not None else "built-in scheme"
    report = result.report
    scheme_ = result.scheme
    _finish_check(
        source,
        report,
        as_json,
        {},
        f"Scheme {scheme_.id} {scheme_.version}: "
        f"{len(scheme_.indicators)} indicators in {len(scheme_.categories)} categories, "
        f"{_num(scheme_.total_points)} points, languages {', '.join(scheme_.languages)}.",
    )


def _finish_check(source: str, report: Report, as_json: bool, extra: dict[str, Any], ok_text: str) -> None:
    """Print a check's problems (or JSON), a summary line, and exit 1 when there are errors."""
    if as_json:
        _echo_json(
            {
                "source": source,
                "ok": report.ok,
                "errors": len(report.errors),
                "warnings": len(report.warnings),
                **extra,
                "problems": [p.to_dict() for p in report],
            }
        )
    else:
        for item in report:
            click.echo(f"{'error' if item.severity == ERROR else 'warning'}: {item}")
        summary = f"{source}: {_count(len(report.errors), 'error')}, {_count(len(report.warnings), 'warning')}"
        if report.ok:
            click.echo(f"{summary}. {ok_text}")
        else:
            click.echo(summary, err=True)
    if not report.ok:
        sys.exit(1)


@scheme.command("show")
@_scheme_option
@click.option("--lang", help="Language of the texts (default: the scheme's default language).")
@click.option("--json", "as_json", is_flag=True, help="Print the whole scheme as JSON.")
@click.pass_context
def scheme_show(ctx: click.Context, scheme_file: Path | None, lang: str | None, as_json: bool) -> None:
    """Categories, indicators, points and label rules, as a table."""
    from excelcert.scheme import load_scheme
    from excelcert.scheme.yaml_form import scheme_to_data

    scheme_ = load_scheme(_scheme_path(ctx, scheme_file))
    if lang is not None and lang not in scheme_.languages:
        raise click.BadParameter(
            f"'{lang}' is not one of the scheme's languages ({', '.join(scheme_.languages)})", param_hint="--lang"
        )
    if as_json:
        _echo_json({"summary": _summary(scheme_), "scheme": scheme_to_data(scheme_)})
        return
    from excelcert.cli.terminal import print_scheme

    print_scheme(scheme_, lang or scheme_.default_language)


def _summary(scheme_: Any) -> dict[str, Any]:
    return {
        "id": scheme_.id,
        "version": scheme_.version,
        "languages": list(scheme_.languages),
        "default_language": scheme_.default_language,
        "categories": len(scheme_.categories),
        "indicators": len(scheme_.indicators),
        "max_points": scheme_.total_points,
        "points_per_category": {c.id: scheme_.category_points(c.id) for c in scheme_.categories},
        "eligibility_criteria": [i.id for i in scheme_.indicators if i.eligibility],
        "labels": {
            r.id: {"min_percent": r.min_percent, "min_points": scheme_.total_points * r.min_percent / 100}
            for r in scheme_.labels_by_rank()
        },
    }


def _count(n: int, noun: str) -> str:
    return f"{'no' if n == 0 else n} {noun}{'' if n == 1 else 's'}"


def _num(value: float) -> str:
    from excelcert.scheme.build import plain_number

    return plain_number(value)


@scheme.command("export")
@_scheme_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "yaml"]),
    help="Workbook (xlsx) or text (yaml); taken from --output's extension if omitted.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write ('-' for standard output, yaml only); "
    "default: <scheme id>-<version>.<format> in the current folder.",
)
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@click.pass_context
def scheme_export(
    ctx: click.Context, scheme_file: Path | None, fmt: str | None, output: Path | None, force: bool
) -> None:
    """Write a scheme as a workbook to edit in Excel, or as YAML text."""
    from excelcert.scheme import load_scheme, write_scheme
    from excelcert.scheme.yaml_form import scheme_to_yaml

    if fmt is None:
        suffix = output.suffix.casefold() if output is not None and str(output) != "-" else ""
        fmt = {".xlsx": "xlsx", ".yaml": "yaml", ".yml": "yaml"}.get(suffix)
        if fmt is None:
            raise click.UsageError("say which format to write: --format xlsx or --format yaml")
    scheme_ = load_scheme(_scheme_path(ctx, scheme_file))
    if output is not None and str(output) == "-":
        if fmt != "yaml":
            raise click.UsageError("only --format yaml can be written to standard output")
        click.echo(scheme_to_yaml(scheme_), nl=False)
        return
    if output is None:
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{scheme_.id}-{scheme_.version}").strip("._") or "scheme"
        output = Path(f"{stem}.{fmt}")
    if output.exists() and not force:
        _fail(f"{output} already exists; nothing was written. Use --force to replace it, or -o to choose another file.")
    if not output.parent.exists():
        _fail(f"the folder {output.parent} does not exist; nothing was written.")
    write_scheme(scheme_, output, fmt)
    click.echo(f"Wrote {output} (scheme {scheme_.id} {scheme_.version}, {fmt}).")


# --- campaign -----------------------------------------------------------------------


@cli.command("init")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@_scheme_option
@click.option("--title", help="The campaign's title (default: the scheme's title and the year).")
@click.option("--id", "campaign_id", help="The campaign's id (default: from the folder's name).")
@click.option(
    "--deadline", type=click.DateTime(["%Y-%m-%d"]), help="Return deadline, YYYY-MM-DD (default: in six weeks)."
)
@click.option(
    "--contact-name", default="Label secretariat", show_default=True, help="Who clusters contact with questions."
)
@click.option(
    "--contact-email", default="secretariat@example.org", show_default=True, help="Where clusters send their workbooks."
)
@click.option(
    "--new-key", is_flag=True, help="Give an existing campaign a new secret key (only before any workbook is issued)."
)
@click.option("--update-scheme", is_flag=True, help="Record a new version of an existing campaign's scheme file.")
@click.pass_context
def init(
    ctx: click.Context,
    directory: Path | None,
    scheme_file: Path | None,
    title: str | None,
    campaign_id: str | None,
    deadline: Any,
    contact_name: str,
    contact_email: str,
    new_key: bool,
    update_scheme: bool,
) -> None:
    """Create a campaign folder: config, secret key, roster, scheme copy."""
    from excelcert.campaign.config import init_campaign, open_campaign, renew_key, update_campaign_scheme

    if new_key or update_scheme:
        campaign = open_campaign(directory or ctx.find_root().obj.get("campaign"))
        if new_key:
            renew_key(campaign)
            click.echo(f"Created a new secret key {campaign.key_path}. Keep a backup of it.")
        if update_scheme:
            updated = update_campaign_scheme(campaign)
            click.echo(f"Recorded scheme {updated.scheme_id} {updated.scheme_version} for campaign {updated.id}.")
        return
    if directory is None:
        raise click.UsageError("say where to create the campaign: excelcert init DIR")
    campaign = init_campaign(
        directory,
        scheme_file=scheme_file,
        title=title,
        campaign_id=campaign_id,
        deadline=deadline.date() if deadline else None,
        contact_name=contact_name,
        contact_email=contact_email,
    )
    click.echo(f"Created campaign '{campaign.id}' in {campaign.root}:")
    click.echo(
        f"  {campaign.config_path.name:<22} title, deadline ({campaign.deadline.isoformat()}), contact: edit freely"
    )
    click.echo(f"  {campaign.scheme_file:<22} scheme {campaign.scheme_id} {campaign.scheme_version}")
    click.echo(f"  {campaign.key_path.name:<22} the secret key that signs workbooks: back it up, never share it")
    click.echo(f"  {campaign.roster_file:<22} the example roster: replace it with your clusters")
    click.echo(f"  {campaign.reviewers_file:<22} the example reviewers: replace them with your experts")
    click.echo(f"  {'templates/':<22} the Word templates of certificates and letters: edit them if you like")
    click.echo(f"Next: cd {campaign.root} && excelcert roster check && excelcert generate")


@cli.group(cls=_Group)
def roster() -> None:
    """The clusters of the campaign: check the roster, or start a new one."""


@roster.command("check")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@click.pass_context
def roster_check(ctx: click.Context, file: Path | None, as_json: bool) -> None:
    """Report every mistake in the roster, each with its cell.

    FILE is a roster (.xlsx or .csv); the campaign's roster if omitted.
    """
    from excelcert.campaign.roster import read_roster

    languages = _roster_languages(ctx)
    if file is None:
        file = _campaign(ctx).roster_path
    result = read_roster(file, languages)
    _finish_check(
        str(file), result.report, as_json, {"clusters": len(result.clusters)}, f"{len(result.clusters)} clusters."
    )


def _roster_languages(ctx: click.Context) -> tuple[str, ...]:
    """The languages of the campaign's scheme, or of the built-in one outside a campaign."""
    from excelcert.scheme import load_scheme

    return load_scheme(_scheme_path(ctx, None)).languages


@roster.command("template")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("roster.xlsx"),
    show_default=True,
    help="File to write.",
)
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@click.pass_context
def roster_template(ctx: click.Context, output: Path, force: bool) -> None:
    """Write an empty roster workbook with headings, validation and an example row."""
    from excelcert.campaign.roster import write_roster_template

    if output.exists() and not force:
        _fail(f"{output} already exists; nothing was written. Use --force to replace it.")
    write_roster_template(output, _roster_languages(ctx))
    click.echo(f"Wrote {output}: one example row to replace with your clusters.")


@cli.command("generate")
@click.option(
    "--cluster",
    "cluster_ids",
    multiple=True,
    metavar="ID",
    help="Only this cluster (repeatable); all clusters if omitted.",
)
@click.option("--force", is_flag=True, help="Replace workbooks already generated (perhaps already sent).")
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Workbooks written in parallel (use the number of cores).",
)
@click.option(
    "--reviews",
    is_flag=True,
    help="Write the reviewer workbooks instead: one per assignment whose cluster's self-assessment counts.",
)
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@click.pass_context
def generate(
    ctx: click.Context, cluster_ids: tuple[str, ...], force: bool, jobs: int, reviews: bool, as_json: bool
) -> None:
    """Write one self-assessment workbook per cluster, in the cluster's language (--reviews: reviewer workbooks)."""
    from excelcert.assessment.generate import generate_workbooks
    from excelcert.campaign.config import read_key

    campaign, scheme, clusters = _campaign_scheme_roster(ctx, cluster_ids)
    if reviews:
        _generate_reviews(campaign, scheme, clusters, _reviewers(campaign), read_key(campaign), force, as_json)
        return
    result = generate_workbooks(campaign, scheme, clusters, read_key(campaign), force=force, jobs=jobs)
    if as_json:
        _echo_json(
            {
                "folder": str(result.folder),
                "written": [{"cluster": c.id, "language": c.language, "file": str(p)} for c, p in result.written],
                "kept": [{"cluster": c.id, "file": str(p)} for c, p in result.kept],
            }
        )
        return
    for cluster, path in result.written:
        click.echo(f"  wrote  {cluster.language}  {path.name}")
    for cluster, path in result.kept:
        click.echo(f"  kept   {cluster.language}  {path.name}  (already generated; --force replaces it)")
    click.echo(f"{len(result.written)} workbook(s) written, {len(result.kept)} kept, in {result.folder}")


def _generate_reviews(
    campaign: Any, scheme: Any, clusters: list, reviewers: list, key: bytes, force: bool, as_json: bool
) -> None:
    from excelcert.base.ledger import Ledger
    from excelcert.review.generate import generate_reviews

    with Ledger.for_campaign(campaign.root) as ledger:
        if not ledger.assignments():
            _fail("no reviewers are assigned yet: run `excelcert assign` first.")
        result = generate_reviews(campaign, scheme, clusters, reviewers, ledger, key, force=force)
    groups = (("written", result.written), ("renewed", result.renewed), ("kept", result.kept))
    if as_json:
        _echo_json(
            {
                "folder": str(result.folder),
                **{
                    name: [{"cluster": a.cluster_id, "reviewer": a.reviewer_id, "file": str(p)} for a, p in items]
                    for name, items in groups
                },
                "waiting": [{"cluster": a.cluster_id, "reviewer": a.reviewer_id} for a in result.waiting],
            }
        )
        return
    notes = {
        "renewed": "  (the cluster sent a newer self-assessment)",
        "kept": "  (already generated; --force replaces it)",
    }
    for name, items in groups:
        for pair, path in items:
            click.echo(
                f"  {name.replace('written', 'wrote'):<8} {pair.reviewer_id:<10} {pair.cluster_id:<14} "
                f"{path.name}{notes.get(name, '')}"
            )
    waiting = sorted({a.cluster_id for a in result.waiting})
    if waiting:
        click.echo(f"  waiting  no self-assessment counts yet for: {', '.join(waiting)}")
    click.echo(
        f"{len(result.written) + len(result.renewed)} reviewer workbook(s) written, {len(result.kept)} kept, "
        f"in {result.folder}"
    )


def _reviewers(campaign: Any) -> list:
    from excelcert.campaign.reviewers import read_reviewers

    found = read_reviewers(campaign.reviewers_path)
    if not found.report.ok:
        _print_report_errors(found.report)
        _fail(
            f"the reviewers roster {campaign.reviewers_path} has {_count(len(found.report.errors), 'error')}; "
            "nothing was done. Fix them (excelcert reviewers check) and run again."
        )
    return found.reviewers


def _campaign_scheme_roster(ctx: click.Context, cluster_ids: tuple[str, ...] = ()) -> tuple[Any, Any, list]:
    """The campaign, its scheme, and the clusters of its roster (all, or those asked for)."""
    campaign = _campaign(ctx)
    scheme = campaign.load_scheme()
    return campaign, scheme, _roster_clusters(campaign, scheme, cluster_ids)


def _roster_clusters(campaign: Any, scheme: Any, cluster_ids: tuple[str, ...]) -> list:
    from excelcert.campaign.roster import read_roster

    roster_ = read_roster(campaign.roster_path, scheme.languages)
    if not roster_.report.ok:
        for item in roster_.report.errors:
            click.echo(f"  {item}", err=True)
        _fail(
            f"the roster {campaign.roster_path} has {_count(len(roster_.report.errors), 'error')}; "
            "nothing was generated. Fix them (excelcert roster check) and run again."
        )
    clusters = roster_.clusters
    if cluster_ids:
        known = {c.id: c for c in clusters}
        unknown = [i for i in cluster_ids if i not in known]
        if unknown:
            raise click.BadParameter(f"not in the roster: {', '.join(unknown)}", param_hint="--cluster")
        clusters = [known[i] for i in dict.fromkeys(cluster_ids)]
    return clusters


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Processes reading files in parallel; the ledger is written in order, the same "
    "whatever the number. [default: one per core, at most 4, for 100 files or more; else 1]",
)
@click.option("--json", "as_json", is_flag=True, help="Print the verdicts as JSON.")
@click.pass_context
def import_(ctx: click.Context, paths: tuple[Path, ...], jobs: int | None, as_json: bool) -> None:
    """Import returned workbooks (files, folders, .zip archives) into the ledger."""
    import datetime as dt

    from rich.progress import Progress

    from excelcert.base.ledger import Ledger
    from excelcert.campaign.config import read_key
    from excelcert.intake.batch import auto_jobs, import_files
    from excelcert.intake.report import write_import_report

    campaign, scheme, clusters = _campaign_scheme_roster(ctx)
    key = read_key(campaign)
    with (
        Ledger.for_campaign(campaign.root) as ledger,
        Progress(transient=True, disable=as_json or not sys.stderr.isatty()) as progress,
    ):
        task = progress.add_task("Importing", total=None)
        results = import_files(
            campaign,
            scheme,
            {c.id for c in clusters},
            key,
            ledger,
            list(paths),
            progress=lambda name: progress.advance(task),
            jobs=jobs or auto_jobs(list(paths)),
            reviewer_ids=_reviewer_ids(campaign),
        )
    campaign.output_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    report = write_import_report(campaign.output_dir / f"import-{stamp}.xlsx", results, campaign.title)
    if as_json:
        _echo_json(
            {
                "report": str(report),
                "files": [
                    {
                        "file": r.name,
                        "verdict": r.verdict,
                        "cluster": r.cluster,
                        "counts": r.counts,
                        "reason": r.reason,
                        "sha256": r.sha256,
                        "problems": [p.to_dict() for p in r.problems],
                    }
                    for r in results
                ],
            }
        )
        return
    from excelcert.cli.terminal import print_import

    print_import(results)
    click.echo(f"{len(results)} file(s); report: {report}")


def _reviewer_ids(campaign: Any) -> set[str]:
    """The reviewers a review may come from (none when the campaign has no reviewers roster)."""
    from excelcert.campaign.reviewers import read_reviewers

    if not campaign.reviewers_file:
        return set()
    return {r.id for r in read_reviewers(campaign.reviewers_path).reviewers}


@cli.command("history")
@click.argument("cluster_id")
@click.option("--json", "as_json", is_flag=True, help="Print the history as JSON.")
@click.pass_context
def history(ctx: click.Context, cluster_id: str, as_json: bool) -> None:
    """Every file received from a cluster, which one counts, and why."""
    from dataclasses import asdict

    from excelcert.base.contract import ROLE_SELF_ASSESSMENT
    from excelcert.base.ledger import Ledger

    campaign = _campaign(ctx)
    with Ledger.for_campaign(campaign.root) as ledger:
        items = ledger.history(cluster_id)
        current = ledger.current(cluster_id, ROLE_SELF_ASSESSMENT)
        counting = {s.id for s in ledger.current_reviews(cluster_id)} | ({current.id} if current else set())
    if as_json:
        _echo_json([{**asdict(s), "counts": s.id in counting} for s in items])
        return
    if not items:
        click.echo(f"Nothing received from {cluster_id} yet.")
        return
    for s in items:
        mark = "counts" if s.id in counting else ""
        role = f"review {s.reviewer_id}" if s.reviewer_id else (s.role or "")
        click.echo(
            f"{s.received_at[:16].replace('T', ' ')}  {s.verdict:<23} {mark:<7} {role:<18} {Path(s.original_name).name}"
        )
        click.echo(f"{'':18}{s.reason}")


@cli.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Every cluster of the roster: not returned, rejected, incomplete or complete; its review and label."""
    from excelcert.base.ledger import Ledger
    from excelcert.intake.status import campaign_status
    from excelcert.review.final import final_values

    campaign, scheme, clusters = _campaign_scheme_roster(ctx)
    with Ledger.for_campaign(campaign.root) as ledger:
        rows = campaign_status(clusters, ledger)
        assigned = {a.cluster_id for a in ledger.assignments()}
        review = {
            f.cluster_id: f.state
            for f in final_values(scheme, ledger, [c.id for c in clusters])
            if f.cluster_id in assigned
        }
        scores = {s.cluster_id: s for s in ledger.latest_scores()}
    names = {r.id: scheme.text(r.name, scheme.default_language) for r in scheme.labels}
    labels = {c: (names.get(s.label, s.label) if s.label else "none") for c, s in scores.items()}
    if as_json:
        _echo_json(
            [
                {
                    "cluster": r.cluster.id,
                    "name": r.cluster.name,
                    "state": r.state,
                    "last_file": r.last_file,
                    "last_received": r.last_received,
                    "counting_file": r.counting_file,
                    "open_problems": r.open_problems,
                    "review": review.get(r.cluster.id),
                    "label": labels.get(r.cluster.id),
                }
                for r in rows
            ]
        )
        return
    from excelcert.cli.terminal import print_status

    print_status(rows, review, labels)


@cli.command("corrections")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@click.pass_context
def corrections(ctx: click.Context, as_json: bool) -> None:
    """For every rejected or incomplete return: what to fix, as a workbook to mail, in the cluster's language."""
    from excelcert.base.files import safe_filename
    from excelcert.base.ledger import Ledger
    from excelcert.intake.corrections import collect_corrections, write_corrections

    campaign, scheme, clusters = _campaign_scheme_roster(ctx)
    with Ledger.for_campaign(campaign.root) as ledger:
        found = collect_corrections(clusters, ledger, scheme)
    folder = campaign.output_dir / "corrections"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for item in found:
        path = write_corrections(
            folder / f"{safe_filename(f'{item.cluster.id} {item.cluster.name}')}.xlsx", item, campaign, scheme
        )
        written.append((item, path))
    if as_json:
        _echo_json(
            [
                {
                    "cluster": i.cluster.id,
                    "email": i.cluster.email,
                    "rejected": i.rejected,
                    "items": len(i.items),
                    "file": str(p),
                }
                for i, p in written
            ]
        )
        return
    for item, path in written:
        state = "rejected" if item.rejected else f"{len(item.items)} point(s)"
        click.echo(f"  {item.cluster.id:<14} {state:<12} {item.cluster.email:<40} {path.name}")
    click.echo(
        f"{len(written)} correction workbook(s) in {folder}"
        if written
        else "Nothing to correct: no rejected or incomplete return from a known cluster."
    )


@cli.group("reviewers", cls=_Group)
def reviewers_group() -> None:
    """The reviewers roster: check it."""


@reviewers_group.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@click.pass_context
def reviewers_check(ctx: click.Context, path: Path | None, as_json: bool) -> None:
    """Check a reviewers roster (default: the campaign's) and list every problem with its cell."""
    from excelcert.campaign.reviewers import read_reviewers

    path = path or _campaign(ctx).reviewers_path
    found = read_reviewers(path)
    _finish_check(
        str(path),
        found.report,
        as_json,
        {"reviewers": len(found.reviewers)},
        f"{_count(len(found.reviewers), 'reviewer')}",
    )


@cli.command("assign")
@click.option("--per-cluster", type=click.IntRange(1, 10), default=2, show_default=True, help="Reviewers per cluster.")
@click.option(
    "--from",
    "from_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the assignment back from this workbook (after editing it) instead of proposing one.",
)
@click.option("--replace", is_flag=True, help="Store a new proposal even if a different assignment is stored.")
@click.option("--json", "as_json", is_flag=True, help="Print the assignment and its problems as JSON.")
@click.pass_context
def assign(ctx: click.Context, per_cluster: int, from_file: Path | None, replace: bool, as_json: bool) -> None:
    """Propose reviewers for every cluster (conflicts, languages, a foreign reviewer, even loads)."""
    from excelcert.base.ledger import Ledger
    from excelcert.review import workflow

    campaign, scheme, clusters = _campaign_scheme_roster(ctx)
    reviewers = _reviewers(campaign)
    with Ledger.for_campaign(campaign.root) as ledger:
        outcome = workflow.assign(
            campaign, clusters, reviewers, ledger, per_cluster=per_cluster, from_file=from_file, replace=replace
        )
    if as_json:
        _echo_json(
            {
                "stored": outcome.stored,
                "kept_existing": bool(outcome.kept),
                "workbook": str(outcome.workbook) if outcome.workbook else None,
                "assignment": [{"cluster": p.cluster_id, "reviewer": p.reviewer_id} for p in outcome.pairs],
                "problems": [p.to_dict() for p in outcome.report],
            }
        )
    else:
        by_cluster: dict[str, list[str]] = {}
        for pair in outcome.pairs:
            by_cluster.setdefault(pair.cluster_id, []).append(pair.reviewer_id)
        for cluster in clusters:
            click.echo(
                f"  {cluster.id:<14} {cluster.country}  {cluster.language}  "
                f"{', '.join(by_cluster.get(cluster.id, [])) or '-'}"
            )
        for item in outcome.report:
            click.echo(f"  {item.severity}: {item}", err=item.severity == ERROR)
        if outcome.workbook:
            click.echo(
                f"Proposal written to {outcome.workbook}: edit it and read it back with "
                "`excelcert assign --from FILE` if you want changes."
            )
        if outcome.stored:
            click.echo("Assignment stored. Next: `excelcert generate --reviews`.")
    if outcome.kept:
        click.echo(
            f"A different assignment ({_count(outcome.kept, 'pair')}) is already stored and was kept; the new "
            f"proposal is only in {outcome.workbook}. Store it with --replace, or edit it and read it back "
            "with --from. Reviews already imported stay in the ledger."
        )
        return
    if not outcome.stored:
        _fail(
            "no valid assignment: nothing was stored. "
            + (
                "Fix the rows above and read the file back again."
                if from_file
                else "The problems above say which clusters cannot be served and what would help."
            )
        )


@cli.command("reconcile")
@click.option("--json", "as_json", is_flag=True, help="Print every cluster's final values with provenance as JSON.")
@click.pass_context
def reconcile(ctx: click.Context, as_json: bool) -> None:
    """Reconcile self-assessments and reviews; write the arbitration workbook for what differs."""
    from excelcert.base.ledger import Ledger
    from excelcert.campaign.config import read_key
    from excelcert.review import workflow

    campaign, scheme, clusters = _campaign_scheme_roster(ctx)
    with Ledger.for_campaign(campaign.root) as ledger:
        outcome = workflow.reconcile(campaign, scheme, clusters, ledger, read_key(campaign))
    if as_json:
        _echo_json(workflow.reconcile_json(outcome))
        return
    from excelcert.cli.terminal import print_reconcile

    print_reconcile(outcome)
    if outcome.arbitration:
        click.echo(
            f"{_count(len(outcome.flagged), 'item')} to arbitrate: fill in {outcome.arbitration} "
            "and import it (`excelcert import FILE`)."
        )
    else:
        click.echo("Nothing waits for arbitration.")


@cli.command("score")
@click.option("--json", "as_json", is_flag=True, help="Print every cluster's points, label and gap as JSON.")
@click.pass_context
def score_(ctx: click.Context, as_json: bool) -> None:
    """Points, label and gap analysis for every complete assessment; the results workbook."""
    from dataclasses import asdict

    from excelcert.base.ledger import Ledger
    from excelcert.results.scores import compute_results, write_results

    campaign, scheme, clusters = _campaign_scheme_roster(ctx)
    with Ledger.for_campaign(campaign.root) as ledger:
        results = compute_results(scheme, clusters, ledger)
    xlsx, csv_path = write_results(campaign.output_dir, campaign, scheme, clusters, results)
    if as_json:
        _echo_json(
            {
                "results_workbook": str(xlsx),
                "results_csv": str(csv_path),
                "scores": [
                    {**asdict(s), "share": round(s.share, 2), "review": results.finals[s.cluster_id].state}
                    for s in results.scores
                ],
                "incomplete": results.incomplete,
            }
        )
        return
    from excelcert.cli.terminal import print_scores

    print_scores(scheme, results)
    click.echo(f"Results: {xlsx} (and {csv_path.name})")


def _documents(
    ctx: click.Context, kinds: tuple[str, ...], pdf: bool, jobs: int, as_json: bool, issued_on: Any = None
) -> None:
    from excelcert.base.ledger import Ledger
    from excelcert.campaign.config import read_key
    from excelcert.documents.issue import plan, render_all
    from excelcert.documents.pdf import PdfError, to_pdf
    from excelcert.documents.render import TemplateError

    campaign, scheme, clusters = _campaign_scheme_roster(ctx)
    with Ledger.for_campaign(campaign.root) as ledger:
        issued = plan(campaign, scheme, clusters, ledger, read_key(campaign), kinds=kinds, today=issued_on)
    try:
        written = render_all(issued.documents, jobs=jobs)
    except TemplateError as exc:
        _fail(str(exc))
    pdfs: list[Path] = []
    pdf_error = None
    if pdf:
        try:
            pdfs = to_pdf(written, jobs=jobs)
        except PdfError as exc:
            pdf_error = str(exc)
    if as_json:
        _echo_json(
            {
                "folder": str(issued.folder),
                "documents": [
                    {"cluster": j.cluster_id, "kind": j.kind, "file": str(j.out), "template": str(j.template)}
                    for j in issued.documents
                ],
                "pdf": [str(p) for p in pdfs],
                "certificates": [
                    {
                        "number": c.reference,
                        "cluster": c.cluster_id,
                        "label": c.label,
                        "issued_on": c.issued_on,
                        "valid_until": c.valid_until,
                        "code": c.code,
                    }
                    for c in issued.certificates
                ],
                "skipped": issued.skipped,
                "pdf_error": pdf_error,
            }
        )
    else:
        for job in issued.documents:
            click.echo(f"  {job.cluster_id:<14} {job.kind:<12} {job.out.relative_to(issued.folder)}")
        skipped = {k: v for k, v in issued.skipped.items() if v != "no self-assessment"}
        for cluster_id, why in skipped.items():
            click.echo(f"  {cluster_id:<14} none         ({why}: no score, so no certificate or letter)")
        if "certificate" in kinds and not issued.certificates:
            click.echo(
                "No cluster has earned a label yet: `excelcert score` says what each one lacks "
                "(with the built-in scheme, every label needs a reviewed assessment)."
            )
        click.echo(f"{len(written)} document(s) in {issued.folder}" + (f", {len(pdfs)} PDF(s)" if pdfs else ""))
    if pdf_error:
        _fail(pdf_error)


@cli.command("certify")
@click.option("--pdf", is_flag=True, help="Also convert them to PDF (needs LibreOffice).")
@click.option(
    "--jobs", type=click.IntRange(1, 64), default=1, show_default=True, help="Documents rendered in parallel."
)
@click.option("--date", "issued_on", type=click.DateTime(["%Y-%m-%d"]), help="Date of issue (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@click.pass_context
def certify(ctx: click.Context, pdf: bool, jobs: int, issued_on: Any, as_json: bool) -> None:
    """A certificate for every cluster that earned a label (numbered in the ledger, never reused)."""
    _documents(ctx, ("certificate",), pdf, jobs, as_json, issued_on.date() if issued_on else None)


@cli.command("letters")
@click.option("--pdf", is_flag=True, help="Also convert them to PDF (needs LibreOffice).")
@click.option(
    "--jobs", type=click.IntRange(1, 64), default=1, show_default=True, help="Documents rendered in parallel."
)
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@click.pass_context
def letters(ctx: click.Context, pdf: bool, jobs: int, as_json: bool) -> None:
    """A feedback letter for every scored cluster; a correction letter for every rejected or incomplete return."""
    _documents(ctx, ("letter", "correction"), pdf, jobs, as_json)


@cli.command("verify")
@click.argument("number")
@click.argument("code")
@click.pass_context
def verify_certificate(ctx: click.Context, number: str, code: str) -> None:
    """Check a certificate someone quotes: its number and verification code (exit code 1 if not valid)."""
    import datetime as dt

    from excelcert.base.ledger import Ledger
    from excelcert.campaign.config import read_key
    from excelcert.documents.context import verification_code

    campaign = _campaign(ctx)
    with Ledger.for_campaign(campaign.root) as ledger:
        found = next((c for c in ledger.certificates() if c.reference.casefold() == number.strip().casefold()), None)
    expected = (
        verification_code(read_key(campaign), campaign, found.cluster_id, found.label, found.issued_on)(found.number)
        if found
        else None
    )
    given = code.strip().upper().replace(" ", "")
    if found is None or expected is None or given != expected:
        _fail(
            f"certificate {number} with code {code} was NOT issued by this campaign ({campaign.id}): "
            + ("no certificate has this number." if found is None else "the code does not match its number.")
        )
    state = "valid" if dt.date.fromisoformat(found.valid_until) >= dt.date.today() else "EXPIRED"
    click.echo(
        f"{found.reference}: {state}. {found.label} label for cluster {found.cluster_id}, issued on "
        f"{found.issued_on}, valid until {found.valid_until}."
    )


@cli.group("templates", cls=_Group)
def templates_group() -> None:
    """The Word templates of certificates and letters: check them."""


@templates_group.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@click.pass_context
def templates_check(ctx: click.Context, paths: tuple[Path, ...], as_json: bool) -> None:
    """Check templates (default: the campaign's) for unknown variables and tags Word broke."""
    from excelcert.base.problems import Place, problem
    from excelcert.campaign.config import BUILTIN_TEMPLATES
    from excelcert.documents.context import sample_context
    from excelcert.documents.render import KINDS, check_template

    campaign = _campaign(ctx)
    scheme = campaign.load_scheme()
    files = (
        list(paths) or sorted((campaign.root / "templates").glob("*.docx")) or sorted(BUILTIN_TEMPLATES.glob("*.docx"))
    )
    report = Report()
    for path in files:
        kind = path.stem.split("-")[0]
        if kind not in KINDS:
            report.add(problem("template-unknown-kind", Place(path=path.name)))
            continue
        report.extend(check_template(path, sample_context(kind, scheme, campaign)))
    _finish_check(
        ", ".join(p.name for p in files), report, as_json, {"templates": len(files)}, _count(len(files), "template")
    )


@cli.command("demo")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output") / "demo",
    show_default=True,
    help="Where to build the demo campaign.",
)
@click.option("--jobs", type=click.IntRange(1, 64), default=2, show_default=True, help="Workbooks written in parallel.")
def demo(directory: Path, jobs: int) -> None:
    """Build a fresh demo campaign from the built-in scheme and example roster, and run every stage."""
    from excelcert.demo.run import run_demo

    summary = run_demo(directory, jobs=jobs)
    for line in summary:
        click.echo(line)


def main() -> None:
    cli(prog_name="excelcert")


if __name__ == "__main__":
    main()

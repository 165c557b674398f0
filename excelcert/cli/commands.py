"""The command line: a thin click layer over the pipeline stages.

Each command is options -> one stage function -> print. The campaign, its scheme, roster,
reviewers, key and ledger come from one `Session`, opened once and lazily; what a command
prints with `--json` is the stage result's own `to_json()`. A stage's errors become one
message on stderr with exit code 1 (2 for usage mistakes); `--debug` shows the traceback
of an unexpected failure. Stages are imported inside the commands, so that `excelcert
--help` and each command load only what they use.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from excelcert import __version__
from excelcert.base.problems import ERROR, Report, UnreadableFile
from excelcert.base.sheetwriter import unwritable
from excelcert.base.words import counted, shown
from excelcert.campaign.config import CampaignError
from excelcert.cli.safe import echo, json_text, plain
from excelcert.scheme import SchemeError

if TYPE_CHECKING:
    from excelcert.campaign.roster import Cluster
    from excelcert.cli.session import Session
    from excelcert.register.store import Entry

_MAX_LISTED = 25


class _Group(click.Group):
    """Lists commands in workflow order and turns failures into one clear message."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.parent is None:
            _refuse_undecodable_text(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        from excelcert.base.files import Busy
        from excelcert.base.ledger import LedgerError
        from excelcert.cli.session import InputError
        from excelcert.documents.render import TemplateError
        from excelcert.register.store import RegisterError

        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:  # the reader went away (`excelcert ... | head`): stop quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # Python's own flush at exit then writes nowhere
            sys.exit(1)
        except UnreadableFile as exc:
            _fail(str(exc.problem))
        except InputError as exc:
            _print_report_errors(exc.report)
            _fail(str(exc))
        except (CampaignError, TemplateError, RegisterError, LedgerError, Busy) as exc:
            _fail(str(exc))
        except SchemeError as exc:
            _print_report_errors(exc.report)
            _fail(f"{exc} - nothing was written. Fix them and run `excelcert scheme check {exc.source}`.")
        except Exception as exc:  # the last net: never a traceback without --debug
            root = ctx.find_root()
            if root.params.get("debug"):
                raise
            if isinstance(exc, OSError):
                _fail(_os_error_message(exc))
            _fail(
                f"unexpected error: {type(exc).__name__}: {exc}. "
                "Run the same command with --debug for details, and report it."
            )


def _os_error_message(exc: OSError) -> str:
    """What the system refused, in words: the file it concerns when the error names one; the
    current folder when it no longer exists (deleted or moved while the terminal was in it);
    else what the system said, with what to check. An OSError is a fact about the machine
    (a full disk, a file open elsewhere, a folder gone), never a bug to report."""
    if exc.filename is not None:  # a file excelcert could not write or read
        path = exc.filename2 if exc.filename2 is not None else exc.filename  # a replace: its target
        return (
            f"cannot write or read {path}: {exc.strerror or exc}. Check that the file is not open "
            "in another program and that it can be written there (permissions, free space), then run "
            "the same command again."
        )
    gone = _current_folder_gone()
    if gone:
        return gone
    if exc.errno == errno.ENOSPC:
        return "the disk is full. Free some space, then run the same command again."
    if exc.errno == errno.EMFILE or exc.errno == errno.ENFILE:
        return "too many files are open on this computer. Close some programs, then run the same command again."
    why = exc.strerror or (os.strerror(exc.errno) if isinstance(exc.errno, int) else "") or str(exc)
    return (
        f"the system refused an operation ({why or type(exc).__name__}). Check free space, permissions and "
        "that the folders used still exist, then run the same command again."
    )


def _current_folder_gone() -> str | None:
    """The message when the current folder no longer exists (None while it does): every
    relative path, and finding the campaign upward, start from it."""
    try:
        os.getcwd()
    except OSError:
        return (
            "the current folder no longer exists (it was deleted or moved while this terminal was in it). "
            "Nothing was done. Go to an existing folder (cd) and run the command again."
        )
    return None


def _refuse_undecodable_text(args: list[str]) -> None:
    """Text typed on the command line that is not UTF-8 (a terminal set to another encoding
    sends 'é' as one byte, which Python keeps as a lone surrogate) would be stored in the
    register or a campaign file, or written into a workbook or document, which none of them
    can hold: refused with what to do, before anything is done. An existing file's name may
    hold such bytes: it is only used to open the file."""
    for arg in args:
        if unwritable(arg) and not os.path.lexists(arg):
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            _fail(
                f"the command line holds text that is not UTF-8 ('{shown}'): the terminal sends another "
                "encoding than UTF-8. Nothing was done. Set the terminal to UTF-8 (for example "
                "LANG=en_US.UTF-8) and type the text again."
            )


def _sentence(text: str) -> str:
    """`text` ending with a full stop, unless it ends a sentence already (a reason someone typed)."""
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


def _fail(message: str) -> NoReturn:
    echo(f"error: {message}", err=True)
    sys.exit(1)


def _print_report_errors(report: Report) -> None:
    errors = report.errors
    for item in errors[:_MAX_LISTED]:
        echo(f"  {item}", err=True)
    if len(errors) > _MAX_LISTED:
        echo(f"  ... and {len(errors) - _MAX_LISTED} more", err=True)


def _echo_json(data: Any) -> None:
    echo(json_text(json.dumps(data, ensure_ascii=False, indent=2)))


def _session(ctx: click.Context) -> Session:
    """The session of this run: made once, closed (with its ledger) when the command ends."""
    from excelcert.cli.session import Session

    root = ctx.find_root()
    if root.obj.get("session") is None:
        session = Session(root.obj.get("campaign"), register=root.obj.get("register"))
        root.obj["session"] = session
        root.call_on_close(session.close)
    session_: Session = root.obj["session"]
    return session_


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--debug", is_flag=True, help="Show the traceback of an unexpected failure, and why each unreadable file failed."
)
@click.option(
    "--campaign",
    "campaign_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The campaign folder (default: the one the current folder is in).",
)
@click.option(
    "--register",
    "register_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The register folder (default: the campaign's, or the one the current folder is in).",
)
@click.version_option(__version__, prog_name="excelcert")
@click.pass_context
def cli(ctx: click.Context, debug: bool, campaign_dir: Path | None, register_dir: Path | None) -> None:
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
      register   the labels across campaigns: list, publish (the public site), renewals, withdraw
      benchmark  every scored cluster against its peers; report: the campaign report for funders
      demo       all of the above on the built-in example, in excelcert-demo/
    """
    gone = _current_folder_gone()
    if gone:  # checked before anything: every command starts from the current folder
        _fail(gone)
    ctx.obj = {"campaign": campaign_dir, "register": register_dir, "session": None}
    if debug:  # the log: e.g. the exception behind each file rejected as damaged
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("debug: %(message)s"))
        log = logging.getLogger("excelcert")
        log.addHandler(handler)
        log.setLevel(logging.DEBUG)


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
            echo(f"{'error' if item.severity == ERROR else 'warning'}: {item}")
        summary = f"{source}: {counted(len(report.errors), 'error', none='no')}, {counted(len(report.warnings), 'warning', none='no')}"
        if report.ok:
            echo(f"{summary}. {ok_text}")
        else:
            echo(summary, err=True)
    if not report.ok:
        sys.exit(1)


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
    from excelcert.scheme.build import plain_number

    file = _session(ctx).scheme_path(file)
    result = check_scheme(file)
    found = result.scheme
    _finish_check(
        result.source if file is not None else "built-in scheme",
        result.report,
        as_json,
        {},
        f"Scheme {found.id} {found.version}: {len(found.indicators)} indicators in {len(found.categories)} "
        f"categories, {plain_number(found.total_points)} points, languages {', '.join(found.languages)}.",
    )


@scheme.command("show")
@_scheme_option
@click.option("--lang", help="Language of the texts (default: the scheme's default language).")
@click.option("--json", "as_json", is_flag=True, help="Print the whole scheme as JSON.")
@click.pass_context
def scheme_show(ctx: click.Context, scheme_file: Path | None, lang: str | None, as_json: bool) -> None:
    """Categories, indicators, points and label rules, as a table."""
    from excelcert.scheme import load_scheme, summary
    from excelcert.scheme.yaml_form import scheme_to_data

    found = load_scheme(_session(ctx).scheme_path(scheme_file))
    if lang is not None and lang not in found.languages:
        raise click.BadParameter(
            f"'{lang}' is not one of the scheme's languages ({', '.join(found.languages)})", param_hint="--lang"
        )
    if as_json:
        _echo_json({"summary": summary(found), "scheme": scheme_to_data(found)})
        return
    from excelcert.cli.terminal import print_scheme

    print_scheme(found, lang or found.default_language)


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
    from excelcert.scheme import export_format, export_name, load_scheme, write_scheme
    from excelcert.scheme.yaml_form import scheme_to_yaml

    to_stdout = output is not None and str(output) == "-"
    if fmt is None:
        fmt = export_format(output) if output is not None and not to_stdout else None
        if fmt is None:
            raise click.UsageError("say which format to write: --format xlsx or --format yaml")
    found = load_scheme(_session(ctx).scheme_path(scheme_file))
    if to_stdout:
        if fmt != "yaml":
            raise click.UsageError("only --format yaml can be written to standard output")
        echo(scheme_to_yaml(found), nl=False)
        return
    output = output or export_name(found, fmt)
    if output.exists() and not force:
        _fail(f"{output} already exists; nothing was written. Use --force to replace it, or -o to choose another file.")
    if not output.parent.exists():
        _fail(f"the folder {output.parent} does not exist; nothing was written.")
    write_scheme(found, output, fmt)
    echo(f"Wrote {shown(output)} (scheme {found.id} {found.version}, {fmt}).")


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
    "--contact-email",
    default="secretariat@example.org",
    show_default=True,
    help="Where clusters send their workbooks.",
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
    deadline: dt.datetime | None,
    contact_name: str,
    contact_email: str,
    new_key: bool,
    update_scheme: bool,
) -> None:
    """Create a campaign folder: config, secret key, roster, scheme copy."""
    from excelcert.campaign.config import init_campaign, open_campaign, renew_key, update_campaign_scheme

    if new_key or update_scheme:
        campaign = open_campaign(directory) if directory is not None else _session(ctx).campaign
        if new_key:
            renew_key(campaign)
            echo(f"Created a new secret key {shown(campaign.key_path)}. Keep a backup of it.")
        if update_scheme:
            updated = update_campaign_scheme(campaign)
            echo(f"Recorded scheme {updated.scheme_id} {updated.scheme_version} for campaign {updated.id}.")
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
    echo(f"Created campaign '{campaign.id}' in {shown(campaign.root)}:")
    for name, what in (
        (campaign.config_path.name, f"title, deadline ({campaign.deadline.isoformat()}), contact: edit freely"),
        (campaign.scheme_file, f"scheme {campaign.scheme_id} {campaign.scheme_version}"),
        (campaign.key_path.name, "the secret key that signs workbooks: back it up, never share it"),
        (campaign.roster_file, "the example roster: replace it with your clusters"),
        (campaign.reviewers_file, "the example reviewers: replace them with your experts"),
        ("templates/", "the Word templates of certificates and letters: edit them if you like"),
    ):
        echo(f"  {name:<22} {what}")
    echo(f"Next: cd {shown(campaign.root)} && excelcert roster check && excelcert generate")


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

    session = _session(ctx)
    languages = session.roster_languages()
    file = file or session.campaign.roster_path
    result = read_roster(file, languages)
    _finish_check(
        str(file),
        result.report,
        as_json,
        {"clusters": len(result.clusters)},
        f"{counted(len(result.clusters), 'cluster', none='no')}.",
    )


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
    write_roster_template(output, _session(ctx).roster_languages())
    echo(f"Wrote {shown(output)}: one example row to replace with your clusters.")


# --- self-assessment and intake -------------------------------------------------------


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
    from excelcert.cli.session import UnknownClusters

    session = _session(ctx)
    try:
        clusters = session.clusters_named(cluster_ids)
    except UnknownClusters as exc:
        raise click.BadParameter(str(exc), param_hint="--cluster") from None
    if reviews:
        _generate_reviews(session, clusters, force, jobs, as_json)
        return
    from excelcert.assessment.generate import generate_workbooks

    result = generate_workbooks(
        session.campaign,
        session.scheme,
        clusters,
        session.key,
        force=force,
        jobs=jobs,
        previous=_previous_labels(session),
    )
    if as_json:
        _echo_json(result.to_json())
        return
    for cluster, path in result.written:
        renewal = "  (renewal: last time's label and answers shown)" if cluster.id in result.renewals else ""
        echo(f"  wrote  {cluster.language}  {path.name}{renewal}")
    for cluster, path in result.kept:
        echo(f"  kept   {cluster.language}  {path.name}  (already generated; --force replaces it)")
    echo(f"{counted(len(result.written), 'workbook')} written, {len(result.kept)} kept, in {shown(result.folder)}")


def _previous_labels(session: Session) -> dict[str, Entry]:
    """Each cluster's last label in the register, from another campaign: a renewal's."""
    if session.register is None:
        return {}
    from excelcert.register.lists import previous_labels

    return previous_labels(session.register_store.entries(), session.campaign.id)


def _generate_reviews(session: Session, clusters: list[Cluster], force: bool, jobs: int, as_json: bool) -> None:
    from excelcert.review.generate import generate_reviews

    result = generate_reviews(
        session.campaign,
        session.scheme,
        clusters,
        session.reviewers,
        session.ledger,
        session.key,
        force=force,
        jobs=jobs,
    )
    if as_json:
        _echo_json(result.to_json())
        return
    notes = {
        "renewed": "  (the cluster sent a newer self-assessment)",
        "kept": "  (already generated; --force replaces it)",
    }
    for name, items in (("wrote", result.written), ("renewed", result.renewed), ("kept", result.kept)):
        for pair, path in items:
            echo(f"  {name:<8} {pair.reviewer_id:<10} {pair.cluster_id:<14} {path.name}{notes.get(name, '')}")
    waiting = sorted({a.cluster_id for a in result.waiting})
    if waiting:
        echo(f"  waiting  no self-assessment counts yet for: {', '.join(waiting)}")
    for cluster_id, why in sorted(result.incomplete.items()):
        echo(f"  left out {cluster_id:<14} {why}")
    echo(
        f"{counted(len(result.written) + len(result.renewed), 'reviewer workbook')} written, {len(result.kept)} kept, "
        f"in {shown(result.folder)}"
    )


@cli.command("import")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--imap",
    "imap_folder",
    metavar="FOLDER",
    help="Also the e-mails of this folder on the IMAP server of campaign.yaml (mail.imap), those not fetched before.",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Processes reading files in parallel; the ledger is written in order, the same "
    "whatever the number. [default: one per core, at most 4, for 100 files or more; else 1]",
)
@click.option(
    "--all",
    "every_file",
    is_flag=True,
    help="List every file; by default a batch of more than 30 lists only those that need a look.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the verdicts as JSON.")
@click.pass_context
def import_(
    ctx: click.Context,
    paths: tuple[Path, ...],
    imap_folder: str | None,
    jobs: int | None,
    every_file: bool,
    as_json: bool,
) -> None:
    """Import returned workbooks (files, folders, .zip archives, saved e-mails) into the ledger."""
    from rich.progress import Progress

    from excelcert.intake.report import import_and_report

    if not paths and not imap_folder:
        raise click.UsageError("give the files or folders to import, or --imap FOLDER")
    missing = [path for path in paths if not path.exists()]
    if missing:  # a mistyped path is not a batch with a rejected file in it: nothing is imported
        _fail(
            f"{', '.join(plain(str(path)) for path in missing)}: no such file or folder. Nothing was imported. "
            "Check the path (a folder of returned workbooks, a .zip, a saved e-mail) and run the command again."
        )
    session = _session(ctx)
    clusters, reviewer_ids = session.clusters, session.reviewer_ids
    fetched = None
    if imap_folder:
        from excelcert.intake.imap import fetch_folder, imap_password, imap_settings

        settings = imap_settings(session.campaign)
        with session.writing("import"):
            fetched = fetch_folder(session.campaign, settings, imap_password(settings), imap_folder)
        paths = (*paths, *fetched.saved)
        if not as_json:
            echo(
                f"{imap_folder}: {counted(len(fetched.saved), 'new message', none='no')} saved"
                + (f", {fetched.known} fetched before" if fetched.known else "")
                + ("; marked $ExcelcertImported on the server" if fetched.marked else "")
            )
            for uid, size in fetched.too_large:
                echo(f"  message {uid} not fetched: {size / 1e6:.0f} MB, far more than an e-mail with workbooks")
        if not paths:
            if as_json:
                _echo_json({"imap": fetched.to_json(), "files": []})
            return
    with session.writing("import"), Progress(transient=True, disable=as_json or not sys.stderr.isatty()) as progress:
        task = progress.add_task("Importing", total=None)
        outcome = import_and_report(
            session.campaign,
            session.scheme,
            {c.id for c in clusters},
            reviewer_ids,
            session.key,
            session.ledger,
            list(paths),
            jobs=jobs,
            progress=lambda name: progress.advance(task),
            previous={c: e.answers for c, e in _previous_labels(session).items()},
            senders=_senders(session),
            countries={c.id: c.country for c in clusters},
            reviewer_countries=_reviewer_countries(session),
        )
    if as_json:
        _echo_json({**outcome.to_json(), **({"imap": fetched.to_json()} if fetched else {})})
        return
    from excelcert.cli.terminal import import_summary, print_import

    print_import(outcome.results, every_file)
    echo(f"{import_summary(outcome.results)}; report: {shown(outcome.report)}")


def _reviewer_countries(session: Session) -> dict[str, str]:
    """Every reviewer's country: a save time written as local time is theirs (the clusters'
    apart: a reviewer's id may be a cluster's)."""
    if session.campaign.reviewers_file and session.reviewer_ids:
        return {r.id: r.country for r in session.reviewers_read.reviewers}
    return {}


def _senders(session: Session) -> dict[str, str]:
    """The roster's e-mail addresses (clusters', then reviewers'), each to its cluster or reviewer."""
    found = {c.email.casefold(): c.id for c in session.clusters if c.email}
    if session.campaign.reviewers_file and session.reviewer_ids:  # the well-formed rows, as for reviewer_ids
        found.update({r.email.casefold(): r.id for r in session.reviewers_read.reviewers if r.email})
    return found


@cli.command("history")
@click.argument("cluster_id")
@click.option("--json", "as_json", is_flag=True, help="Print the history as JSON.")
@click.pass_context
def history(ctx: click.Context, cluster_id: str, as_json: bool) -> None:
    """Every file received from a cluster, which one counts, and why."""
    from excelcert.intake.status import cluster_history

    session = _session(ctx)
    found = cluster_history(session.ledger, cluster_id)
    if not found.items:  # a typo ('fr-aero-01') is not a cluster that sent nothing
        ids = [c.id for c in session.clusters]
        if cluster_id not in ids:
            import difflib

            close = [i for i in ids if i.casefold() == cluster_id.casefold()] or difflib.get_close_matches(
                cluster_id, ids, n=1, cutoff=0.8
            )
            hint = f" Did you mean {close[0]}?" if close else ""
            _fail(
                f"{plain(cluster_id)} is not a cluster of the roster, and nothing was received from it.{hint} "
                "`excelcert status` lists every cluster with its id."
            )
    if as_json:
        _echo_json(found.to_json())
        return
    if not found.items:
        echo(f"Nothing received from {cluster_id} yet.")
        return
    for s in found.items:
        mark = "counts" if s.id in found.counting else ""
        role = f"review {s.reviewer_id}" if s.reviewer_id else (s.role or "")
        echo(
            f"{s.received_at[:16].replace('T', ' ')}  {s.verdict:<23} {mark:<7} {role:<18} {Path(s.original_name).name}"
        )
        if s.sender:
            echo(
                f"{'':18}by e-mail from {s.sender}"
                + (f", sent {s.sent_at[:16].replace('T', ' ')}" if s.sent_at else "")
            )
        echo(f"{'':18}{s.reason}")


_STATES = ("not-returned", "rejected", "incomplete", "complete")  # as typed: the states, "-" for a space


@cli.command("status")
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice(_STATES),
    help="Only the clusters in this state (repeat for more); default: all.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.pass_context
def status(ctx: click.Context, states: tuple[str, ...], as_json: bool) -> None:
    """Every cluster of the roster: not returned, rejected, incomplete or complete; mail sent; its review and label."""
    from collections import Counter

    from excelcert.intake.status import campaign_overview

    session = _session(ctx)
    overview = campaign_overview(session.scheme, session.clusters, session.ledger)
    counts = Counter(r.state for r in overview.rows)
    wanted = {state.replace("-", " ") for state in states}
    if wanted:
        overview.rows = [r for r in overview.rows if r.state in wanted]
    if as_json:
        _echo_json(overview.to_json())
        return
    from excelcert.cli.terminal import print_status

    if overview.rows:
        print_status(overview.rows, overview.review, overview.labels, overview.mail)
    every = [f"{counts[state]} {state}" for state in (s.replace("-", " ") for s in reversed(_STATES))]
    echo(
        f"{counted(sum(counts.values()), 'cluster')}: {', '.join(every)}"
        + (f"; listed: {len(overview.rows)} ({', '.join(sorted(wanted))})" if wanted else "")
    )


@cli.command("corrections")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@click.pass_context
def corrections(ctx: click.Context, as_json: bool) -> None:
    """For every rejected or incomplete return: what to fix, as a workbook to mail, in the cluster's language."""
    from excelcert.intake.corrections import write_all_corrections

    session = _session(ctx)
    outcome = write_all_corrections(session.campaign, session.scheme, session.clusters, session.ledger)
    if as_json:
        _echo_json(outcome.to_json())
        return
    for item, path in outcome.written:
        state = "rejected" if item.rejected else counted(len(item.items), "point")
        echo(f"  {item.cluster.id:<14} {state:<12} {item.cluster.email:<40} {path.name}")
    echo(
        f"{counted(len(outcome.written), 'correction workbook')} in {shown(outcome.folder)}"
        if outcome.written
        else "Nothing to correct: no rejected or incomplete return from a known cluster."
    )


_MAIL_KINDS = {
    "workbooks": "workbook",
    "reviews": "review",
    "corrections": "correction",
    "reminders": "reminder",
    "documents": "documents",
}


@cli.command("mail")
@click.argument("what", type=click.Choice(list(_MAIL_KINDS)))
@click.option("--cluster", "cluster_ids", multiple=True, help="Only this cluster (repeat for more); default: all.")
@click.option(
    "--reviewer", "reviewer_ids", multiple=True, help="reviews: only this reviewer (repeatable); default: all."
)
@click.option("--send", is_flag=True, help="Send through the SMTP server of campaign.yaml (default: write .eml files).")
@click.option("--again", is_flag=True, help="Also the messages already sent (or already in the outbox).")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Today, for reminders (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
@click.pass_context
def mail(
    ctx: click.Context,
    what: str,
    cluster_ids: tuple[str, ...],
    reviewer_ids: tuple[str, ...],
    send: bool,
    again: bool,
    day: dt.datetime | None,
    as_json: bool,
) -> None:
    """Mail the clusters (or reviewers) their workbooks, corrections, reminders or documents."""
    from excelcert.mail.compose import plan_messages
    from excelcert.mail.send import deliver, mail_settings, outbox_folder, smtp_password

    session = _session(ctx)
    kind = _MAIL_KINDS[what]
    settings = mail_settings(session.campaign)
    password = smtp_password(settings) if send else ""
    clusters = session.clusters_named(cluster_ids)
    reviewers = None
    if kind == "review":
        reviewers = [r for r in session.reviewers if not reviewer_ids or r.id in reviewer_ids]
        unknown = sorted(set(reviewer_ids) - {r.id for r in reviewers})
        if unknown:
            _fail(f"not in the reviewers roster: {', '.join(unknown)}")
    with session.writing("mail"):
        plan = plan_messages(
            kind,
            session.campaign,
            session.scheme,
            clusters,
            session.ledger,
            reviewers=reviewers,
            today=day.date() if day else None,
        )
        run = deliver(plan, session.campaign, session.ledger, settings, send=send, again=again, password=password)
    if as_json:
        _echo_json(run.to_json())
    else:
        for outgoing, _, _eml in run.done:
            files = ", ".join(p.name for p in outgoing.attachments) or "no attachment"
            echo(f"  {outgoing.recipient_id:<14} {outgoing.address:<40} {files}")
        for who, why in run.missing:
            echo(f"  {who:<14} not mailed: {why}")
        for outgoing, why in run.refused:
            echo(f"  {outgoing.recipient_id:<14} REFUSED {outgoing.address}: {why}")
        done = "sent" if send else f"written to {shown(outbox_folder(session.campaign) / kind)}"
        echo(
            f"{counted(len(run.done), 'message', none='no')} {done}"
            + (
                f"; {len(run.already)} already {'sent' if send else 'in the outbox'} (--again to repeat)"
                if run.already
                else ""
            )
        )
    if run.stopped:
        _fail(
            f"{run.stopped}; {counted(len(run.waiting), 'message')} not sent. Those sent are recorded: "
            "run the same command again to send the rest."
        )
    if run.refused:
        sys.exit(1)


# --- review ---------------------------------------------------------------------------


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

    path = path or _session(ctx).campaign.reviewers_path
    found = read_reviewers(path)
    _finish_check(
        str(path),
        found.report,
        as_json,
        {"reviewers": len(found.reviewers)},
        f"{counted(len(found.reviewers), 'reviewer', none='no')}",
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
    from excelcert.review import workflow

    session = _session(ctx)
    clusters = session.clusters
    reviewers = session.reviewers
    with session.writing("assign"):
        outcome = workflow.assign(
            session.campaign,
            clusters,
            reviewers,
            session.ledger,
            per_cluster=per_cluster,
            from_file=from_file,
            replace=replace,
        )
    if as_json:
        _echo_json(outcome.to_json())
    else:
        by_cluster: dict[str, list[str]] = {}
        for pair in outcome.pairs:
            by_cluster.setdefault(pair.cluster_id, []).append(pair.reviewer_id)
        for cluster in clusters:
            assigned = ", ".join(by_cluster.get(cluster.id, [])) or "-"
            why = outcome.left_out.get(cluster.id)
            echo(
                f"  {cluster.id:<14} {cluster.country}  {cluster.language}  "
                + (f"left out: {why}" if why else assigned)
            )
        for item in outcome.report:
            echo(f"  {item.severity}: {item}", err=item.severity == ERROR)
        if outcome.workbook:
            echo(
                f"Proposal written to {shown(outcome.workbook)}: edit it and read it back with "
                "`excelcert assign --from FILE` if you want changes."
            )
        if outcome.stored:
            echo("Assignment stored. Next: `excelcert generate --reviews`.")
    if outcome.kept:
        echo(
            f"A different assignment ({counted(outcome.kept, 'pair', none='no')}) is already stored and was kept; the new "
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
    from excelcert.review import workflow

    session = _session(ctx)
    outcome = workflow.reconcile(
        session.campaign, session.scheme, session.clusters, session.ledger, session.key, details=as_json
    )
    if as_json:
        _echo_json(outcome.to_json())
        return
    from excelcert.cli.terminal import print_reconcile

    print_reconcile(outcome)
    if outcome.arbitration:
        echo(
            f"{counted(len(outcome.flagged), 'item', none='no')} to arbitrate: fill in {outcome.arbitration} "
            "and import it (`excelcert import FILE`)."
        )
    else:
        echo("Nothing waits for arbitration.")


# --- results and documents ------------------------------------------------------------


@cli.command("score")
@click.option("--json", "as_json", is_flag=True, help="Print every cluster's points, label and gap as JSON.")
@click.pass_context
def score_(ctx: click.Context, as_json: bool) -> None:
    """Points, label and gap analysis for every complete assessment; the results workbook."""
    from excelcert.results.scores import score_campaign

    session = _session(ctx)
    clusters = session.clusters
    with session.writing("score"):
        scored = score_campaign(session.campaign, session.scheme, clusters, session.ledger, session.register)
    if as_json:
        _echo_json(scored.to_json())
        return
    from excelcert.cli.terminal import print_scores

    print_scores(session.scheme, scored.results)
    echo(f"Results: {shown(scored.workbook)} (and {scored.csv.name})")


@cli.command("benchmark")
@click.option("--json", "as_json", is_flag=True, help="Print the peer groups and every cluster's standing as JSON.")
@click.pass_context
def benchmark_(ctx: click.Context, as_json: bool) -> None:
    """Every scored cluster against its peers: same sector, same country, everyone, the excellence group.

    The peers are every assessment in the register (each cluster once, its latest) and the
    campaign's scored clusters; a group with fewer than k members is never shown (k:
    benchmark: min_group in campaign.yaml, 5 by default)."""
    from excelcert.benchmark import benchmark_campaign

    session = _session(ctx)
    found = benchmark_campaign(session.campaign, session.scheme, session.clusters, session.ledger, session.register)
    if as_json:
        _echo_json(found.to_json())
        return
    from excelcert.cli.terminal import print_benchmark

    print_benchmark(session.scheme, found)
    if not found.clusters:
        click.echo("No cluster is scored yet: run `excelcert score` first.")


@cli.command("report")
@click.option("--lang", help="The report's language (default: the scheme's default language).")
@click.option("--json", "as_json", is_flag=True, help="Print what the report shows as JSON.")
@click.pass_context
def report_(ctx: click.Context, lang: str | None, as_json: bool) -> None:
    """The campaign report for funders: a workbook with native charts and the same as one HTML file.

    Returns over time, labels by country and sector, scores, category shares, the weakest
    indicators, overstatement, reviewer agreement and load, the peer groups and the training
    needs; into output/<campaign>/report-<lang>.xlsx and .html."""
    from excelcert.benchmark import campaign_peers
    from excelcert.benchmark.report import campaign_report
    from excelcert.benchmark.stats import benchmark

    session = _session(ctx)
    scheme = session.scheme
    if lang is not None and lang not in scheme.languages:
        _fail(f"the scheme has no language '{lang}': use one of {', '.join(scheme.languages)}")
    reviewers = session.reviewers if session.campaign.reviewers_file else []
    peers = campaign_peers(session.campaign, scheme, session.clusters, session.ledger, session.register)
    found = benchmark(scheme, peers, session.campaign.benchmark_min_group)
    done = campaign_report(
        session.campaign, scheme, session.clusters, reviewers, session.ledger, peers, found, lang=lang
    )
    if as_json:
        _echo_json(done.to_json())
        return
    click.echo(f"Campaign report: {shown(done.workbook)}")
    click.echo(f"            and {shown(done.html)} (one file, charts inline: send it as it is)")


def _documents(
    ctx: click.Context, kinds: tuple[str, ...], pdf: bool, jobs: int, as_json: bool, issued_on: dt.date | None = None
) -> None:
    from excelcert.documents.issue import issue_documents

    session = _session(ctx)
    clusters, register = session.clusters, session.register
    with session.writing("certify" if "certificate" in kinds else "letters"):
        outcome = issue_documents(
            session.campaign,
            session.scheme,
            clusters,
            session.ledger,
            session.key,
            kinds=kinds,
            today=issued_on,
            jobs=jobs,
            pdf=pdf,
            register=register,
        )
    issued = outcome.issued
    if as_json:
        _echo_json(outcome.to_json())
    else:
        for job in issued.documents:
            echo(f"  {job.cluster_id:<14} {job.kind:<12} {job.out.relative_to(issued.folder)}")
        for cluster_id, why in issued.skipped.items():
            if why != "no self-assessment":
                echo(f"  {cluster_id:<14} none         ({why}: no score, so no certificate or letter)")

        for cluster_id, why in issued.withdrawn.items():
            echo(f"  {cluster_id:<14} certificate  not issued again: {plain(why)}")
        for cluster_id, what in issued.retired.items():
            echo(f"  {cluster_id:<14} certificate  {plain(what)}")
        if "certificate" in kinds and not issued.certificates:
            echo(
                "No cluster has earned a label yet: `excelcert score` says what each one lacks "
                "(with the built-in scheme, every label needs a reviewed assessment)."
            )
        pdfs = f", {counted(len(outcome.pdfs), 'PDF')}" if outcome.pdfs else ""
        echo(f"{counted(len(outcome.written), 'document')} in {shown(issued.folder)}{pdfs}")
    if outcome.pdf_error:
        _fail(outcome.pdf_error)


_pdf_option = click.option("--pdf", is_flag=True, help="Also convert them to PDF (needs LibreOffice).")
_jobs_option = click.option(
    "--jobs", type=click.IntRange(1, 64), default=1, show_default=True, help="Documents rendered in parallel."
)


@cli.command("certify")
@_pdf_option
@_jobs_option
@click.option("--date", "issued_on", type=click.DateTime(["%Y-%m-%d"]), help="Date of issue (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@click.pass_context
def certify(ctx: click.Context, pdf: bool, jobs: int, issued_on: dt.datetime | None, as_json: bool) -> None:
    """A certificate for every cluster that earned a label (numbered in the ledger, never reused)."""
    _documents(ctx, ("certificate",), pdf, jobs, as_json, issued_on.date() if issued_on else None)


@cli.command("letters")
@_pdf_option
@_jobs_option
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@click.pass_context
def letters(ctx: click.Context, pdf: bool, jobs: int, as_json: bool) -> None:
    """A feedback letter for every scored cluster; a correction letter for every rejected or incomplete return."""
    _documents(ctx, ("letter", "correction"), pdf, jobs, as_json)


@cli.command("verify")
@click.argument("number")
@click.argument("code")
@click.option("--on", "day", type=click.DateTime(["%Y-%m-%d"]), help="The day to check it for (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict and the certificate's details as JSON.")
@click.pass_context
def verify_certificate(ctx: click.Context, number: str, code: str, day: dt.datetime | None, as_json: bool) -> None:
    """Check a certificate someone quotes: its number and verification code (exit code 1 if not valid).

    With a register, any certificate it holds is checked, whichever campaign issued it;
    without one, the campaign's own."""
    session = _session(ctx)
    on = day.date() if day else None
    if session.register is not None:
        _verify_in_register(session, number, code, on, as_json)
        return
    from excelcert.documents.verify import verify_certificate

    _verify_in_ledger_output(session, verify_certificate(session.ledger, number, code, on), number, code)


def _quoted(text: str) -> str:
    """What someone typed, as it may be printed back: plain, and not endless."""

    text = plain(text.strip())
    return text if len(text) <= 40 else text[:40] + "…"


def _verify_in_register(session: Session, number: str, code: str, on: dt.date | None, as_json: bool) -> None:
    from excelcert.documents.verify import UNKNOWN_NUMBER, verify_certificate, verify_in_register
    from excelcert.register.rules import EXPIRED, NOT_YET, SUPERSEDED, VALID, WITHDRAWN

    found = verify_in_register(session.register_store, number, code, on)
    if found.state == UNKNOWN_NUMBER and session.in_campaign:
        # issued by this campaign before it had its register: its ledger knows it
        earlier = verify_certificate(session.ledger, number, code, on)
        if earlier.state != UNKNOWN_NUMBER:
            _verify_in_ledger_output(session, earlier, number, code)
            return
    if as_json:
        _echo_json(found.to_json())
        if found.state != VALID:
            sys.exit(1)
        return
    name = plain(session.register.name) if session.register else "this register"
    if found.state == NOT_YET and found.entry is not None:
        _fail(
            f"certificate {_quoted(number)} is not issued yet on {(on or dt.date.today()).isoformat()}: "
            f"it is issued on {found.entry.issued_on}."
        )
    if not found.issued_here or found.entry is None:
        why = (
            "no certificate has this number."
            if found.state == UNKNOWN_NUMBER
            else "the code does not match its number."
        )
        _fail(f"certificate {_quoted(number)} with code {_quoted(code)} was NOT issued by {name}: {why}")
    e = found.entry
    verdict = {
        VALID: "VALID",
        EXPIRED: f"EXPIRED on {e.valid_until}",
        SUPERSEDED: f"SUPERSEDED by {found.superseded_by}",
        WITHDRAWN: f"WITHDRAWN on {e.withdrawn_on} by {plain(e.withdrawn_by)}: {plain(e.withdrawn_reason)}",
    }[found.state]
    echo(_sentence(f"{e.reference}: {verdict}"))
    echo(f"  {plain(e.label_name)} label of {plain(e.name)} ({e.country}, cluster {e.cluster_id})")
    echo(
        f"  assessed {e.assessed}, issued on {e.issued_on}, valid until {e.valid_until} "
        f"(campaign {e.campaign_id}, scheme {plain(e.scheme_id)} {plain(e.scheme_version)})"
    )
    echo("  Compare these details with the certificate you were shown: they must be the same.")
    if found.state != VALID:
        sys.exit(1)


def _verify_in_ledger_output(session: Session, found: Any, number: str, code: str) -> None:
    """What `verify` says of a certificate the campaign's ledger holds (no register)."""
    from excelcert.documents.verify import UNKNOWN_NUMBER

    campaign = session.campaign
    if not found.issued_here or found.certificate is None:
        why = (
            "no certificate has this number."
            if found.state == UNKNOWN_NUMBER
            else "the code does not match its number."
        )
        _fail(
            f"certificate {_quoted(number)} with code {_quoted(code)} was NOT issued by this campaign "
            f"({campaign.id}): {why}"
        )
    c = found.certificate
    state = "valid" if found.state == "valid" else "EXPIRED"
    echo(
        f"{c.reference}: {state}. {c.label} label for cluster {c.cluster_id}, issued on "
        f"{c.issued_on}, valid until {c.valid_until}."
    )
    if found.state != "valid":
        sys.exit(1)


@cli.group("templates", cls=_Group)
def templates_group() -> None:
    """The Word templates of certificates and letters, and the mail templates: check them."""


@templates_group.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@click.pass_context
def templates_check(ctx: click.Context, paths: tuple[Path, ...], as_json: bool) -> None:
    """Check templates (default: the campaign's Word and mail templates) for unknown variables and tags Word broke."""
    from excelcert.documents.templates import campaign_templates, check_templates
    from excelcert.mail.templates import campaign_mail_templates, check_mail_template

    session = _session(ctx)
    files = list(paths) or [*campaign_templates(session.campaign), *campaign_mail_templates(session.campaign)]
    report = check_templates(session.campaign, session.scheme, [p for p in files if p.suffix.casefold() != ".txt"])
    for path in [p for p in files if p.suffix.casefold() == ".txt"]:
        report.extend(check_mail_template(path))
    _finish_check(
        ", ".join(p.name for p in files),
        report,
        as_json,
        {"templates": len(files)},
        counted(len(files), "template", none="no"),
    )


# --- the register -----------------------------------------------------------------------


@cli.group("register", cls=_Group)
def register_group() -> None:
    """The labels across campaigns: create the register, list, publish, renewals, withdraw."""


@register_group.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default="Label secretariat", show_default=True, help="The label body, as lists show it.")
@click.option("--prefix", default="ECL", show_default=True, help="Certificate numbers start with it: ECL-2026-00001.")
@click.option("--public-url", default="", help="Where the public list will be published (for the QR codes).")
def register_init(directory: Path, name: str, prefix: str, public_url: str) -> None:
    """Create a register: campaigns in folders below it number their certificates in it."""
    from excelcert.register.config import init_register

    register = init_register(directory, name=name, prefix=prefix, public_url=public_url)
    echo(f"Created the register of {register.name} in {shown(register.root)}:")
    echo(f"  {register.config_path.name:<18} name, prefix ({register.prefix}), public address: edit freely")
    echo(f"  {register.database_path.name:<18} every certificate issued: back it up")
    echo(
        f"Campaigns in folders below {register.root} use it (excelcert init {register.root / 'CAMPAIGN'}); "
        "a campaign elsewhere names it in its campaign.yaml (register: PATH)."
    )


def _day(day: dt.datetime | None) -> dt.date:
    if day is not None and not 1900 <= day.year <= 9000:
        raise click.BadParameter(f"{day.date().isoformat()} is not a day a label can be valid on", param_hint="--on")
    return day.date() if day else dt.date.today()


@register_group.command("list")
@click.option("--on", "day", type=click.DateTime(["%Y-%m-%d"]), help="The day (default: today).")
@click.option("--country", help="Only this country (ISO code).")
@click.option("--label", help="Only this label (id or name).")
@click.option("--sector", help="Only this sector.")
@click.option("--all", "show_all", is_flag=True, help="Also the expired, superseded and withdrawn ones.")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.pass_context
def register_list(
    ctx: click.Context,
    day: dt.datetime | None,
    country: str | None,
    label: str | None,
    sector: str | None,
    show_all: bool,
    as_json: bool,
) -> None:
    """The labelled clusters on a day: valid labels (with --all, every label and its state)."""
    from excelcert.register.lists import label_list
    from excelcert.register.rules import STATES, VALID

    on = _day(day)
    found = label_list(
        _session(ctx).register_store.entries(),
        on,
        country=country,
        label=label,
        sector=sector,
        states=STATES if show_all else (VALID,),
    )
    if as_json:
        _echo_json({"on": on.isoformat(), "certificates": [item.to_json() for item in found]})
        return
    from excelcert.cli.terminal import print_register

    print_register(found, on)


@register_group.command("publish")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--on", "day", type=click.DateTime(["%Y-%m-%d"]), help="The day the site shows (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@click.pass_context
def register_publish(ctx: click.Context, directory: Path, day: dt.datetime | None, as_json: bool) -> None:
    """Write the public site into DIRECTORY: the list of labels and a verification page per
    certificate, in English, French and German; static files that need no server."""
    from excelcert.register.publish import publish_site

    session = _session(ctx)
    entries = session.register_store.entries()  # RegisterError when there is no register
    assert session.register is not None
    done = publish_site(session.register, entries, directory, _day(day))
    if as_json:
        _echo_json(done.to_json())
        return
    echo(
        f"Published the register of {session.register.name} on {done.on} in {directory}: "
        f"{counted(done.valid, 'valid label', none='no')}, {done.others} expired, superseded or withdrawn, "
        f"{counted(done.pages, 'verification page', none='no')}; open {directory / 'index.html'} to look at it."
    )
    if done.public_url:
        echo(f"Upload the folder's contents to {done.public_url}: the certificates' QR codes point there.")
    else:
        echo(
            "The register has no public address yet: set public_url in register.yaml to where the site "
            "will be hosted, since the certificates' QR codes point there."
        )


@register_group.command("renewals")
@click.option("--on", "day", type=click.DateTime(["%Y-%m-%d"]), help="The day (default: today).")
@click.option(
    "--within", default="6m", show_default=True, help="Labels ending within this many months (6m) of the day."
)
@click.option(
    "--roster",
    "roster_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write them as a roster for the next campaign (.xlsx).",
)
@click.option("--force", is_flag=True, help="Replace the roster file if it exists.")
@click.option("--json", "as_json", is_flag=True, help="Print them as JSON.")
@click.pass_context
def register_renewals(
    ctx: click.Context, day: dt.datetime | None, within: str, roster_file: Path | None, force: bool, as_json: bool
) -> None:
    """Labels ending soon, or ended but still renewable with continuity, with their contact."""
    from excelcert.register.lists import renewal_roster, renewals

    text = within.strip().casefold().removesuffix("m").strip()
    if not text.isdigit() or not 0 <= int(text) <= 120:
        raise click.BadParameter(f"'{within}' is not a number of months such as 6m", param_hint="--within")
    session = _session(ctx)
    on = _day(day)
    if roster_file is not None:
        if roster_file.suffix.casefold() != ".xlsx":
            raise click.BadParameter(f"'{roster_file.name}' is not a workbook name (.xlsx)", param_hint="--roster")
        if roster_file.exists() and not force:
            _fail(f"{roster_file} already exists; nothing was written. Use --force to replace it.")
        if not roster_file.parent.is_dir():
            _fail(f"the folder {roster_file.parent} does not exist; nothing was written.")
    due = renewals(session.register_store.entries(), on, within_months=int(text))
    if roster_file is not None:
        from excelcert.campaign.roster import write_roster

        languages = tuple(sorted({r.listed.entry.language for r in due if r.listed.entry.language})) or ("en",)
        write_roster(roster_file, renewal_roster(due), languages)
    if as_json:
        _echo_json({"on": on.isoformat(), "renewals": [r.to_json() for r in due]})
        return
    for r in due:
        e = r.listed.entry
        echo(
            f"  {e.reference:<16} {plain(e.label_name):<8} {e.valid_until}  {r.listed.state:<8} renew by {r.renew_by}  "
            f"{e.cluster_id:<14} {plain(e.name)}  <{plain(e.email)}>"
        )
    echo(
        f"{counted(len(due), 'label', none='no')} to renew"
        + (f"; roster written to {shown(roster_file)}" if roster_file else "")
    )


@register_group.command("club")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("club.xlsx"),
    show_default=True,
    help="The directory to write: .xlsx, .csv or .vcf (vCards) by its extension.",
)
@click.option("--on", "day", type=click.DateTime(["%Y-%m-%d"]), help="The day (default: today).")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@click.option("--json", "as_json", is_flag=True, help="Print the directory as JSON too.")
@click.pass_context
def register_club(ctx: click.Context, output: Path, day: dt.datetime | None, force: bool, as_json: bool) -> None:
    """The club directory: managers of labelled clusters who agreed to be listed (no consent, no entry)."""
    from excelcert.register.club import club_directory, export_format, write_directory

    fmt = export_format(output)
    if fmt is None:
        raise click.BadParameter(f"'{output.name}' ends neither in .xlsx, .csv nor .vcf", param_hint="--output")
    if output.exists() and not force:
        _fail(f"{output} already exists; nothing was written. Use --force to replace it.")
    directory = club_directory(_session(ctx).register_store.entries(), _day(day))
    write_directory(directory, output, fmt)
    if as_json:
        _echo_json(directory.to_json())
        return
    echo(
        f"Wrote {output}: {counted(len(directory.members), 'cluster manager', none='no')} of labelled clusters who agreed to be "
        f"listed ({directory.left_out} labelled without consent or address: not listed)."
    )


@register_group.command("withdraw")
@click.argument("number")
@click.option("--reason", required=True, help="Why (recorded, and shown by verification).")
@click.option("--by", "by", required=True, help="Who decided it.")
@click.option("--on", "day", type=click.DateTime(["%Y-%m-%d"]), help="From this day (default: today).")
@click.pass_context
def register_withdraw(ctx: click.Context, number: str, reason: str, by: str, day: dt.datetime | None) -> None:
    """Withdraw a certificate: recorded with the reason, never deleted; verification says so."""
    store = _session(ctx).register_store
    entry = store.by_reference(number)
    if entry is None:
        _fail(f"the register holds no certificate {number}; nothing was changed.")
    if not reason.strip() or not by.strip():
        raise click.UsageError("say why (--reason) and who decided it (--by)")
    done = store.withdraw(entry.number, on=_day(day).isoformat(), reason=reason.strip(), by=by.strip())

    said = (
        f"{done.reference} ({plain(done.label_name)} label of {plain(done.name)}) is withdrawn from "
        f"{done.withdrawn_on} by {plain(done.withdrawn_by)}: {plain(done.withdrawn_reason)}"
    )
    echo(_sentence(said))


@cli.command("demo")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("excelcert-demo"),  # beside the campaign's own output/<id>/, never inside an output folder
    show_default=True,
    help="Where to build the demo campaign.",
)
@click.option("--jobs", type=click.IntRange(1, 64), default=2, show_default=True, help="Workbooks written in parallel.")
@click.option(
    "--clusters",
    type=click.IntRange(0, 100_000),
    default=150,
    show_default=True,
    help="Made-up peers assessed in earlier campaigns, for benchmarking (sectors, countries, sizes, ages).",
)
def demo(directory: Path, jobs: int, clusters: int) -> None:
    """Build a fresh demo campaign from the built-in scheme and example roster, and run every stage."""
    from excelcert.demo.run import run_demo

    for line in run_demo(directory, jobs=jobs, clusters=clusters):
        echo(line)


def main() -> None:
    cli(prog_name="excelcert")


if __name__ == "__main__":
    main()

"""Terminal views for the CLI (rich tables). Presentation only: no stage logic here."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment, Segments
from rich.table import Table
from rich.text import Text

from excelcert.base.ledger import MailRecord
from excelcert.base.words import counted
from excelcert.cli.safe import plain
from excelcert.intake.batch import FileResult
from excelcert.intake.status import ClusterStatus
from excelcert.register.lists import Listed
from excelcert.results.decision import explain
from excelcert.results.scores import Results
from excelcert.review.workflow import ReconcileOutcome
from excelcert.scheme.build import plain_number
from excelcert.scheme.model import (
    DATE,
    DECIMAL,
    INTEGER,
    PERCENT,
    SELECT_MULTIPLE,
    SELECT_ONE,
    TEXT,
    YES_NO,
    Indicator,
    Scheme,
)

if TYPE_CHECKING:  # the benchmark's tables need pandas: only `benchmark` pays for importing it
    from excelcert.benchmark.stats import Benchmark

_TYPE_NAMES = {
    INTEGER: "whole number",
    DECIMAL: "number",
    PERCENT: "percentage",
    YES_NO: "yes/no",
    SELECT_ONE: "one choice",
    SELECT_MULTIPLE: "several choices",
    DATE: "date",
    TEXT: "text",
}


def _add_row(table: Table, *cells: str | Text) -> None:
    """A table row whose text is shown as it is: never read as rich markup (a cluster named
    `BioTech [/] Lab` or `[link=...]` prints as typed), control characters removed."""
    table.add_row(*_cells(cells))


def _cells(cells: Sequence[str | Text]) -> list[Text]:
    return [Text(plain(cell)) if isinstance(cell, str) else cell for cell in cells]


PRINTED_AT_ONCE = 2000  # segments of a table written at a time


def _print_table(console: Console, table: Table) -> None:
    """`console.print(table)`, the same text written a few rows at a time: rich keeps every
    segment of what it prints until the end of a print (some 10 KB a row), which for a table
    of thousands of clusters is more than the rest of the command holds. The table renders
    row by row; its segments go out in batches, as they are."""
    batch: list[Segment] = []
    for segment in console.render(table, console.options):
        batch.append(segment)
        if len(batch) >= PRINTED_AT_ONCE:
            console.print(Segments(batch))
            batch = []
    if batch:
        console.print(Segments(batch))


ROWS_AT_ONCE = 100  # rows of a long table (`_print_rows`) rendered at a time


class _Widest:
    """Stands, in a table's measure, for every cell of a column: the narrowest width the
    widest of them can take, and the widest any of them would take."""

    def __init__(self, measurement: Measurement):
        self.measurement = measurement

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return self.measurement

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        return iter(())  # measured, never printed


def _print_rows(
    console: Console, make_table: Callable[[], Table], rows: Callable[[], Iterable[Sequence[str | Text]]]
) -> None:
    """`make_table()` with every row of `rows()` added (`_add_row`), printed as rich prints it
    whole, the same text, without holding its rows: rich measures every row of a table
    before it prints the first. `rows()` is gone through twice: first to measure each
    column (the widest of its cells, nothing kept), then to print a batch of rows at a time
    in columns of the widths the whole table has (what rich makes of those measures); each
    batch is printed without the lines that close one table and open the next."""
    options = console.options
    table = make_table()
    lows, highs, count = [0] * len(table.columns), [0] * len(table.columns), 0
    for row in rows():
        count += 1
        for k, cell in enumerate(_cells(row)):
            low, high = Measurement.get(console, options, cell)
            lows[k], highs[k] = max(lows[k], low), max(highs[k], high)
    if count <= ROWS_AT_ONCE:
        for row in rows():
            _add_row(table, *row)
        _print_table(console, table)
        return
    table.add_row(*(_Widest(Measurement(low, high)) for low, high in zip(lows, highs, strict=True)))
    widths = table._calculate_column_widths(console, options.update_width(options.max_width - table._extra_width))
    batch: list[Sequence[str | Text]] = []
    printed = 0
    for row in rows():
        batch.append(row)
        if len(batch) == ROWS_AT_ONCE or printed + len(batch) == count:
            part = make_table()
            for k, column in enumerate(part.columns):
                column.width = widths[k] - part._get_padding_width(k)
            if printed:
                part.show_header, part.title = False, None
            for cells in batch:
                _add_row(part, *cells)
            lines = list(Segment.split_lines(console.render(part, options)))
            printed += len(batch)
            # the first batch's top and header, the last one's bottom: none between them
            lines = lines[1 if len(batch) < printed else 0 : None if printed == count else -1]
            console.print(Segments([segment for line in lines for segment in (*line, Segment.line())]))
            batch = []


def _console() -> Console:
    console = Console()
    if not console.is_terminal:
        console = Console(width=140)  # piped or redirected: keep tables readable
    return console


def describe_answer(scheme: Scheme, ind: Indicator, lang: str) -> str:
    kind = _TYPE_NAMES.get(ind.type, ind.type)
    unit = scheme.text(ind.unit, lang)
    if ind.type in (SELECT_ONE, SELECT_MULTIPLE):
        choices = scheme.choices_for(ind)
        return f"{kind} ({len(choices.choices)})" if choices else kind
    return f"{kind}, {unit}" if unit and unit != "%" else kind


def describe_threshold(scheme: Scheme, ind: Indicator, lang: str) -> str:
    met = ind.met
    if met is None:
        return ""
    if met.choices:
        return " or ".join(met.choices)
    unit = scheme.text(ind.unit, lang)
    unit = f" {unit}" if unit else ""
    if met.min is not None and met.max is not None:
        return f"{plain_number(met.min)}–{plain_number(met.max)}{unit}"
    if met.min is not None:
        return f"≥ {plain_number(met.min)}{unit}"
    return f"≤ {plain_number(met.max)}{unit}"


def print_scheme(scheme: Scheme, lang: str) -> None:
    console = _console()
    total = scheme.total_points
    console.print(Text(plain(scheme.text(scheme.title, lang)), style="bold"))
    validity = f", labels valid {scheme.validity_months} months" if scheme.validity_months else ""
    console.print(
        Text(
            plain(
                f"{scheme.id} {scheme.version} · languages {', '.join(scheme.languages)} · "
                f"{len(scheme.indicators)} indicators in {len(scheme.categories)} categories · "
                f"{plain_number(total)} points{validity}"
            )
        )
    )
    for cat in scheme.categories:
        colour = cat.colour or "default"
        table = Table(
            title=Text(
                plain(
                    f"{cat.id} · {scheme.text(cat.name, lang)} · {plain_number(scheme.category_points(cat.id))} points"
                ),
                style=f"bold {colour}",
            ),
            title_justify="left",
            show_lines=False,
            expand=False,
        )
        table.add_column("ID", no_wrap=True)
        table.add_column("Indicator", ratio=3)
        table.add_column("Answer", ratio=2)
        table.add_column("Points", justify="right")
        table.add_column("Quality threshold", ratio=2)
        table.add_column("Notes", no_wrap=True)
        for ind in scheme.indicators_in(cat.id):
            flags = []
            if ind.eligibility:
                flags.append("eligibility")
            if not ind.required:
                flags.append("optional")
            _add_row(
                table,
                ind.id,
                scheme.text(ind.name, lang),
                describe_answer(scheme, ind, lang),
                plain_number(ind.max_points),
                describe_threshold(scheme, ind, lang),
                ", ".join(flags),
            )
        _print_table(console, table)
    labels = Table(title=Text("Label rules", style="bold"), title_justify="left")
    for column in ("Label", "Share of points", "Eligibility criteria", "Reviewed", "Must meet"):
        labels.add_column(column, justify="right" if column == "Share of points" else "left")
    for rule in scheme.labels_by_rank():
        _add_row(
            labels,
            scheme.text(rule.name, lang),
            f"≥ {plain_number(rule.min_percent)} % ({plain_number(total * rule.min_percent / 100)} pts)",
            "all met" if rule.eligibility else "—",
            "required" if rule.reviewed else "—",
            ", ".join(rule.must_meet) or "—",
        )
    console.print(labels)


_VERDICT_STYLE = {"accepted": "green", "accepted with problems": "yellow", "rejected": "red", "already imported": "dim"}


LIST_EVERY_FILE_UP_TO = 30  # a larger batch lists only the files that need a look (`import --all`: every one)


def print_import(results: list[FileResult], every_file: bool = False) -> None:
    """One line per file: its verdict, its cluster, and the reason. A batch of more than
    LIST_EVERY_FILE_UP_TO files lists only those that need a look (refused, with problems,
    already imported, or not counting), unless `every_file`: a thousand lines that all say
    "accepted" would hide the few that matter (every file is in the import report)."""
    listed = results if every_file or len(results) <= LIST_EVERY_FILE_UP_TO else [r for r in results if needs_a_look(r)]
    console = _console()
    if listed:
        table = Table(title=Text("Import", style="bold"), title_justify="left", show_lines=False)
        table.add_column("File", ratio=3, overflow="fold")
        table.add_column("Verdict", no_wrap=True)
        table.add_column("Cluster", no_wrap=True)
        table.add_column("Reason", ratio=5)
        for r in listed:
            _add_row(
                table,
                Path(r.name).name,
                Text(r.verdict, style=_VERDICT_STYLE.get(r.verdict, "")),
                r.cluster or "—",
                r.reason,
            )
        _print_table(console, table)
    left_out = len(results) - len(listed)
    if left_out:
        console.print(
            Text(
                f"{counted(left_out, 'file')} accepted without problems and counting "
                f"{'is' if left_out == 1 else 'are'} not listed (`excelcert import --all` lists every file; "
                "the report has them all)",
                style="dim",
            )
        )


def needs_a_look(result: FileResult) -> bool:
    """Whether a file's verdict asks for a person's look: anything but accepted and counting."""
    return result.verdict != "accepted" or not result.counts


def import_summary(results: list[FileResult]) -> str:
    """'1000 files: 990 accepted, 6 accepted with problems, 4 rejected', in the verdicts' order."""
    verdicts = Counter(r.verdict for r in results)
    order = ["accepted", "accepted with problems", "rejected", "already imported"]
    parts = [f"{verdicts[v]} {v}" for v in sorted(verdicts, key=lambda v: (order.index(v) if v in order else 9, v))]
    return f"{counted(len(results), 'file')}" + (f": {', '.join(parts)}" if parts else "")


def print_status(
    rows: list[ClusterStatus],
    review: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    mail: dict[str, list[MailRecord]] | None = None,
) -> None:
    """Intake state per cluster; the mail sent to it and what came back by e-mail; its review
    state and label once those stages have run."""
    review, labels, mail = review or {}, labels or {}, mail or {}
    columns = ["Cluster", "Name", "State", "Last file", "Received", "Open problems"]
    columns += ["Mail sent"] if mail else []
    columns += ["Review"] if review else []
    columns += ["Label (last score)"] if labels else []

    def make_table() -> Table:
        table = Table(title=Text("Status", style="bold"), title_justify="left")
        for column in columns:
            table.add_column(column, justify="right" if column == "Open problems" else "left")
        return table

    styles = {"complete": "green", "incomplete": "yellow", "rejected": "red", "not returned": "dim"}

    def cells() -> Iterator[list[str | Text]]:
        for r in rows:
            row: list[str | Text] = [
                r.cluster.id,
                r.cluster.name,
                Text(r.state, style=styles.get(r.state, "")),
                r.last_file + (f" (e-mail from {r.last_sender})" if r.last_sender else "") if r.last_file else "—",
                r.last_received[:16].replace("T", " ") or "—",
                str(r.open_problems) if r.last_file else "—",
            ]
            row += [_mail_sent(mail.get(r.cluster.id, []))] if mail else []
            row += [review.get(r.cluster.id, "—")] if review else []
            row += [labels.get(r.cluster.id, "—")] if labels else []
            yield row

    _print_rows(_console(), make_table, cells)


def _mail_sent(records: list[MailRecord]) -> str:
    """The last message of each kind: what, when, sent or only written to the outbox."""
    last = {record.kind: record for record in records}
    lines = [
        f"{kind} {record.at[:10]}" + ("" if record.how == "smtp" else " (outbox)") for kind, record in last.items()
    ]
    return "; ".join(lines) or "—"


def print_reconcile(outcome: ReconcileOutcome) -> None:
    """Per cluster: its review state and where its final values come from; then the statistics."""
    console = _console()

    def make_table() -> Table:
        table = Table(title=Text("Reconciliation", style="bold"), title_justify="left")
        for column in ("Cluster", "State", "Reviewers", "Final values", "To arbitrate"):
            table.add_column(column)
        return table

    styles = {
        "reviewed": "green",
        "pending arbitration": "yellow",
        "review incomplete": "yellow",
        "not reviewed": "dim",
    }

    def rows() -> Iterator[tuple[str | Text, ...]]:
        for final in outcome.clusters:
            sources = final.sources
            reviewers = ", ".join(final.reviewers) + (
                f" (missing: {', '.join(final.missing)})" if final.missing else ""
            )
            yield (
                final.cluster_id,
                Text(final.state, style=styles.get(final.state, "")),
                reviewers or "—",
                ", ".join(f"{n} {p}" for p, n in sorted(sources.items())),
                str(sources.get("pending arbitration", 0)),
            )

    _print_rows(console, make_table, rows)
    stats = outcome.statistics
    known = {k: v for k, v in stats.alpha.items() if v is not None}
    if known:
        low = sorted(known.items(), key=lambda kv: kv[1])[:5]
        console.print(
            "Reviewers' agreement (Krippendorff's alpha on points, lowest first): "
            + ", ".join(f"{k} {v:.2f}" for k, v in low)
        )
    if stats.overstatement:
        console.print(
            "Clusters overstate most (mean points above the final value): "
            + ", ".join(f"{i} +{gap:.1f} ({n})" for i, gap, n in stats.overstatement[:5])
        )


def print_scores(scheme: Scheme, results: Results) -> None:
    """One line per scored cluster: points, share, label and why; then the incomplete ones."""

    def make_table() -> Table:
        table = Table(title=Text("Scores and labels", style="bold"), title_justify="left")
        for column in ("Cluster", "Points", "Share", "Label", "Review", "Why / next label"):
            table.add_column(column, justify="right" if column in ("Points", "Share") else "left")
        return table

    styles = {"gold": "bold yellow", "silver": "bold white", "bronze": "bold red"}

    def rows() -> Iterator[tuple[str | Text, ...]]:
        for s in results.scores:
            label = Text(scheme.label_name(s.label) if s.label else "—", style=styles.get(s.label or "", ""))
            yield (
                s.cluster_id,
                f"{plain_number(s.total)} / {plain_number(s.max_points)}",
                f"{s.share:.1f} %",
                label,
                results.finals[s.cluster_id].state,
                explain(scheme, s, results.finals.get(s.cluster_id), scheme.default_language).text() or "—",
            )
        for cluster_id, lacking in results.incomplete.items():
            yield (
                cluster_id,
                "—",
                "—",
                "—",
                results.finals[cluster_id].state,
                f"incomplete: {counted(len(lacking), 'required answer')} missing ({', '.join(lacking[:4])}"
                f"{', ...' if len(lacking) > 4 else ''})",
            )

    _print_rows(_console(), make_table, rows)


def print_register(found: list[Listed], on: dt.date) -> None:
    """The register's list on a day: one line per certificate, with its state."""
    console = _console()
    table = Table(title=Text(f"Labels on {on.isoformat()}", style="bold"), title_justify="left")
    for column in ("Number", "Cluster", "Country", "Sector", "Label", "Valid until", "State", "Website"):
        table.add_column(column, overflow="fold")
    styles = {"valid": "green", "expired": "dim", "superseded": "dim", "withdrawn": "red"}
    for item in found:
        e = item.entry
        state = item.state + (f" by {item.superseded_by}" if item.superseded_by else "")
        _add_row(
            table,
            e.reference,
            e.name,
            e.country,
            e.sector,
            e.label_name,
            e.valid_until,
            Text(plain(state), style=styles.get(item.state, "")),
            e.website,
        )
    _print_table(console, table)
    console.print(counted(len(found), "label"))


def print_benchmark(scheme: Scheme, found: Benchmark) -> None:
    """The peer groups (shown or why not), then each cluster's total against them."""
    from excelcert.documents.benchmarking import group_name  # with the benchmark's pandas: only here

    console = _console()
    groups = Table(
        title=f"Peer groups: {found.peers} peers from {counted(found.campaigns, 'campaign')}; groups under {found.min_group} "
        "members are not shown"
    )
    for heading in ("Group", "Members", "Total: Q1", "Median", "Q3", "Not shown because"):
        groups.add_column(heading, justify="left" if heading in ("Group", "Not shown because") else "right")
    for g in found.groups:
        figures = g.figures.get("total") if g.shown else None
        cells = [f"{f:.1f} %" for f in (figures.q1, figures.median, figures.q3)] if figures else ["", "", ""]
        kind = g.key.partition(":")[0]  # 'Sector: Aerospace', not the key 'sector:Aerospace'
        name = "This campaign's clusters" if kind == "campaign" else group_name(scheme, found, g.key, "en")
        _add_row(groups, name, str(g.members) if g.shown else "", *cells, g.why)
    console.print(groups)
    if not found.clusters:
        return
    table = Table(title="Clusters against their peers (total share; percentile in each group)")
    for heading in ("Cluster", "Total", "Position", "Sector", "Country", "Everyone", "Excellence", "Gaps"):
        table.add_column(heading, justify="left" if heading in ("Cluster", "Position", "Gaps") else "right")
    for c in found.clusters:
        total = c.standings["total"]

        def pct(kind: str, c: Any = c, total: Any = total) -> str:
            key = c.groups.get(kind)
            return f"{total.percentiles[key]:.0f}" if key and key in total.percentiles else "—"

        _add_row(
            table,
            c.cluster_id,
            f"{total.value:.1f} %" if total.value is not None else "",
            total.position or "—",
            pct("sector"),
            pct("country"),
            pct("everyone"),
            pct("excellence"),
            ", ".join(c.gaps[:5]),
        )
    _print_table(console, table)

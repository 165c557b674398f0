"""The campaign's results: every cluster scored from its final values, stored in the
ledger, and written as a results workbook (and CSV) for the secretariat.

Only clusters whose final values answer every required indicator are scored; the others
are listed as incomplete with what they lack. Campaign medians per category (for the
letters' charts) are taken over the scored clusters.
"""

from __future__ import annotations

import csv
import datetime as dt
import statistics
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from excelcert.base.files import atomic_path
from excelcert.base.ledger import Ledger
from excelcert.base.sheetwriter import ROW_HEIGHT, csv_safe, new_book, print_setup, wrapped_lines
from excelcert.campaign.config import Campaign
from excelcert.campaign.roster import Cluster
from excelcert.register.config import Register
from excelcert.register.rules import month_of
from excelcert.register.store import Assessment
from excelcert.results.decision import explain
from excelcert.review.final import ClusterFinal, Finals, iter_final_values
from excelcert.scheme.model import Scheme
from excelcert.scoring.rules import Score, missing_required, score


@dataclass
class Results:
    scores: list[Score] = field(default_factory=list)
    finals: Mapping[str, ClusterFinal] = field(default_factory=Finals)  # without the reviewers' views
    incomplete: dict[str, list[str]] = field(default_factory=dict)  # cluster -> required indicators missing
    medians: dict[str, float] = field(default_factory=dict)  # category -> median share, percent
    score_ids: dict[str, int] = field(default_factory=dict)  # cluster -> its row in the ledger
    _by_id: dict[str, Score] = field(default_factory=dict, init=False, repr=False, compare=False)

    def score_of(self, cluster_id: str) -> Score | None:
        """The cluster's score, found by an index (the documents ask once per cluster: a scan
        of the list each time would grow with the square of the campaign)."""
        if len(self._by_id) != len(self.scores):  # scores were added since the index was made
            self._by_id = {s.cluster_id: s for s in self.scores}
        return self._by_id.get(cluster_id)


def score_and_record(scheme: Scheme, clusters: list[Cluster], ledger: Ledger) -> Results:
    """Score every cluster whose final values are complete, and record the scores in the ledger."""
    results = Results()
    finals = Finals()  # each cluster's in brief: a campaign's whole final values are never held
    results.finals = finals
    for final in iter_final_values(scheme, ledger, [c.id for c in clusters]):
        finals[final.cluster_id] = final
        lacking = missing_required(scheme, final.values)
        if lacking:
            results.incomplete[final.cluster_id] = lacking
        else:
            results.scores.append(score_final(scheme, final))
    for cat in scheme.categories:
        maximum = scheme.category_points(cat.id)
        shares = [100 * s.category_points[cat.id] / maximum for s in results.scores if maximum]
        results.medians[cat.id] = statistics.median(shares) if shares else 0.0
    if results.scores:
        ids = ledger.record_scores(
            # one row's detail at a time: never every score's copy at once
            (
                s.cluster_id,
                finals.submission_of(s.cluster_id).id,
                s.total,
                s.max_points,
                s.label,
                s.reviewed,
                s.reason,
                s.as_dict(),
            )
            for s in results.scores
        )
        results.score_ids = {s.cluster_id: i for s, i in zip(results.scores, ids, strict=True)}
    return results


@dataclass
class Scored:
    """The campaign's results, and the workbook and CSV they were written to."""

    results: Results
    workbook: Path
    csv: Path

    def to_json(self) -> dict[str, Any]:
        return {
            "results_workbook": str(self.workbook),
            "results_csv": str(self.csv),
            "scores": [
                {**s.as_dict(), "share": round(s.share, 2), "review": self.results.finals[s.cluster_id].state}
                for s in self.results.scores
            ],
            "incomplete": self.results.incomplete,
        }


def score_campaign(
    campaign: Campaign, scheme: Scheme, clusters: list[Cluster], ledger: Ledger, register: Register | None = None
) -> Scored:
    """Score, record the scores in the ledger (and, with a register, the assessments in it:
    the peers of later benchmarking), and write results.xlsx and results.csv."""
    results = score_and_record(scheme, clusters, ledger)
    if register is not None:
        record_assessments(register, campaign, scheme, clusters, ledger, results)
    workbook, csv_path = write_results(campaign.output_dir, campaign, scheme, clusters, results)
    return Scored(results, workbook, csv_path)


def assessed_month(ledger: Ledger, final: ClusterFinal) -> str:
    """The month of assessment: when the last of what the final values rest on came in (the
    self-assessment that counts and the reviews that count), as YYYY-MM. (The final values
    hold the reviews that count: the ledger is asked only for final values made without them.)"""
    reviews = final.reviews
    if final.reviewers and not reviews:
        reviews = [s for s in ledger.current_reviews(final.cluster_id) if s.reviewer_id in final.reviewers]
    received = [final.submission.received_at] + [s.received_at for s in reviews]
    return max(received)[:7]


def record_assessments(
    register: Register,
    campaign: Campaign,
    scheme: Scheme,
    clusters: list[Cluster],
    ledger: Ledger,
    results: Results,
    today: dt.date | None = None,
) -> None:
    """Every scored assessment of the campaign into the register, labelled or not (the latest
    scoring of a cluster replaces the one recorded before). Assessed in the month the last of
    it came in, never after `today`."""
    latest = month_of(today or dt.date.today())
    by_id = {c.id: c for c in clusters}
    rows = []
    for s in results.scores:
        cluster, final = by_id[s.cluster_id], results.finals[s.cluster_id]
        rows.append(
            Assessment(
                campaign_id=campaign.id,
                cluster_id=s.cluster_id,
                name=cluster.name,
                country=cluster.country,
                sector=cluster.group,
                assessed=min(assessed_month(ledger, final), latest),
                scheme_id=scheme.id,
                scheme_version=scheme.version,
                label=s.label,
                label_rank=scheme.label(s.label).order if s.label else 0,
                points=s.total,
                max_points=s.max_points,
                indicator_points=dict(s.points),
                answers=dict(final.values),
            )
        )
    if rows:
        with register.open() as store:
            store.record_assessments(rows)


def score_final(scheme: Scheme, final: ClusterFinal) -> Score:
    """The score of a cluster's final values, with their provenance."""
    return score(
        scheme,
        final.cluster_id,
        final.values,
        reviewed=final.reviewed,
        provenance={i.indicator_id: i.provenance for i in final.items},
    )


def _label_name(scheme: Scheme, label: str | None, lang: str) -> str:
    if label is None:
        return "—"
    return scheme.label_name(label, lang)


def write_results(
    folder: Path, campaign: Campaign, scheme: Scheme, clusters: list[Cluster], results: Results
) -> tuple[Path, Path]:
    """results.xlsx (a row per cluster, a sheet per category) and results.csv, written a row
    at a time: however large the campaign, no more than a row of them is held at once."""
    folder.mkdir(parents=True, exist_ok=True)
    lang = scheme.default_language
    by_id = {c.id: c for c in clusters}
    head = [
        "cluster",
        "name",
        "country",
        "review",
        "points",
        "max",
        "share %",
        "label",
        "why this label, not the next",
        "next label",
        "points short",
        "improvements",
    ]

    def rows() -> Iterator[list[object]]:
        for s in results.scores:
            c = by_id[s.cluster_id]
            gap = s.gap
            yield [
                c.id,
                c.name,
                c.country,
                results.finals[c.id].state,
                s.total,
                s.max_points,
                round(s.share, 1),
                _label_name(scheme, s.label, lang),
                explain(scheme, s, results.finals.get(c.id), lang).text() or "—",
                _label_name(scheme, gap.label, lang) if gap else "",
                round(gap.points_short, 1) if gap else "",
                ", ".join(i.indicator_id for i in gap.improvements) if gap else "",
            ]
        for cluster_id, lacking in results.incomplete.items():
            c = by_id[cluster_id]
            state, why = results.finals[c.id].state, "incomplete: " + ", ".join(lacking)
            yield [c.id, c.name, c.country, state, "", "", "", "", why, "", "", ""]

    xlsx = folder / "results.xlsx"
    path = folder / "results.csv"
    count = len(results.scores) + len(results.incomplete)
    # Both written beside their place and moved there only when both are whole: a file that
    # cannot be written (open in another program) or any failure half-way leaves the last
    # run's workbook and CSV as they were, never one cut short.
    with (
        atomic_path(xlsx) as xlsx_temp,
        atomic_path(path) as csv_temp,
        csv_temp.open("w", encoding="utf-8-sig", newline="") as handle,
    ):
        writer = csv.writer(handle)
        writer.writerow(head)
        book = new_book(xlsx_temp, rows_in_order=True)
        try:
            bold = book.add_format(
                {
                    "bold": True,
                    "font_color": "#FFFFFF",
                    "bg_color": "#1F3864",
                    "text_wrap": True,
                    "valign": "top",
                    "border": 1,
                }
            )
            wrap = book.add_format({"text_wrap": True, "valign": "top"})
            number = book.add_format({"num_format": "0.##", "valign": "top"})
            ws = book.add_worksheet("Results")
            widths = (14, 32, 8, 16, 8, 6, 8, 10, 70, 10, 9, 30)
            ws.set_row(0, 2 * ROW_HEIGHT)
            for col, (name, width) in enumerate(zip(head, widths, strict=True)):
                ws.write_string(0, col, name, bold)
                ws.set_column(col, col, width)
            ws.autofilter(0, 0, max(count, 1), len(head) - 1)
            ws.freeze_panes(1, 2)
            print_setup(ws, campaign.title)
            for r, row in enumerate(rows(), start=1):
                lines = max(wrapped_lines(str(value), width) for value, width in zip(row, widths, strict=True))
                ws.set_row(r, ROW_HEIGHT * lines)
                for col, value in enumerate(row):
                    if isinstance(value, (int, float)):
                        ws.write_number(r, col, value, number)
                    else:
                        ws.write_string(r, col, str(value), wrap)  # never a formula, whatever the name says
                writer.writerow([csv_safe(v) for v in row])
            for cat in scheme.categories:
                indicators = scheme.indicators_in(cat.id)
                sheet = book.add_worksheet(cat.id[:31])
                heads = ["cluster", "name"] + [i.id for i in indicators] + ["total", "max"]
                for col, name in enumerate(heads):
                    sheet.write_string(0, col, name, bold)
                sheet.set_column(0, 0, 14)
                sheet.set_column(1, 1, 32)
                for r, s in enumerate(results.scores, start=1):
                    sheet.write_string(r, 0, s.cluster_id)
                    sheet.write_string(r, 1, by_id[s.cluster_id].name)
                    for col, ind in enumerate(indicators, start=2):
                        sheet.write_number(r, col, s.points[ind.id], number)
                    sheet.write_number(r, len(indicators) + 2, s.category_points[cat.id], number)
                    sheet.write_number(r, len(indicators) + 3, scheme.category_points(cat.id), number)
                sheet.autofilter(0, 0, max(len(results.scores), 1), len(heads) - 1)
                sheet.freeze_panes(1, 2)
                print_setup(sheet, f"{campaign.title} – {scheme.text(cat.name, lang)}")
        finally:
            book.close()
    return xlsx, path

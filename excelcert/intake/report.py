"""An import run and its report: a workbook the secretariat keeps, one row per file, then every problem."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from excelcert.base.ledger import Ledger
from excelcert.base.sheetwriter import ROW_HEIGHT, new_book, print_setup, wrapped_lines
from excelcert.campaign.config import Campaign
from excelcert.intake.batch import FileResult, auto_jobs, import_files
from excelcert.scheme.model import Scheme


@dataclass
class Imported:
    """The verdict on every file of an import run, and the report workbook written for it."""

    results: list[FileResult]
    report: Path

    def to_json(self) -> dict[str, Any]:
        return {
            "report": str(self.report),
            "files": [
                {
                    "file": r.name,
                    "verdict": r.verdict,
                    "cluster": r.cluster,
                    "counts": r.counts,
                    "reason": r.reason,
                    "sha256": r.sha256,
                    **({"sender": r.sender} if r.sender else {}),
                    "problems": [p.to_dict() for p in r.problems],
                }
                for r in self.results
            ],
        }


def report_path(campaign: Campaign, when: dt.datetime) -> Path:
    """The import report of a run started at `when`: one per run, named by the time."""
    return campaign.output_dir / f"import-{when.strftime('%Y%m%d-%H%M%S')}.xlsx"


def import_and_report(
    campaign: Campaign,
    scheme: Scheme,
    roster_ids: set[str],
    reviewer_ids: set[str],
    key: bytes,
    ledger: Ledger,
    paths: list[Path],
    *,
    jobs: int | None = None,
    progress: Callable[[str], None] | None = None,
    previous: Mapping[str, Mapping[str, Any]] | None = None,
    senders: Mapping[str, str] | None = None,
    countries: Mapping[str, str] | None = None,
    reviewer_countries: Mapping[str, str] | None = None,
) -> Imported:
    """Import every file under `paths` into the ledger (`jobs` readers; by default as many as
    the batch's size calls for), then write the run's report workbook."""
    started = dt.datetime.now()
    results = import_files(
        campaign,
        scheme,
        roster_ids,
        key,
        ledger,
        paths,
        progress=progress,
        jobs=jobs or auto_jobs(paths),
        reviewer_ids=reviewer_ids,
        previous=previous,
        senders=senders,
        countries=countries,
        reviewer_countries=reviewer_countries,
    )
    campaign.output_dir.mkdir(parents=True, exist_ok=True)
    return Imported(results, write_import_report(report_path(campaign, started), results, campaign.title))


def write_import_report(path: Path, results: list[FileResult], title: str) -> Path:
    book = new_book(path)
    try:
        head = book.add_format(
            {
                "bold": True,
                "bg_color": "#1F3864",
                "font_color": "#FFFFFF",
                "text_wrap": True,
                "valign": "top",
                "border": 1,
            }
        )
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        files = book.add_worksheet("files")
        for c, (heading, width) in enumerate(
            (("file", 48), ("verdict", 22), ("cluster", 16), ("counts", 8), ("reason", 80))
        ):
            files.write_string(0, c, heading, head)
            files.set_column(c, c, width, wrap)
        for r, result in enumerate(results, start=1):
            for c, value in enumerate(
                (result.name, result.verdict, result.cluster or "", "yes" if result.counts else "", result.reason)
            ):
                files.write_string(r, c, value, wrap)
            files.set_row(r, ROW_HEIGHT * max(wrapped_lines(result.reason, 80), wrapped_lines(result.name, 48)))
        files.freeze_panes(1, 0)
        files.autofilter(0, 0, max(len(results), 1), 4)
        print_setup(files, title)
        problems = book.add_worksheet("problems")
        for c, (heading, width) in enumerate(
            (("file", 40), ("cluster", 14), ("place", 22), ("severity", 10), ("code", 26), ("message", 90))
        ):
            problems.write_string(0, c, heading, head)
            problems.set_column(c, c, width, wrap)
        r = 1
        for result in results:
            for item in result.problems:
                for c, value in enumerate(
                    (result.name, result.cluster or "", str(item.place or ""), item.severity, item.code, item.message)
                ):
                    problems.write_string(r, c, value, wrap)
                problems.set_row(r, ROW_HEIGHT * max(wrapped_lines(item.message, 90), wrapped_lines(result.name, 40)))
                r += 1
        problems.freeze_panes(1, 0)
        problems.autofilter(0, 0, max(r - 1, 1), 5)
        print_setup(problems, title)
    finally:
        book.close()
    return path

"""The import report: a workbook the secretariat keeps, one row per file, then every problem."""

from __future__ import annotations

from pathlib import Path

from excelcert.base.sheetwriter import ROW_HEIGHT, new_book, print_setup, wrapped_lines
from excelcert.intake.batch import FileResult


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

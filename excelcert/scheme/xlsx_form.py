"""The workbook form of a scheme, modelled on XLSForm: one sheet per table, one row per
item, headings in the first row, language columns as `question::fr`.

Sheets: settings, categories, topics, indicators, scoring, choices, labels (and an
`about` sheet that explains them, which reading ignores). Sheet names are matched
without regard to case; other sheets are ignored. A cell formatted as a percentage
(shows 80 %, holds 0.8) is read as 80, the way the scheme writes percentages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from excelcert.base.problems import Place, Problem, UnreadableFile, problem
from excelcert.base.sheetwriter import ROW_HEIGHT, new_book, print_setup, wrapped_lines
from excelcert.base.spreadsheet import column_letters, read_workbook
from excelcert.scheme.model import ANSWER_TYPES, Scheme
from excelcert.scheme.tables import TABLE_COLUMNS, Field, Row, Table, Tables, columns_for
from excelcert.scheme.yaml_form import scheme_to_data

SHEET_ORDER = ("settings", "categories", "topics", "indicators", "scoring", "choices", "labels")

_ABOUT = [
    (
        "settings",
        "One row: the scheme's id, version, title per language, languages (e.g. 'en fr de'), "
        "default language, the maximum points, and how many months a label is valid.",
    ),
    ("categories", "One row per category: id, order, colour (#RRGGBB, used in charts and letters), name per language."),
    (
        "topics",
        "One row per training module or case study an indicator links to: id, kind (training or case-study), title.",
    ),
    (
        "indicators",
        "One row per indicator: id (e.g. STR-01), category, texts per language (name, question, guidance, "
        "evidence requested), type (" + ", ".join(ANSWER_TYPES) + "), list (for select types), unit, "
        "min/max bounds, required, eligibility (an eligibility criterion), the quality threshold "
        "(met_min, met_max or met_choices), tolerance between reviewers, training topics.",
    ),
    (
        "scoring",
        "One row per band or choice: indicator, then 'from' (answers from this value up to the next band earn "
        "the points) or 'choice' (a choice value), and points. Several choices of a select_multiple add up.",
    ),
    (
        "choices",
        "One row per choice: list_name, value (a short code), label per language (the sentence the cluster reads).",
    ),
    (
        "labels",
        "One row per label: id, order (higher is better), name, min_percent (share of the maximum points, "
        "in percent), eligibility (all eligibility criteria met), reviewed (a reviewed assessment is needed), "
        "must_meet (indicators whose quality threshold must be met).",
    ),
    (
        "",
        "Percentages are written in percent: 80 means 80 %. Yes/no columns take yes or no. "
        "Lists of ids are separated by spaces. Check the file with: excelcert scheme check FILE",
    ),
]


# --- reading ---------------------------------------------------------------------------


def read_xlsx_tables(path: Path) -> tuple[Tables, list[Problem]]:
    book = read_workbook(path)
    tables: Tables = {}
    problems: list[Problem] = []
    for name in TABLE_COLUMNS:
        sheet = book.sheet(name)
        if sheet is None:
            continue
        table = Table(name, Place(sheet.name, ""))
        rows = iter(sheet.rows)
        headings: dict[int, str] = {}
        for cells in rows:
            if any(c.value not in (None, "") for c in cells):
                for cell in cells:
                    if cell.value is None or not str(cell.value).strip():
                        continue
                    column = str(cell.value).strip().casefold()
                    place = Place(sheet.name, cell.coordinate)
                    if column in table.columns:
                        problems.append(
                            problem("duplicate-id", place, what="column", value=column, first=table.columns[column])
                        )
                        continue
                    table.columns[column] = place
                    headings[cell.column] = column
                break
        for cells in rows:
            if not cells:
                continue
            number = cells[0].row
            row = Row(name, Place(sheet.name, f"{number}:{number}"))
            for cell in cells:
                heading = headings.get(cell.column)
                if heading is not None:
                    row.fields[heading] = Field(cell.value, Place(sheet.name, cell.coordinate), cell.is_percent)
            for column_number, column in headings.items():  # short rows: cells that were never written
                if column not in row.fields:
                    row.fields[column] = Field(None, Place(sheet.name, f"{column_letters(column_number)}{number}"))
            table.rows.append(row)
        tables[name] = table
    if not tables:
        raise UnreadableFile(
            problem("not-a-scheme", path=str(path), detail=f"it has none of the sheets {', '.join(SHEET_ORDER)}")
        )
    return tables, problems


# --- writing ---------------------------------------------------------------------------


def _rows(scheme: Scheme) -> dict[str, list[dict[str, Any]]]:
    """The scheme as flat rows per table, from the same data the YAML form writes."""
    data = scheme_to_data(scheme)

    def flat(item: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in item.items():
            if isinstance(value, dict):
                for sub, text in value.items():
                    out[f"{key}::{sub}"] = text
            elif isinstance(value, (list, tuple)):
                out[key] = " ".join(str(v) for v in value)
            else:
                out[key] = value
        return out

    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in SHEET_ORDER}
    rows["settings"].append(flat(data["settings"]))
    rows["categories"] = [flat(c) for c in data["categories"]]
    rows["topics"] = [flat(t) for t in data.get("topics", [])]
    for ind in data["indicators"]:
        item = dict(ind)
        met = item.pop("met", None) or {}
        scoring = item.pop("scoring", None) or {}
        row = flat(item)
        for key, value in met.items():
            row[f"met_{key}"] = " ".join(value) if isinstance(value, list) else value
        rows["indicators"].append(row)
        for band in scoring.get("bands", []):
            rows["scoring"].append({"indicator": ind["id"], "from": band["from"], "points": band["points"]})
        for choice, points in scoring.get("choices", {}).items():
            rows["scoring"].append({"indicator": ind["id"], "choice": choice, "points": points})
    for list_name, choices in data.get("choices", {}).items():
        rows["choices"].extend({"list_name": list_name, **flat(c)} for c in choices)
    rows["labels"] = [flat(rule) for rule in data["labels"]]
    return rows


_WIDE = {"name", "question", "guidance", "evidence", "label", "title"}
_BOOLEAN_COLUMNS = ("required", "eligibility", "reviewed")  # a tuple: the workbook is the same on every run


def write_scheme_xlsx(scheme: Scheme, path: Path) -> None:
    book = new_book(path)
    title = f"{scheme.id} {scheme.version}"
    try:
        head = book.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True, "valign": "top"})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        plain = book.add_format({"valign": "top"})
        about = book.add_worksheet("about")
        print_setup(about, title)
        about.set_column(0, 0, 14)
        about.set_column(1, 1, 110, wrap)
        about.write_string(0, 0, "sheet", head)
        about.write_string(0, 1, f"{scheme.id} {scheme.version}: what each sheet holds", head)
        for n, (sheet, text) in enumerate(_ABOUT, start=1):
            about.write_string(n, 0, sheet, plain)
            about.write_string(n, 1, text, wrap)
        rows = _rows(scheme)
        for name in SHEET_ORDER:
            ws = book.add_worksheet(name)
            print_setup(ws, title)
            columns = columns_for(name, scheme.languages)
            widths: list[float] = []
            for c, column in enumerate(columns):
                ws.write_string(0, c, column, head)
                longest = max([len(str(item.get(column) or "")) for item in rows[name]] + [len(column)])
                wide = column.split("::")[0] in _WIDE
                widths.append(min(50, max(24, longest // 3)) if wide else min(30, max(8, longest + 2)))
                ws.set_column(c, c, widths[-1], wrap if wide else plain)
            for r, item in enumerate(rows[name], start=1):
                lines = 1
                for c, column in enumerate(columns):
                    value = item.get(column)
                    wide = column.split("::")[0] in _WIDE
                    _write(ws, r, c, value, wrap if wide else plain)
                    if wide and isinstance(value, str):
                        lines = max(lines, wrapped_lines(value, widths[c]))
                ws.set_row(r, ROW_HEIGHT * lines)
            if sum(widths) > 250:  # too wide to shrink onto one page: print across, id on each page
                ws.fit_to_pages(0, 0)
                ws.print_across()
                ws.repeat_columns(0)
            ws.freeze_panes(1, 1 if name in ("indicators", "choices") else 0)
            last = max(len(rows[name]) + 200, 500)
            _validate(ws, name, columns, last)
            if name != "settings":
                ws.autofilter(0, 0, max(len(rows[name]), 1), len(columns) - 1)
    finally:
        book.close()


def _write(ws: Any, r: int, c: int, value: Any, fmt: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        ws.write_string(r, c, "yes" if value else "no", fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(r, c, value, fmt)
    else:
        ws.write_string(r, c, str(value), fmt)  # text stays text: never a formula


def _validate(ws: Any, table: str, columns: list[str], last: int) -> None:
    def column(name: str) -> int | None:
        return columns.index(name) if name in columns else None

    for name in _BOOLEAN_COLUMNS:
        c = column(name)
        if c is not None:
            ws.data_validation(
                1,
                c,
                last,
                c,
                {"validate": "list", "source": ["yes", "no"], "error_title": name, "error_message": "Write yes or no."},
            )
    if table == "indicators":
        c = column("type")
        if c is not None:
            ws.data_validation(
                1,
                c,
                last,
                c,
                {
                    "validate": "list",
                    "source": list(ANSWER_TYPES),
                    "error_title": "Answer type",
                    "error_message": "One of: " + ", ".join(ANSWER_TYPES),
                },
            )
        c = column("category")
        if c is not None:
            ws.data_validation(
                1,
                c,
                last,
                c,
                {
                    "validate": "list",
                    "source": "=categories!$A$2:$A$200",
                    "error_title": "Category",
                    "error_message": "A category id from the categories sheet.",
                },
            )
    if table == "scoring":
        ws.data_validation(
            1,
            0,
            last,
            0,
            {
                "validate": "list",
                "source": "=indicators!$A$2:$A$1000",
                "error_title": "Indicator",
                "error_message": "An indicator id from the indicators sheet.",
            },
        )
    if table == "labels":
        c = column("min_percent")
        if c is not None:
            ws.data_validation(
                1,
                c,
                last,
                c,
                {
                    "validate": "decimal",
                    "criteria": "between",
                    "minimum": 0,
                    "maximum": 100,
                    "error_title": "Percentage",
                    "error_message": "A percentage from 0 to 100 (80 for 80 %).",
                },
            )

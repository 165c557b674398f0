"""The first stage: the scheme (indicator definitions and label rules).

    load_scheme(path)    -> Scheme, or SchemeError carrying every problem found
    check_scheme(path)   -> CheckResult(scheme, report), never raises on a bad scheme
    write_scheme(scheme, path, fmt)   the YAML or workbook form
    summary(scheme)      the figures a person checks first: points, labels, criteria
    DEFAULT_SCHEME_PATH  the built-in scheme shipped with the package

A scheme file is either form: `.yaml`/`.yml` is text, anything else is opened as a
workbook (and sniffed, so a stray .ods or .xls gets a clear message).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from excelcert.base.problems import Report
from excelcert.scheme.build import build_scheme
from excelcert.scheme.model import Scheme
from excelcert.scheme.xlsx_form import SHEET_ORDER, read_xlsx_tables, write_scheme_xlsx
from excelcert.scheme.yaml_form import read_yaml_tables, scheme_to_yaml, yaml_text_to_tables

__all__ = [
    "DEFAULT_SCHEME_PATH",
    "CheckResult",
    "Scheme",
    "SchemeError",
    "check_scheme",
    "check_scheme_text",
    "export_format",
    "export_name",
    "load_scheme",
    "scheme_format",
    "summary",
    "write_scheme",
]

DEFAULT_SCHEME_PATH = Path(str(resources.files("excelcert") / "data" / "scheme.yaml"))
FORMATS = ("yaml", "xlsx")


class SchemeError(Exception):
    """A scheme with errors; `report` holds every problem, with its place."""

    def __init__(self, source: str, report: Report):
        self.source = source
        self.report = report
        count = len(report.errors)
        super().__init__(f"{source}: the scheme has {count} error{'s' if count != 1 else ''}")


@dataclass
class CheckResult:
    source: str
    scheme: Scheme
    report: Report


def scheme_format(path: Path) -> str:
    return "yaml" if path.suffix.casefold() in (".yaml", ".yml") else "xlsx"


def check_scheme(path: str | Path | None = None) -> CheckResult:
    """Read and check a scheme file (the built-in one when `path` is None).

    Raises UnreadableFile only when the file cannot be read as a scheme at all.
    """
    path = Path(path) if path is not None else DEFAULT_SCHEME_PATH
    if scheme_format(path) == "yaml":
        tables, problems = read_yaml_tables(path)
    else:
        tables, problems = read_xlsx_tables(path)
    result = build_scheme(tables, Report(list(problems)))
    result.report.sort(SHEET_ORDER)
    return CheckResult(str(path), result.scheme, result.report)


def check_scheme_text(text: str, source: str = "scheme.yaml") -> CheckResult:
    """Check a scheme given as YAML text (for tests and tools)."""
    tables, problems = yaml_text_to_tables(text, source)
    result = build_scheme(tables, Report(list(problems)))
    result.report.sort(SHEET_ORDER)
    return CheckResult(source, result.scheme, result.report)


def load_scheme(path: str | Path | None = None) -> Scheme:
    """The scheme at `path` (the built-in one when None); SchemeError if it has errors."""
    result = check_scheme(path)
    if not result.report.ok:
        raise SchemeError(result.source, result.report)
    return result.scheme


def export_format(path: Path) -> str | None:
    """The form a file's extension asks for (xlsx or yaml), None when it says neither."""
    return {".xlsx": "xlsx", ".yaml": "yaml", ".yml": "yaml"}.get(path.suffix.casefold())


def export_name(scheme: Scheme, fmt: str) -> Path:
    """Where a scheme is exported by default: <id>-<version>.<format>, in the current folder."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{scheme.id}-{scheme.version}").strip("._") or "scheme"
    return Path(f"{stem}.{fmt}")


def summary(scheme: Scheme) -> dict[str, Any]:
    """The scheme's figures: languages, sizes, points (per category), criteria and label thresholds."""
    return {
        "id": scheme.id,
        "version": scheme.version,
        "languages": list(scheme.languages),
        "default_language": scheme.default_language,
        "categories": len(scheme.categories),
        "indicators": len(scheme.indicators),
        "max_points": scheme.total_points,
        "points_per_category": {c.id: scheme.category_points(c.id) for c in scheme.categories},
        "eligibility_criteria": [i.id for i in scheme.indicators if i.eligibility],
        "labels": {
            r.id: {"min_percent": r.min_percent, "min_points": scheme.total_points * r.min_percent / 100}
            for r in scheme.labels_by_rank()
        },
    }


def write_scheme(scheme: Scheme, path: str | Path, fmt: str | None = None) -> Path:
    """The scheme written at `path` in `fmt` (by default the form the extension names)."""
    path = Path(path)
    fmt = fmt or scheme_format(path)
    if fmt == "yaml":
        path.write_text(scheme_to_yaml(scheme), encoding="utf-8")
    elif fmt == "xlsx":
        write_scheme_xlsx(scheme, path)
    else:
        raise ValueError(f"unknown scheme format {fmt!r}; expected one of {FORMATS}")
    return path

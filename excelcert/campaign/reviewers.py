"""The reviewers roster: the experts who verify the clusters' self-assessments.

Columns: id, name, organisation, country, languages (codes, separated by `;` or `,`),
email, max_load (the most clusters a reviewer takes), conflicts (cluster ids or
organisation names, separated by `;`). Kept by the secretariat as .xlsx or .csv, read
like the roster of clusters: every problem names its cell, nothing stops at the first.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from excelcert.base.problems import Place, Report, problem
from excelcert.base.sheetwriter import new_book, print_setup
from excelcert.campaign.roster import Cluster, country_codes, read_table, table_cell
from excelcert.scheme.build import ID_RE

COLUMNS = ("id", "name", "organisation", "country", "languages", "email", "max_load", "conflicts")
REQUIRED = {
    "id": "each reviewer needs an id that stays the same all campaign",
    "name": "the name is printed on the review workbook",
    "organisation": "a reviewer never reviews their own organisation",
    "country": "each cluster gets a reviewer from another country",
    "languages": "a reviewer only reviews clusters whose language they read",
    "email": "the review workbook is sent to it",
}
_ALIASES = {
    "reviewer_id": "id",
    "reviewer": "name",
    "expert": "name",
    "organization": "organisation",
    "employer": "organisation",
    "language": "languages",
    "lang": "languages",
    "e-mail": "email",
    "mail": "email",
    "max": "max_load",
    "maximum_load": "max_load",
    "load": "max_load",
    "conflict": "conflicts",
    "conflicts_of_interest": "conflicts",
}
EXAMPLE_REVIEWERS = Path(str(resources.files("excelcert") / "data" / "example-reviewers.csv"))
DEFAULT_MAX_LOAD = 4


@lru_cache(maxsize=8192)  # the same few names, asked of every pair that `check` and the warnings look at
def name_key(text: str) -> str:
    """A cluster's id or name, an organisation or a declared conflict as compared: case,
    accents, Unicode form and spacing aside ('Pôle  Aéro' typed on one keyboard is 'PÔLE
    AÉRO' or 'Pole Aero' on another; 'Straße' is 'STRASSE', 'İzmir' is 'IZMIR'). A hard rule
    errs on the side of a conflict. Empty for a text of spaces."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(unicodedata.normalize("NFKC", bare.casefold()).split())


@dataclass(frozen=True)
class Reviewer:
    id: str
    name: str
    organisation: str
    country: str
    languages: tuple[str, ...]
    email: str = ""
    max_load: int = DEFAULT_MAX_LOAD
    conflicts: tuple[str, ...] = field(default_factory=tuple)

    def conflict_with(self, cluster: Cluster) -> str | None:
        """Why this reviewer may not review `cluster`, or None."""
        own = name_key(self.organisation)
        names = (name_key(cluster.name), name_key(cluster.id))
        if own and own in names:
            return f"it is the reviewer's own organisation ({self.organisation})"
        for declared in self.conflicts:
            if name_key(declared) and name_key(declared) in names:
                return f"the reviewer declared a conflict with it ({declared})"
        return None

    def reads(self, language: str) -> bool:
        return language in self.languages


@dataclass
class ReviewersResult:
    source: str
    reviewers: list[Reviewer]
    report: Report


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in re.split(r"[;,\n]", text) if part.strip())


def read_reviewers(path: str | Path) -> ReviewersResult:
    """The reviewers at `path`, with every problem found (each with its cell)."""
    path = Path(path)
    report = Report()
    table = read_table(
        path,
        report,
        columns=COLUMNS,
        aliases=_ALIASES,
        required=REQUIRED,
        key_columns=("id", "name"),
        sheet_name="reviewers",
        what="a reviewers roster",
        code="not-a-reviewers-roster",
    )
    if table is None:
        return ReviewersResult(str(path), [], report)
    from email_validator import EmailNotValidError, validate_email

    territories = country_codes()
    seen: dict[str, Place] = {}
    out: list[Reviewer] = []
    for row in table.body:
        values = {name: table_cell(row, table.columns.get(name)) for name in COLUMNS}
        rid, id_place = values["id"]
        label = rid or f"in row {re.sub(r'[A-Z]+', '', id_place.cell or '')}"
        ok = True
        wrong: list[tuple[str, str]] = []  # (column, what it should be)
        for name, why in REQUIRED.items():
            if name in table.columns and not values[name][0]:
                report.add(problem("reviewer-missing-value", values[name][1], reviewer=label, column=name, why=why))
                ok = False
        if rid and not ID_RE.match(rid):
            wrong.append(("id", "an id (letters, digits, '-', '_', '.')"))
        elif rid in seen:
            report.add(problem("reviewer-duplicate-id", id_place, value=rid, first=seen[rid]))
            ok = False
        elif rid:
            seen[rid] = id_place
        country = values["country"][0].upper()
        if country and country not in territories:
            wrong.append(("country", "a two-letter ISO country code such as DE"))
        languages = tuple(x.casefold() for x in _split(values["languages"][0]))
        if any(not re.fullmatch(r"[a-z]{2,3}", x) for x in languages):
            wrong.append(("languages", "a list of language codes such as 'de; en'"))
        email = values["email"][0]
        if email:
            try:
                email = validate_email(email, check_deliverability=False).normalized
            except EmailNotValidError:
                wrong.append(("email", "an e-mail address"))
        load_text = values["max_load"][0]
        load = DEFAULT_MAX_LOAD
        if load_text:
            try:
                load = int(float(load_text.replace(",", ".")))
                if load < 1 or float(load_text.replace(",", ".")) != load:
                    raise ValueError
            except ValueError:
                wrong.append(("max_load", "a whole number of 1 or more"))
        for column, expected in wrong:
            report.add(
                problem(
                    "reviewer-bad-value",
                    values[column][1],
                    reviewer=label,
                    column=column,
                    value=values[column][0],
                    expected=expected,
                )
            )
        if ok and not wrong:
            out.append(
                Reviewer(
                    rid,
                    values["name"][0],
                    values["organisation"][0],
                    country,
                    languages,
                    email,
                    load,
                    _split(values["conflicts"][0]),
                )
            )
    report.sort()
    return ReviewersResult(str(path), out, report)


def example_reviewers() -> list[Reviewer]:
    return read_reviewers(EXAMPLE_REVIEWERS).reviewers


def write_reviewers(path: Path, reviewers: list[Reviewer]) -> Path:
    """A reviewers roster workbook: headings, one row per reviewer."""
    book = new_book(path)
    try:
        head = book.add_format({"bold": True, "bg_color": "#1F3864", "font_color": "#FFFFFF", "border": 1})
        body = book.add_format({"valign": "top"})
        ws = book.add_worksheet("reviewers")
        widths = (12, 26, 34, 9, 12, 36, 10, 36)
        for c, (column, width) in enumerate(zip(COLUMNS, widths, strict=True)):
            ws.write_string(0, c, column, head)
            ws.set_column(c, c, width, body)
        for r, rev in enumerate(reviewers, start=1):
            values: list[Any] = [
                rev.id,
                rev.name,
                rev.organisation,
                rev.country,
                "; ".join(rev.languages),
                rev.email,
                str(rev.max_load),
                "; ".join(rev.conflicts),
            ]
            for c, value in enumerate(values):
                ws.write_string(r, c, value, body)
        ws.freeze_panes(1, 1)
        ws.autofilter(0, 0, max(len(reviewers), 1), len(COLUMNS) - 1)
        print_setup(ws, "reviewers")
    finally:
        book.close()
    return path


def write_example_reviewers(path: Path) -> Path:
    return write_reviewers(path, example_reviewers())

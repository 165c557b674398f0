"""The roster: the clusters of a campaign, kept by the secretariat as .xlsx or .csv.

Columns: id, name, country, language, group (sector or comparison group), contact_name,
email, website. `read_roster` returns the clusters it could read and a report whose
every problem names its cell (`roster.xlsx!D5`); it never stops at the first mistake.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from excelcert.base.i18n import yes_or_no
from excelcert.base.problems import Place, Report, UnreadableFile, problem
from excelcert.base.sheetwriter import new_book, print_setup, unwritable, without_unwritable
from excelcert.base.spreadsheet import column_letters, read_workbook_xml
from excelcert.scheme.build import ID_RE, plain_number

COLUMNS = ("id", "name", "country", "language", "group", "contact_name", "email", "website", "club", "salutation")
REQUIRED = {
    "id": "each cluster needs its own id, which stays the same all campaign",
    "name": "the name is printed on the workbook and the certificate",
    "country": "reviewers are chosen by country",
    "language": "the workbook and letters are written in it",
    "email": "the workbook is sent to it",
}
# Headings a secretariat may already use for the same thing.
_ALIASES = {
    "cluster_id": "id",
    "code": "id",
    "cluster": "name",
    "cluster_name": "name",
    "organisation": "name",
    "organization": "name",
    "lang": "language",
    "sector": "group",
    "comparison_group": "group",
    "contact": "contact_name",
    "contact_person": "contact_name",
    "e-mail": "email",
    "e_mail": "email",
    "mail": "email",
    "web": "website",
    "url": "website",
    "web_site": "website",
    "club_consent": "club",
    "consent": "club",
    "directory": "club",
    "form_of_address": "salutation",
    "civility": "salutation",
    "civilité": "salutation",
    "anrede": "salutation",
}

EXAMPLE_ROSTER = Path(str(resources.files("excelcert") / "data" / "example-roster.csv"))


@dataclass(frozen=True, slots=True)  # a campaign holds thousands: no __dict__ each
class Cluster:
    id: str
    name: str
    country: str
    language: str
    group: str = ""
    contact_name: str = ""
    email: str = ""
    website: str = ""
    club: bool = False  # the manager agrees to be listed in the club directory (once labelled)
    salutation: str = ""  # the contact's form of address: Ms, Mr, Madame, Monsieur, Frau, Herr (optional)
    groups: tuple[tuple[str, str], ...] = ()  # the sector per language, from columns group_fr, group_de ...

    def group_in(self, lang: str) -> str:
        """The sector as a reader of `lang` reads it (the `group` column when not given in it)."""
        return dict(self.groups).get(lang) or self.group


@dataclass
class RosterResult:
    source: str
    clusters: list[Cluster]
    report: Report


def _heading(value: Any, aliases: dict[str, str]) -> str:
    text = re.sub(r"[\s]+", "_", str(value).strip().casefold())
    return aliases.get(text, text)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return plain_number(value)
    return str(value).strip()


class Row:
    """One row of a roster-like table: its values from column A, and where it is. A cell's
    place is made only when a message needs it."""

    __slots__ = ("number", "sheet", "values")

    def __init__(self, sheet: str, number: int, values: list[Any]):
        self.sheet, self.number, self.values = sheet, number, values

    def place(self, index: int | None) -> Place:
        """The place of column `index` (from 0) of this row; column A's for None."""
        return Place(self.sheet, f"{column_letters(1 if index is None else index + 1)}{self.number}")

    def text(self, index: int | None) -> str:
        """The text of column `index` (from 0): "" when there is none, or no such column."""
        return _text(self.values[index]) if index is not None and index < len(self.values) else ""


def _rows_from_csv(path: Path, report: Report) -> Iterator[Row]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
        report.add(problem("roster-encoding", Place(path.name, ""), path=path.name))
    del raw
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    for r, record in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
        yield Row(path.name, r, list(record))


def _rows_from_xlsx(path: Path, sheet_name: str) -> Iterator[Row]:
    book = read_workbook_xml(path)
    sheet = book.sheet(sheet_name) or next((s for s in book.sheets.values() if not s.hidden), None)
    if sheet is None:
        return
    for number, values in sheet.value_rows():
        yield Row(sheet.name, number, values)


@dataclass
class Table:
    """A roster-like table read a row at a time: its columns by name, its heading row, and
    its other rows (an iterator: each row is checked for characters no file can hold as it
    is read, so a reader goes through them once)."""

    columns: dict[str, int]
    header: Row
    body: Iterator[Row]


def read_table(
    path: Path,
    report: Report,
    *,
    columns: tuple[str, ...],
    aliases: dict[str, str],
    required: dict[str, str],
    key_columns: tuple[str, ...],
    sheet_name: str,
    what: str,
    code: str = "not-a-roster",
) -> Table | None:
    """A roster-like table from .xlsx or .csv: the first non-empty row holds the headings.

    None (with the problem reported) when it is empty; UnreadableFile when it is not such a table.
    Only the rows not yet read are kept: the body is read as the caller goes through it.
    """
    if not path.exists():
        raise UnreadableFile(problem("file-not-found", path=str(path)))
    if path.suffix.casefold() in (".csv", ".txt"):
        every = _rows_from_csv(path, report)
    else:
        every = _rows_from_xlsx(path, sheet_name)
    rows = (row for row in every if any(_text(v) for v in row.values))
    header = next(rows, None)
    if header is None:
        report.add(problem("roster-empty", Place(path.name, "")))
        return None
    found: dict[str, int] = {}
    unknown: list[tuple[str, str, Place]] = []
    for index, value in enumerate(header.values):
        name = _heading(value, aliases) if _text(value) else ""
        if name in columns and name not in found:
            found[name] = index
        elif name and name not in columns:
            unknown.append((name, without_unwritable(_text(value)).replace("\n", " "), header.place(index)))
    if not any(k in found for k in key_columns):
        raise UnreadableFile(
            problem(
                code,
                path=str(path),
                detail=(
                    f"its first row has no {' or '.join(repr(k) for k in key_columns)} heading; {what} has "
                    f"the headings {', '.join(columns)}"
                ),
            )
        )
    _check_characters(header, header, path, report)
    for name, heading, place in unknown:  # a misspelt heading ('webiste'): its column would be lost unsaid
        missing = [c for c in columns if c not in found]
        close = difflib.get_close_matches(name, missing, n=1, cutoff=0.75) or [
            aliases[a] for a in difflib.get_close_matches(name, list(aliases), n=1, cutoff=0.8) if aliases[a] in missing
        ]
        if close:
            report.add(
                problem("roster-unknown-column", place, heading=heading, column=close[0], expected=", ".join(columns))
            )
    for column in required:
        if column not in found:
            report.add(problem("roster-missing-column", header.place(0), column=column, expected=", ".join(columns)))
    return Table(found, header, (_check_characters(row, header, path, report) for row in rows))


def _check_characters(row: Row, header: Row, path: Path, report: Report) -> Row:
    """`row`, each character no file can hold in it reported, and each invisible formatting
    mark (a warning: a right-to-left override turns a name round on screen)."""
    for index, value in enumerate(row.values):
        char = unwritable(value) if isinstance(value, str) else None
        mark = _invisible(value) if isinstance(value, str) and not char else None
        if char or mark:
            heading = without_unwritable(_text(header.values[index])) if index < len(header.values) else ""
            column = heading.replace("\n", " ") or column_letters(index + 1)
            code = "roster-unwritable-character" if char else "roster-invisible-character"
            report.add(problem(code, row.place(index), path=path.name, column=column, char=char or mark))
    return row


def _invisible(text: str) -> str | None:
    """The first invisible formatting mark in `text` (a right-to-left override, a zero-width
    space: Unicode Cf), named for a person ('U+202E RIGHT-TO-LEFT OVERRIDE'); None if none."""
    if text.isascii():
        return None
    for ch in text:
        if unicodedata.category(ch) == "Cf":
            return f"U+{ord(ch):04X} {unicodedata.name(ch, 'FORMAT CHARACTER')}"
    return None


def read_roster(path: str | Path, languages: tuple[str, ...]) -> RosterResult:
    """The clusters of the roster at `path`, with every problem found in it."""
    path = Path(path)
    report = Report()
    table = read_table(
        path,
        report,
        columns=COLUMNS,
        aliases=_ALIASES,
        required=REQUIRED,
        key_columns=("id", "name"),
        sheet_name="roster",
        what="a roster of clusters",
    )
    if table is None:
        return RosterResult(str(path), [], report)
    clusters = _clusters(table, languages, report)
    if not clusters and not report.errors:
        report.add(problem("roster-empty", Place(table.header.sheet, "")))
    report.sort()
    return RosterResult(str(path), clusters, report)


def _group_columns(header: Row, languages: tuple[str, ...]) -> dict[str, int]:
    """Columns holding the sector in one language: 'group_fr', 'sector_de', 'group (en)' ..."""
    found: dict[str, int] = {}
    for index, value in enumerate(header.values):
        match = re.fullmatch(r"(?:group|sector)[_\s(-]*([a-z]{2})\)?", _text(value).strip().casefold())
        if match and match.group(1) in languages:
            found.setdefault(match.group(1), index)
    return found


def _clusters(table: Table, languages: tuple[str, ...], report: Report) -> list[Cluster]:
    from email_validator import EmailNotValidError, validate_email

    columns = table.columns
    territories = country_codes()
    # the sector per language (group_fr, sector_de ...), where the roster gives it: a
    # cluster's are those of the last row with its id
    translated = sorted(_group_columns(table.header, languages).items())
    later: dict[str, tuple[tuple[str, str], ...]] = {}  # a later row's, for an id given before
    seen: dict[str, int] = {}  # id -> the row it is first given in
    out: list[Cluster] = []
    at = {name: columns.get(name) for name in COLUMNS}
    for row in table.body:
        values = {name: row.text(index) for name, index in at.items()}
        cid = values["id"]
        label = cid or f"in row {row.number}"
        groups = tuple((lang, text) for lang, index in translated if (text := row.text(index)))
        if translated and (not cid or cid in seen):
            later[cid] = groups
        ok = True
        for name, why in REQUIRED.items():
            if name in columns and not values[name]:
                report.add(problem("roster-missing-value", row.place(at[name]), cluster=label, column=name, why=why))
                ok = False
        if cid and not ID_RE.match(cid):
            report.add(problem("roster-bad-id", row.place(at["id"]), value=cid))
            ok = False
        elif cid in seen:
            first = Place(row.sheet, f"{column_letters(1 if at['id'] is None else at['id'] + 1)}{seen[cid]}")
            report.add(problem("roster-duplicate-id", row.place(at["id"]), value=cid, first=first))
            ok = False
        elif cid:
            seen[cid] = row.number
        language = values["language"].casefold()
        if language and languages and language not in languages:
            report.add(
                problem(
                    "roster-unknown-language",
                    row.place(at["language"]),
                    cluster=label,
                    value=language,
                    languages=", ".join(languages),
                )
            )
            ok = False
        country = values["country"].upper()
        if country and country not in territories:
            report.add(problem("roster-unknown-country", row.place(at["country"]), cluster=label, value=country))
            ok = False
        email = values["email"]
        if email:
            try:
                email = validate_email(email, check_deliverability=False).normalized
            except EmailNotValidError as exc:
                report.add(
                    problem(
                        "roster-bad-email",
                        row.place(at["email"]),
                        cluster=label,
                        value=email,
                        detail=str(exc).rstrip("."),
                    )
                )
                ok = False
        website = values["website"]
        if website and not re.match(r"^(https?://)?[^\s/@]+\.[^\s/@]{2,}(/\S*)?$", website):
            report.add(problem("roster-bad-website", row.place(at["website"]), cluster=label, value=website))
        consent = values["club"]
        said = yes_or_no(consent) if consent.strip() else False
        club = said is True
        if said is None:
            report.add(problem("roster-unclear-consent", row.place(at["club"]), cluster=label, value=consent))
        if ok:
            out.append(
                Cluster(
                    cid,
                    values["name"],
                    country,
                    language,
                    values["group"],
                    values["contact_name"],
                    email,
                    website,
                    club,
                    values["salutation"],
                    groups,
                )
            )
    if later:
        out = [replace(c, groups=later[c.id]) if later.get(c.id, c.groups) != c.groups else c for c in out]
    return out


def table_cell(row: Row, index: int | None) -> tuple[str, Place]:
    """The text of column `index` in `row`, and its place (also for a cell past the row's end)."""
    return row.text(index), row.place(index)


def country_codes() -> set[str]:
    from babel import Locale

    # babel types the keys of its locale data loosely (str | int | None): territories are text
    return {code for code in Locale("en").territories if isinstance(code, str) and len(code) == 2 and code.isalpha()}


def sector_names(clusters: Iterable[Cluster]) -> dict[str, dict[str, str]]:
    """Every sector of the roster in each language the roster gives it (columns group_fr,
    group_de ...): {group: {language: name}}. A sector named in a language on one row is
    named so wherever it is shown: for the clusters whose row leaves that column empty, and
    for peers of earlier campaigns with the same sector (the first row's name where rows
    differ). A sector no row translates is shown as the `group` column has it."""
    found: dict[str, dict[str, str]] = {}
    for cluster in clusters:
        if cluster.group:
            names = found.setdefault(cluster.group, {})
            for lang, name in cluster.groups:
                names.setdefault(lang, name)
    return found


def country_name(code: str, language: str) -> str:
    from babel import Locale, UnknownLocaleError

    try:
        name: str = Locale.parse(language.replace("-", "_")).territories.get(code, code)  # de-AT: babel's de_AT
        return name
    except (UnknownLocaleError, ValueError):
        return code


# --- writing ------------------------------------------------------------------------------

_HELP = {
    "id": "A short id that never changes, e.g. DE-AUTO-01.",
    "name": "The cluster organisation's name, as printed on the certificate.",
    "country": "Two-letter ISO country code: DE, FR, AT...",
    "language": "Language of the workbook and letters.",
    "group": "Sector or comparison group (for benchmarking).",
    "contact_name": "The cluster manager the documents are addressed to.",
    "email": "Where the workbook is sent.",
    "website": "The cluster's website.",
    "club": "yes: the manager agrees to be listed in the club directory of labelled clusters; empty or no: not listed.",
    "salutation": "Optional: how the letters address the contact: Ms, Mr, Madame, Monsieur, Frau, Herr.",
}


def example_clusters() -> list[Cluster]:
    with EXAMPLE_ROSTER.open(encoding="utf-8", newline="") as handle:
        return [
            Cluster(
                row["id"],
                row["name"],
                row["country"],
                row["language"],
                row.get("group") or "",
                row.get("contact_name") or "",
                row.get("email") or "",
                row.get("website") or "",
                yes_or_no(row.get("club") or "") is True,
                row.get("salutation") or "",
                tuple(sorted((k[6:], v) for k, v in row.items() if k.startswith("group_") and v)),
            )
            for row in csv.DictReader(handle)
        ]


def write_roster(path: Path, clusters: list[Cluster], languages: tuple[str, ...]) -> Path:
    """A roster workbook: headings with help, validation, one row per cluster."""
    book = new_book(path)
    try:
        head = book.add_format(
            {"bold": True, "bg_color": "#1F3864", "font_color": "#FFFFFF", "border": 1, "valign": "vcenter"}
        )
        cell = book.add_format({"valign": "top"})
        ws = book.add_worksheet("roster")
        widths = {
            "id": 14,
            "name": 36,
            "country": 9,
            "language": 10,
            "group": 22,
            "contact_name": 24,
            "email": 36,
            "website": 36,
            "club": 8,
            "salutation": 11,
        }
        for c, column in enumerate(COLUMNS):
            ws.write_string(0, c, column, head)
            ws.set_column(c, c, widths[column], cell)
            ws.data_validation(
                0, c, 0, c, {"validate": "any", "input_title": column[:32], "input_message": _HELP[column][:255]}
            )
        # the sector per language, where a cluster has it: one more column per language
        extra = sorted({lang for cluster in clusters for lang, _ in cluster.groups})
        for k, lang in enumerate(extra, start=len(COLUMNS)):
            ws.write_string(0, k, f"group_{lang}", head)
            ws.set_column(k, k, 22, cell)
        for r, cluster in enumerate(clusters, start=1):
            for c, column in enumerate(COLUMNS):
                value = getattr(cluster, column)
                ws.write_string(r, c, ("yes" if value else "") if isinstance(value, bool) else value, cell)
            for k, lang in enumerate(extra, start=len(COLUMNS)):
                ws.write_string(r, k, dict(cluster.groups).get(lang, ""), cell)
        last = max(len(clusters), 1) + 500
        ws.data_validation(
            1,
            COLUMNS.index("language"),
            last,
            COLUMNS.index("language"),
            {
                "validate": "list",
                "source": list(languages),
                "error_title": "Language",
                "error_message": "One of: " + ", ".join(languages),
            },
        )
        ws.data_validation(
            1,
            COLUMNS.index("country"),
            last,
            COLUMNS.index("country"),
            {
                "validate": "length",
                "criteria": "==",
                "value": 2,
                "error_title": "Country",
                "error_message": "The two-letter ISO country code, e.g. DE.",
            },
        )
        ws.freeze_panes(1, 1)
        ws.autofilter(0, 0, max(len(clusters), 1), len(COLUMNS) - 1)
        print_setup(ws, "roster")
    finally:
        book.close()
    return path


def write_example_roster(path: Path, languages: tuple[str, ...] = ("en", "fr", "de")) -> Path:
    return write_roster(path, example_clusters(), languages)


def write_roster_template(path: Path, languages: tuple[str, ...]) -> Path:
    example = Cluster(
        "XX-SECTOR-01",
        "Example Cluster Association",
        "DE",
        languages[0] if languages else "en",
        "Sector",
        "First name Last name",
        "manager@cluster.example",
        "https://www.cluster.example",
    )
    return write_roster(path, [example], languages)

"""The one catalogue of problem codes, and the records every stage reports with.

A problem is data: a stable code, a severity, a message written for the person who must
act on it (what is wrong and what to do), and the place it was found: a spreadsheet
cell (`indicators!D14`) or a path in a YAML file (`indicators[3].type`, line 57).
Stages collect problems and never stop at the first; only a file that cannot be read
at all raises (`UnreadableFile`).

Messages are built from the catalogue, never written at the call site, so that the
docs (docs/problem-codes.md) and the tests can list and check them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, slots=True)  # one per cell of a roster read: no __dict__ each
class Place:
    """Where a problem was found: a workbook cell or a path in a text file."""

    sheet: str | None = None
    cell: str | None = None  # "D14", or "14" for a whole row, "" for a whole sheet
    path: str | None = None  # "indicators[3].type"
    line: int | None = None  # 1-based line of a text file

    def __str__(self) -> str:
        if self.sheet is not None:
            return f"{self.sheet}!{self.cell}" if self.cell else self.sheet
        if self.path is not None:
            return f"{self.path} (line {self.line})" if self.line else self.path
        return ""


_CELL_RE = re.compile(r"^([A-Z]*)(\d*)(?::\D*(\d+))?$")


def place_sort_key(place: Place | None, sheet_order: tuple[str, ...] = ()) -> tuple[int | str, ...]:
    """Sort places as a reader meets them: sheet (in `sheet_order`), row, column; or line."""
    if place is None:
        return (0,)
    if place.sheet is not None:
        name = place.sheet.casefold()
        rank = sheet_order.index(name) if name in sheet_order else len(sheet_order)
        match = _CELL_RE.match(place.cell or "")
        letters, row = (match.group(1), match.group(2)) if match else ("", "")
        column = 0
        for letter in letters:
            column = column * 26 + ord(letter) - 64
        return (1, rank, place.sheet, int(row) if row else 0, column)
    return (2, place.line or 0, place.path or "")


@dataclass(frozen=True)
class ProblemType:
    code: str
    severity: str
    title: str
    template: str  # str.format template, fields given at the call site
    hint: str = ""  # what to do


@dataclass(frozen=True)
class Problem:
    code: str
    severity: str
    message: str
    place: Place | None = None
    indicator: str | None = None
    value: Any = None
    # The values the message was made from (maximum, first row, choices ...), for programs
    # that act on a problem without parsing its message.
    fields: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __str__(self) -> str:
        where = str(self.place) if self.place else ""
        return f"{where}: {self.message}" if where else self.message

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "place": str(self.place) if self.place else None,
            "sheet": self.place.sheet if self.place else None,
            "cell": self.place.cell if self.place else None,
            "path": self.place.path if self.place else None,
            "line": self.place.line if self.place else None,
            "indicator": self.indicator,
            "value": _jsonable(self.value),
            "fields": {key: _jsonable(value) for key, value in self.fields.items()},
            "message": self.message,
        }


def _jsonable(value: Any) -> Any:
    """`value` as JSON can carry it: numbers, text and lists as they are, anything else as its text."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [_jsonable(item) for item in items]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    return str(value)


# How each office suite calls the format to save as, so that the person finds it in the list
XLSX = "'Excel Workbook (.xlsx)' in Excel, 'Excel 2007-365 (.xlsx)' in LibreOffice"

_TYPES: list[ProblemType] = [
    # --- files that cannot be read at all -------------------------------------------
    ProblemType("file-not-found", ERROR, "File not found", "{path}: no such file", "Check the path."),
    ProblemType(
        "not-a-workbook",
        ERROR,
        "Not a workbook",
        "{path}: this is not an Excel workbook ({detail})",
        f"Open it and save it as {XLSX}.",
    ),
    ProblemType(
        "corrupt-file",
        ERROR,
        "Corrupt file",
        "{path}: the file is damaged and cannot be read ({detail})",
        f"Ask the sender to save it again ({XLSX}) and resend it.",
    ),
    ProblemType(
        "encrypted-file",
        ERROR,
        "Encrypted file",
        "{path}: the workbook is protected with a password, so it cannot be read",
        "Ask the sender to remove the password (in Excel: File > Info > Protect Workbook; in LibreOffice: "
        "File > Save As with 'Save with password' unticked) and resend it.",
    ),
    ProblemType(
        "legacy-format",
        ERROR,
        "Unsupported spreadsheet format",
        "{path}: saved as {format}, which excelcert does not read",
        f"Open it and save it as {XLSX}.",
    ),
    ProblemType(
        "csv-return",
        ERROR,
        "A CSV file, not the workbook",
        "{path}: this is a CSV (text) file: it keeps the values of one sheet only and has lost the workbook's "
        "hidden identification, which re-saving it as .xlsx cannot bring back",
        "Ask the cluster to send the original workbook it received (.xlsx), filled in, saved as it is.",
    ),
    ProblemType(
        "numbers-file",
        ERROR,
        "Apple Numbers file",
        "{path}: saved as an Apple Numbers file (.numbers), which excelcert does not read",
        "In Numbers, choose File > Export To > Excel…, keep the format 'Excel (.xlsx)', and send the exported file.",
    ),
    ProblemType(
        "strict-ooxml",
        ERROR,
        "Strict Open XML",
        "{path}: saved as 'Strict Open XML Spreadsheet', which excelcert does not read",
        "Open it in Excel and save it as 'Excel Workbook (.xlsx)'.",
    ),
    ProblemType(
        "oversized-file",
        ERROR,
        "File too large",
        "{path}: {detail}, far more than a workbook of this kind holds; it was not opened",
        "Check that this is the right file; a self-assessment or scheme workbook is well under 5 MB "
        "and fills a few hundred rows and columns.",
    ),
    ProblemType(
        "unsafe-content",
        ERROR,
        "Unsafe content",
        "{path}: the file contains {detail}, which excelcert refuses to read",
        "Save the workbook again from Excel or LibreOffice; a normal save removes it.",
    ),
    ProblemType(
        "not-a-text-file",
        ERROR,
        "Not a text file",
        "{path}: this is not a UTF-8 text file ({detail})",
        "Save the scheme as UTF-8 text, or give the scheme workbook (.xlsx) instead.",
    ),
    # --- scheme: the file as a whole ------------------------------------------------
    ProblemType(
        "not-a-scheme",
        ERROR,
        "Not a scheme",
        "{path}: this is not an excelcert scheme ({detail})",
        "Start from `excelcert scheme export --format xlsx` (or yaml) and edit that.",
    ),
    ProblemType(
        "scheme-unwritable-character",
        ERROR,
        "Character that cannot be written",
        "the text holds the character {char}, which no workbook or Word document can hold (half of a broken "
        "emoji, a byte of another encoding than UTF-8, or an invisible non-character)",
        "Delete it (in the YAML form an escape such as \\uFFFE or \\udce9 writes it), save, and check the scheme again.",
    ),
    ProblemType(
        "yaml-syntax",
        ERROR,
        "YAML syntax error",
        "the YAML cannot be parsed: {detail}",
        "Fix the indentation or quoting at that line.",
    ),
    ProblemType(
        "missing-table",
        ERROR,
        "Missing sheet or section",
        "the scheme has no '{table}' {kind}",
        "Add it; `excelcert scheme export` shows the expected layout.",
    ),
    ProblemType(
        "missing-column",
        ERROR,
        "Missing column",
        "column '{column}' is missing",
        "Add a column headed '{column}' to this sheet.",
    ),
    ProblemType(
        "unknown-column",
        WARNING,
        "Unknown column",
        "'{column}' is not part of the scheme format and is ignored",
        "Check the spelling (expected one of: {expected}).",
    ),
    ProblemType(
        "unknown-language-column",
        ERROR,
        "Undeclared language",
        "'{column}' is for language '{lang}', which the settings do not declare ({languages})",
        "Add '{lang}' to settings languages, or remove the column.",
    ),
    ProblemType("missing-value", ERROR, "Missing value", "{what} is required", "Fill it in."),
    ProblemType(
        "not-a-number",
        ERROR,
        "Not a number",
        "{what}: '{value}' is not a number",
        "Write a plain number such as 15 or 0.5.",
    ),
    ProblemType(
        "months-out-of-range",
        ERROR,
        "Months out of range",
        "{what}: {value} months is out of range ({minimum} to {maximum})",
        "Give a whole number of months in that range, or leave it empty for the default.",
    ),
    ProblemType(
        "grace-not-below-validity",
        ERROR,
        "Renewal grace too long",
        "settings: renewal_grace_months ({grace}) must be shorter than validity_months ({validity})",
        "Otherwise a label renewed late in the grace period would end before it is issued. Shorten the grace period.",
    ),
    ProblemType(
        "not-an-integer",
        ERROR,
        "Not a whole number",
        "{what}: '{value}' is not a whole number",
        "Write a whole number such as 15.",
    ),
    ProblemType("not-yes-no", ERROR, "Not yes or no", "{what}: '{value}' is not yes or no", "Write yes or no."),
    ProblemType(
        "bad-identifier",
        ERROR,
        "Bad identifier",
        "{what}: '{value}' is not a valid identifier",
        "Use letters, digits, '-', '_' and '.', starting with a letter or digit (e.g. STR-01).",
    ),
    ProblemType(
        "bad-colour", ERROR, "Bad colour", "{what}: '{value}' is not a colour", "Write a hex colour such as #1F77B4."
    ),
    ProblemType("bad-value", ERROR, "Bad value", "{what}: {detail}", "Correct the value."),
    ProblemType(
        "unknown-language",
        ERROR,
        "Unknown language code",
        "'{value}' is not a language code",
        "Use a two-letter ISO 639-1 code such as en, fr, de, es.",
    ),
    ProblemType(
        "default-language-undeclared",
        ERROR,
        "Default language not declared",
        "the default language '{value}' is not one of the scheme's languages ({languages})",
        "Set default_language to one of them, or add it to languages.",
    ),
    # --- scheme: items and cross-references -------------------------------------------
    ProblemType(
        "duplicate-id",
        ERROR,
        "Duplicate identifier",
        "{what} '{value}' is used more than once (first at {first})",
        "Give each one its own identifier.",
    ),
    ProblemType(
        "unknown-answer-type",
        ERROR,
        "Unknown answer type",
        "indicator {indicator}: unknown answer type '{value}' (expected one of {expected})",
        "Pick one of the answer types listed.",
    ),
    ProblemType(
        "unknown-category",
        ERROR,
        "Unknown category",
        "indicator {indicator}: category '{value}' is not defined in categories",
        "Add the category or correct the indicator's category.",
    ),
    ProblemType(
        "unknown-choice-list",
        ERROR,
        "Unknown choice list",
        "indicator {indicator}: choice list '{value}' is not defined in choices",
        "Add the list to the choices sheet or correct the name.",
    ),
    ProblemType(
        "missing-choice-list",
        ERROR,
        "Missing choice list",
        "indicator {indicator} is of type {type}, which needs a choice list",
        "Name its list in the 'list' column.",
    ),
    ProblemType(
        "unexpected-choice-list",
        ERROR,
        "Choice list on a non-choice indicator",
        "indicator {indicator} is of type {type}, which takes no choice list ('{value}')",
        "Clear the list, or change the type to select_one or select_multiple.",
    ),
    ProblemType(
        "empty-choice-list",
        ERROR,
        "Empty choice list",
        "choice list '{value}' has fewer than two choices",
        "Give the list at least two choices.",
    ),
    ProblemType(
        "unused-choice-list",
        WARNING,
        "Unused choice list",
        "choice list '{value}' is not used by any indicator",
        "Remove it, or name it in an indicator's 'list' column.",
    ),
    ProblemType(
        "unused-topic",
        WARNING,
        "Training topic not referenced",
        "training topic '{value}' is not named by any indicator: no cluster will be pointed to it",
        "Name it in the 'topics' column of the indicators it addresses, or remove it from the catalogue.",
    ),
    ProblemType(
        "bad-link",
        ERROR,
        "Not a web address",
        "topic {topic}: link '{value}' is not a web address",
        "Write the full address, starting with https:// (or http://), or leave the link empty.",
    ),
    ProblemType(
        "unknown-choice",
        ERROR,
        "Unknown choice",
        "indicator {indicator}: '{value}' is not a choice of list '{list}' ({expected})",
        "Use one of the list's values.",
    ),
    ProblemType(
        "missing-text",
        ERROR,
        "Missing translation",
        "{what} has no text in '{lang}'",
        "Write the {lang} text, or remove '{lang}' from the scheme's languages.",
    ),
    ProblemType(
        "unknown-topic",
        ERROR,
        "Unknown training topic",
        "indicator {indicator}: training topic '{value}' is not defined in topics",
        "Add the topic to the topics sheet or correct the reference.",
    ),
    ProblemType(
        "bounds-reversed",
        ERROR,
        "Bounds reversed",
        "indicator {indicator}: min {min} is greater than max {max}",
        "Swap them.",
    ),
    ProblemType(
        "bounds-not-numeric",
        ERROR,
        "Bounds on a non-numeric indicator",
        "indicator {indicator} is of type {type}, which takes no {field}",
        "Clear it; bounds apply to integer, decimal and percent indicators.",
    ),
    ProblemType(
        "percent-out-of-range",
        ERROR,
        "Percentage out of range",
        "{what}: {value} is outside 0-100 %",
        "Percentages are written in percent: 80 (or 80 %) for eighty per cent.",
    ),
    ProblemType(
        "scoring-kind-mismatch",
        ERROR,
        "Wrong kind of scoring",
        "indicator {indicator} is of type {type}, which is scored by {expected}, not {kind}",
        "Use {expected} for this indicator.",
    ),
    ProblemType(
        "bands-out-of-order",
        ERROR,
        "Bands out of order",
        "indicator {indicator}: band 'from {value}' comes after 'from {previous}'; bands must rise",
        "List the bands from the lowest threshold to the highest.",
    ),
    ProblemType(
        "bands-overlap",
        ERROR,
        "Bands overlap",
        "indicator {indicator}: two bands start at {value}",
        "Give each band its own starting value.",
    ),
    ProblemType(
        "band-outside-bounds",
        ERROR,
        "Band contradicts bounds",
        "indicator {indicator}: band 'from {value}' can never be reached, the answer is bounded to {min}..{max}",
        "Move the band inside the bounds, or widen the bounds.",
    ),
    ProblemType(
        "negative-points",
        ERROR,
        "Negative points",
        "{what}: points must not be negative ({value})",
        "Use 0 or more points.",
    ),
    ProblemType(
        "unscored-indicator",
        WARNING,
        "Indicator earns no points",
        "indicator {indicator} has no scoring rule and earns no points",
        "Add bands or choice points on the scoring sheet, if it should count.",
    ),
    ProblemType(
        "points-total-mismatch",
        ERROR,
        "Points do not add up",
        "the indicators' maximum points add up to {total}, but max_points declares {declared}",
        "Adjust the scoring or the declared maximum ({detail}).",
    ),
    ProblemType(
        "threshold-kind-mismatch",
        ERROR,
        "Wrong kind of quality threshold",
        "indicator {indicator} is of type {type}, whose quality threshold is {expected}, not {kind}",
        "Use {expected}.",
    ),
    ProblemType(
        "missing-threshold",
        ERROR,
        "Missing quality threshold",
        "indicator {indicator} is {why} but has no quality threshold (met_min, met_max or met_choices)",
        "Say when the indicator is met.",
    ),
    ProblemType(
        "tolerance-not-numeric",
        ERROR,
        "Tolerance on a non-numeric indicator",
        "indicator {indicator} is of type {type}, which takes no tolerance: any difference goes to arbitration",
        "Clear the tolerance.",
    ),
    ProblemType(
        "unknown-indicator",
        ERROR,
        "Unknown indicator",
        "{what} names indicator '{value}', which is not defined",
        "Correct the identifier or add the indicator.",
    ),
    ProblemType(
        "label-weaker-than-lower",
        ERROR,
        "Label rule weaker than a lower label",
        "label '{label}' (order {order}) is weaker than '{lower}' (order {lower_order}): {detail}",
        "A higher label must demand at least what every lower label demands.",
    ),
    ProblemType(
        "no-labels",
        ERROR,
        "No label rules",
        "the scheme defines no label rules",
        "Add gold, silver and bronze rows to the labels sheet.",
    ),
    # --- roster -------------------------------------------------------------------------
    ProblemType(
        "not-a-roster",
        ERROR,
        "Not a roster",
        "{path}: this is not a roster ({detail})",
        "Start from `excelcert roster template` and copy your clusters into it.",
    ),
    ProblemType(
        "roster-missing-column",
        ERROR,
        "Missing roster column",
        "the roster has no '{column}' column",
        "Add a column headed '{column}' (columns: {expected}).",
    ),
    ProblemType(
        "roster-unknown-column",
        WARNING,
        "Column not read",
        "the heading '{heading}' is not one of the columns read (it looks like '{column}'), so this column is ignored",
        "Rename the heading to '{column}' if the column holds that (columns: {expected}); a column of "
        "your own may stay as it is.",
    ),
    ProblemType(
        "roster-unwritable-character",
        ERROR,
        "Character that cannot be written",
        "{path}, column '{column}': the text holds the character {char}, which no workbook or Word "
        "document can hold (half of a broken emoji, a byte of another encoding than UTF-8, or an invisible "
        "non-character), so no file could be written with it",
        "Retype the text of this cell by hand (text copied from another program can bring such a "
        "character along), save, and run again.",
    ),
    ProblemType(
        "roster-invisible-character",
        WARNING,
        "Invisible character",
        "{path}, column '{column}': the text holds the invisible character {char}, which changes how it "
        "shows (reversed, or two names that look alike but differ) in the workbooks, the certificates and "
        "the file names",
        "Retype the text of this cell by hand (text copied from a web form or a PDF can bring such a "
        "character along), save, and run again.",
    ),
    ProblemType(
        "roster-missing-value",
        ERROR,
        "Missing value in the roster",
        "cluster {cluster}: {column} is empty",
        "Fill it in: {why}.",
    ),
    ProblemType(
        "roster-duplicate-id",
        ERROR,
        "Duplicate cluster id",
        "cluster id '{value}' is used more than once (first at {first})",
        "Give each cluster its own id.",
    ),
    ProblemType(
        "roster-bad-id",
        ERROR,
        "Bad cluster id",
        "'{value}' is not a valid cluster id",
        "Use letters, digits, '-', '_' and '.', starting with a letter or digit (e.g. DE-AUTO-01).",
    ),
    ProblemType(
        "roster-unknown-language",
        ERROR,
        "Language not in the scheme",
        "cluster {cluster}: language '{value}' is not one of the scheme's languages ({languages})",
        "Use one of them; the cluster's workbook and letters are written in this language.",
    ),
    ProblemType(
        "roster-unknown-country",
        ERROR,
        "Unknown country code",
        "cluster {cluster}: '{value}' is not a country code",
        "Use the two-letter ISO 3166 code, e.g. DE, FR, AT.",
    ),
    ProblemType(
        "roster-bad-email",
        ERROR,
        "Bad e-mail address",
        "cluster {cluster}: '{value}' is not an e-mail address ({detail})",
        "Correct the address; the workbook and the documents are sent to it.",
    ),
    ProblemType(
        "roster-unclear-consent",
        WARNING,
        "Unclear consent",
        "cluster {cluster}: '{value}' in the club column is neither yes nor no, so it is read as no consent",
        "Write yes if the manager agreed to be listed in the club directory; leave it empty otherwise.",
    ),
    ProblemType(
        "roster-bad-website",
        WARNING,
        "Doubtful website",
        "cluster {cluster}: '{value}' does not look like a web address",
        "Write it as https://www.example.org.",
    ),
    ProblemType(
        "roster-encoding",
        WARNING,
        "Roster not in UTF-8",
        "{path} is not UTF-8, so it was read as Windows-1252 (as Excel saves CSV files)",
        "Check the accented names, or save the roster as 'CSV UTF-8' or as .xlsx.",
    ),
    ProblemType(
        "roster-empty",
        ERROR,
        "Empty roster",
        "the roster lists no cluster",
        "Add one row per cluster under the headings.",
    ),
    # --- intake: whole workbooks that are rejected --------------------------------------
    ProblemType(
        "not-excelcert",
        ERROR,
        "Not an excelcert workbook",
        "{path}: this is not a workbook excelcert sent ({detail})",
        "Ask the cluster to fill in the workbook it received and send that back.",
    ),
    ProblemType(
        "other-campaign",
        ERROR,
        "Workbook of another campaign",
        "{path}: this workbook belongs to campaign '{value}', not to '{campaign}'",
        "Import it into its own campaign, or send the cluster this campaign's workbook.",
    ),
    ProblemType(
        "old-scheme-version",
        ERROR,
        "Workbook of another scheme version",
        "{path}: this workbook answers scheme {scheme} version {value}; the campaign uses version {current}",
        "Send the cluster a new workbook (excelcert generate --cluster {cluster} --force) and ask it to copy its answers over.",
    ),
    ProblemType(
        "metadata-not-its-own",
        ERROR,
        "Metadata of another workbook",
        "{path}: the workbook's signed identification is that of cluster {cluster}, but {detail}: "
        "the hidden identification sheet of one workbook was put into another",
        "Do not import it. Ask the cluster to fill in the original workbook it received and send that.",
    ),
    ProblemType(
        "signature-mismatch",
        ERROR,
        "Workbook altered",
        "{path}: the workbook was altered: its identification does not match its signature ({detail})",
        "Do not import it. Ask the cluster to fill in the original workbook it received, without editing its hidden sheets.",
    ),
    ProblemType(
        "unknown-cluster",
        ERROR,
        "Cluster not in the roster",
        "{path}: the workbook was made for cluster '{value}', which is not in the roster",
        "Add the cluster back to the roster, or check where the file came from.",
    ),
    ProblemType(
        "macro-workbook",
        WARNING,
        "Macro-enabled workbook",
        "the workbook was saved with macros (.xlsm); its values were read and nothing in it was run",
        f"Ask the cluster to save as {XLSX} next time.",
    ),
    # --- intake: answers ---------------------------------------------------------------------
    ProblemType(
        "answer-sheet-missing",
        ERROR,
        "No answers found",
        "no sheet of the workbook holds the indicator rows (ID column with STR-01 ...)",
        "Ask the cluster to fill in the workbook it received without deleting its sheets.",
    ),
    ProblemType(
        "answer-row-missing",
        ERROR,
        "Indicator row missing",
        "the row of indicator {indicator} is missing (deleted?)",
        "Ask the cluster to answer {indicator} in an unchanged copy of the workbook.",
    ),
    ProblemType(
        "answer-id-altered",
        ERROR,
        "Indicator id changed",
        "the indicator id of this row reads '{value}', not {indicator}: it was changed (a hidden character, "
        "other capitals or a space), so the row was not read",
        "Ask the cluster to answer {indicator} in an unchanged copy of the workbook (the id column is locked).",
    ),
    ProblemType(
        "answer-sheet-twice",
        ERROR,
        "Answers on two sheets",
        "the indicator ids appear on two sheets, '{sheet}' and '{other}' (a copy of the answer sheet?): "
        "which one holds the answers cannot be told, so none was read",
        "Delete the copy, keep the one sheet with the answers, and send the workbook again.",
    ),
    ProblemType(
        "answer-row-duplicate",
        ERROR,
        "Indicator answered twice",
        "indicator {indicator} appears twice, with different answers (also at {other})",
        "Keep one row for {indicator} and delete the other.",
    ),
    ProblemType(
        "answer-missing",
        ERROR,
        "Required answer missing",
        "indicator {indicator} ({name}) is not answered",
        "Answer it in the yellow cell.",
    ),
    ProblemType(
        "answer-unreadable",
        ERROR,
        "Unreadable answer",
        "{indicator}: the cell holds '{value}', which cannot be read as an answer",
        "Type the answer again in this cell, as the question asks.",
    ),
    ProblemType(
        "answer-cell-damaged",
        ERROR,
        "Damaged cell",
        "{indicator}: the file's data for this cell cannot be read: {why}",
        "Type the answer again in this cell and save the workbook: Excel or LibreOffice writes the cell anew.",
    ),
    ProblemType(
        "answer-not-a-number",
        ERROR,
        "Not a number",
        "indicator {indicator}: '{value}' is not a number",
        "Type a number, for example 45.",
    ),
    ProblemType(
        "answer-not-whole",
        ERROR,
        "Not a whole number",
        "indicator {indicator}: '{value}' is not a whole number",
        "Type a whole number, for example 45.",
    ),
    ProblemType(
        "answer-out-of-bounds",
        ERROR,
        "Out of range",
        "indicator {indicator}: {value} is outside the range {min} to {max}",
        "Check the figure and the unit the question asks for.",
    ),
    ProblemType(
        "answer-tiny-percent",
        ERROR,
        "Percentage 100 times too small?",
        "indicator {indicator}: {value} % — did you mean {percent} %? (LibreOffice stores 0,45 typed into a "
        "percentage cell as 0.45 %); it was not taken",
        "Type {percent} in the cell (it then shows {percent} %). If {value} % is really meant, say so in the "
        "comment column.",
    ),
    ProblemType(
        "answer-ambiguous-percent",
        WARNING,
        "Percentage read as a fraction",
        "indicator {indicator}: the cell holds {value} without a % sign; it was read as {percent} %",
        "If {value} % was meant, correct the cell to {value} %.",
    ),
    ProblemType(
        "answer-not-yes-no",
        ERROR,
        "Not yes or no",
        "indicator {indicator}: '{value}' is neither yes nor no",
        "Pick Yes or No from the list.",
    ),
    ProblemType(
        "answer-unknown-choice",
        ERROR,
        "Not one of the answers offered",
        "indicator {indicator}: '{value}' is not one of the answers offered",
        "Pick one of the sentences in the cell's list.",
    ),
    ProblemType(
        "answer-not-a-date",
        ERROR,
        "Not a date",
        "indicator {indicator}: '{value}' is not a date",
        "Type the date as 2026-12-31 (or 31/12/2026).",
    ),
    ProblemType(
        "answer-ambiguous-date",
        WARNING,
        "Date read day first",
        "indicator {indicator}: '{value}' was read as {date} (day before month)",
        "If the month comes first, correct the cell to the form 2026-12-31.",
    ),
    ProblemType(
        "answer-formula-not-calculated",
        ERROR,
        "Formula never calculated",
        "indicator {indicator}: the cell holds a formula ({value}) that was never calculated, so its value is unknown",
        "Type the value itself, or open the workbook in Excel or LibreOffice, let it calculate, and save it again.",
    ),
    # --- returns by e-mail, and the mail templates ------------------------------------
    ProblemType(
        "mail-wrong-sender",
        WARNING,
        "Sent from another's address",
        "{path}: this workbook of {expected} came from {sender}, the address the roster gives {owner}",
        "Check with {expected} and {owner} that the right workbook came back from the right sender; "
        "if it did, nothing needs doing.",
    ),
    ProblemType(
        "mail-template-syntax",
        ERROR,
        "Mail template cannot be read",
        "the mail template cannot be read: {detail}",
        "Correct the line named; a variable is written between double braces (see docs/mail.md).",
    ),
    ProblemType(
        "mail-template-no-subject",
        ERROR,
        "Mail template without a subject",
        "the mail template does not start with a 'Subject:' line",
        "Make its first line 'Subject: ...', then an empty line, then the message.",
    ),
    ProblemType(
        "mail-template-unknown-variable",
        ERROR,
        "Unknown variable in a mail template",
        "the mail template uses '{name}', which excelcert does not give a {kind} message",
        "Use one of: {known}.",
    ),
    ProblemType(
        "mail-template-unknown-kind",
        ERROR,
        "Not a mail template",
        "the file name does not say which message it is for",
        "Name it mail-<message>-<language>.txt, the message being one of {kinds}.",
    ),
    # --- peer review: the reviewers roster ---------------------------------------------
    ProblemType(
        "not-a-reviewers-roster",
        ERROR,
        "Not a reviewers roster",
        "{path}: this is not a reviewers roster ({detail})",
        "Start from the reviewers roster `excelcert init` wrote (workbooks/reviewers.xlsx) and copy your reviewers into it.",
    ),
    ProblemType(
        "reviewer-missing-value",
        ERROR,
        "Missing value in the reviewers roster",
        "reviewer {reviewer}: {column} is empty",
        "Fill it in: {why}.",
    ),
    ProblemType(
        "reviewer-bad-value",
        ERROR,
        "Wrong value in the reviewers roster",
        "reviewer {reviewer}: {column} '{value}' is not {expected}",
        "Correct the cell.",
    ),
    ProblemType(
        "reviewer-duplicate-id",
        ERROR,
        "Duplicate reviewer id",
        "reviewer id '{value}' is used more than once (first at {first})",
        "Give each reviewer their own id.",
    ),
    # --- peer review: the assignment ----------------------------------------------------
    ProblemType(
        "not-an-assignment",
        ERROR,
        "Not an assignment",
        "{path}: this is not an assignment of reviewers ({detail})",
        "Edit the assignment workbook `excelcert assign` wrote (output/<campaign>/assignment.xlsx) and read that back.",
    ),
    ProblemType(
        "assign-too-few-eligible",
        ERROR,
        "Too few reviewers can review a cluster",
        "cluster {cluster} ({language}, {country}): reviewers who can review it: {count} ({names}); it needs {needed}",
        "Add reviewers who read '{language}' and have no conflict with it, or lower --per-cluster.",
    ),
    ProblemType(
        "assign-capacity",
        ERROR,
        "Reviewers fully loaded",
        "no reviewer left for cluster {cluster}: every reviewer who could review it ({names}) is at their maximum load",
        "Raise the max_load of one of them, or add a reviewer who reads '{language}'.",
    ),
    ProblemType(
        "assign-no-foreign",
        WARNING,
        "No reviewer from another country",
        "cluster {cluster}: every reviewer assigned is from {country}",
        "Assign a reviewer from another country who reads '{language}' ({names}), if their load allows.",
    ),
    ProblemType(
        "assign-unknown-reviewer",
        ERROR,
        "Not a reviewer of the roster",
        "'{value}' is not a reviewer id of the reviewers roster",
        "Use the reviewer ids of the reviewers roster.",
    ),
    ProblemType(
        "assign-unknown-cluster",
        ERROR,
        "Not a cluster of the roster",
        "'{value}' is not a cluster id of the roster",
        "Use the cluster ids of the roster.",
    ),
    ProblemType(
        "assign-conflict",
        ERROR,
        "Reviewer in conflict",
        "reviewer {reviewer} cannot review cluster {cluster}: {why}",
        "Choose another reviewer; `excelcert assign` proposes one.",
    ),
    ProblemType(
        "assign-overload",
        ERROR,
        "Reviewer over their maximum load",
        "reviewer {reviewer} has {count} clusters, more than their maximum of {max}",
        "Give some of them to another reviewer, or raise max_load in the reviewers roster.",
    ),
    ProblemType(
        "assign-too-few",
        WARNING,
        "Too few reviewers for a cluster",
        "cluster {cluster}: reviewers assigned: {count}, fewer than {needed}",
        "Add a row for another reviewer of this cluster.",
    ),
    ProblemType(
        "assign-duplicate",
        WARNING,
        "Reviewer listed twice",
        "reviewer {reviewer} is listed twice for cluster {cluster}",
        "Delete one of the rows.",
    ),
    # --- peer review: reviews and arbitration received ----------------------------------
    ProblemType(
        "review-unknown-reviewer",
        ERROR,
        "Review from an unknown reviewer",
        "{path}: reviewer '{value}' is not in the reviewers roster",
        "Import reviews only from reviewers of the roster; check the roster if the reviewer was removed.",
    ),
    ProblemType(
        "review-not-assigned",
        ERROR,
        "Review by a reviewer not assigned",
        "{path}: reviewer {reviewer} is not assigned to cluster {cluster}",
        "Check the assignment (`excelcert assign --from FILE`), or ask the reviewer assigned for their review.",
    ),
    ProblemType(
        "review-superseded",
        ERROR,
        "Review of a replaced self-assessment",
        "{path}: this review is of a self-assessment of cluster {cluster} that has since been replaced by a newer one",
        "Send the reviewer a new review workbook (`excelcert generate --reviews`) and ask them to review again.",
    ),
    ProblemType(
        "review-bad-agreement",
        ERROR,
        "Not agree, partly or disagree",
        "indicator {indicator}: '{value}' is not one of {choices}",
        "Pick one from the cell's list.",
    ),
    ProblemType(
        "appreciation-language",
        WARNING,
        "Appreciation in another language",
        "the appreciation seems to be written in {found}, not in {expected}, the cluster's language: '{value}'",
        "The feedback letter quotes it as written: ask the reviewer for a version in {expected}, "
        "or accept it as it is.",
    ),
    ProblemType(
        "review-bad-points",
        ERROR,
        "Points out of range",
        "indicator {indicator}: points '{value}' are not a number from 0 to {max}",
        "Give the points as a number from 0 to {max}.",
    ),
    ProblemType(
        "arbitration-row-altered",
        ERROR,
        "Arbitration row not as excelcert wrote it",
        "cluster '{cluster}', indicator '{value}': this row is not an item excelcert flagged for arbitration "
        "(its cluster, indicator or reason for being flagged was edited, or the row was added); its decision "
        "was not stored",
        "Decide only the rows excelcert wrote, without editing their first columns; for another item, run "
        "`excelcert reconcile` to get a new arbitration workbook.",
    ),
    ProblemType(
        "arbitration-unknown-item",
        ERROR,
        "Not an item to arbitrate",
        "cluster '{cluster}', indicator '{value}' is not an item of this campaign",
        "Keep the cluster and indicator columns as excelcert wrote them.",
    ),
    ProblemType(
        "arbitration-no-reason",
        ERROR,
        "Decision without a reason",
        "cluster {cluster}, indicator {indicator}: a decision without a reason",
        "Write why in the reason column: every decision is kept with its reason. The decision was not stored.",
    ),
    ProblemType(
        "arbitration-no-decider",
        ERROR,
        "Decision without a name",
        "cluster {cluster}, indicator {indicator}: the 'decided by' cell is empty",
        "Write who decided. The decision was not stored.",
    ),
    # --- documents: the Word templates ---------------------------------------------------
    ProblemType(
        "template-not-docx",
        ERROR,
        "Template is not a Word document",
        "this is not a Word document ({detail})",
        "Save the template from Word or LibreOffice Writer as 'Word Document (.docx)'.",
    ),
    ProblemType(
        "template-unknown-kind",
        ERROR,
        "Template of an unknown kind",
        "the file name does not say which document it is",
        "Name it certificate-<lang>.docx, certificate-<label>-<lang>.docx, letter-<lang>.docx or correction-<lang>.docx.",
    ),
    ProblemType(
        "template-unknown-variable",
        ERROR,
        "Unknown variable in a template",
        "the template uses '{value}', which excelcert does not provide for a {kind}",
        "Correct the spelling (excelcert provides: {known}) or remove it.",
    ),
    ProblemType(
        "template-broken-tag",
        ERROR,
        "Broken tag in a template",
        "the tag '{value}' {detail}",
        "Retype the whole tag in one go in Word or Writer, with straight quotes and no formatting inside it.",
    ),
    ProblemType(
        "template-split-tag",
        WARNING,
        "Tag split by Word",
        "the tag '{value}' is stored in {count} pieces (Word split it while it was edited or formatted)",
        "docxtpl joins the pieces, but retype the tag in one go so that what you see is what is rendered.",
    ),
    ProblemType(
        "template-syntax",
        ERROR,
        "Template cannot be read",
        "the template's tags do not form a valid template: {detail}",
        "Check the tags near it: every {{%p for %}} and {{%p if %}} needs its endfor or endif.",
    ),
    ProblemType(
        "template-tag-fails",
        ERROR,
        "A tag of the template fails",
        "a tag of the template cannot be evaluated with the sample values: {detail}",
        "Correct the tag (a sum of a text and a number, a division by zero ...) and check again.",
    ),
]

CATALOGUE: dict[str, ProblemType] = {t.code: t for t in _TYPES}

# Sections of docs/problem-codes.md: (title, first code of the section).
_SECTIONS = [
    ("Files that cannot be read at all", "file-not-found"),
    ("The scheme file as a whole", "not-a-scheme"),
    ("Scheme items and cross-references", "duplicate-id"),
    ("The roster", "not-a-roster"),
    ("Intake: workbooks that are rejected", "not-excelcert"),
    ("Intake: answers", "answer-sheet-missing"),
    ("Returns by e-mail, and the mail templates", "mail-wrong-sender"),
    ("Peer review: the reviewers roster", "not-a-reviewers-roster"),
    ("Peer review: the assignment", "not-an-assignment"),
    ("Peer review: reviews and arbitration received", "review-unknown-reviewer"),
    ("Documents: the Word templates", "template-not-docx"),
]

_DOC_INTRO = """\
# Problem codes

Every stage reports problems from one catalogue (`excelcert/base/problems.py`; this page is
written from it by `python -m excelcert.base.problems`). Each problem has a stable **code**
(for scripts: `--json` prints it), a **severity**, a **message** written for the person
who must act, ending with what to do, and a **place**: a workbook cell (`indicators!D14`),
a whole row (`labels!4:4`), a heading row (`choices!1:1`), or a YAML path with its line
(`indicators.STR-01.type (line 57)`).

- **error**: the file cannot be used as it is; the command exits with code 1.
- **warning**: worth a look, but the file can be used.

A file that cannot be read at all (the first group) is the only problem that stops a
command: it is reported in one line, never as a traceback. Everything else is collected,
so one run lists every mistake.

In the messages below, `{...}` are filled in from the file. With `--json`, each problem
carries these values as they are in `fields` (for example `{"maximum": 100}`), so that a
script can act on a problem without parsing its message, beside `code`, `severity`,
`place` (and its `sheet`, `cell`, `path`, `line`), `indicator`, `value` and `message`.
"""


def catalogue_markdown() -> str:
    """docs/problem-codes.md, from the catalogue."""
    starts = {code: title for title, code in _SECTIONS}
    lines = [_DOC_INTRO]
    for kind in _TYPES:
        if kind.code in starts:
            lines += [
                "",
                f"## {starts[kind.code]}",
                "",
                "| code | severity | message | what to do |",
                "| --- | --- | --- | --- |",
            ]
        cells = [f"`{kind.code}`", kind.severity, kind.template, kind.hint]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(catalogue_markdown(), end="")


# The fields that quote what a file or a person gave (a cell's text, a name, an address):
# quoted shortened, so that a cell of 32,767 characters makes a message one can read, whose
# 'what to do' still fits a workbook's cell. The problem keeps its value whole.
_QUOTED = frozenset(
    {"value", "cluster", "reviewer", "name", "heading", "other", "sender", "found", "country", "language", "lang",
     "owner", "label", "field", "topic", "first"}
)  # fmt: skip
QUOTE_LIMIT = 200


def quoted(value: Any) -> Any:
    """A text given by a file, as a message quotes it: whole up to QUOTE_LIMIT characters,
    else its beginning, '…' and how long it is."""
    if not isinstance(value, str) or len(value) <= QUOTE_LIMIT:
        return value
    return f"{value[: QUOTE_LIMIT - 40]}… ({len(value):,} characters)"


def problem(
    code: str,
    place: Place | None = None,
    *,
    indicator: str | None = None,
    value: Any = None,
    hint: bool = True,
    **fields: Any,
) -> Problem:
    """Build a problem from the catalogue; `fields` fill the message template."""
    kind = CATALOGUE[code]
    values = {"value": value, "indicator": indicator, **fields}
    values = {k: quoted(v) if k in _QUOTED else v for k, v in values.items()}
    message = kind.template.format(**values)
    if hint and kind.hint:
        message = f"{message}. {kind.hint.format(**values)}"
    return Problem(code, kind.severity, message, place, indicator, value, fields)


class UnreadableFile(Exception):
    """A file that cannot be read at all: the only problem that is raised."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


@dataclass
class Report:
    """Problems collected by one stage, in the order found."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, item: Problem) -> None:
        self.problems.append(item)

    def extend(self, items: Iterable[Problem]) -> None:
        self.problems.extend(items)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def sort(self, sheet_order: tuple[str, ...] = ()) -> None:
        """Order problems by place; problems without a place (whole file) come first."""
        self.problems.sort(key=lambda p: place_sort_key(p.place, sheet_order))

    def flatten(self, *keys: str) -> list[tuple[Any, ...]]:
        """Compact tuples for assertions, e.g. flatten("code", "place")."""
        keys = keys or ("code", "place")
        return [tuple(str(p.place) if k == "place" else getattr(p, k) for k in keys) for p in self.problems]

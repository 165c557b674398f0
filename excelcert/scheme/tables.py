"""The flat form both scheme files are read into: tables of rows of fields with places.

The workbook form is already flat (one sheet per table, one row per item, language
columns as `name::fr`); the YAML form is flattened into the same tables by
`yaml_form`. One builder then turns tables into a `Scheme`, so both forms are checked
by the same code and every problem points at the cell or YAML path it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from excelcert.base.problems import Place

LANG_SEP = "::"

# Each table's columns, in the order the workbook form writes them. `x::*` stands for
# one column per language (`name::en`, `name::fr`, ...).
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "settings": (
        "id",
        "version",
        "title::*",
        "languages",
        "default_language",
        "max_points",
        "validity_months",
        "renewal_grace_months",
    ),
    "categories": ("id", "order", "colour", "name::*"),
    "indicators": (
        "id",
        "category",
        "name::*",
        "question::*",
        "guidance::*",
        "evidence::*",
        "type",
        "list",
        "unit::*",
        "min",
        "max",
        "required",
        "eligibility",
        "met_min",
        "met_max",
        "met_choices",
        "tolerance",
        "topics",
    ),
    "scoring": ("indicator", "from", "choice", "points"),
    "choices": ("list_name", "value", "label::*"),
    "labels": ("id", "order", "name::*", "min_percent", "eligibility", "reviewed", "must_meet"),
    "topics": ("id", "kind", "title::*", "description::*", "link"),
}
REQUIRED_TABLES = ("settings", "categories", "indicators", "labels")
# Per-language columns that must be present for every declared language.
REQUIRED_TEXT_COLUMNS: dict[str, tuple[str, ...]] = {
    "settings": ("title",),
    "categories": ("name",),
    "topics": ("title",),
    "indicators": ("name", "question"),
    "choices": ("label",),
    "labels": ("name",),
}
# Columns that must be present in a table (their values may still be optional).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "settings": ("id", "version", "languages"),
    "categories": ("id",),
    "indicators": ("id", "category", "type"),
    "scoring": ("indicator", "points"),
    "choices": ("list_name", "value"),
    "labels": ("id", "order"),
    "topics": ("id",),
}


def columns_for(table: str, languages: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for column in TABLE_COLUMNS[table]:
        if column.endswith(LANG_SEP + "*"):
            base = column[: -len(LANG_SEP + "*")]
            out.extend(f"{base}{LANG_SEP}{lang}" for lang in languages)
        else:
            out.append(column)
    return out


def split_language(column: str) -> tuple[str, str | None]:
    """`question::fr` -> ("question", "fr"); `type` -> ("type", None)."""
    if LANG_SEP in column:
        base, lang = column.split(LANG_SEP, 1)
        return base.strip(), lang.strip()
    return column, None


def is_known_column(table: str, column: str) -> bool:
    base, lang = split_language(column)
    pattern = f"{base}{LANG_SEP}*" if lang is not None else base
    return pattern in TABLE_COLUMNS[table]


@dataclass(frozen=True)
class Field:
    value: Any
    place: Place
    percent: bool = False  # the cell is formatted as a percentage (shows 80 %, holds 0.8)


@dataclass
class Row:
    table: str
    place: Place  # the whole row (workbook) or item (YAML)
    fields: dict[str, Field] = field(default_factory=dict)

    def get(self, column: str) -> Field:
        """The field, or an empty one placed where it belongs (a cell or a YAML path)."""
        found = self.fields.get(column)
        if found is not None:
            return found
        if self.place.path is not None:  # YAML: the key that is missing under this item
            return Field(None, Place(path=f"{self.place.path}.{column.replace(LANG_SEP, '.')}", line=self.place.line))
        return Field(None, self.place)

    def value(self, column: str) -> Any:
        return self.get(column).value

    def is_blank(self) -> bool:
        return all(_blank(f.value) for f in self.fields.values())


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class Table:
    name: str
    place: Place  # the sheet, or the YAML section
    columns: dict[str, Place] = field(default_factory=dict)  # column -> heading place
    rows: list[Row] = field(default_factory=list)


Tables = dict[str, Table]

"""Turn scheme tables into a `Scheme`, reporting every mistake with its place.

`build_scheme` never stops at the first problem: it parses what it can, skips what it
cannot, then runs the cross-reference checks (`_Checker`) on the model it built. The
caller decides what to do with a scheme whose report has errors.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal, TypedDict, overload

from excelcert.base.problems import Place, Report, problem
from excelcert.base.sheetwriter import unwritable
from excelcert.scheme.model import (
    ANSWER_TYPES,
    REQUIRED_TEXT_FIELDS,
    SELECT_MULTIPLE,
    SELECT_ONE,
    YES_NO,
    Band,
    Category,
    Choice,
    ChoiceList,
    Indicator,
    LabelRule,
    Scheme,
    Scoring,
    Threshold,
    Topic,
)
from excelcert.scheme.tables import (
    LANG_SEP,
    REQUIRED_COLUMNS,
    REQUIRED_TABLES,
    REQUIRED_TEXT_COLUMNS,
    TABLE_COLUMNS,
    Row,
    Table,
    Tables,
    is_known_column,
    split_language,
)

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
COLOUR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
TOPIC_KINDS = ("training", "case-study")
LINK_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)  # a topic's link: a web address
_TRUE = {"yes", "true", "1", "y"}
_FALSE = {"no", "false", "0", "n"}
_NUMBER_TEXT = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")

_Key = tuple[str | int, ...]  # where an item came from: ("indicators", "STR-01"), ("scoring", "STR-01", "band", 0)


@dataclass
class BuildResult:
    scheme: Scheme
    report: Report


def build_scheme(tables: Tables, report: Report | None = None) -> BuildResult:
    builder = _Builder(tables, report if report is not None else Report())
    _refuse_unwritable(tables, builder.report)
    scheme = builder.build()
    _Checker(scheme, builder).run()
    return BuildResult(scheme, builder.report)


def _refuse_unwritable(tables: Tables, report: Report) -> None:
    """A text no workbook or Word document can hold (a lone surrogate, U+FFFE, U+FFFF: YAML's
    escapes write them) is an error at its place, whichever field holds it: every text of the
    scheme is written into the clusters' workbooks or documents, which could not be written."""
    for table in tables.values():
        for row in table.rows:
            for item in row.fields.values():
                char = unwritable(item.value) if isinstance(item.value, str) else None
                if char:
                    report.add(problem("scheme-unwritable-character", item.place, char=char))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _clean_number(value: float) -> float | int:
    """15.0 -> 15, 0.30000000000000004 -> 0.3: what the person typed."""
    value = round(value, 9)
    return int(value) if value == int(value) else value


def plain_number(value: float | None) -> str:
    """A number as the scheme's text form writes it: 12, 12.5, 0.001 (no locale, no trailing zeros)."""
    if value is None:
        return ""
    value = _clean_number(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


class _Settings(TypedDict):
    id: str | None
    version: str | None
    title: dict[str, str]
    default_language: str | None
    max_points: float | None
    validity_months: int | None
    renewal_grace_months: int | None


class _Builder:
    def __init__(self, tables: Tables, report: Report):
        self.tables = tables
        self.report = report
        self.rows_by_key: dict[_Key, Row] = {}
        self.languages: tuple[str, ...] = ()

    # --- places ------------------------------------------------------------------
    def remember(self, key: _Key, row: Row) -> None:
        """Keep the row an item came from, so checks can name any of its fields' places."""
        self.rows_by_key[key] = row

    def at(self, *key: str | int) -> Place | None:
        """The place of an item's field (`at("indicators", "STR-01", "list")`), else of the item."""
        for end in range(len(key), 0, -1):
            row = self.rows_by_key.get(key[:end])
            if row is not None:
                column = key[end] if end < len(key) else None
                return row.get(column).place if isinstance(column, str) else row.place
        return None

    def add(self, code: str, place: Place | None, **fields: Any) -> None:
        self.report.add(problem(code, place, **fields))

    # --- field parsers -------------------------------------------------------------
    def text(self, row: Row, column: str, what: str, required: bool = False) -> str | None:
        item = row.get(column)
        if _blank(item.value):
            if required:
                self.add("missing-value", item.place, what=what)
            return None
        value = item.value
        if isinstance(value, float):
            value = plain_number(value)
        return str(value).replace("\r\n", "\n").strip()

    def identifier(self, row: Row, column: str, what: str, required: bool = True) -> str | None:
        value = self.text(row, column, what, required)
        if value is None:
            return None
        if not ID_RE.match(value):
            self.add("bad-identifier", row.get(column).place, what=what, value=value)
            return None
        return value

    @overload
    def number(self, row: Row, column: str, what: str, integer: Literal[True]) -> int | None: ...

    @overload
    def number(self, row: Row, column: str, what: str, integer: Literal[False] = False) -> float | None: ...

    def number(self, row: Row, column: str, what: str, integer: bool = False) -> float | None:
        item = row.get(column)
        value = item.value
        if _blank(value):
            return None
        if isinstance(value, bool):
            self.add("not-a-number", item.place, what=what, value=value)
            return None
        if isinstance(value, (int, float)):
            number = float(value) * 100 if item.percent else float(value)
        else:
            parsed = _number_from_text(str(value))
            if parsed is None:
                self.add("not-a-number", item.place, what=what, value=value)
                return None
            number = parsed
        if not math.isfinite(number):
            self.add("not-a-number", item.place, what=what, value=value)
            return None
        cleaned = _clean_number(number)
        if integer and not isinstance(cleaned, int):
            self.add("not-an-integer", item.place, what=what, value=value)
            return None
        return cleaned

    def boolean(self, row: Row, column: str, what: str, default: bool) -> bool:
        item = row.get(column)
        value = item.value
        if _blank(value):
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        word = str(value).strip().casefold()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        self.add("not-yes-no", item.place, what=what, value=value)
        return default

    def id_list(self, row: Row, column: str, what: str) -> tuple[str, ...]:
        item = row.get(column)
        value = item.value
        if _blank(value):
            return ()
        words = (
            [str(v).strip() for v in value]
            if isinstance(value, (list, tuple))
            else re.split(r"[\s,;]+", str(value).strip())
        )
        out: list[str] = []
        for word in words:
            if not word:
                continue
            if not ID_RE.match(word):
                self.add("bad-identifier", item.place, what=what, value=word)
                continue
            if word not in out:
                out.append(word)
        return tuple(out)

    def texts(self, row: Row, base: str, what: str, required: bool) -> dict[str, str]:
        """The per-language texts of one field; every declared language or none."""
        out: dict[str, str] = {}
        for lang in self.languages:
            value = self.text(row, f"{base}{LANG_SEP}{lang}", what)
            if value:
                out[lang] = value
        table = self.tables.get(row.table)
        if required or out:
            for lang in self.languages:
                column = f"{base}{LANG_SEP}{lang}"
                if (
                    table is not None
                    and table.place.sheet is not None
                    and column not in table.columns
                    and base in REQUIRED_TEXT_COLUMNS.get(row.table, ())
                ):
                    continue  # the whole column is missing: reported once as missing-column
                if lang not in out:
                    self.add(
                        "missing-text", row.get(f"{base}{LANG_SEP}{lang}").place, what=f"{what}: {base}", lang=lang
                    )
        return out

    # --- tables --------------------------------------------------------------------
    def table(self, name: str) -> Table | None:
        return self.tables.get(name)

    def rows(self, name: str) -> list[Row]:
        table = self.tables.get(name)
        return [r for r in table.rows if not r.is_blank()] if table else []

    def items(self, table: str, noun: str) -> Iterable[tuple[int, str, Row]]:
        """(position, id, row) for each row of `table` with a valid id not seen before."""
        seen: dict[str, Place] = {}
        for position, row in enumerate(self.rows(table), start=1):
            item_id = self.identifier(row, "id", f"{noun}: id")
            if item_id is None or not self.unique(seen, item_id, row.get("id").place, noun):
                continue
            self.remember((table, item_id), row)
            yield position, item_id, row

    def unique(self, seen: dict[str, Place], key: str, place: Place, what: str) -> bool:
        if key in seen:
            self.add("duplicate-id", place, what=what, value=key, first=seen[key])
            return False
        seen[key] = place
        return True

    # --- build ---------------------------------------------------------------------
    def build(self) -> Scheme:
        for name in REQUIRED_TABLES:
            if name not in self.tables:
                kind = "section" if self._is_yaml() else "sheet"
                self.add("missing-table", None, table=name, kind=kind)
        settings = self._settings()
        for table in self.tables.values():
            self._check_columns(table)
        categories = self._categories()
        topics = self._topics()
        lists = self._choice_lists()
        indicators = self._indicators()
        labels = self._labels()
        return Scheme(
            id=settings["id"] or "",
            version=settings["version"] or "",
            title=settings["title"],
            languages=self.languages,
            default_language=settings["default_language"] or "",
            max_points=settings["max_points"] if settings["max_points"] is not None else 0,
            categories=tuple(sorted(categories, key=lambda c: c.order)),
            indicators=tuple(indicators),
            choice_lists=lists,
            labels=tuple(sorted(labels, key=lambda rule: rule.order)),
            topics=tuple(topics),
            validity_months=settings["validity_months"],
            renewal_grace_months=settings["renewal_grace_months"],
        )

    def _is_yaml(self) -> bool:
        return any(t.place.path is not None for t in self.tables.values())

    def _settings(self) -> _Settings:
        rows = self.rows("settings")
        row = (
            rows[0]
            if rows
            else Row("settings", self.tables["settings"].place if "settings" in self.tables else Place())
        )
        self.remember(("settings",), row)
        languages: list[str] = []
        lang_field = row.get("languages")
        for lang in self.id_list(row, "languages", "settings: languages"):
            if not LANG_RE.match(lang):
                self.add("unknown-language", lang_field.place, value=lang)
            elif lang not in languages:
                languages.append(lang)
        if not languages and "settings" in self.tables:
            self.add("missing-value", lang_field.place, what="settings: languages")
        self.languages = tuple(languages)
        default = self.text(row, "default_language", "settings: default_language")
        if default is None and languages:
            default = languages[0]
        elif default is not None and languages and default not in languages:
            self.add(
                "default-language-undeclared",
                row.get("default_language").place,
                value=default,
                languages=", ".join(languages),
            )
        if "settings" not in self.tables:
            return {
                "id": None,
                "version": None,
                "title": {},
                "default_language": default,
                "max_points": None,
                "validity_months": None,
                "renewal_grace_months": None,
            }
        max_points = self.number(row, "max_points", "settings: max_points")
        if max_points is None and _blank(row.value("max_points")):
            self.add("missing-value", row.get("max_points").place, what="settings: max_points")
        validity = self.months(row, "validity_months", 1, 120)
        grace = self.months(row, "renewal_grace_months", 0, 60)
        if (grace if grace is not None else 12) >= (validity or 24):
            self.add(
                "grace-not-below-validity",
                row.get("renewal_grace_months").place,
                grace=grace if grace is not None else 12,
                validity=validity or 24,
            )
        return {
            "id": self.identifier(row, "id", "settings: id"),
            "version": self.text(row, "version", "settings: version", required=True),
            "title": self.texts(row, "title", "settings", required=True),
            "default_language": default,
            "max_points": max_points,
            "validity_months": validity,
            "renewal_grace_months": grace,
        }

    def months(self, row: Row, column: str, minimum: int, maximum: int) -> int | None:
        """A number of months in settings, within [minimum, maximum]; None when empty or wrong."""
        what = f"settings: {column}"
        months = self.number(row, column, what, integer=True)
        if months is not None and not minimum <= months <= maximum:
            self.add(
                "months-out-of-range", row.get(column).place, what=what, value=months, minimum=minimum, maximum=maximum
            )
            return None
        return months

    def _check_columns(self, table: Table) -> None:
        if table.name not in TABLE_COLUMNS:
            return
        for column, place in table.columns.items():
            base, lang = split_language(column)
            if not is_known_column(table.name, column):
                expected = ", ".join(TABLE_COLUMNS[table.name])
                self.add("unknown-column", place, column=column, expected=expected)
            elif lang is not None and self.languages and lang not in self.languages:
                self.add(
                    "unknown-language-column", place, column=column, lang=lang, languages=", ".join(self.languages)
                )
        if table.place.sheet is not None:
            required = list(REQUIRED_COLUMNS.get(table.name, ()))
            required += [
                f"{base}{LANG_SEP}{lang}"
                for base in REQUIRED_TEXT_COLUMNS.get(table.name, ())
                for lang in self.languages
            ]
            for column in required:
                if column not in table.columns:
                    self.add("missing-column", Place(table.place.sheet, "1:1"), column=column)

    def _categories(self) -> list[Category]:
        out: list[Category] = []
        for position, cid, row in self.items("categories", "category"):
            what = f"category {cid}"
            order = self.number(row, "order", f"{what}: order", integer=True)
            colour = self.text(row, "colour", f"{what}: colour")
            if colour is not None and not COLOUR_RE.match(colour):
                self.add("bad-colour", row.get("colour").place, what=f"{what}: colour", value=colour)
                colour = None
            out.append(
                Category(
                    cid,
                    order if order is not None else position,
                    self.texts(row, "name", what, required=True),
                    colour.upper() if colour else None,
                )
            )
        return out

    def _topics(self) -> list[Topic]:
        out: list[Topic] = []
        for _, tid, row in self.items("topics", "topic"):
            kind = self.text(row, "kind", f"topic {tid}: kind") or "training"
            if kind not in TOPIC_KINDS:
                self.add(
                    "bad-value",
                    row.get("kind").place,
                    what=f"topic {tid}: kind",
                    detail=f"'{kind}' is neither {' nor '.join(TOPIC_KINDS)}",
                )
                kind = "training"
            link = self.text(row, "link", f"topic {tid}: link") or ""
            if link and not LINK_RE.match(link):
                self.add("bad-link", row.get("link").place, topic=tid, value=link)
                link = ""
            out.append(
                Topic(
                    tid,
                    kind,
                    self.texts(row, "title", f"topic {tid}", required=True),
                    self.texts(row, "description", f"topic {tid}", required=False),
                    link,
                )
            )
        return out

    def _choice_lists(self) -> dict[str, ChoiceList]:
        grouped: dict[str, list[Choice]] = {}
        seen: dict[tuple[str, str], Place] = {}
        for row in self.rows("choices"):
            name = self.identifier(row, "list_name", "choice: list_name")
            value = self.identifier(row, "value", "choice: value")
            if name is None or value is None:
                continue
            if (name, value) in seen:
                self.add(
                    "duplicate-id",
                    row.get("value").place,
                    what=f"choice of list {name}",
                    value=value,
                    first=seen[(name, value)],
                )
                continue
            seen[(name, value)] = row.get("value").place
            if name not in grouped:
                self.remember(("choices", name), row)
            self.remember(("choices", name, value), row)
            grouped.setdefault(name, []).append(
                Choice(value, self.texts(row, "label", f"choice {name}/{value}", required=True))
            )
        return {name: ChoiceList(name, tuple(choices)) for name, choices in grouped.items()}

    def _indicators(self) -> list[Indicator]:
        scoring = self._scoring()
        out: list[Indicator] = []
        for _, iid, row in self.items("indicators", "indicator"):
            what = f"indicator {iid}"
            kind = self.text(row, "type", f"{what}: type", required=True)
            if kind is not None:
                kind = kind.casefold()
                if kind not in ANSWER_TYPES:
                    self.add(
                        "unknown-answer-type",
                        row.get("type").place,
                        indicator=iid,
                        value=row.get("type").value,
                        expected=", ".join(ANSWER_TYPES),
                    )
                    kind = None
            met_min = self.number(row, "met_min", f"{what}: met_min")
            met_max = self.number(row, "met_max", f"{what}: met_max")
            met_choices = self.id_list(row, "met_choices", f"{what}: met_choices")
            met = (
                Threshold(met_min, met_max, met_choices)
                if (met_min is not None or met_max is not None or met_choices)
                else None
            )
            texts = {
                f: self.texts(row, f, what, required=f in REQUIRED_TEXT_FIELDS)
                for f in ("name", "question", "guidance", "evidence", "unit")
            }
            out.append(
                Indicator(
                    id=iid,
                    category=self.text(row, "category", f"{what}: category", required=True) or "",
                    type=kind or "",
                    list=self.text(row, "list", f"{what}: list"),
                    min=self.number(row, "min", f"{what}: min"),
                    max=self.number(row, "max", f"{what}: max"),
                    required=self.boolean(row, "required", f"{what}: required", True),
                    eligibility=self.boolean(row, "eligibility", f"{what}: eligibility", False),
                    met=met,
                    scoring=scoring.get(iid, Scoring()),
                    tolerance=self.number(row, "tolerance", f"{what}: tolerance"),
                    topics=self.id_list(row, "topics", f"{what}: topics"),
                    **texts,
                )
            )
        known = {ind.id for ind in out}
        for iid, place in self._scoring_owners.items():
            if iid not in known:
                self.add("unknown-indicator", place, what="a scoring row", value=iid)
        return out

    def _scoring(self) -> dict[str, Scoring]:
        bands: dict[str, list[Band]] = {}
        choices: dict[str, dict[str, float]] = {}
        self._scoring_owners: dict[str, Place] = {}
        for row in self.rows("scoring"):
            iid = self.text(row, "indicator", "scoring: indicator", required=True)
            if iid is None:
                continue
            self._scoring_owners.setdefault(iid, row.get("indicator").place)
            what = f"scoring of {iid}"
            points = self.number(row, "points", f"{what}: points")
            if points is None:
                if _blank(row.value("points")):
                    self.add("missing-value", row.get("points").place, what=f"{what}: points")
                continue
            if points < 0:
                self.add("negative-points", row.get("points").place, what=what, value=points)
                continue
            start = self.number(row, "from", f"{what}: from")
            choice = self.text(row, "choice", f"{what}: choice")
            if (start is None) == (choice is None):
                if not (start is None and not _blank(row.value("from"))):
                    self.add(
                        "bad-value",
                        row.place,
                        what=what,
                        detail="give either 'from' (a threshold) or 'choice' (a choice value), not both",
                    )
                continue
            if start is not None:
                n = len(bands.setdefault(iid, []))
                self.remember(("scoring", iid, "band", n), row)
                bands[iid].append(Band(start, points))
            else:
                assert choice is not None
                choice = choice.casefold() if choice.casefold() in ("yes", "no") else choice
                if choice in choices.setdefault(iid, {}):
                    self.add(
                        "duplicate-id",
                        row.get("choice").place,
                        what=f"{what}: choice",
                        value=choice,
                        first=self.at("scoring", iid, "choice", choice),
                    )
                    continue
                self.remember(("scoring", iid, "choice", choice), row)
                choices[iid][choice] = points
        return {iid: Scoring(tuple(bands.get(iid, ())), choices.get(iid, {})) for iid in set(bands) | set(choices)}

    def _labels(self) -> list[LabelRule]:
        out: list[LabelRule] = []
        orders: dict[str, Place] = {}
        for position, lid, row in self.items("labels", "label"):
            what = f"label {lid}"
            order = self.number(row, "order", f"{what}: order", integer=True)
            if order is None:
                order = position
            elif not self.unique(orders, str(order), row.get("order").place, "label order"):
                continue
            share = self.number(row, "min_percent", f"{what}: min_percent")
            if share is not None and not 0 <= share <= 100:
                self.add(
                    "percent-out-of-range",
                    row.get("min_percent").place,
                    what=f"{what}: min_percent",
                    value=plain_number(share),
                )
                share = None
            out.append(
                LabelRule(
                    id=lid,
                    order=order,
                    name=self.texts(row, "name", what, required=True),
                    min_percent=share or 0,
                    eligibility=self.boolean(row, "eligibility", f"{what}: eligibility", True),
                    reviewed=self.boolean(row, "reviewed", f"{what}: reviewed", True),
                    must_meet=self.id_list(row, "must_meet", f"{what}: must_meet"),
                )
            )
        return out


def _number_from_text(text: str) -> float | None:
    """'80 %', '0,5', ' 15 ' -> numbers; anything else -> None (never a guess)."""
    cleaned = text.replace("\u00a0", " ").replace("\u202f", " ").strip()
    if cleaned.endswith("%"):
        cleaned = cleaned[:-1].strip()
    if not _NUMBER_TEXT.match(cleaned):
        return None
    return float(cleaned.replace(",", "."))


class _Checker:
    """Cross-reference rules on a built scheme, reported at the places recorded."""

    def __init__(self, scheme: Scheme, builder: _Builder):
        self.scheme = scheme
        self.b = builder

    def add(self, code: str, *key: str | int, **fields: Any) -> None:
        self.b.add(code, self.b.at(*key), **fields)

    def run(self) -> None:
        categories = {c.id for c in self.scheme.categories}
        topics = {t.id for t in self.scheme.topics}
        used_lists: set[str] = set()
        for ind in self.scheme.indicators:
            self._indicator(ind, categories, topics, used_lists)
        for name, choice_list in self.scheme.choice_lists.items():
            if len(choice_list.choices) < 2:
                self.add("empty-choice-list", "choices", name, value=name)
            if name not in used_lists and name != YES_NO:
                self.add("unused-choice-list", "choices", name, "list_name", value=name)
        referenced = {t for ind in self.scheme.indicators for t in ind.topics}
        for topic in self.scheme.topics:
            if topic.id not in referenced:
                self.add("unused-topic", "topics", topic.id, "id", value=topic.id)
        self._labels()
        self._points_total()

    def _indicator(self, ind: Indicator, categories: set[str], topics: set[str], used_lists: set[str]) -> None:
        key = ("indicators", ind.id)
        if ind.category and ind.category not in categories:
            self.add("unknown-category", *key, "category", indicator=ind.id, value=ind.category)
        for topic in ind.topics:
            if topic not in topics:
                self.add("unknown-topic", *key, "topics", indicator=ind.id, value=topic)
        if not ind.type:
            return  # unknown or missing type: already reported, nothing more to check
        choices = self._choice_values(ind, used_lists)
        if not ind.is_numeric:
            for column, value in (("min", ind.min), ("max", ind.max)):
                if value is not None:
                    self.add("bounds-not-numeric", *key, column, indicator=ind.id, type=ind.type, field=column)
            if ind.tolerance is not None:
                self.add("tolerance-not-numeric", *key, "tolerance", indicator=ind.id, type=ind.type)
        elif ind.min is not None and ind.max is not None and ind.min > ind.max:
            self.add(
                "bounds-reversed", *key, "min", indicator=ind.id, min=plain_number(ind.min), max=plain_number(ind.max)
            )
        if ind.tolerance is not None and ind.tolerance < 0:
            self.add(
                "bad-value",
                *key,
                "tolerance",
                what=f"indicator {ind.id}: tolerance",
                detail=f"{plain_number(ind.tolerance)} is negative",
            )
        self._scoring(ind, choices)
        self._threshold(ind, choices)

    def _choice_values(self, ind: Indicator, used_lists: set[str]) -> tuple[str, ...] | None:
        key = ("indicators", ind.id, "list")
        if ind.type in (SELECT_ONE, SELECT_MULTIPLE):
            if not ind.list:
                self.add("missing-choice-list", *key, indicator=ind.id, type=ind.type)
                return None
            used_lists.add(ind.list)
            found = self.scheme.choice_list(ind.list)
            if found is None:
                self.add("unknown-choice-list", *key, indicator=ind.id, value=ind.list)
                return None
            return found.values
        if ind.list:
            self.add("unexpected-choice-list", *key, indicator=ind.id, type=ind.type, value=ind.list)
        if ind.type == YES_NO:
            used_lists.add(YES_NO)
            return self.scheme.choice_list(YES_NO).values
        return None

    def _scoring(self, ind: Indicator, choices: tuple[str, ...] | None) -> None:
        scoring = ind.scoring
        if ind.is_numeric:
            expected = "bands"
        elif ind.is_choice:
            expected = "choice points"
        else:
            expected = None
        if scoring.kind is None:
            if expected is not None and not ind.eligibility:  # eligibility-only: no points by design
                self.add("unscored-indicator", "indicators", ind.id, indicator=ind.id)
            return
        if scoring.bands and scoring.choices:
            self.add(
                "bad-value",
                "scoring",
                ind.id,
                "band",
                0,
                what=f"scoring of {ind.id}",
                detail="an indicator is scored by bands or by choice points, not both",
            )
            return
        if scoring.kind != expected:
            first = (
                ("scoring", ind.id, "band", 0)
                if scoring.bands
                else ("scoring", ind.id, "choice", next(iter(scoring.choices)))
            )
            self.add(
                "scoring-kind-mismatch",
                *first,
                indicator=ind.id,
                type=ind.type,
                kind=scoring.kind,
                expected=expected or "nothing (it earns no points)",
            )
            return
        if scoring.choices and choices is not None:
            for value in scoring.choices:
                if value not in choices:
                    self.add(
                        "unknown-choice",
                        "scoring",
                        ind.id,
                        "choice",
                        value,
                        "choice",
                        indicator=ind.id,
                        value=value,
                        list=ind.list or YES_NO,
                        expected=", ".join(choices),
                    )
        previous: Band | None = None
        for n, band in enumerate(scoring.bands):
            place = ("scoring", ind.id, "band", n, "from")
            if previous is not None and band.start == previous.start:
                self.add("bands-overlap", *place, indicator=ind.id, value=plain_number(band.start))
            elif previous is not None and band.start < previous.start:
                self.add(
                    "bands-out-of-order",
                    *place,
                    indicator=ind.id,
                    value=plain_number(band.start),
                    previous=plain_number(previous.start),
                )
            previous = band
        self._bands_within_bounds(ind)

    def _bands_within_bounds(self, ind: Indicator) -> None:
        bands = ind.scoring.bands
        starts = [b.start for b in bands]
        if starts != sorted(set(starts)):
            return  # order problems already reported; reachability is meaningless
        low = ind.min if ind.min is not None else -math.inf
        high = ind.max if ind.max is not None else math.inf
        for n, band in enumerate(bands):
            end = bands[n + 1].start if n + 1 < len(bands) else math.inf
            if band.start > high or end <= low:
                self.add(
                    "band-outside-bounds",
                    "scoring",
                    ind.id,
                    "band",
                    n,
                    "from",
                    indicator=ind.id,
                    value=plain_number(band.start),
                    min=plain_number(ind.min) or "-",
                    max=plain_number(ind.max) or "-",
                )

    def _threshold(self, ind: Indicator, choices: tuple[str, ...] | None) -> None:
        met = ind.met
        key = ("indicators", ind.id)
        if met is None:
            if ind.eligibility:
                self.add("missing-threshold", *key, "eligibility", indicator=ind.id, why="an eligibility criterion")
            return
        if ind.is_numeric and met.choices:
            self.add(
                "threshold-kind-mismatch",
                *key,
                "met_choices",
                indicator=ind.id,
                type=ind.type,
                expected="met_min or met_max",
                kind="met_choices",
            )
        elif ind.is_choice and met.kind == "met_min/met_max":
            column = "met_min" if met.min is not None else "met_max"
            self.add(
                "threshold-kind-mismatch",
                *key,
                column,
                indicator=ind.id,
                type=ind.type,
                expected="met_choices",
                kind=column,
            )
        elif not ind.is_numeric and not ind.is_choice:
            column = "met_choices" if met.choices else ("met_min" if met.min is not None else "met_max")
            self.add(
                "threshold-kind-mismatch",
                *key,
                column,
                indicator=ind.id,
                type=ind.type,
                expected="not possible (text and date answers are not checked)",
                kind=column,
            )
        if met.choices and choices is not None:
            for value in met.choices:
                if value not in choices:
                    self.add(
                        "unknown-choice",
                        *key,
                        "met_choices",
                        indicator=ind.id,
                        value=value,
                        list=ind.list or YES_NO,
                        expected=", ".join(choices),
                    )
        if met.min is not None and met.max is not None and met.min > met.max:
            self.add(
                "bounds-reversed",
                *key,
                "met_min",
                indicator=ind.id,
                min=plain_number(met.min),
                max=plain_number(met.max),
            )

    def _labels(self) -> None:
        if not self.scheme.labels:
            if "labels" in self.b.tables:
                self.b.add("no-labels", self.b.tables["labels"].place)
            return
        known = {i.id: i for i in self.scheme.indicators}
        for rule in self.scheme.labels:
            for iid in rule.must_meet:
                if iid not in known:
                    self.add(
                        "unknown-indicator",
                        "labels",
                        rule.id,
                        "must_meet",
                        what=f"label {rule.id}: must_meet",
                        value=iid,
                    )
                elif known[iid].met is None and known[iid].type:
                    self.add("missing-threshold", "indicators", iid, indicator=iid, why=f"required by label {rule.id}")
        ranked = self.scheme.labels_by_rank(lowest_first=True)
        for lower, higher in pairwise(ranked):
            for column, detail in _weaker(higher, lower):
                self.add(
                    "label-weaker-than-lower",
                    "labels",
                    higher.id,
                    column,
                    label=higher.id,
                    order=higher.order,
                    lower=lower.id,
                    lower_order=lower.order,
                    detail=detail,
                )

    def _points_total(self) -> None:
        if "settings" not in self.b.tables or not self.scheme.max_points:
            return
        if any(not ind.type for ind in self.scheme.indicators):
            return  # an indicator without a valid type has no known maximum: fix that first
        total = self.scheme.total_points
        if not math.isclose(total, self.scheme.max_points, abs_tol=1e-9):
            per_category = [f"{c.id} {plain_number(self.scheme.category_points(c.id))}" for c in self.scheme.categories]
            known = {c.id for c in self.scheme.categories}
            stray = sum(i.max_points for i in self.scheme.indicators if i.category not in known)
            if stray:
                per_category.append(f"without a known category {plain_number(stray)}")
            self.add(
                "points-total-mismatch",
                "settings",
                "max_points",
                total=plain_number(total),
                declared=plain_number(self.scheme.max_points),
                detail=", ".join(per_category) or "no categories",
            )


def _weaker(higher: LabelRule, lower: LabelRule) -> Iterable[tuple[str, str]]:
    """(column, what is weaker) for each way `higher` demands less than `lower`."""
    if higher.min_percent < lower.min_percent:
        yield (
            "min_percent",
            (
                f"it needs {plain_number(higher.min_percent)} % of the points, "
                f"'{lower.id}' needs {plain_number(lower.min_percent)} %"
            ),
        )
    if lower.eligibility and not higher.eligibility:
        yield "eligibility", f"it does not require the eligibility criteria, '{lower.id}' does"
    if lower.reviewed and not higher.reviewed:
        yield "reviewed", f"it does not require a reviewed assessment, '{lower.id}' does"
    missing = [i for i in lower.must_meet if i not in higher.must_meet]
    if missing:
        yield "must_meet", f"it does not require {', '.join(missing)} to be met, '{lower.id}' does"

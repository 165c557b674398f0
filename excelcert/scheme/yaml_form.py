"""The text form of a scheme: YAML that reads well in a diff.

Reading flattens the nested YAML into the same tables as the workbook form, each field
carrying its YAML path and line (`indicators.STR-01.type (line 57)`). The loader is
YAML 1.2-like for booleans: only `true`/`false` are booleans, so `yes`, `no` and the
language code `no` (Norwegian) stay text. Anchors and aliases are refused (they are
how "billion laughs" bombs are built, and a scheme never needs them).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from excelcert.base.problems import Place, Problem, UnreadableFile, problem
from excelcert.scheme.model import Scheme
from excelcert.scheme.tables import LANG_SEP, TABLE_COLUMNS, Field, Row, Table, Tables

MAX_YAML_BYTES = 5 * 1024 * 1024
SECTIONS = ("settings", "categories", "topics", "indicators", "choices", "labels")
_LANG_FIELDS = {
    table: {c.split(LANG_SEP)[0] for c in cols if c.endswith(LANG_SEP + "*")} for table, cols in TABLE_COLUMNS.items()
}


class _Loader(yaml.SafeLoader):
    pass


# The same loader on libyaml's parser, where PyYAML has it: parsing a scheme in C takes a
# tenth of the time, and every command loads the campaign's scheme. A text it refuses, or
# one holding a character the Python reader refuses, is parsed again by `_Loader`, so that
# every verdict and message stays the Python parser's.
_FastLoader: Any = None
if getattr(yaml, "__with_libyaml__", False):

    class _CLoader(yaml.CSafeLoader):
        pass

    _FastLoader = _CLoader


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


_BOOL_TAG = "tag:yaml.org,2002:bool"
_BOOL_RE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
for _cls in (_Loader, _Dumper, *([_FastLoader] if _FastLoader else [])):
    _cls.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL_TAG]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _cls.add_implicit_resolver(_BOOL_TAG, _BOOL_RE, list("tTfF"))


# --- reading ---------------------------------------------------------------------------


def read_yaml_tables(path: Path) -> tuple[Tables, list[Problem]]:
    if not path.exists():
        raise UnreadableFile(problem("file-not-found", path=str(path)))
    if path.stat().st_size > MAX_YAML_BYTES:
        raise UnreadableFile(
            problem("oversized-file", path=str(path), detail=f"it is {path.stat().st_size / 1e6:.0f} MB")
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            problem("not-a-text-file", path=str(path), detail=f"byte {exc.start} is not UTF-8")
        ) from None
    if "\x00" in text:
        raise UnreadableFile(problem("not-a-text-file", path=str(path), detail="it holds binary data"))
    return yaml_text_to_tables(text, str(path))


def yaml_text_to_tables(text: str, source: str = "scheme.yaml") -> tuple[Tables, list[Problem]]:
    """The scheme tables of a YAML text, and the problems found in its shape."""
    if _FastLoader is not None and not yaml.reader.Reader.NON_PRINTABLE.search(text):
        fast = _FastLoader(text)
        try:
            return _tables(fast, fast.get_single_node(), source)
        except yaml.YAMLError:
            pass  # the Python parser gives the verdict, in its words
        finally:
            fast.dispose()
    try:
        loader = _Loader(text)  # its reader refuses control characters at once
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        detail = f"the character U+{code:04X} is not allowed in YAML; delete it"
        raise UnreadableFile(problem("yaml-syntax", Place(path=source, line=line), detail=detail)) from None
    try:
        node = loader.get_single_node()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = Place(path=source, line=mark.line + 1 if mark else None)
        detail = str(getattr(exc, "problem", None) or exc).strip()
        raise UnreadableFile(problem("yaml-syntax", place, detail=detail)) from None
    finally:
        loader.dispose()
    return _tables(loader, node, source)


def _tables(loader: Any, node: yaml.Node | None, source: str) -> tuple[Tables, list[Problem]]:
    if node is None or not isinstance(node, yaml.MappingNode):
        raise UnreadableFile(
            problem("not-a-scheme", path=source, detail="the file is not a YAML mapping of scheme sections")
        )
    data = _Located(loader, source).convert(node, ())
    if not any(section in data.value for section in SECTIONS):
        raise UnreadableFile(
            problem("not-a-scheme", path=source, detail=f"it has none of the sections {', '.join(SECTIONS)}")
        )
    flattener = _Flattener(source)
    return flattener.flatten(data), flattener.problems


class _Node:
    """A YAML value with the place it came from; mappings and lists hold _Nodes."""

    __slots__ = ("value", "place")

    def __init__(self, value: Any, place: Place):
        self.value = value
        self.place = place

    def plain(self) -> Any:
        if isinstance(self.value, dict):
            return {k: v.plain() for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.plain() for v in self.value]
        return self.value


class _Located:
    def __init__(self, loader: Any, source: str):
        self.loader = loader
        self.source = source
        self.seen: set[int] = set()

    def convert(self, node: yaml.Node, path: tuple[str | int, ...]) -> _Node:
        place = Place(path=_path_text(path) or self.source, line=node.start_mark.line + 1)
        if id(node) in self.seen:
            raise UnreadableFile(
                problem(
                    "unsafe-content",
                    path=self.source,
                    detail=f"a YAML alias at line {node.start_mark.line + 1} (anchors and aliases are not allowed)",
                )
            )
        self.seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            out: dict[str, _Node] = {}
            for key_node, value_node in node.value:
                key = self.loader.construct_object(key_node)
                key = str(key).strip() if key is not None else ""
                out[key] = self.convert(value_node, path + (key,))
            return _Node(out, place)
        if isinstance(node, yaml.SequenceNode):
            return _Node([self.convert(v, path + (i,)) for i, v in enumerate(node.value)], place)
        return _Node(self.loader.construct_object(node), place)


def _path_text(path: tuple[str | int, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class _Flattener:
    def __init__(self, source: str):
        self.source = source
        self.tables: Tables = {}
        self.problems: list[Problem] = []

    def table(self, name: str, place: Place) -> Table:
        if name not in self.tables:
            self.tables[name] = Table(name, place)
        return self.tables[name]

    def flatten(self, doc: _Node) -> Tables:
        sections: dict[str, _Node] = doc.value
        for key, node in sections.items():
            if key not in SECTIONS:
                self.problems.append(problem("unknown-column", node.place, column=key, expected=", ".join(SECTIONS)))
        if "settings" in sections:
            table = self.table("settings", sections["settings"].place)
            node = sections["settings"]
            if isinstance(node.value, dict):
                table.rows.append(self.row("settings", node, "settings"))
            else:
                self.bad_shape(table, node, "a mapping of settings")
        for name in ("categories", "topics", "indicators", "labels"):
            if name in sections:
                self.items(name, sections[name])
        if "choices" in sections:
            self.choices(sections["choices"])
        return self.tables

    def bad_shape(self, table: Table, node: _Node, expected: str) -> None:
        self.problems.append(
            problem("bad-value", node.place, what=node.place.path or table.name, detail=f"expected {expected}")
        )

    def items(self, name: str, node: _Node) -> None:
        table = self.table(name, node.place)
        if not isinstance(node.value, list):
            self.bad_shape(table, node, "a list of items")
            return
        for item in node.value:
            if not isinstance(item.value, dict):
                self.bad_shape(table, item, "an item with keys such as id")
                continue
            item_id = item.value.get("id")
            label = f"{name}.{item_id.value}" if item_id is not None and item_id.value else None
            row = self.row(name, item, label)
            if name == "indicators":
                self.indicator_extras(row, item)
            table.rows.append(row)

    def row(self, table_name: str, item: _Node, label: str | None) -> Row:
        place = Place(path=label or item.place.path, line=item.place.line)
        row = Row(table_name, place)
        table = self.tables[table_name]
        for key, value in item.value.items():
            path = f"{place.path}.{key}"
            if key in _LANG_FIELDS.get(table_name, ()) and isinstance(value.value, dict):
                for lang, text in value.value.items():
                    column = f"{key}{LANG_SEP}{lang}"
                    row.fields[column] = Field(text.plain(), Place(path=f"{path}.{lang}", line=text.place.line))
                    table.columns.setdefault(column, row.fields[column].place)
                continue
            if table_name == "indicators" and key in ("scoring", "met"):
                continue  # nested: handled by indicator_extras
            row.fields[key] = Field(value.plain(), Place(path=path, line=value.place.line))
            table.columns.setdefault(key, row.fields[key].place)
        return row

    def indicator_extras(self, row: Row, item: _Node) -> None:
        table = self.tables["indicators"]
        met = item.value.get("met")
        if met is not None:
            if isinstance(met.value, dict):
                for key, value in met.value.items():
                    column = f"met_{key}"
                    row.fields[column] = Field(
                        value.plain(), Place(path=f"{row.place.path}.met.{key}", line=value.place.line)
                    )
                    table.columns.setdefault(column, row.fields[column].place)
            else:
                self.bad_shape(table, met, "met: {min: ..., max: ...} or met: {choices: [...]}")
        scoring = item.value.get("scoring")
        if scoring is None:
            return
        iid = row.value("id")
        scoring_table = self.table("scoring", scoring.place)
        if not isinstance(scoring.value, dict):
            self.bad_shape(scoring_table, scoring, "bands and/or choices under scoring")
            return
        for key, value in scoring.value.items():
            base = f"{row.place.path}.scoring.{key}"
            if key == "bands" and isinstance(value.value, list):
                for n, band in enumerate(value.value):
                    fields = {"indicator": Field(iid, band.place)}
                    if isinstance(band.value, dict):
                        for bkey, bvalue in band.value.items():
                            fields[bkey] = Field(
                                bvalue.plain(), Place(path=f"{base}[{n}].{bkey}", line=bvalue.place.line)
                            )
                            scoring_table.columns.setdefault(bkey, fields[bkey].place)
                    else:
                        fields["from"] = Field(band.plain(), band.place)
                    scoring_table.rows.append(Row("scoring", Place(path=f"{base}[{n}]", line=band.place.line), fields))
            elif key == "choices" and isinstance(value.value, dict):
                for choice, points in value.value.items():
                    place = Place(path=f"{base}.{choice}", line=points.place.line)
                    scoring_table.rows.append(
                        Row(
                            "scoring",
                            place,
                            {
                                "indicator": Field(iid, place),
                                "choice": Field(choice, place),
                                "points": Field(points.plain(), place),
                            },
                        )
                    )
            else:
                self.bad_shape(scoring_table, value, "scoring: bands (a list) or choices (a mapping)")

    def choices(self, node: _Node) -> None:
        table = self.table("choices", node.place)
        if not isinstance(node.value, dict):
            self.bad_shape(table, node, "a mapping of list names to choices")
            return
        for list_name, entries in node.value.items():
            if not isinstance(entries.value, list):
                self.bad_shape(table, entries, f"a list of choices under '{list_name}'")
                continue
            for n, entry in enumerate(entries.value):
                if not isinstance(entry.value, dict):
                    self.bad_shape(table, entry, "a choice with value and label")
                    continue
                value = entry.value.get("value")
                label = f"choices.{list_name}.{value.value}" if value is not None else f"choices.{list_name}[{n}]"
                row = self.row("choices", entry, label)
                row.fields["list_name"] = Field(list_name, entries.place)
                table.rows.append(row)


# --- writing ---------------------------------------------------------------------------


class _Flow(list[str]):
    """A list written on one line: [en, fr, de]."""


class _FlowMap(dict[str, Any]):
    """A mapping written on one line: {from: 15, points: 2}."""


_YAML11_BOOLS = {"yes", "no", "on", "off", "y", "n", "true", "false"}


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    if data.casefold() in _YAML11_BOOLS:
        style = "'"  # other YAML readers would take yes/no/on/off for booleans
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(
    _Flow, lambda d, data: d.represent_sequence("tag:yaml.org,2002:seq", list(data), flow_style=True)
)
_Dumper.add_representer(
    _FlowMap, lambda d, data: d.represent_mapping("tag:yaml.org,2002:map", dict(data), flow_style=True)
)

# The same dumper on libyaml's emitter, where PyYAML has it: five times faster, and for the
# schemes excelcert writes the same text. Only `same_canonical_text` uses it, and only as a
# shortcut: the canonical text is always the Python emitter's.
_FastDumper: Any = None
if getattr(yaml, "__with_libyaml__", False):

    class _CDumper(yaml.CSafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    _CDumper.yaml_implicit_resolvers = _Dumper.yaml_implicit_resolvers
    _CDumper.yaml_representers = _Dumper.yaml_representers
    _FastDumper = _CDumper

_HEADER = """\
# excelcert scheme: indicator definitions and label rules.
# The format is described in docs/scheme-format.md. Percentages are in percent (80 = 80 %).
# Edit this file, or the workbook form (`excelcert scheme export --format xlsx`),
# then run `excelcert scheme check FILE`.
"""


def _texts(texts: dict[str, str], languages: tuple[str, ...]) -> dict[str, str]:
    ordered = {lang: texts[lang] for lang in languages if lang in texts}
    ordered.update({k: v for k, v in texts.items() if k not in ordered})
    return ordered


def scheme_to_data(scheme: Scheme) -> dict[str, Any]:
    """The scheme as plain nested data, in the layout of the YAML form."""
    langs = scheme.languages

    def put(target: dict[str, Any], key: str, value: Any) -> None:
        if value is not None and value != {} and value != () and value != []:
            target[key] = value

    settings: dict[str, Any] = {
        "id": scheme.id,
        "version": scheme.version,
        "title": _texts(dict(scheme.title), langs),
        "languages": _Flow(langs),
        "default_language": scheme.default_language,
        "max_points": scheme.max_points,
    }
    put(settings, "validity_months", scheme.validity_months)
    put(settings, "renewal_grace_months", scheme.renewal_grace_months)
    data: dict[str, Any] = {"settings": settings, "categories": []}
    for cat in scheme.categories:
        item: dict[str, Any] = {"id": cat.id, "order": cat.order}
        put(item, "colour", cat.colour)
        item["name"] = _texts(dict(cat.name), langs)
        data["categories"].append(item)
    if scheme.topics:
        data["topics"] = []
        for topic in scheme.topics:
            entry: dict[str, Any] = {"id": topic.id, "kind": topic.kind, "title": _texts(dict(topic.title), langs)}
            if topic.description:
                entry["description"] = _texts(dict(topic.description), langs)
            put(entry, "link", topic.link or None)
            data["topics"].append(entry)
    data["indicators"] = []
    for ind in scheme.indicators:
        item = {"id": ind.id, "category": ind.category, "type": ind.type}
        put(item, "list", ind.list)
        put(item, "unit", _FlowMap(_texts(dict(ind.unit), langs)))
        put(item, "min", ind.min)
        put(item, "max", ind.max)
        item["required"] = ind.required
        item["eligibility"] = ind.eligibility
        if ind.met is not None:
            met: dict[str, Any] = {}
            put(met, "min", ind.met.min)
            put(met, "max", ind.met.max)
            put(met, "choices", _Flow(ind.met.choices))
            item["met"] = _FlowMap(met)
        put(item, "tolerance", ind.tolerance)
        put(item, "topics", _Flow(ind.topics))
        scoring: dict[str, Any] = {}
        if ind.scoring.bands:
            scoring["bands"] = [_FlowMap({"from": b.start, "points": b.points}) for b in ind.scoring.bands]
        if ind.scoring.choices:
            scoring["choices"] = _FlowMap(ind.scoring.choices)
        put(item, "scoring", scoring)
        for name in ("name", "question", "guidance", "evidence"):
            put(item, name, _texts(dict(getattr(ind, name)), langs))
        data["indicators"].append(item)
    if scheme.choice_lists:
        data["choices"] = {
            name: [{"value": c.value, "label": _texts(dict(c.label), langs)} for c in cl.choices]
            for name, cl in scheme.choice_lists.items()
        }
    data["labels"] = []
    for rule in scheme.labels:
        data["labels"].append(
            {
                "id": rule.id,
                "order": rule.order,
                "name": _texts(dict(rule.name), langs),
                "min_percent": rule.min_percent,
                "eligibility": rule.eligibility,
                "reviewed": rule.reviewed,
                "must_meet": _Flow(rule.must_meet),
            }
        )
    return data


def scheme_to_yaml(scheme: Scheme, *, dumper: Any = _Dumper) -> str:
    body = yaml.dump(
        scheme_to_data(scheme), Dumper=dumper, sort_keys=False, allow_unicode=True, width=1_000_000, indent=2
    )  # one text, one line
    return _HEADER + body


def same_canonical_text(scheme: Scheme, matches: Callable[[str], bool]) -> bool:
    """Whether the scheme's canonical text (`scheme_to_yaml`) `matches` (say, a hash kept
    when the campaign was created). libyaml's text is tried first: where it matches, the
    canonical text matches too (both are faithful YAML for the scheme's data, so the same
    text means the same data, which the Python emitter writes the same way); where it does
    not, the canonical text decides."""
    if _FastDumper is not None and matches(scheme_to_yaml(scheme, dumper=_FastDumper)):
        return True
    return matches(scheme_to_yaml(scheme))

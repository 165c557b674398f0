"""Golden files: what excelcert writes, compared part by part with an expected copy.

In XlsxWriter's manner: a workbook or a Word document is a zip of XML parts; each part is
parsed and compared element by element (tag, attributes, text) with the expected one, so a
failure names the part and the first element or attribute that differs, with its path:

    xl/worksheets/sheet1.xml: /worksheet/cols/col[3]/@width: expected '26.7109375', found '30.7109375'

The expected files live in tests/golden/, one per artefact, as text (so that a change of
layout shows in a review as a readable diff): every part of the package under a
`==== <part name> ====` line, its XML canonicalised (parsed, whitespace between elements
dropped, indented). What changes from run to run is replaced before anything is compared
or written: the creation and modification times of docProps/core.xml, and any value a
test names as volatile (an arbitration workbook's `issued_at` and its signature, say).
Images are compared by their format and size in pixels (matplotlib's bytes change
between its versions), other binary parts by their size; parts a test does not ask about
(a Word template's styles, say) by their name only.

A CSV file is compared line by line with its expected copy.

When a change of output is intended, rewrite the expected files and review the diff:

    EXCELCERT_UPDATE_GOLDEN=1 pytest tests/test_golden.py
"""

from __future__ import annotations

import difflib
import os
import re
import struct
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from lxml import etree

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE_VARIABLE = "EXCELCERT_UPDATE_GOLDEN"
SEPARATOR = re.compile(r"^==== (.+) ====$", re.M)
VOLATILE_TIME = "[a time: ignored]"
# Elements whose text is the time a file was made or saved (docProps/core.xml).
_TIME_ELEMENTS = {
    "{http://purl.org/dc/terms/}created",
    "{http://purl.org/dc/terms/}modified",
    "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}lastPrinted",
}
_XML_SUFFIXES = (".xml", ".rels", ".vml")


def updating() -> bool:
    return os.environ.get(UPDATE_VARIABLE, "") not in ("", "0")


# --- a package as text -------------------------------------------------------------------


def _clean(element: etree._Element, volatile: dict[str, str]) -> None:
    """Drop whitespace between elements, replace volatile values, in place."""
    for node in element.iter():
        if not isinstance(node.tag, str):  # a comment or processing instruction
            continue
        if node.tag in _TIME_ELEMENTS and node.text:
            node.text = VOLATILE_TIME
        if len(node) and node.text is not None and not node.text.strip():
            node.text = None
        if node.tail is not None and not node.tail.strip():
            node.tail = None
        for value, placeholder in volatile.items():
            if node.text and value in node.text:
                node.text = node.text.replace(value, placeholder)
            for name, attribute in node.attrib.items():
                if value in attribute:
                    node.set(name, attribute.replace(value, placeholder))


def canonical_xml(data: bytes, volatile: dict[str, str] | None = None) -> str:
    """An XML part as indented text, whitespace between elements dropped, volatile values replaced."""
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    _clean(root, volatile or {})
    return etree.tostring(root, encoding="unicode", pretty_print=True)


def png_size(data: bytes) -> tuple[int, int]:
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return struct.unpack(">II", data[16:24])


def _summary(name: str, data: bytes) -> str:
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        width, height = png_size(data)
        return f"[PNG image, {width} x {height} pixels]\n"
    if data[:3] == b"\xff\xd8\xff":
        return "[JPEG image]\n"
    return f"[binary, {len(data)} bytes]\n"


def all_but_the_theme(name: str) -> bool:
    """A workbook's parts, but for xlsxwriter's theme (the same in every workbook it writes)."""
    return not name.startswith("xl/theme/")


def package_parts(
    path: Path,
    *,
    content: Callable[[str], bool] = all_but_the_theme,
    volatile: dict[str, str] | None = None,
) -> dict[str, str]:
    """Every part of the zip package at `path`, as text: XML parts canonicalised (those
    `content` accepts; the others by name only), images by their size, binary parts by
    their length. `volatile`: the values to replace (value -> placeholder)."""
    parts: dict[str, str] = {}
    with zipfile.ZipFile(path) as archive:
        for name in sorted(archive.namelist()):
            data = archive.read(name)
            if name.endswith(_XML_SUFFIXES) or name == "[Content_Types].xml":
                parts[name] = canonical_xml(data, volatile) if content(name) else "[not compared]\n"
            else:
                parts[name] = _summary(name, data)
    return parts


def parts_text(parts: dict[str, str]) -> str:
    return "".join(f"==== {name} ====\n{text}" for name, text in parts.items())


def parse_parts_text(text: str) -> dict[str, str]:
    pieces = SEPARATOR.split(text)
    return {pieces[i]: pieces[i + 1].lstrip("\n") for i in range(1, len(pieces), 2)}


# --- comparing ---------------------------------------------------------------------------


def _name(element: etree._Element) -> str:
    if not isinstance(element.tag, str):
        return "comment()"
    local = etree.QName(element).localname
    return f"{element.prefix}:{local}" if element.prefix else local


def _step(parent: etree._Element, child: etree._Element) -> str:
    """`name[n]`: the n-th child of `parent` with this name (1-based, as XPath counts)."""
    same = [c for c in parent if c.tag == child.tag]
    return f"{_name(child)}[{same.index(child) + 1}]" if len(same) > 1 else _name(child)


def _attribute(element: etree._Element, key: str) -> str:
    """An attribute's name as written, with its prefix (w:val, xml:space)."""
    if not key.startswith("{"):
        return key
    namespace, local = key[1:].split("}", 1)
    if namespace == "http://www.w3.org/XML/1998/namespace":
        return f"xml:{local}"
    prefix = next((p for p, uri in element.nsmap.items() if uri == namespace and p), None)
    return f"{prefix}:{local}" if prefix else local


def _show(value: str | None, limit: int = 120) -> str:
    text = repr(value or "")
    return text if len(text) <= limit else text[:limit] + "...'"


def first_difference(found: etree._Element, expected: etree._Element, path: str = "") -> str | None:
    """Where two XML trees first differ, with the path of the element or attribute, or None."""
    path = path or "/" + _name(expected)
    if found.tag != expected.tag:
        return f"{path}: element <{_name(expected)}> expected, <{_name(found)}> found"
    for key in sorted(set(found.attrib) | set(expected.attrib)):
        shown = _attribute(expected if key in expected.attrib else found, key)
        if key not in found.attrib:
            return f"{path}/@{shown}: attribute expected ({_show(expected.get(key))}), missing"
        if key not in expected.attrib:
            return f"{path}/@{shown}: attribute not expected, found {_show(found.get(key))}"
        if found.get(key) != expected.get(key):
            return f"{path}/@{shown}: expected {_show(expected.get(key))}, found {_show(found.get(key))}"
    if (found.text or "") != (expected.text or ""):
        return f"{path}/text(): expected {_show(expected.text)}, found {_show(found.text)}"
    for f_child, e_child in zip(found, expected, strict=False):
        difference = first_difference(f_child, e_child, f"{path}/{_step(expected, e_child)}")
        if difference:
            return difference
        if (f_child.tail or "") != (e_child.tail or ""):
            return f"{path}/{_step(expected, e_child)}: text after it: expected {_show(e_child.tail)}, found {_show(f_child.tail)}"
    if len(found) != len(expected):
        if len(found) > len(expected):
            extra = found[len(expected)]
            return (
                f"{path}: {len(expected)} child elements expected, {len(found)} found (first extra: <{_name(extra)}>)"
            )
        missing = expected[len(found)]
        return (
            f"{path}: {len(expected)} child elements expected, {len(found)} found (first missing: <{_name(missing)}>)"
        )
    return None


def _first_line_difference(found: str, expected: str) -> str | None:
    found_lines, expected_lines = found.splitlines(), expected.splitlines()
    for n, (a, b) in enumerate(zip(found_lines, expected_lines, strict=False), start=1):
        if a != b:
            column = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
            return f"line {n}, column {column + 1}: expected {_show(b)}, found {_show(a)}"
    if len(found_lines) != len(expected_lines):
        return f"{len(expected_lines)} lines expected, {len(found_lines)} found"
    if found != expected:
        return "line endings or a final newline differ"
    return None


def _parsed(text: str) -> etree._Element:
    """A canonical part parsed again, its indentation dropped."""
    root = etree.fromstring(text.encode("utf-8"))
    _clean(root, {})
    return root


def _is_xml(text: str) -> bool:
    return text.startswith("<")


def compare_parts(found: dict[str, str], expected: dict[str, str]) -> list[str]:
    """Every part that differs, each with its first difference; [] when the packages match."""
    differences = []
    for name in sorted(set(expected) - set(found)):
        differences.append(f"{name}: part expected, missing")
    for name in sorted(set(found) - set(expected)):
        differences.append(f"{name}: part not expected, found")
    for name in sorted(set(found) & set(expected)):
        a, b = found[name], expected[name]
        if a == b:
            continue
        if _is_xml(a) and _is_xml(b):
            where = first_difference(_parsed(a), _parsed(b))
            if where is None:  # same elements, other serialisation: not a difference of content
                continue
        else:
            where = _first_line_difference(a, b)
        differences.append(f"{name}: {where}")
    return differences


def _context_diff(found: str, expected: str, lines: int = 30) -> str:
    diff = list(difflib.unified_diff(expected.splitlines(), found.splitlines(), "expected", "found", lineterm="", n=2))
    return "\n".join(diff[:lines] + (["..."] if len(diff) > lines else []))


def _report(golden: Path, differences: list[str], diffs: Iterable[str]) -> str:
    lines = [f"{golden.relative_to(GOLDEN.parent.parent)}: the file written differs from the expected one:"]
    lines += [f"  {d}" for d in differences]
    lines += [
        "",
        *diffs,
        "",
        f"If the change is intended: {UPDATE_VARIABLE}=1 pytest tests/test_golden.py, then review the diff.",
    ]
    return "\n".join(lines)


# --- the assertions the tests use ---------------------------------------------------------


def check_package(path: Path, golden_name: str, **options) -> list[str]:
    """The differences between the package at `path` and tests/golden/<golden_name>;
    with EXCELCERT_UPDATE_GOLDEN=1 the expected file is rewritten first."""
    found = package_parts(path, **options)
    golden = GOLDEN / golden_name
    if updating():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(parts_text(found), encoding="utf-8", newline="\n")
    if not golden.exists():
        pytest.fail(f"{golden} does not exist yet: write it with {UPDATE_VARIABLE}=1 pytest tests/test_golden.py")
    expected = parse_parts_text(golden.read_text(encoding="utf-8"))
    return compare_parts(found, expected)


def assert_package_matches(path: Path, golden_name: str, **options) -> None:
    """The package at `path` matches tests/golden/<golden_name>, part by part."""
    differences = check_package(path, golden_name, **options)
    if differences:
        golden = GOLDEN / golden_name
        expected = parse_parts_text(golden.read_text(encoding="utf-8"))
        found = package_parts(path, **options)
        names = [d.split(": ", 1)[0] for d in differences]
        diffs = [
            f"--- {name}\n{_context_diff(found[name], expected[name])}"
            for name in names
            if name in found and name in expected
        ][:3]
        pytest.fail(_report(golden, differences, diffs), pytrace=False)


def assert_text_matches(path: Path, golden_name: str) -> None:
    """A text file (a CSV) matches tests/golden/<golden_name>, line by line."""
    found = path.read_bytes().decode("utf-8")
    golden = GOLDEN / golden_name
    if updating():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(path.read_bytes())
    if not golden.exists():
        pytest.fail(f"{golden} does not exist yet: write it with {UPDATE_VARIABLE}=1 pytest tests/test_golden.py")
    expected = golden.read_bytes().decode("utf-8")
    where = _first_line_difference(found, expected)
    if where:
        pytest.fail(_report(golden, [where], [_context_diff(found, expected)]), pytrace=False)

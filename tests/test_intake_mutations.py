"""Damaged returns: seeded zip and XML mutations of a real returned workbook.

Each mutant is what a broken program, a bad disk or a hostile sender might produce:
cells given twice at one place, references to text that does not exist, numbers and dates
that are not, unknown types and styles, bad row numbers and cell references, two sheets
with one name, formatted and plain text mixed in one string, XML cut or broken, zip
entries damaged or missing. For every mutant:

- the two readers of a returned workbook (python-calamine's grid checked against the XML,
  and the XML read cell by cell) give the same cells, or refuse the file the same way;
- the import gives it exactly one verdict, and no reason or message carries Python's own
  error text;
- a cell whose data cannot be read is a problem on that cell, and the rest of the workbook
  is read.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from excelcert.assessment.workbook import build_self_assessment
from excelcert.base.ledger import Ledger
from excelcert.base.problems import UnreadableFile
from excelcert.base.spreadsheet import Damaged, read_workbook_xml
from excelcert.campaign.config import init_campaign, read_key
from excelcert.campaign.roster import example_clusters
from excelcert.intake.batch import import_files
from tests.test_workbook import ANSWERS

CLUSTER = next(c for c in example_clusters() if c.id == "DE-AUTO-01")
MUTANTS = 240
PYTHON_WORDS = re.compile(r"Traceback|Error\b|Error:|Exception|invalid literal|list index|\bint\(\)|NoneType|errno")

_CELL = re.compile(rb'<c r="[A-Z]+[0-9]+"[^>]*?(?:/>|>.*?</c>)', re.S)
_VALUE = re.compile(rb"<v>[^<]*</v>")
_TYPE = re.compile(rb' t="[^"]*"')
_STYLE = re.compile(rb' s="[^"]*"')
_ROW = re.compile(rb'<row r="[0-9]+"')
_REF = re.compile(rb'<c r="[A-Z]+[0-9]+"')
_SHEET_NAME = re.compile(rb'<sheet [^>]*?name="([^"]*)"')

ODD_VALUES = [
    "²".encode(),
    b"-1",
    b"99999",
    b"x",
    b"1e309",
    b"-1e400",
    b"nan",
    b"inf",
    b"1" * 5000,
    b"",
    b"2026-99-99",
    b"0x1F",
]
ODD_TYPES = [b"s", b"str", b"b", b"e", b"d", b"n", b"zz", b"inlineStr", b""]


@pytest.fixture(scope="module")
def returned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path, Any]:
    """A campaign and a filled-in self-assessment as excelcert writes it (with shared strings)."""
    root = tmp_path_factory.mktemp("mutations")
    campaign = init_campaign(root / "camp", today=dt.date(2026, 11, 30))
    scheme = campaign.load_scheme()
    path = root / "returned.xlsx"
    build_self_assessment(path, scheme, campaign, CLUSTER, read_key(campaign), answers=ANSWERS)
    return campaign, path, scheme


# --- the mutations: each takes the package's parts and a random source, changes one thing ---


def _one(pattern: re.Pattern[bytes], data: bytes, rng: random.Random) -> re.Match[bytes] | None:
    found = list(pattern.finditer(data))
    return rng.choice(found) if found else None


def _replace(data: bytes, match: re.Match[bytes], new: bytes) -> bytes:
    return data[: match.start()] + new + data[match.end() :]


def duplicate_cell(parts: dict[str, bytes], rng: random.Random) -> str:
    name = rng.choice(_sheets(parts))
    cell = _one(_CELL, parts[name], rng)
    if cell is None:
        return "no cell"
    ref = re.match(rb'<c r="([A-Z]+[0-9]+)"', cell.group()).group(1)  # type: ignore[union-attr]
    other = rng.choice(
        [b'<c r="%s" t="b"><v>1</v></c>', b'<c r="%s" t="str"><v>77</v></c>', b'<c r="%s"><v>10</v></c>']
    ) % (ref,)
    new = other + cell.group() if rng.random() < 0.5 else cell.group() + other
    parts[name] = _replace(parts[name], cell, new)
    return f"{name}: a second cell at {ref.decode()}"


# Mutations that put one odd thing in place of a random match of a pattern, on a random sheet
SWAPS: dict[str, tuple[re.Pattern[bytes], list[bytes]]] = {
    "value": (_VALUE, [b"<v>" + v + b"</v>" for v in ODD_VALUES]),
    "type": (_TYPE, [b' t="' + t + b'"' for t in ODD_TYPES]),
    "style": (_STYLE, [b' s="' + s + b'"' for s in (b"x", b"-1", b"99999", b"", "٣".encode())]),
    "row number": (_ROW, [b'<row r="' + r + b'"' for r in (b"x", b"1", b"0", b"-3", b"1048577", "²".encode())]),
    "cell reference": (
        _REF,
        [b'<c r="' + r + b'"' for r in (b"1E", b"e5", b"A", b"XFD1048576", b"A0", b"B2", b"ZZZZ1")],
    ),
}


def swap(what: str) -> Callable[[dict[str, bytes], random.Random], str]:
    pattern, odd = SWAPS[what]

    def mutate(parts: dict[str, bytes], rng: random.Random) -> str:
        name = rng.choice(_sheets(parts))
        found = _one(pattern, parts[name], rng)
        if found is None:
            return f"no {what}"
        new = rng.choice(odd)
        parts[name] = _replace(parts[name], found, new)
        return f"{name}: a {what} {new[:24]!r}"

    return mutate


def same_sheet_names(parts: dict[str, bytes], rng: random.Random) -> str:
    names = list(_SHEET_NAME.finditer(parts["xl/workbook.xml"]))
    first, second = rng.sample(names, 2)
    workbook = parts["xl/workbook.xml"]
    start, end = second.span(1)
    parts["xl/workbook.xml"] = workbook[:start] + first.group(1) + workbook[end:]
    return f"two sheets called {first.group(1).decode()!r}"


def shared_string(parts: dict[str, bytes], rng: random.Random) -> str:
    items = list(re.finditer(rb"<si>(.*?)</si>", parts["xl/sharedStrings.xml"], re.S))
    item = rng.choice(items)
    new = rng.choice([b"<si><r><t>RUN</t></r>%s</si>", b"<si>%s<r><t>RUN</t></r></si>", b"<si/>", b"<si><r></r></si>"])
    parts["xl/sharedStrings.xml"] = _replace(parts["xl/sharedStrings.xml"], item, new.replace(b"%s", item.group(1)))
    return "a shared string changed"


def broken_xml(parts: dict[str, bytes], rng: random.Random) -> str:
    name = rng.choice([*_sheets(parts), "xl/workbook.xml", "xl/sharedStrings.xml", "xl/styles.xml"])
    data = parts[name]
    at = rng.randrange(len(data))
    how = rng.choice(["cut", "byte", "tag"])
    if how == "cut":
        parts[name] = data[:at]
    elif how == "byte":
        parts[name] = data[:at] + bytes([rng.choice(b"<>&\"'\x00\xff/")]) + data[at + 1 :]
    else:
        parts[name] = data[:at] + b"<c><c>" + data[at:]
    return f"{name}: XML {how} at {at}"


def damaged_answer(parts: dict[str, bytes], rng: random.Random) -> str:
    """One of the answer cells (column E of the answer sheet, the largest) made unreadable."""
    name = max(_sheets(parts), key=lambda n: len(parts[n]))
    answers = list(re.finditer(rb'<c r="E[0-9]+"[^>]*?(?:/>|>.*?</c>)', parts[name], re.S))
    cell = rng.choice(answers)
    ref = re.match(rb'<c r="(E[0-9]+)"', cell.group()).group(1)  # type: ignore[union-attr]
    new = rng.choice(
        [
            b'<c r="%s" t="s"><v>-1</v></c>' % ref,
            b'<c r="%s" t="s"><v>99999</v></c>' % ref,
            b'<c r="%s"><v>x</v></c>' % ref,
            b'<c r="%s"><v>' % ref + b"9" * 5000 + b"</v></c>",
            b'<c r="%s" t="d"><v>2026-13-45</v></c>' % ref,
            cell.group() + b'<c r="%s" t="str"><v>77</v></c>' % ref,
            b'<c r="%s" t="b"><v>1</v></c>' % ref + cell.group(),
        ]
    )
    parts[name] = _replace(parts[name], cell, new)
    return f"{name}: the answer at {ref.decode()} damaged"


def missing_part(parts: dict[str, bytes], rng: random.Random) -> str:
    name = rng.choice(sorted(parts))
    del parts[name]
    return f"{name} left out"


MUTATIONS: list[Callable[[dict[str, bytes], random.Random], str]] = [
    duplicate_cell,
    duplicate_cell,
    swap("value"),
    swap("value"),
    swap("value"),
    swap("type"),
    swap("type"),
    swap("style"),
    swap("row number"),
    swap("cell reference"),
    same_sheet_names,
    shared_string,
    broken_xml,
    missing_part,
    damaged_answer,
    damaged_answer,
    damaged_answer,
]


def _sheets(parts: dict[str, bytes]) -> list[str]:
    return sorted(name for name in parts if name.startswith("xl/worksheets/sheet"))


def _mutant(original: bytes, rng: random.Random) -> tuple[bytes, str]:
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    how = rng.choice(MUTATIONS)(parts, rng)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    data = out.getvalue()
    if rng.random() < 0.08:  # damage to the zip itself
        at = rng.randrange(len(data))
        if rng.random() < 0.5:
            data, how = data[:at], f"{how}; the file cut at {at}"
        else:
            data, how = data[:at] + bytes([data[at] ^ 0x5A]) + data[at + 1 :], f"{how}; a byte flipped at {at}"
    return data, how


# --- the checks ---------------------------------------------------------------------------


def _reading(path: Path, grid: bool) -> Any:
    """Everything a reader of the file sees: each sheet's cells and the text of its values,
    or the verdict that refuses it."""
    try:
        book = read_workbook_xml(path, grid=grid)
        return {
            name: (
                [[(c.coordinate, type(c.value).__name__, repr(c.value), c.formula) for c in row] for row in sheet.rows],
                [(number, _texts(values)) for number, values in sheet.values if _texts(values)],
            )
            for name, sheet in book.sheets.items()
        }
    except UnreadableFile as exc:
        return exc.problem.code


def _texts(values: list[Any]) -> list[str | None]:
    """The text of a row's values, up to the last (the grid's rows run to the sheet's width)."""
    texts = [v if type(v) is str else None for v in values]
    while texts and texts[-1] is None:
        texts.pop()
    return texts


@pytest.fixture(scope="module")
def mutants(returned: tuple[Any, Path, Any], tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, str]]:
    _, path, _ = returned
    original = path.read_bytes()
    folder = tmp_path_factory.mktemp("mutants")
    rng = random.Random(20261130)
    out = []
    for number in range(MUTANTS):
        data, how = _mutant(original, rng)
        mutant = folder / f"mutant-{number:03}.xlsx"
        mutant.write_bytes(data)
        out.append((mutant, how))
    return out


def test_both_readers_see_the_same_cells_in_every_mutant(mutants: list[tuple[Path, str]]) -> None:
    differ = [how for path, how in mutants if _reading(path, grid=True) != _reading(path, grid=False)]
    assert not differ, differ


def test_the_mutations_reach_the_cells(mutants: list[tuple[Path, str]]) -> None:
    """The fuzzing is worth something: many mutants are still read, and hold damaged cells."""
    readable = damaged = 0
    for path, _ in mutants:
        try:
            book = read_workbook_xml(path)
        except UnreadableFile:
            continue
        readable += 1
        damaged += any(isinstance(c.value, Damaged) for s in book.sheets.values() for row in s.rows for c in row)
    assert readable > MUTANTS // 2 and damaged > MUTANTS // 10, (readable, damaged)


def test_every_mutant_gets_one_verdict_written_for_a_person(returned, mutants) -> None:
    campaign, _, scheme = returned
    paths = [path for path, _ in mutants]
    with Ledger.for_campaign(campaign.root) as ledger:
        results = import_files(campaign, scheme, {CLUSTER.id}, read_key(campaign), ledger, paths)
        assert sorted(Path(r.name).name for r in results) == sorted(p.name for p in paths)
        how = {path.name: text for path, text in mutants}
        verdicts = {r.verdict for r in results}
        assert verdicts <= {"accepted", "accepted with problems", "rejected", "already imported"}
        assert {"rejected", "accepted with problems"} <= verdicts
        for result in results:
            for text in [result.reason, *(p.message for p in result.problems)]:
                assert not PYTHON_WORDS.search(text or ""), (how[Path(result.name).name], text)
            for problem in result.problems:
                if problem.code == "answer-cell-damaged":  # a damaged cell is a problem on that cell
                    assert problem.place is not None and problem.place.sheet and problem.place.cell, problem
        damaged = [r for r in results if any(p.code == "answer-cell-damaged" for p in r.problems)]
        assert len(damaged) >= 20, "few mutants damaged an answer cell: the mutations miss what they are for"
        for result in damaged:  # the rest of the workbook was read: its other answers are there
            assert result.submission_id is not None
            read = [a for a in ledger.answers(result.submission_id) if a.value is not None]
            assert len(read) >= len(scheme.indicators) - 3, (how[Path(result.name).name], len(read))


# --- the cases the fuzzing found, one by one ------------------------------------------------


def _answer_row(path: Path, indicator: str) -> tuple[str, int]:
    """The answer sheet's part and the row of `indicator` on it."""
    book = read_workbook_xml(path)
    sheet = next(s for s in book.sheets.values() if any(v and v[0] == indicator for _, v in s.values))
    row = next(number for number, values in sheet.values if values and values[0] == indicator)
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    part = max(_sheets(parts), key=lambda name: len(parts[name]))
    return part, row


def _changed(path: Path, out: Path, part: str, change: Callable[[bytes], bytes]) -> Path:
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts[part] = change(parts[part])
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out


def _import(returned: tuple[Any, Path, Any], path: Path) -> Any:
    campaign, _, scheme = returned
    with Ledger.for_campaign(campaign.root) as ledger:
        [result] = import_files(campaign, scheme, {CLUSTER.id}, read_key(campaign), ledger, [path])
        stored = {a.indicator_id: a.value for a in ledger.answers(result.submission_id)} if result.submission_id else {}
    return result, stored


@pytest.mark.parametrize(
    ("indicator", "before", "after", "why"),
    [
        ("GOV-06", b'<c r="{ref}" t="b"><v>1</v></c>', b"", "two values"),  # a boolean before the original
        ("GOV-02", b"", b'<c r="{ref}" t="str"><v>77</v></c>', "two values"),  # a text 77 after the original 10
    ],
)
def test_a_cell_given_twice_is_a_problem_on_that_cell_not_either_value(
    returned, tmp_path, indicator, before, after, why
):
    _, path, _ = returned
    part, row = _answer_row(path, indicator)
    ref = b"E%d" % row

    def twice(xml: bytes) -> bytes:
        cell = re.search(rb'<c r="%s"[^>]*?(?:/>|>.*?</c>)' % ref, xml, re.S)
        assert cell is not None
        extra = (before + after).replace(b"{ref}", ref)
        new = before.replace(b"{ref}", ref) + cell.group() + after.replace(b"{ref}", ref)
        assert extra
        return xml[: cell.start()] + new + xml[cell.end() :]

    result, stored = _import(returned, _changed(path, tmp_path / "twice.xlsx", part, twice))
    [damaged] = [p for p in result.problems if p.code == "answer-cell-damaged"]
    assert damaged.indicator == indicator and str(damaged.place).endswith(f"!E{row}") and why in damaged.message
    assert stored[indicator] is None  # neither value is taken
    assert sum(value is not None for value in stored.values()) >= len(stored) - 2  # the rest is read
    for grid in (True, False):  # both readers see the damage, at the same place
        book = read_workbook_xml(tmp_path / "twice.xlsx", grid=grid)
        sheet = next(s for s in book.sheets.values() if any(v and v[0] == indicator for _, v in s.values))
        assert isinstance(sheet.cell(row, 5).value, Damaged)


@pytest.mark.parametrize("index", [b"-1", b"99999", b"x"])
def test_a_reference_to_a_missing_text_is_a_damaged_cell_not_some_other_text(returned, tmp_path, index):
    _, path, _ = returned
    part, row = _answer_row(path, "STR-01")
    mutant = _changed(
        path,
        tmp_path / "index.xlsx",
        part,
        lambda xml: re.sub(
            rb'<c r="E%d"[^>]*?(?:/>|>.*?</c>)' % row, b'<c r="E%d" t="s"><v>%s</v></c>' % (row, index), xml
        ),
    )
    result, stored = _import(returned, mutant)
    [damaged] = [p for p in result.problems if p.code == "answer-cell-damaged"]
    assert damaged.indicator == "STR-01" and "which the file lacks" in damaged.message
    assert stored["STR-01"] is None


def test_two_sheets_with_one_name_reject_the_file_with_a_reason(returned, tmp_path):
    _, path, _ = returned
    names = [m.group(1) for m in _SHEET_NAME.finditer(zipfile.ZipFile(path).read("xl/workbook.xml"))]
    mutant = _changed(
        path,
        tmp_path / "names.xlsx",
        "xl/workbook.xml",
        lambda xml: xml.replace(b'name="%s"' % names[-1], b'name="%s"' % names[2].upper()),
    )
    result, _ = _import(returned, mutant)
    assert result.verdict == "rejected" and "two of its sheets are called" in result.reason


def test_a_broken_file_is_told_in_words_and_its_exception_goes_to_the_debug_log(returned, tmp_path):
    campaign, path, _ = returned
    for cut, debug in ((2, []), (3, ["--debug"])):  # two different files: the second is not "already imported"
        mutant = _changed(
            path, tmp_path / f"broken{cut}.xlsx", "xl/workbook.xml", lambda xml, cut=cut: xml[: len(xml) // cut]
        )
        proc = subprocess.run(
            [sys.executable, "-m", "excelcert", *debug, "--campaign", str(campaign.root), "import", str(mutant)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "not well-formed XML" in proc.stdout, proc.stdout + proc.stderr
        assert not PYTHON_WORDS.search(proc.stdout), proc.stdout
        assert ("ParseError" in proc.stderr) == bool(debug), proc.stderr
        assert "lock" not in proc.stderr  # the log is excelcert's own, not its libraries'


@pytest.mark.parametrize(
    ("typed", "shown"),
    [("GOV-02\u200b", "GOV-02<U+200B>"), ("gov-02", "gov-02"), ("GOV -02", "GOV -02"), ("ＧＯＶ-02", "ＧＯＶ-02")],
)
def test_an_indicator_id_changed_is_said_on_its_cell_not_a_row_missing(returned, tmp_path, typed, shown):
    """A hidden character, other capitals, a space or full-width letters in a (locked) id: the
    row is there but not read (which indicator it was is not certain), and the problem says
    so on the id's cell, instead of 'the row of GOV-02 is missing (deleted?)'."""
    _, path, _ = returned
    part, row = _answer_row(path, "GOV-02")
    mutant = _changed(
        path,
        tmp_path / "altered.xlsx",
        part,
        lambda xml: re.sub(
            rb'<c r="A%d"[^>]*?(?:/>|>.*?</c>)' % row,
            b'<c r="A%d" t="inlineStr"><is><t>%s</t></is></c>' % (row, typed.encode()),
            xml,
        ),
    )
    result, stored = _import(returned, mutant)
    [altered] = [p for p in result.problems if p.code == "answer-id-altered"]
    assert str(altered.place).endswith(f"!A{row}") and altered.indicator == "GOV-02"
    assert f"reads '{shown}', not GOV-02" in altered.message
    assert not [p for p in result.problems if p.code == "answer-row-missing"]
    assert stored.get("GOV-02") is None and stored.get("GOV-01") is not None  # the others are read

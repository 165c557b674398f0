"""Open workbooks from outside safely, and hand them on as plain cells.

This is the one place that knows which library reads a workbook: openpyxl (with
defusedxml refusing entity bombs and external entities) for schemes and rosters; for
returned workbooks, python-calamine's grid of values and the package's XML itself for
the cells read exactly (`read_workbook_xml`). Every file is sniffed before it is parsed:
encrypted packages, legacy and binary formats, OpenDocument, Strict Open XML (which
openpyxl would silently open with no sheets), truncated or duplicated zip entries, zip
bombs and sheets spanning absurd areas each get one clear `UnreadableFile`, never a
traceback.

What comes out is one reader shape: sheet -> the values of its rows, and any `Cell`
(value, Excel coordinate, number format, formula) on demand.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import logging
import posixpath
import re
import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from excelcert.base.numberformats import BUILTIN_FORMATS, from_excel, is_date_format, is_timedelta_format
from excelcert.base.problems import UnreadableFile, problem

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

_log = logging.getLogger("excelcert")

MAX_FILE_BYTES = 50 * 1024 * 1024  # a scheme or assessment workbook is well under 5 MB
MAX_UNPACKED_BYTES = 250 * 1024 * 1024
MAX_PACKING_RATIO = 200  # xlsx XML compresses about 10:1; bombs go far beyond
MAX_SHEET_CELLS = 2_000_000  # rows x columns read from one sheet; a returned workbook's are ~1,000

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_STRICT_NS = b"purl.oclc.org/ooxml/officeDocument"
_WORKBOOK_TYPES = (
    b"spreadsheetml.sheet.main+xml",  # .xlsx
    b"ms-excel.sheet.macroEnabled.main+xml",  # .xlsm (macros are never run)
    b"spreadsheetml.template.main+xml",  # .xltx
    b"ms-excel.template.macroEnabled.main+xml",  # .xltm
)


class Cell(NamedTuple):  # a NamedTuple: immutable, and built in C (a workbook has thousands)
    value: Any  # the cached value for a formula (None if it was never calculated)
    coordinate: str  # "D14"
    row: int
    column: int
    number_format: str = "General"
    formula: str | None = None  # "=A1+A2" (read_workbook_xml only)

    @property
    def is_percent(self) -> bool:
        return "%" in (self.number_format or "")


def shown_as_text(value: Any, number_format: str | None = None, *, decimal: str = ".") -> str:
    """A cell's value that is not text, as the text a person typed or reads in it: `3,5`
    (with decimal=","), `45 %` for 0.45 in a percent cell, `2026-12-31` for a date,
    `2026-12-31 14:30` for a date with a time, TRUE or FALSE; never `0.45`, `True` or
    `2026-12-31 00:00:00`."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(" ", "seconds" if value.second or value.microsecond else "minutes")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, int | float):
        percent = "%" in (number_format or "")
        number = float(value) * 100 if percent else value
        text = f"{number:.15g}" if isinstance(number, float) else str(number)
        if "e" in text:  # beyond 15 digits: the whole number, as the cell shows it
            text = f"{number:.15f}".rstrip("0").rstrip(".") if abs(number) < 1 else f"{number:.0f}"
        text = text.replace(".", decimal)
        return f"{text} %" if percent else text
    return str(value)


class Note(NamedTuple):
    """A note (comment) on a cell, or an Excel 365 threaded comment (each reply is one of its own)."""

    coordinate: str
    author: str
    text: str
    kind: str = "note"  # "note" or "threaded"


@dataclass(frozen=True)
class Damaged:
    """The value of a cell whose data in the file cannot be read: a reference to text that
    does not exist, a number or date that is not one, two different values at one place.
    Readers make it a problem on its cell; the rest of the workbook is read."""

    text: str  # what the file holds there, shortened: for a person to recognise
    why: str  # what is wrong, written for a person

    def __str__(self) -> str:
        return self.text


@dataclass
class Sheet:
    """A sheet: the values of each row that holds something, and any cell on demand.

    `values` is for finding things (ids, headings, text): its text is exact whichever reader
    made it; other values may differ in type between readers (calamine reads a date cell as
    a date). `cell()` and `text()` give a cell exactly as the file has it."""

    name: str
    values: list[tuple[int, list[Any]]] = field(default_factory=list)  # (row number, values from column A)
    hidden: bool = False
    notes: list[Note] = field(default_factory=list)  # read_workbook_xml only
    # (row, column) -> the cell as the file has it (value, number format, formula), None if empty
    find: Callable[[int, int], Cell | None] | None = field(default=None, repr=False, compare=False)
    every_cell: Callable[[], list[list[Cell]]] | None = field(default=None, repr=False, compare=False)
    every_value: Callable[[], Iterator[tuple[int, list[Any]]]] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of_cells(cls, name: str, rows: list[list[Cell]], hidden: bool = False) -> Sheet:
        """A sheet from rows of cells read one by one."""
        index = {(c.row, c.column): c for row in rows for c in row}
        return cls(
            name,
            [(row[0].row, [c.value for c in row]) for row in rows if row],
            hidden,
            find=lambda row, column: index.get((row, column)),
            every_cell=lambda: rows,
        )

    def text(self, row: int, column: int, *, decimal: str = ".") -> str | None:
        """What the cell at (row, column), both from 1, holds as text (None if empty): a
        number, percentage, date or truth value as a person reads it in the cell (`decimal`
        the decimal mark of the workbook's language), never Python's form of it."""
        values = self._by_row.get(row, ())
        value = values[column - 1] if column <= len(values) else None
        if value is None or type(value) is str:  # text is the same in every reader
            return value
        found = self.cell(row, column)  # a number, a date...: as the file has it
        if found.value is None or isinstance(found.value, Damaged):
            return None
        return shown_as_text(found.value, found.number_format, decimal=decimal)

    @cached_property
    def _by_row(self) -> dict[int, list[Any]]:
        return dict(self.values)

    def cell(self, row: int, column: int) -> Cell:
        """The cell at (row, column), both from 1, with its value, number format and formula."""
        found = self.find(row, column) if self.find is not None else None
        return found or Cell(None, f"{column_letters(column)}{row}", row, column)

    @property
    def rows(self) -> list[list[Cell]]:
        """Each row holding a value or a formula: its cells from column A to its last one, as the
        file has them (read one by one: far slower than `values` for a grid-read sheet)."""
        if self.every_cell is not None:
            return self.every_cell()
        return [[self.cell(number, column) for column in range(1, len(values) + 1)] for number, values in self.values]

    def value_rows(self) -> Iterator[tuple[int, list[Any]]]:
        """Each row holding a value, a row at a time: its number and its values from column A,
        each exactly as `cell()` gives it (as `rows` has them), without keeping the cells: for
        a reader that needs only the values of a long sheet. A row may end with blanks that
        `rows` leaves out, and a row whose cells hold only formulas without a value may be
        left out (its values are all None)."""
        if self.every_value is not None:
            yield from self.every_value()
            return
        for row in self.rows:
            yield row[0].row, [c.value for c in row]


@dataclass
class Workbook:
    path: Path
    sheets: dict[str, Sheet]
    epoch: dt.datetime | None = None  # day 0: 1899-12-30 (1900 system) or 1904-01-01
    modified: dt.datetime | None = None  # when it was last saved, from its document properties (UTC)
    macros: bool = False  # saved as .xlsm
    # `modified` is the saver's local time, its zone unknown: an OpenDocument file's dc:date
    # has none, and LibreOffice writes its local time into an .xlsx with a 'Z' (UTC) after it
    modified_local: bool = False

    def sheet(self, name: str) -> Sheet | None:
        """The sheet called `name`, ignoring case and surrounding spaces."""
        wanted = name.strip().casefold()
        for sheet_name, sheet in self.sheets.items():
            if sheet_name.strip().casefold() == wanted:
                return sheet
        return None


def _fail(code: str, label: str, **fields: Any) -> UnreadableFile:
    return UnreadableFile(problem(code, path=label, **fields))


def sniff_workbook(path: Path, name: str | None = None) -> None:
    """Raise UnreadableFile unless `path` looks like an .xlsx/.xlsm package we can parse.

    `name` is what messages call the file (an archived copy is called by its original name).
    """
    _open_package(path, name or str(path))[0].close()


def _open_package(path: Path, label: str, data: bytes | None = None) -> tuple[zipfile.ZipFile, bytes]:
    """The file's package (its bytes `data`, else read from `path`), opened in memory once
    sniffed, and its bytes; UnreadableFile if it is not an .xlsx/.xlsm package we can parse."""
    if data is None:
        if not path.exists():
            raise _fail("file-not-found", label)
        if path.is_dir():
            raise _fail("not-a-workbook", label, detail="it is a folder")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise _fail("oversized-file", label, detail=f"it is {path.stat().st_size / 1e6:.0f} MB")
        data = path.read_bytes()
    if len(data) > MAX_FILE_BYTES:
        raise _fail("oversized-file", label, detail=f"it is {len(data) / 1e6:.0f} MB")
    if not data:
        raise _fail("not-a-workbook", label, detail="the file is empty")
    if data[:8] == _OLE2_MAGIC:
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise _fail("encrypted-file", label)
        raise _fail("legacy-format", label, format="Excel 97-2003 (.xls) or another OLE2 document")
    if not data.startswith(b"PK"):
        raise _fail("not-a-workbook", label, detail="its content is not a spreadsheet package")
    archive = None
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        _sniff_package(label, archive, data)
        return archive, data
    except UnreadableFile:
        if archive is not None:
            archive.close()
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, zlib.error) as exc:
        raise _fail("corrupt-file", label, detail=failure_detail(exc)) from None


def _sniff_package(label: str, archive: zipfile.ZipFile, data: bytes) -> None:
    infos = archive.infolist()
    if not infos:
        raise _fail("not-a-workbook", label, detail="it is an empty archive")
    names = [info.filename for info in infos]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise _fail("corrupt-file", label, detail=f"it holds two different copies of '{name}'")
        seen.add(name)
    unpacked = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    if unpacked > MAX_UNPACKED_BYTES or (unpacked > 10 * 1024 * 1024 and unpacked / packed > MAX_PACKING_RATIO):
        raise _fail("oversized-file", label, detail=f"it would unpack to {unpacked / 1e6:.0f} MB")
    if "mimetype" in seen:
        mimetype = archive.read("mimetype")[:200]
        if b"opendocument" in mimetype:
            manifest = archive.read("META-INF/manifest.xml") if "META-INF/manifest.xml" in seen else b""
            if b"encryption-data" in manifest:
                raise _fail("encrypted-file", label)
            kind = "an OpenDocument spreadsheet (.ods)" if b"spreadsheet" in mimetype else "an OpenDocument file"
            raise _fail("legacy-format", label, format=kind)
    if "[Content_Types].xml" not in seen:
        raise _fail("not-a-workbook", label, detail="it is a zip archive without spreadsheet parts")
    content_types = _read_part(archive, data, "[Content_Types].xml")
    rels = _read_part(archive, data, "_rels/.rels") if "_rels/.rels" in seen else b""
    if _STRICT_NS in rels or _STRICT_NS in content_types:
        raise _fail("strict-ooxml", label)
    if b"sheet.binary.macroEnabled.main" in content_types:
        raise _fail("legacy-format", label, format="an Excel Binary Workbook (.xlsb)")
    if not any(kind in content_types for kind in _WORKBOOK_TYPES):
        raise _fail("not-a-workbook", label, detail="it is an Office document, but not a workbook")


def _read_part(archive: zipfile.ZipFile, data: bytes, name: str) -> bytes:
    """The bytes of the package's part `name`, from the package's bytes `data`.

    A part stored or deflated the usual way is inflated straight from `data` (zipfile's
    stream machinery costs more than the inflating, for parts this small), after zipfile's
    own checks: its local header is there and names it, and its size and CRC are what the
    directory says. Anything else (encrypted, another method, any check failing) is read
    by zipfile, which gives the verdict."""
    info = archive.getinfo(name)
    start = info.header_offset
    header = data[start : start + 30]
    if (
        info.flag_bits & 0x1
        or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
        or len(header) < 30
        or header[:4] != b"PK\x03\x04"
    ):
        return archive.read(name)
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    body = start + 30 + name_length + extra_length
    encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
    if data[start + 30 : start + 30 + name_length] != info.orig_filename.encode(encoding, "replace"):
        return archive.read(name)
    packed = data[body : body + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        part = packed[: info.file_size]
    else:
        try:
            part = zlib.decompressobj(-15).decompress(packed, info.file_size)
        except zlib.error:
            return archive.read(name)
    if len(part) != info.file_size or zlib.crc32(part) != info.CRC:
        return archive.read(name)
    return part


def read_workbook(path: str | Path) -> Workbook:
    """Read every sheet's cell values (cached values for formulas) and number formats (openpyxl).

    For scheme and roster workbooks; returned workbooks are read by `read_workbook_xml`.
    """
    path = Path(path)
    label = str(path)
    sniff_workbook(path, label)
    import openpyxl  # imported here: a CLI that only shows the scheme starts faster

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unsupported extensions, e.g. slicers
            book = openpyxl.load_workbook(path, data_only=True, read_only=False)
    except Exception as exc:  # any parser failure on a hostile file is a verdict
        raise _unreadable_from(label, exc) from None
    try:
        sheets: dict[str, Sheet] = {}
        for ws in book.worksheets:
            _check_area(label, ws.title, ws.max_row, ws.max_column)
            rows: list[list[Cell]] = []
            for row in ws.iter_rows():
                rows.append([Cell(c.value, c.coordinate, c.row, c.column, c.number_format or "General") for c in row])
            sheets[ws.title] = Sheet.of_cells(ws.title, rows, hidden=ws.sheet_state != "visible")
        modified = book.properties.modified if book.properties else None
        return Workbook(
            path,
            sheets,
            epoch=book.epoch,
            modified=modified,
            macros=bool(getattr(book, "vba_archive", None)) or path.suffix.casefold() == ".xlsm",
        )
    finally:
        book.close()


def local_to_utc(when: dt.datetime, country: str) -> dt.datetime | None:
    """A local time without zone (`when`, saved in `country`) as UTC without its zone: the
    country's time offset on that day (summer time included); where the country's zones
    differ then (Spain and the Canaries), the offset most of them have. None when the
    country's zones are not known."""
    import zoneinfo
    from collections import Counter

    from babel.core import get_global

    offsets: Counter[dt.timedelta] = Counter()
    for name in get_global("territory_zones").get(country.upper(), ()):
        try:
            offset = when.replace(tzinfo=zoneinfo.ZoneInfo(name)).utcoffset()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            continue
        if offset is not None:
            offsets[offset] += 1
    if not offsets:
        return None
    offset = max(offsets, key=lambda o: (offsets[o], o))
    try:
        return when.replace(tzinfo=None) - offset
    except OverflowError:  # a forged time at the calendar's edge (year 1, year 9999): kept as written
        return None


def parse_instant(text: str) -> dt.datetime | None:
    """An ISO 8601 time as UTC without its zone, so that save times compare as instants
    (`2026-03-01T12:00:00+05:00` is 07:00); a time without a zone is taken as it is (UTC).
    None if it is not such a time (also one that UTC puts outside the calendar: year 1 east
    of Greenwich, year 9999 west of it, as only a forged file says)."""
    text = re.sub(r"(\.\d{6})\d+", r"\1", text.strip().replace("Z", "+00:00"))  # nanoseconds
    try:
        when = dt.datetime.fromisoformat(text)
        return when.astimezone(dt.UTC).replace(tzinfo=None) if when.tzinfo is not None else when
    except (ValueError, OverflowError):
        return None


def _check_area(label: str, title: str, rows: int, columns: int) -> None:
    """Refuse a sheet whose cells span an absurd area (a few cells far apart would make
    millions of blank ones, each padded in, a memory bomb)."""
    if rows * columns > MAX_SHEET_CELLS:
        raise _fail(
            "oversized-file",
            label,
            detail=f"its sheet '{title}' spans {rows:,} rows and {columns:,} columns ({rows * columns:,} cells)",
        )


def _unreadable_from(label: str, exc: BaseException) -> UnreadableFile:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    for item in chain:
        module = type(item).__module__ or ""
        if module.startswith("defusedxml"):
            name = type(item).__name__
            detail = {
                "EntitiesForbidden": "an XML entity declaration (an 'entity expansion' bomb)",
                "ExternalReferenceForbidden": "a reference to an external file or address",
                "DTDForbidden": "a document type declaration",
            }.get(name, "forbidden XML constructs")
            return _fail("unsafe-content", label, detail=detail)
    return _fail("corrupt-file", label, detail=failure_detail(exc))


def failure_detail(exc: BaseException) -> str:
    """Why a file could not be read, for a person: what kind of damage, never Python's own
    words (the exception itself goes to the log, which `excelcert --debug` shows)."""
    import xml.etree.ElementTree as ET
    from xml.parsers.expat import ExpatError

    _log.debug("a file could not be read", exc_info=exc)
    if isinstance(exc, (ET.ParseError, ExpatError)):
        line, column = getattr(exc, "position", None) or (getattr(exc, "lineno", 0), getattr(exc, "offset", 0))
        return f"a part of it is not well-formed XML (line {line}, column {column})"
    if isinstance(exc, zipfile.BadZipFile):
        return "its zip container is broken"
    if isinstance(exc, zlib.error):
        return "a compressed part of it is damaged"
    if isinstance(exc, EOFError):
        return "it is cut short"
    if isinstance(exc, NotImplementedError):
        return "it is packed in a way spreadsheet programs do not use"
    if isinstance(exc, RuntimeError) and "encrypted" in str(exc):
        return "a part of it is encrypted"
    if isinstance(exc, KeyError):
        return "a part it refers to is missing"
    if isinstance(exc, MemoryError):
        return "reading it would take more memory than a workbook needs"
    if isinstance(exc, OSError):
        return "it could not be read from the disk"
    return "its content does not follow the format of a workbook"


# --- the fast reader: the package's XML itself -------------------------------------------

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_MODIFIED = "{http://purl.org/dc/terms/}modified"
_APPLICATION = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}Application"
_FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY")  # no OOXML part has them; bombs and XXE need them


def read_workbook_xml(
    path: str | Path,
    *,
    name: str | None = None,
    skip: Callable[[str], bool] | None = None,
    grid: bool = True,
    data: bytes | None = None,
) -> Workbook:
    """Like `read_workbook(path)`, with each cell's formula, read straight from the XML: ~20x faster.

    Cached values, number formats and formulas of every cell, the date system, the last
    save time. Any part with a document type or entity declaration is refused unparsed.
    Sheets whose name `skip` accepts are not parsed (and are absent from the result).
    With `data`, those are the file's bytes (already read), and `path` only names it.

    With `grid` (the default), a sheet's rows come from python-calamine's grid of values,
    whenever its XML lets each cell be found again by its reference; `Sheet.cell` then
    gives a cell's exact value, number format and formula from the XML, for the few cells
    a reader parses. Without it, or when a sheet does not allow it, every cell is read from
    the XML. Both give the same cells (tested cell for cell).
    """
    path = Path(path)
    label = name or str(path)
    archive, data = _open_package(path, label, data)
    try:
        return _XmlBook(archive, path, label, data, grid).read(skip)
    except UnreadableFile:
        raise
    except Exception as exc:  # any parser failure on a hostile file is a verdict
        raise _unreadable_from(label, exc) from None


class _XmlBook:
    def __init__(self, archive: zipfile.ZipFile, path: Path, label: str, data: bytes, grid: bool = True):
        self.archive, self.path, self.label = archive, path, label
        self.data = data  # the package's bytes
        self.grid = grid  # python-calamine's grid of values where it may be used; False: every cell from the XML
        self.names = set(archive.namelist())
        self.parts: dict[str, bytes] = {}  # the parts read so far
        self.targets: dict[str, str] = {}  # the workbook part's relationships: id -> part name
        self.folder = "xl"
        self.epoch = dt.datetime(1899, 12, 30)

    def raw(self, name: str) -> bytes:
        """A part's bytes, refused if it has a document type or entity declaration."""
        data = self.parts.get(name)
        if data is None:
            data = _read_part(self.archive, self.data, name)
            if b"!" in data and any(marker in data for marker in _FORBIDDEN):  # one quick pass when no "!"
                raise _fail("unsafe-content", self.label, detail="a document type or entity declaration")
            self.parts[name] = data
        return data

    def part(self, name: str) -> ET.Element:
        import xml.etree.ElementTree as ET

        return ET.fromstring(self.raw(name))

    def rels(self, name: str) -> dict[str, str]:
        return {rel_id: target for rel_id, _, target in self.typed_rels(name)}

    def typed_rels(self, name: str) -> tuple[tuple[str, str, str], ...]:
        """(id, type, target part name) of each relationship of part `name`."""
        folder, _, base = name.rpartition("/")
        rels_name = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
        if rels_name not in self.names:
            return ()
        return _relationships(self.raw(rels_name), folder)

    def notes(self, rels: tuple[tuple[str, str, str], ...], persons: dict[str, str]) -> list[Note]:
        """The threaded comments, then the notes, of the sheet whose relationships are `rels`
        (a note Excel writes as the stand-in of a threaded comment is left out)."""
        threaded: list[Note] = []
        legacy: list[Note] = []
        for _, kind, target in rels:
            if target not in self.names:
                continue
            if kind.endswith("/threadedComment"):
                for item in self.part(target).iter(f"{_THREADED}threadedComment"):
                    body = item.find(f"{_THREADED}text")
                    threaded.append(
                        Note(
                            item.get("ref", ""),
                            persons.get(item.get("personId", ""), ""),
                            (body.text or "").strip() if body is not None else "",
                            "threaded",
                        )
                    )
            elif kind.endswith("/comments"):
                root = self.part(target)
                authors = [a.text or "" for a in root.iter(f"{_MAIN}author")]
                for item in root.iter(f"{_MAIN}comment"):
                    author_id = int(item.get("authorId", "0") or 0)
                    author = authors[author_id] if 0 <= author_id < len(authors) else ""
                    text = "".join(t.text or "" for t in item.iter(f"{_MAIN}t")).strip()
                    if author.startswith("tc=") or text.startswith("[Threaded comment]"):
                        continue  # Excel's stand-in for a threaded comment, read from its own part
                    legacy.append(Note(item.get("ref", ""), author, text))
        return threaded + legacy

    def persons(self, workbook_part: str) -> dict[str, str]:
        """Person id -> display name, for threaded comments."""
        out = {}
        for _, kind, target in self.typed_rels(workbook_part):
            if kind.endswith("/person") and target in self.names:
                for person in self.part(target).iter(f"{_THREADED}person"):
                    out[person.get("id", "")] = person.get("displayName", "")
        return out

    def read(self, skip: Callable[[str], bool] | None = None) -> Workbook:
        try:
            root_rels = self.rels("")
        except UnreadableFile:
            raise
        except Exception:  # a broken package index (seen from LibreOffice 6.0): the usual place
            root_rels = {}
        workbook_name = next(
            (t for t in root_rels.values() if t.endswith(".xml") and "workbook" in t), "xl/workbook.xml"
        )
        date1904, workbook_sheets = _workbook_facts(self.raw(workbook_name))
        titles = [title.strip().casefold() for title, _, _ in workbook_sheets]
        twice = next((title for title, _, _ in workbook_sheets if titles.count(title.strip().casefold()) > 1), None)
        if twice is not None:  # Excel and LibreOffice never save that; which one counts is anyone's guess
            raise _fail("corrupt-file", self.label, detail=f"two of its sheets are called '{twice[:40]}'")
        if date1904:
            self.epoch = dt.datetime(1904, 1, 1)
        self.targets = self.rels(workbook_name)
        self.folder = workbook_name.rpartition("/")[0]
        sheets: dict[str, Sheet] = {}
        persons: dict[str, str] | None = None
        for title, rel_id, state in workbook_sheets:
            target = self.targets.get(rel_id)
            if target is None or target not in self.names or (skip is not None and skip(title)):
                continue
            hidden = state != "visible"
            sheets[title] = self._grid_sheet(title, target, hidden) or Sheet.of_cells(
                title, self._rows(target, title), hidden
            )
            rels = self.typed_rels(target)
            if rels:
                persons = self.persons(workbook_name) if persons is None else persons
                sheets[title].notes = self.notes(rels, persons)
        # parsed now, not when a cell is first looked up: damage there is the file's verdict
        self.styles, self.shared_count  # noqa: B018
        self.__dict__.pop("calamine", None)  # every grid is read: its copy of the file is not kept with the cells
        return Workbook(
            self.path,
            sheets,
            epoch=self.epoch,
            modified=self._modified(),
            macros="xl/vbaProject.bin" in self.names or self.path.suffix.casefold() == ".xlsm",
            modified_local=self._saved_by_libreoffice(),
        )

    @cached_property
    def shared(self) -> list[str]:
        """The shared strings."""
        name = next(
            (t for t in self.targets.values() if t.endswith("sharedStrings.xml")), f"{self.folder}/sharedStrings.xml"
        )
        if name not in self.names:
            return []
        return [_rich_text(item) for item in self.part(name).iter(f"{_MAIN}si")]

    @cached_property
    def shared_count(self) -> int:
        """How many shared strings the file holds, counted without parsing them (0 if they
        are written in an unusual way: then any cell referring to one is read cell by cell)."""
        name = next(
            (t for t in self.targets.values() if t.endswith("sharedStrings.xml")), f"{self.folder}/sharedStrings.xml"
        )
        if name not in self.names:
            return 0
        part = self.raw(name)
        return part.count(b"<si>") + part.count(b"<si/>") + part.count(b"<si ")

    @cached_property
    def styles(self) -> tuple[tuple[str, str | None], ...]:
        """Per cell style: (number format, 'date' / 'timedelta' / None)."""
        name = next((t for t in self.targets.values() if t.endswith("styles.xml")), None)
        return _styles(self.raw(name) if name is not None and name in self.names else b"")

    def _rows(self, name: str, title: str = "") -> list[list[Cell]]:
        shared, styles, epoch = self.shared, self.styles, self.epoch
        sheet = self.part(name)
        found: dict[int, dict[int, Cell]] = {}
        row_number = 0
        for row in sheet.iter(f"{_MAIN}row"):
            number = row.get("r", "")
            row_number = _whole(number, row_number + 1)
            column = 0
            for c in row.iter(f"{_MAIN}c"):
                ref, cell_row, damage = c.get("r"), row_number, None
                place = _REFERENCE.fullmatch(ref) if ref else None
                if place:  # the cell is where its reference says (as openpyxl and calamine place it)
                    column = _column_index(place.group(1))
                    if place.group(2):
                        cell_row = int(place.group(2))
                    ref = f"{place.group(1)}{cell_row}"
                else:
                    if ref:
                        damage = f"its reference '{ref[:20]}' is not a cell's"
                    column += 1
                    ref = f"{column_letters(column)}{row_number}"
                v = f = inline = None
                for child in c:
                    if child.tag == _V:
                        v = child.text
                    elif child.tag == _F:
                        f = "=" + (child.text or "")
                    elif child.tag == _IS:
                        inline = _rich_text(child)
                if v is None and f is None and not inline:
                    continue  # an empty cell, styled or not: the padding below places it
                number_format, kind_of_date = _style_of(styles, c.get("s"))
                value = inline or _cell_value(c.get("t", "n"), v, shared, kind_of_date, epoch)
                if damage is not None:
                    value = Damaged(_shortened(value), damage)
                cells = found.setdefault(cell_row, {})
                earlier = cells.get(column)
                if earlier is not None and (earlier.value, earlier.formula) != (value, f):
                    first, second = _shortened(earlier.value), _shortened(value)
                    value = Damaged(f"{first} / {second}", f"the file gives it two values, '{first}' and '{second}'")
                cells[column] = Cell(value, ref, cell_row, column, number_format, f)
        widths = [max(cells) for cells in found.values() if cells]
        if sum(widths) > MAX_SHEET_CELLS:  # each row is padded from column A
            _check_area(self.label, title, max(found), max(widths))
        return _padded(found)

    def _saved_by_libreoffice(self) -> bool:
        """Whether LibreOffice saved it (docProps/app.xml): its save time is then local time,
        whatever zone it says (LibreOffice 7.4 writes its local time with 'Z')."""
        if "docProps/app.xml" not in self.names:
            return False
        element = self.part("docProps/app.xml").find(_APPLICATION)
        return element is not None and (element.text or "").startswith("LibreOffice")

    def _modified(self) -> dt.datetime | None:
        if "docProps/core.xml" not in self.names:
            return None
        element = self.part("docProps/core.xml").find(_MODIFIED)
        if element is None or not element.text:
            return None
        return parse_instant(element.text)

    @cached_property
    def calamine(self) -> Any:
        """The package opened by python-calamine, for grids of values; None if it cannot be."""
        if not self.grid:
            return None
        import python_calamine

        parts = {name for name in self.targets.values() if name.endswith(("sharedStrings.xml", "styles.xml"))}
        for name in (parts | {"xl/sharedStrings.xml", "xl/styles.xml"}) & self.names:  # what calamine reads
            part = self.raw(name)  # refused if it declares a document type or entities
            # calamine reserves room for as many shared strings as the part says it holds: a
            # forged count of billions makes the allocation fail, which aborts the process
            if name.endswith("sharedStrings.xml") and (
                any(not count.isdigit() or int(count) > len(part) for count in _UNIQUE_COUNT.findall(part))
                or not _well_formed(part)
            ):
                return None
        try:
            return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(self.data))
        except Exception:  # whatever calamine cannot open is read from the XML, which gives the verdict
            return None

    def _grid_sheet(self, title: str, target: str, hidden: bool) -> Sheet | None:
        """The sheet with rows from calamine's grid of values, or None: read it cell by cell.

        Only when its XML is plain (`_plain`: as Excel, LibreOffice, openpyxl and xlsxwriter
        write it), so that `Sheet.cell` finds any cell again by its reference, and when its
        cells span a sensible area: calamine's grid is dense, and a single cell at XFD1048576
        would make it ask for half a terabyte and abort the whole process."""
        xml = self.raw(target)
        spans = _row_spans(xml)
        if spans is None or not _plain(xml) or not self._shared_ok(xml) or not _well_formed(xml):
            return None  # calamine reads broken XML as far as it goes: the XML reader gives the verdict
        if self.calamine is None:
            return None
        try:
            values = self.calamine.get_sheet_by_name(title).to_python(skip_empty_area=False)
        except Exception:
            return None
        # as the cell-by-cell reader has them: no text is None, a whole number an int (dates
        # stay as calamine has them; `Sheet.cell` gives the reader's)
        grid = {
            number: [
                (v or None)
                if type(v) is str
                else int(v)
                if type(v) is float and v.is_integer() and abs(v) < _EXACT_INTEGERS
                else v
                for v in row
            ]
            for number, row in enumerate(values, start=1)
            if row.count("") < len(row)
        }
        if b't="e"' in xml:  # calamine's grid has errors (#VALUE!...) blank: the XML has their text
            for match in _ERROR_CELL.finditer(xml):
                number, column = int(match.group(2)), _column_index(match.group(1).decode())
                row = grid.setdefault(number, [])
                row.extend([None] * (column - len(row)))
                row[column - 1] = match.group(3).decode() or None
        texts = sum(1 for row in grid.values() for v in row if type(v) is str)
        if texts > sum(xml.count(kind) for kind in _TEXT_KINDS):
            return None  # calamine found text where the XML holds none: read it cell by cell
        finder = _CellFinder(self, target, xml, spans, grid)
        sheet = Sheet(
            title,
            sorted(grid.items()),
            hidden,
            find=finder.find,
            every_cell=finder.every_cell,
            every_value=finder.every_value,
        )
        finder.sheet = sheet
        return sheet

    def _shared_ok(self, xml: bytes) -> bool:
        """Whether every cell of a sheet's XML that refers to a shared string refers to one the
        file has (calamine reads a wrong reference as some other text, or as none)."""
        if b't="s"' not in xml:
            return True
        indices = _SHARED_INDEX.findall(xml)
        count = self.shared_count
        return len(indices) == xml.count(b't="s"') and all(_shared_index_ok(i.decode(), count) for i in indices)


class _CellFinder:
    """A grid-read sheet's cells, found again in its XML by their reference: value, number
    format and formula exactly as the cell-by-cell reader reads them. Text comes from the
    grid (calamine resolves shared strings, rich text and escapes); numbers, dates, booleans
    and errors from the cell's XML. Should the XML ever disagree with the grid about a cell,
    or hold a cell tag that a search by reference could miss, the whole sheet is read cell
    by cell instead."""

    def __init__(
        self, book: _XmlBook, target: str, xml: bytes, spans: dict[int, tuple[int, int]], grid: dict[int, list[Any]]
    ):
        self.book, self.target, self.xml, self.spans, self.grid = book, target, xml, spans, grid
        self.fallback: dict[tuple[int, int], Cell] | None = None  # the cells, once read one by one
        self.cell_by_cell: list[list[Cell]] = []
        self.sheet: Sheet | None = None  # the sheet whose cells these are

    def find(self, row: int, column: int) -> Cell | None:
        if self.fallback is None:
            values = self.grid.get(row, ())
            grid_value = values[column - 1] if column <= len(values) else None
            try:
                return self._find(row, column, grid_value)
            except _Disagreement:
                self._read_cell_by_cell()
        assert self.fallback is not None
        return self.fallback.get((row, column))

    def every_cell(self) -> list[list[Cell]]:
        if self.fallback is not None:
            return self.cell_by_cell
        found: dict[int, dict[int, Cell]] = {}
        for match in _CELL_PLACE.finditer(self.xml):
            row, column = int(match.group(2)), _column_index(match.group(1).decode())
            cell = self.find(row, column)
            if self._fell_back():  # the grid and the XML disagreed about this cell
                return self.cell_by_cell
            if cell is not None:
                found.setdefault(row, {})[column] = cell
        return _padded(found)

    def every_value(self) -> Iterator[tuple[int, list[Any]]]:
        """Each row's values as `every_cell` has them, a row at a time (`Sheet.value_rows`).

        Every cell is first found in the XML as `every_cell` finds it, and dropped: should the
        XML and the grid disagree about one, the sheet is read cell by cell, as there. Else
        the grid's text is the cell's, and any other value is found again in the XML."""
        valued = 0  # the cells of the XML with a value
        if self.fallback is None:
            for match in _CELL_PLACE.finditer(self.xml):
                cell = self.find(int(match.group(2)), _column_index(match.group(1).decode()))
                if self._fell_back():
                    break
                valued += cell is not None and cell.value is not None
        if self.fallback is not None or valued != sum(len(v) - v.count(None) for v in self.grid.values()):
            # read cell by cell; or a value in the grid that no cell of the XML has, which
            # `every_cell` leaves out (never seen; the cells are then kept, as there)
            for cells in self.every_cell():
                yield cells[0].row, [c.value for c in cells]
            return
        for number, values in sorted(self.grid.items()):
            exact = list(values)
            for column, value in enumerate(values, start=1):
                if value is not None and type(value) is not str:
                    cell = self.find(number, column)
                    exact[column - 1] = None if cell is None else cell.value
            yield number, exact

    def _fell_back(self) -> bool:
        """Whether the sheet is now read cell by cell (`find` may switch to it: a method, so that
        a check made before a call to `find` is not taken for the state after it)."""
        return self.fallback is not None

    def _read_cell_by_cell(self) -> None:
        self.cell_by_cell = self.book._rows(self.target)
        self.fallback = {(c.row, c.column): c for cells in self.cell_by_cell for c in cells}
        if self.sheet is not None:  # its values too, as the cell-by-cell reader has them
            self.sheet.values = [(row[0].row, [c.value for c in row]) for row in self.cell_by_cell if row]
            self.sheet.__dict__.pop("_by_row", None)

    def _find(self, row: int, column: int, grid_value: Any) -> Cell | None:
        coordinate = f"{column_letters(column)}{row}"
        xml = self.xml
        start, end = self.spans.get(row, (0, 0))
        at = xml.find(b'<c r="%s"' % coordinate.encode(), start, end)
        if at < 0:  # no such cell in the XML (every cell tag starts with its reference: `_plain`)
            if grid_value is not None:
                raise _Disagreement
            return None
        tag = _CELL_TAG.match(xml, at)
        if tag is None:
            raise _Disagreement
        if xml.find(b'<c r="%s"' % coordinate.encode(), tag.end(), end) >= 0:
            raise _Disagreement  # two cells at one place (`_plain` lets no such sheet through)
        style_text, kind_text, closed = tag.groups()
        body = b"" if closed else xml[tag.end() : xml.find(b"</c>", tag.end())]
        formula = _FORMULA.search(body) if b"<f" in body else None
        kind = "n" if kind_text is None else kind_text.decode()
        number_format, kind_of_date = _style_of(self.book.styles, style_text)
        number = _NUMBER.search(body)
        text = number.group(1).decode() if number and number.group(1) else None
        if kind in ("s", "inlineStr", "str"):
            if not isinstance(grid_value, (str, type(None))) or (
                kind == "s" and text is not None and not _shared_index_ok(text, self.book.shared_count)
            ):
                raise _Disagreement
            value = grid_value
        else:
            value = _cell_value(kind, text, [], kind_of_date, self.book.epoch)
            if kind != "e" and (
                isinstance(value, Damaged)
                or (value is None) != (grid_value is None)
                or isinstance(grid_value, str)
                or (grid_value is not None and (kind == "b") != isinstance(grid_value, bool))
                or (type(grid_value) in (int, float) and type(value) in (int, float) and value != grid_value)
            ):
                raise _Disagreement
        if value is None and formula is None and text is None:  # an empty cell, as the XML reader has it
            return None
        return Cell(
            value,
            coordinate,
            row,
            column,
            number_format,
            None if formula is None else "=" + html.unescape((formula.group(1) or b"").decode()),
        )


# The returns of one campaign mostly share their package's relationships, workbook and
# styles parts: each distinct one is parsed once.
@lru_cache(maxsize=64)
def _relationships(part: bytes, folder: str) -> tuple[tuple[str, str, str], ...]:
    """(id, type, target part name) of each relationship in a relationships part of a part in `folder`."""
    import xml.etree.ElementTree as ET

    out = []
    for rel in ET.fromstring(part).iter(_PKG_REL):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        target = target.lstrip("/") if target.startswith("/") else (f"{folder}/{target}" if folder else target)
        out.append((rel.get("Id", ""), rel.get("Type", ""), posixpath.normpath(target)))
    return tuple(out)


@lru_cache(maxsize=16)
def _workbook_facts(part: bytes) -> tuple[bool, tuple[tuple[str, str, str], ...]]:
    """Of a workbook part: whether it counts dates from 1904, and each sheet's (name, relationship id, state)."""
    import xml.etree.ElementTree as ET

    workbook = ET.fromstring(part)
    properties = workbook.find(f"{_MAIN}workbookPr")
    date1904 = properties is not None and properties.get("date1904", "0").lower() in ("1", "true")
    return date1904, tuple(
        (sheet.get("name", ""), sheet.get(_REL_ID, ""), sheet.get("state", "visible"))
        for sheet in workbook.iter(f"{_MAIN}sheet")
    )


@lru_cache(maxsize=16)
def _styles(part: bytes) -> tuple[tuple[str, str | None], ...]:
    """Per cell style of a styles part: (number format, 'date' / 'timedelta' / None)."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(part) if part else None
    cell_xfs = root.find(f"{_MAIN}cellXfs") if root is not None else None
    if root is None or cell_xfs is None:
        return (("General", None),)
    custom = {int(f.get("numFmtId", "0")): f.get("formatCode", "General") for f in root.iter(f"{_MAIN}numFmt")}
    formats = [
        custom.get(n) or _builtin_format(n)
        for n in (int(xf.get("numFmtId", "0")) for xf in cell_xfs.findall(f"{_MAIN}xf"))
    ]
    return tuple((f, _kind_of_format(f)) for f in formats) or (("General", None),)


def _builtin_format(number: int) -> str:
    """The format of a built-in number format id (openpyxl's table); "General" for 0 and for
    an id the table lacks."""
    return BUILTIN_FORMATS.get(number, "General")


@lru_cache(maxsize=1024)
def _kind_of_format(number_format: str) -> str | None:
    """'date', 'timedelta' or None: what a number in this format is (openpyxl's rules)."""
    if number_format == "General":
        return None
    if not is_date_format(number_format):
        return None
    return "timedelta" if is_timedelta_format(number_format) else "date"


def _padded(found: dict[int, dict[int, Cell]]) -> list[list[Cell]]:
    """Rows of cells from {row: {column: cell}}: each row that has cells, from column A to its
    last cell, gaps filled with blanks (a reader meets no gap unplaced)."""
    return [
        [
            cells.get(col) or Cell(None, f"{column_letters(col)}{number}", number, col)
            for col in range(1, max(cells) + 1)
        ]
        for number, cells in sorted(found.items())
        if cells
    ]


class _Disagreement(Exception):
    """The XML and calamine's grid disagree about a cell."""


_EXACT_INTEGERS = 2**53  # a float below this that is whole is an int exactly
MAX_GRID_CELLS = 250_000  # more (rows x columns) than any returned workbook's sheet: read cell by cell
_ROW_START = b'<row r="'
_CELL_PLACE = re.compile(rb'<c r="([A-Z]{1,3})([0-9]+)"')
_ODD_ROW = re.compile(rb'<row(?:[\t\n\r/>]| (?!r="))')  # a row tag without its number first
_ODD_CELL = re.compile(rb'<c(?:[\t\n\r/>]| (?!r="))')  # a cell tag without its reference first
_PREFIXED = re.compile(rb":(?:c|row)[ \t\n\r/>]")  # a cell or row tag with a namespace prefix
# A cell tag other than `<c r="A1" s="1" t="s">`: one without its reference first (`_ODD_CELL`),
# or with a reference beyond Z999, or with more than a few short attributes that are not r
# (a second r would move the cell for python-calamine), or with < or > in their values (so
# that the tag might not end where it seems to). Then, any reference.
_UNUSUAL_CELL = re.compile(rb'<c(?:[\t\n\r/>]| (?!r="[A-Z][1-9][0-9]{0,2}"(?: [stcmvph]{1,2}="[^"<>]*+"){0,4}+/?>))')
_ODD_CELL_TAG = re.compile(rb'<c r="(?![A-Z]{1,3}[1-9][0-9]{0,6}"(?: [stcmvph]{1,2}="[^"<>]*"){0,4}/?>)')
_SHARED_INDEX = re.compile(rb't="s"[^>]*>\s*<v>([^<]*)</v>')  # a shared string cell's index
_TEXT_KINDS = (b't="s"', b't="str"', b't="inlineStr"', b't="e"')  # the types of cells that hold text
_UNIQUE_COUNT = re.compile(rb"""uniqueCount\s*=\s*["']([^"']*)""")
# A plain cell tag (`_plain`): its style (s) and type (t), and whether it closes itself
_CELL_TAG = re.compile(rb'<c r="[A-Z]{1,3}[0-9]+"(?: s="([^"]*)"| t="([^"]*)"| [a-z]{1,2}="[^"]*")*(/?)>')
_FORMULA = re.compile(rb"<f\b[^>]*?(?:/>|>([^<]*)</f>)")
_NUMBER = re.compile(rb"<v>([^<]*)</v>")
_ERROR_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]+)"[^>]*?\st="e"[^>]*>(?:<f\b[^>]*?(?:/>|>[^<]*</f>))?<v>([^<]*)</v>'
)
_MAIN_DEFAULT = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _row_spans(xml: bytes) -> dict[int, tuple[int, int]] | None:
    """Each row's part of a sheet's XML, found by its number (`_plain` says whether to trust
    it); None if a row tag's number is not a plain number, or two rows have the same one."""
    pieces = xml.split(_ROW_START)
    spans = {}
    at = len(pieces[0])
    for piece in pieces[1:]:
        quote = piece.find(b'"')
        if quote < 1 or not piece[:quote].isdigit():
            return None
        end = at + len(_ROW_START) + len(piece)
        spans[int(piece[:quote])] = (at, end)
        at = end
    return spans if len(spans) == len(pieces) - 1 else None


def _plain(xml: bytes) -> bool:
    """Whether a sheet's XML is plain, as Excel, LibreOffice, openpyxl and xlsxwriter write it:
    no comment, CDATA or other default namespace, no prefixed cell or row tag, every cell
    tag starting with its reference and every row tag with its number (so that a plain
    search by reference finds each cell and nothing else), and its cells spanning at most
    MAX_GRID_CELLS (rows x columns), the area of python-calamine's dense grid. Anything else
    is read cell by cell, which is slower and safe. (Python-calamine places a cell by its
    last r attribute, whatever the tag's prefix, quotes and spaces; a `dimension` tag does
    not size its grid.)"""
    if (b"!" in xml and b"<!" in xml) or xml.count(b"xmlns=") != 1 or _MAIN_DEFAULT not in xml:
        return False  # <!: a comment or CDATA
    if _ODD_ROW.search(xml) is not None or _PREFIXED.search(xml) is not None:
        return False
    references = _CELL_PLACE.findall(xml)
    if len(set(references)) != len(references):
        return False  # two cells at one place: the cell-by-cell reader makes it a problem on its cell
    if _UNUSUAL_CELL.search(xml) is None:
        return True  # every cell tag as expected, within 999 rows x 26 columns
    return _ODD_CELL.search(xml) is None and _ODD_CELL_TAG.search(xml) is None and _area(xml) <= MAX_GRID_CELLS


def _well_formed(xml: bytes) -> bool:
    """Whether a part is well-formed XML (expat, with no handlers: a fraction of a parse)."""
    from xml.parsers import expat

    try:
        expat.ParserCreate().Parse(xml, True)
    except expat.ExpatError:
        return False
    return True


def _area(xml: bytes) -> int:
    """Rows x columns that the cells of a sheet's plain XML span at most, from their references."""
    references = set(_CELL_PLACE.findall(xml))
    rows = max((int(number) for _, number in references), default=0)
    return rows * max((_column_index(letters.decode()) for letters, _ in references), default=0)


_V, _F, _IS, _T, _RUN = f"{_MAIN}v", f"{_MAIN}f", f"{_MAIN}is", f"{_MAIN}t", f"{_MAIN}r"
_REFERENCE = re.compile(r"([A-Z]{1,3})([0-9]{0,7})")  # a cell's reference: D14, or D for the row's
_THREADED = "{http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments}"
_COLUMNS: dict[str, int] = {}
_LETTERS: dict[int, str] = {}


def column_letters(column: int) -> str:
    """A column's letters from its number (1 -> A, 27 -> AA): the one column-letter helper."""
    letters = _LETTERS.get(column)
    if letters is None:
        if not 1 <= column <= 18278:  # XFD is the last column: ZZZ is as far as three letters go
            raise ValueError(f"Invalid column index {column}")
        letters, left = "", column
        while left:  # bijective base 26 (no zero digit), the inverse of _column_index
            left, digit = divmod(left - 1, 26)
            letters = chr(65 + digit) + letters
        _LETTERS[column] = letters
    return letters


def _column_index(letters: str) -> int:
    index = _COLUMNS.get(letters)
    if index is None:
        index = 0
        for letter in letters:
            index = index * 26 + ord(letter.upper()) - 64
        _COLUMNS[letters] = index
    return index


def _cell_value(kind: str, text: str | None, shared: list[str], kind_of_date: str | None, epoch: dt.datetime) -> Any:
    """A cell's value from its type attribute and its <v> text (None when it has none); a
    `Damaged` value when the text is not what its type says (this never raises)."""
    if text is None:
        return None
    if kind == "s":
        index = _whole(text.strip(), -1)
        if not 0 <= index < len(shared):
            return Damaged(text[:40], f"it refers to text number {text[:20]} of {len(shared)}, which the file lacks")
        return shared[index] or None  # an empty string is an empty cell, as openpyxl reads it
    if kind == "inlineStr":
        return None  # an inline string's text is in its <is>, never its <v> (as calamine reads it)
    if kind in ("str", "e"):
        return text or None
    if kind == "b":
        return text.strip() in ("1", "true")
    if kind == "d":
        try:
            return dt.datetime.fromisoformat(text.replace("Z", ""))
        except ValueError:
            return Damaged(text[:40], f"its date '{text[:40]}' is not a date")
    try:
        number: float | int = int(text) if text.lstrip("-").isdigit() else float(text)
    except ValueError:  # not a number, or more digits than Python converts (4,300)
        return Damaged(text[:40], f"its number '{text[:40]}' is not a number")
    if kind_of_date is not None:
        try:
            return from_excel(number, epoch=epoch, timedelta=kind_of_date == "timedelta")
        except (ValueError, OverflowError):
            return number
    return number


def _rich_text(item: ET.Element) -> str:
    """The text of a shared string or an inline string: its text, then its runs', in the order
    the file has them (phonetic guides left out, as Excel shows them)."""
    texts = []
    for child in item:
        if child.tag == _T:
            texts.append(child.text or "")
        elif child.tag == _RUN:
            texts.extend(t.text or "" for t in child.findall(_T))
    return "".join(texts)


def _whole(text: str | bytes | None, otherwise: int) -> int:
    """A whole number written in ASCII digits (at most 9: no index or row is longer), else
    `otherwise` (str.isdigit also accepts '²' and other digits int() refuses)."""
    if text is None or not text.isascii() or not text.isdigit() or len(text) > 9:
        return otherwise
    return int(text)


def _shared_index_ok(text: str, count: int) -> bool:
    return 0 <= _whole(text, -1) < count


def _style_of(styles: tuple[tuple[str, str | None], ...], index: str | bytes | None) -> tuple[str, str | None]:
    """(number format, kind of date) of a cell's style index: General if it names none."""
    number = _whole(index, 0)
    return styles[number] if number < len(styles) else ("General", None)


def _shortened(value: Any) -> str:
    text = str(value) if value is not None else ""
    return text if len(text) <= 40 else text[:40] + "…"

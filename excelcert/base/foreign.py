"""Returned workbooks saved by other office suites: OpenDocument (.ods) and Excel 97-2003 (.xls).

A cluster working in LibreOffice who answers "Use ODF Format" when saving sends an .ods;
an old habit sends an .xls. Both are read into the same plain `Workbook` of `Sheet`s of
`Cell`s (value, Excel coordinate, number format, formula) that `spreadsheet.read_workbook_xml`
makes of an .xlsx, so that everything after (the metadata sheet, answers by indicator id,
the percent cells) is the same whatever suite saved the file.

- .ods: its `content.xml` is walked once with the standard library's parser, after the
  package's sizes are checked and any document type or entity declaration is refused. A
  cell's type (percentage, date, float, string...) comes with its value, so a percent
  cell is known as such; repeated rows and cells are counted, never expanded blindly: a
  sheet whose cells would span an absurd area, or a value repeated into millions of
  cells, is refused before anything is built. (python-calamine's binding reads .ods too,
  but says nothing of a cell's type, and its dense grid aborts the process on such areas.)
- .xls: xlrd, with the number format of every cell (its percent and date formats), notes
  and which sheets are hidden; the last save time from the file's summary information.
- .xlsb (Excel Binary Workbook) and Apple Numbers files are refused, each with the one
  thing to do: no reader at hand gives the number formats of an .xlsb, without which a
  percent answer cannot be told from a fraction.

`read_returned_book` is the one entry: it looks at the bytes and hands an .xlsx to
`read_workbook_xml`, the others to their readers here.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from excelcert.base.problems import UnreadableFile, problem
from excelcert.base.spreadsheet import (
    MAX_FILE_BYTES,
    MAX_PACKING_RATIO,
    MAX_SHEET_CELLS,
    MAX_UNPACKED_BYTES,
    Cell,
    Note,
    Sheet,
    Workbook,
    column_letters,
    failure_detail,
    parse_instant,
    read_workbook_xml,
)

ODS = "ods"
XLS = "xls"
XLSB = "xlsb"
NUMBERS = "numbers"
MAX_REPEATED_CELLS = 250_000  # cells holding a value that one sheet's repeat counts may make
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY")
_EXACT_INTEGERS = 2**53


def _fail(code: str, label: str, **fields: Any) -> UnreadableFile:
    return UnreadableFile(problem(code, path=label, **fields))


def foreign_format(data: bytes) -> str | None:
    """ODS, XLS, XLSB or NUMBERS for a file of one of those formats; None for anything else
    (an .xlsx, or what `read_workbook_xml` gives its verdict on)."""
    if data[:8] == _OLE2_MAGIC:
        if "EncryptedPackage".encode("utf-16-le") in data:
            return None  # an encrypted .xlsx: its verdict is the .xlsx reader's
        return XLS
    if not data.startswith(b"PK"):
        return None
    tail = data[-65536:]  # the zip's directory, with every part's name, is at its end
    if b"[Content_Types].xml" in tail and b"xl/workbook.bin" not in tail:
        return None  # an .xlsx (or a damaged package): no need to open it here
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                mimetype = archive.read("mimetype")[:200]
                if b"opendocument.spreadsheet" in mimetype and b"template" not in mimetype:
                    return ODS
            if any(name.startswith("Index/") and name.endswith(".iwa") for name in names) or "Index.zip" in names:
                return NUMBERS
            if "[Content_Types].xml" in names and "xl/workbook.bin" in names:
                return XLSB
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError, zlib.error):
        return None  # the .xlsx reader gives the verdict on a damaged package
    return None


def _looks_like_csv(data: bytes, label: str) -> bool:
    """Whether a file is a CSV (or tab-separated) text: named so, or text (no zip, no OLE2,
    no NUL byte) whose first lines hold separators."""
    if data[:2] == b"PK" or data[:8] == _OLE2_MAGIC or b"\x00" in data[:4096]:
        return False
    if Path(label).suffix.casefold() in (".csv", ".tsv"):
        return True
    head = data[:4096].decode("utf-8", "replace")
    if head.lstrip("\ufeff \r\n\t").startswith("<"):
        return False  # XML or HTML (a web page, Excel 2003 XML): not a CSV
    lines = [line for line in head.splitlines()[:5] if line.strip()]
    return bool(lines) and all(any(sep in line for sep in ",;\t") for line in lines)


def read_returned_book(
    path: Path, *, name: str | None = None, skip: Callable[[str], bool] | None = None, data: bytes | None = None
) -> Workbook:
    """The workbook at `path` (or its bytes `data`), whatever suite saved it: .xlsx/.xlsm by
    `read_workbook_xml`, .ods and .xls here. UnreadableFile if it cannot be read."""
    label = name or str(path)
    if data is None and path.is_file() and path.stat().st_size <= MAX_FILE_BYTES:
        data = path.read_bytes()
    if data and _looks_like_csv(data, label):
        raise _fail("csv-return", label)
    kind = foreign_format(data) if data else None
    if kind is None or data is None:
        return read_workbook_xml(path, name=name, skip=skip, data=data)
    if len(data) > MAX_FILE_BYTES:
        raise _fail("oversized-file", label, detail=f"it is {len(data) / 1e6:.0f} MB")
    if kind == XLSB:
        raise _fail("legacy-format", label, format="an Excel Binary Workbook (.xlsb)")
    if kind == NUMBERS:
        raise _fail("numbers-file", label)
    try:
        if kind == ODS:
            return _read_ods(path, label, data, skip)
        return _read_xls(path, label, data, skip)
    except UnreadableFile:
        raise
    except Exception as exc:  # any parser failure on a hostile file is a verdict
        raise _fail("corrupt-file", label, detail=failure_detail(exc)) from None


# --- OpenDocument ---------------------------------------------------------------------------

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
_DC = "http://purl.org/dc/elements/1.1/"
_T = f"{{{_TABLE}}}"
_O = f"{{{_OFFICE}}}"
_X = f"{{{_TEXT}}}"
_S = f"{{{_STYLE}}}"
_CELLS = (f"{_T}table-cell", f"{_T}covered-table-cell")
# The number format a cell of each OpenDocument value type gets, as an .xlsx reader would see it
_FORMATS = {"percentage": "0%", "date": "yyyy-mm-dd", "time": "[h]:mm:ss", "currency": "#,##0.00"}


def _read_ods(path: Path, label: str, data: bytes, skip: Callable[[str], bool] | None) -> Workbook:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        names = [info.filename for info in infos]
        if len(set(names)) != len(names):
            raise _fail("corrupt-file", label, detail="it holds two copies of one of its parts")
        unpacked = sum(info.file_size for info in infos)
        packed = sum(info.compress_size for info in infos) or 1
        if unpacked > MAX_UNPACKED_BYTES or (unpacked > 10 * 1024 * 1024 and unpacked / packed > MAX_PACKING_RATIO):
            raise _fail("oversized-file", label, detail=f"it would unpack to {unpacked / 1e6:.0f} MB")
        manifest = archive.read("META-INF/manifest.xml") if "META-INF/manifest.xml" in names else b""
        if b"encryption-data" in manifest:
            raise _fail("encrypted-file", label)
        if "content.xml" not in names:
            raise _fail("not-a-workbook", label, detail="an OpenDocument file without content")
        content = _safe_part(archive, "content.xml", label)
        meta = _safe_part(archive, "meta.xml", label) if "meta.xml" in names else b""
    sheets = _OdsSheets(label, skip).read(content)
    saved, local = _ods_saved_at(meta)
    return Workbook(path, sheets, epoch=dt.datetime(1899, 12, 30), modified=saved, modified_local=local)


def _safe_part(archive: zipfile.ZipFile, name: str, label: str) -> bytes:
    part = archive.read(name)
    if b"<!" in part and any(marker in part for marker in _FORBIDDEN):
        raise _fail("unsafe-content", label, detail="a document type or entity declaration")
    return part


def _ods_saved_at(meta: bytes) -> tuple[dt.datetime | None, bool]:
    """When the document was last saved (meta.xml's dc:date) and whether that is the saver's
    local time: LibreOffice writes its local time without a zone (2026-11-30T22:42:52 saved
    in Tokyo at 13:42 UTC); a time with its zone is UTC without its zone."""
    match = re.search(rb"<dc:date>([^<]{10,40})</dc:date>", meta)
    if not match:
        return None, False
    text = match.group(1).decode("ascii", "replace").strip()
    return parse_instant(text), re.search(r"(Z|[+-]\d\d:?\d\d)$", text) is None


class _OdsSheets:
    """The sheets of an OpenDocument spreadsheet's content, walked once."""

    def __init__(self, label: str, skip: Callable[[str], bool] | None):
        self.label, self.skip = label, skip

    def read(self, content: bytes) -> dict[str, Sheet]:
        import xml.etree.ElementTree as ET

        hidden_styles: set[str] = set()
        sheets: dict[str, Sheet] = {}
        depth = 0  # tables within tables (a table in a cell) are not sheets
        title = ""
        rows: dict[int, dict[int, Cell]] = {}
        notes: list[Note] = []
        row = 0
        repeated = 0
        hidden = False
        for event, element in ET.iterparse(io.BytesIO(content), events=("start", "end")):
            tag = element.tag
            if tag == f"{_T}table":
                if event == "start":
                    depth += 1
                    if depth == 1:
                        title = element.get(f"{_T}name", "") or f"Sheet{len(sheets) + 1}"
                        hidden = element.get(f"{_T}style-name", "") in hidden_styles
                        rows, notes, row, repeated = {}, [], 0, 0
                    continue
                depth -= 1
                if depth == 0:
                    if self.skip is None or not self.skip(title):
                        sheets[title] = _sheet(title, rows, hidden, notes)
                    element.clear()
                continue
            if event != "end":
                continue
            if tag == f"{_S}style" and element.get(f"{_S}family") == "table":
                properties = element.find(f"{_S}table-properties")
                if properties is not None and properties.get(f"{_T}display") == "false":
                    hidden_styles.add(element.get(f"{_S}name", ""))
            elif tag == f"{_T}table-row" and depth == 1:
                times = _count(element.get(f"{_T}number-rows-repeated"))
                if self.skip is None or not self.skip(title):
                    repeated += self._row(title, element, row, times, rows, notes)
                    if repeated > MAX_REPEATED_CELLS:
                        raise _fail(
                            "oversized-file",
                            self.label,
                            detail=f"its sheet '{title}' repeats values into more than {MAX_REPEATED_CELLS:,} cells",
                        )
                row += times
                element.clear()
        return sheets

    def _row(
        self, title: str, element: Any, first: int, times: int, rows: dict[int, dict[int, Cell]], notes: list[Note]
    ) -> int:
        """Place the cells of a row (repeated `times`) from row `first` + 1; how many cells
        holding a value the repeats made beyond the row itself."""
        column = 0
        made = 0
        for cell in element:
            if cell.tag not in _CELLS:
                continue
            across = _count(cell.get(f"{_T}number-columns-repeated"))
            found = _ods_value(cell)
            if found is not None:
                value, number_format, formula = found
                last_row, last_column = first + times, column + across
                if last_row * last_column > MAX_SHEET_CELLS:
                    raise _fail(
                        "oversized-file",
                        self.label,
                        detail=f"its sheet '{title}' spans {last_row:,} rows and {last_column:,} columns "
                        f"({last_row * last_column:,} cells)",
                    )
                made += times * across - 1
                if made > MAX_REPEATED_CELLS:
                    break  # the caller refuses the sheet
                for number in range(first + 1, first + times + 1):
                    cells = rows.setdefault(number, {})
                    for col in range(column + 1, column + across + 1):
                        cells[col] = Cell(value, f"{column_letters(col)}{number}", number, col, number_format, formula)
            for note in cell.iter(f"{_O}annotation"):
                author = note.find(f"{{{_DC}}}creator")
                text = "\n".join(_paragraph(p) for p in note.iter(f"{_X}p")).strip()
                notes.append(
                    Note(
                        f"{column_letters(column + 1)}{first + 1}",
                        (author.text or "") if author is not None else "",
                        text,
                    )
                )
            column += across
        return made


def _count(text: str | None) -> int:
    """A repeat count (1 when absent or not a number)."""
    return int(text) if text and text.isdigit() and 0 < int(text) < 10**9 else 1


def _ods_value(cell: Any) -> tuple[Any, str, str | None] | None:
    """(value, number format, formula) of an OpenDocument cell; None if it is empty."""
    kind = cell.get(f"{{{_CALCEXT}}}value-type") or cell.get(f"{_O}value-type")
    formula = cell.get(f"{_T}formula")
    formula = "=" + formula.split(":", 1)[1].lstrip("=") if formula and ":" in formula[:4] else formula
    number_format = _FORMATS.get(kind or "", "General")
    value: Any
    if kind in ("float", "percentage", "currency"):
        value = _number(cell.get(f"{_O}value"))
    elif kind == "date":
        value = _date(cell.get(f"{_O}date-value", ""))
    elif kind == "boolean":
        value = cell.get(f"{_O}boolean-value", "").strip().lower() == "true"
    elif kind == "time":
        value = cell.get(f"{_O}time-value")
    else:  # string, error, or no type: the cell's own paragraphs (not its notes')
        value = cell.get(f"{_O}string-value")
        if value is None:
            value = "\n".join(_paragraph(p) for p in cell.findall(f"{_X}p"))
        value = value or None
    if value is None and formula is None:
        return None
    return value, number_format, formula


def _number(text: str | None) -> int | float | None:
    if text is None:
        return None
    text = text.strip()
    if text.lstrip("-").isdigit() and len(text) < 20:
        return int(text)
    number = float(text)
    return int(number) if number.is_integer() and abs(number) < _EXACT_INTEGERS else number


def _date(text: str) -> dt.datetime | str | None:
    text = text.strip()
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", text))
    except ValueError:
        return text


def _paragraph(element: Any) -> str:
    """The text of an OpenDocument paragraph: its spans and links, with its spaces, tabs and line breaks."""
    return "".join(_pieces(element))


def _pieces(element: Any) -> Iterator[str]:
    if element.text:
        yield element.text
    for child in element:
        tag = child.tag
        if tag == f"{_X}s":
            yield " " * min(_count(child.get(f"{_X}c")), 1000)
        elif tag == f"{_X}tab":
            yield "\t"
        elif tag == f"{_X}line-break":
            yield "\n"
        elif tag != f"{_O}annotation":
            yield from _pieces(child)
        if child.tail:
            yield child.tail


def _sheet(title: str, found: dict[int, dict[int, Cell]], hidden: bool, notes: list[Note]) -> Sheet:
    rows = [
        [
            cells.get(col) or Cell(None, f"{column_letters(col)}{number}", number, col)
            for col in range(1, max(cells) + 1)
        ]
        for number, cells in sorted(found.items())
        if cells
    ]
    sheet = Sheet.of_cells(title, rows, hidden)
    sheet.notes = notes
    return sheet


# --- Excel 97-2003 --------------------------------------------------------------------------


def _read_xls(path: Path, label: str, data: bytes, skip: Callable[[str], bool] | None) -> Workbook:
    import xlrd

    try:
        book = xlrd.open_workbook(
            file_contents=data, formatting_info=True, on_demand=True, ragged_rows=True, logfile=io.StringIO()
        )
    except xlrd.XLRDError as exc:
        text = str(exc)
        if "encrypted" in text.casefold():
            raise _fail("encrypted-file", label) from None
        if "workbook" in text.casefold() and "ole2" in text.casefold():
            raise _fail("not-a-workbook", label, detail="an Office document, but not a workbook") from None
        failure_detail(exc)  # to the log
        raise _fail("corrupt-file", label, detail="its Excel 97-2003 (.xls) structure is damaged") from None
    try:
        epoch = dt.datetime(1904, 1, 1) if book.datemode else dt.datetime(1899, 12, 30)
        sheets: dict[str, Sheet] = {}
        for index, title in enumerate(book.sheet_names()):
            if skip is not None and skip(title):
                continue
            sheet = book.sheet_by_index(index)
            sheets[title] = _xls_sheet(book, sheet, label)
            book.unload_sheet(index)
        return Workbook(path, sheets, epoch=epoch, modified=_xls_saved_at(data))
    finally:
        book.release_resources()


def _xls_sheet(book: Any, sheet: Any, label: str) -> Sheet:
    import xlrd

    widths = [sheet.row_len(r) for r in range(sheet.nrows)]
    if sum(widths) > MAX_SHEET_CELLS:
        raise _fail(
            "oversized-file",
            label,
            detail=f"its sheet '{sheet.name}' spans {sheet.nrows:,} rows and {max(widths):,} columns",
        )
    found: dict[int, dict[int, Cell]] = {}
    for r in range(sheet.nrows):
        for c, item in enumerate(sheet.row(r)):
            if item.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                continue
            xf = (
                book.xf_list[item.xf_index] if item.xf_index is not None and item.xf_index < len(book.xf_list) else None
            )
            fmt = book.format_map.get(xf.format_key) if xf is not None else None
            number_format = fmt.format_str if fmt is not None and fmt.format_str else "General"
            value: Any = item.value
            if item.ctype == xlrd.XL_CELL_TEXT:
                value = value or None
            elif item.ctype == xlrd.XL_CELL_NUMBER:
                value = int(value) if value.is_integer() and abs(value) < _EXACT_INTEGERS else value
            elif item.ctype == xlrd.XL_CELL_DATE:
                try:
                    value = xlrd.xldate.xldate_as_datetime(value, book.datemode)
                except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                    pass
            elif item.ctype == xlrd.XL_CELL_BOOLEAN:
                value = bool(value)
            elif item.ctype == xlrd.XL_CELL_ERROR:
                value = xlrd.error_text_from_code.get(value, "#VALUE!")
            if value is None:
                continue
            found.setdefault(r + 1, {})[c + 1] = Cell(
                value, f"{column_letters(c + 1)}{r + 1}", r + 1, c + 1, number_format
            )
    notes = [
        Note(f"{column_letters(c + 1)}{r + 1}", str(note.author or ""), str(note.text or "").strip())
        for (r, c), note in sorted(getattr(sheet, "cell_note_map", {}).items())
    ]
    return _sheet(sheet.name, found, sheet.visibility != 0, notes)


def _xls_saved_at(data: bytes) -> dt.datetime | None:
    """When an .xls was last saved: its summary information's last-saved time (UTC)."""
    try:
        from xlrd.compdoc import CompDoc

        stream = CompDoc(data, logfile=io.StringIO()).get_named_stream("\x05SummaryInformation")
        if not stream or len(stream) < 48:
            return None
        (section,) = struct.unpack_from("<I", stream, 44)
        _, count = struct.unpack_from("<II", stream, section)
        for n in range(min(count, 100)):
            pid, offset = struct.unpack_from("<II", stream, section + 8 + 8 * n)
            if pid == 13:  # PIDSI_LASTSAVE_DTM, a FILETIME
                kind, low, high = struct.unpack_from("<III", stream, section + offset)
                if kind != 64:
                    return None
                ticks = (high << 32) | low
                return dt.datetime(1601, 1, 1) + dt.timedelta(microseconds=ticks // 10)
    except Exception:  # a damaged summary: the save time is unknown, the workbook is still read
        return None
    return None

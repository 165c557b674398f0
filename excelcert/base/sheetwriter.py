"""Small helpers every workbook excelcert writes shares (xlsxwriter behind them).

- `new_book`: text is always written as text (never turned into a formula, a number or
  a link), whatever a cluster or a secretariat typed;
- `wrapped_lines`: how tall a row with wrapped text must be, since neither Excel nor
  LibreOffice sizes rows when they open a file;
- `print_setup`: landscape A4, fit to the page width, headings on every page, a header
  and a footer with page numbers;
- `csv_safe`: a CSV cell a spreadsheet would take for a formula, made harmless.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

ROW_HEIGHT = 15  # points, one line of 11 pt text

# characters no XML file (a workbook, a Word document) can hold, nor any escape write there:
# halves of a surrogate pair (a broken emoji; a byte that was not UTF-8, as Python keeps it)
# and the non-characters FFFE/FFFF. (Control characters are escaped in a workbook, `_x000B_`,
# and left out of a Word document, as Word itself does.)
_UNWRITABLE = re.compile("[\ud800-\udfff\ufffe\uffff]")


def unwritable(text: str) -> str | None:
    """The first character of `text` that no workbook or Word document can hold, as U+XXXX
    (None when every one can be written)."""
    found = _UNWRITABLE.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def without_unwritable(text: str, instead: str = "_") -> str:
    """`text` with every character an XML file cannot hold replaced."""
    return _UNWRITABLE.sub(instead, text)


BOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False, "in_memory": True}


def new_book(path: Path | IO[bytes], *, rows_in_order: bool = False) -> Any:
    """An xlsxwriter workbook writing to `path` (a file, or a buffer), every text escaped
    in its shared strings (`text_classes`).

    `rows_in_order`: the caller writes each sheet's rows top to bottom (a row's cells, and
    its height, before the next row's), and each row goes to a temporary file once the next
    one starts, texts inline in their cells (xlsxwriter's constant-memory mode): memory
    stays flat however many rows a sheet has, where otherwise every cell of the workbook is
    held until it is closed. For the tables that grow with the campaign."""
    book_class, _ = text_classes()
    options = {**BOOK_OPTIONS, "in_memory": False, "constant_memory": True} if rows_in_order else BOOK_OPTIONS
    return book_class(str(path) if isinstance(path, Path) else path, options)


@lru_cache(maxsize=1)
def text_classes() -> tuple[Any, Any]:
    """(an xlsxwriter Workbook, the SharedStrings writer it uses) that write every text as
    the text it is. xlsxwriter's own writer takes any text that starts with `<r>` and ends
    with `</r>` for a rich string it made (by `write_rich_string`), and copies it into the
    file unescaped, as XML: a cluster named "<r><t>x</t></r>" would show as "x", and one
    named "<r>A & B</r>" would break the workbook. excelcert writes no rich text, so every
    shared string is written as plain, escaped text (xlsxwriter's `_xml_si_element`, with
    its control-character escapes and `xml:space`, exactly as for any other text)."""
    import xlsxwriter
    from xlsxwriter.packager import Packager
    from xlsxwriter.sharedstrings import SharedStrings, _preserve_whitespace
    from xlsxwriter.worksheet import Worksheet

    class PlainStrings(SharedStrings):  # type: ignore[misc]
        def _write_si(self, string: str) -> None:
            # a character no XML file holds (read_table refuses them in a roster; any other
            # way in) is written as the replacement character, never a file that cannot be written
            string = self._escape_control_characters(without_unwritable(string, "\ufffd"))
            self._xml_si_element(string, [("xml:space", "preserve")] if _preserve_whitespace(string) else [])

    class PlainPackager(Packager):  # type: ignore[misc]
        def _write_shared_strings_file(self) -> None:  # xlsxwriter's own, with the writer above
            sst = PlainStrings()
            sst.string_table = self.workbook.str_table
            if not self.workbook.str_table.count:
                return
            sst._set_xml_writer(self._filename("xl/sharedStrings.xml"))
            sst._assemble_xml_file()

    class PlainSheet(Worksheet):  # type: ignore[misc]
        # The same for a text written in its cell (`rows_in_order`): never taken for rich
        # text, and every character that cannot be written replaced before xlsxwriter
        # escapes the rest, as the shared strings are (it would write FFFE/FFFF as
        # `_xFFFE_`, shown as an invisible U+FFFE where a shared text shows U+FFFD).
        def _write_string(self, row: int, col: int, string: str, cell_format: Any = None) -> int:
            if self.constant_memory and isinstance(string, str):
                string = without_unwritable(string, "\ufffd")
            return int(super()._write_string(row, col, string, cell_format))

        def _xml_rich_inline_string(self, string: str, attributes: Any = ()) -> None:
            self._xml_inline_string(string, _preserve_whitespace(string), list(attributes))

    class TextBook(xlsxwriter.Workbook):  # type: ignore[misc]
        worksheet_class = PlainSheet

        def _get_packager(self) -> Any:
            return PlainPackager()

    return TextBook, PlainStrings


@lru_cache(maxsize=8192)
def wrapped_lines(text: str, width: float) -> int:
    """How many lines `text` takes in a column `width` characters wide (an estimate)."""
    per_line = max(1, int(width * 1.1) - 2)
    return sum(max(1, -(-len(part) // per_line)) for part in str(text).split("\n"))


def header_text(text: str) -> str:
    """Text for a page header or footer: '&' is a control character there ('&&' prints one).
    xlsxwriter counts every '&G' and '&[Picture]' as the place of a picture, even after
    '&&', and drops a header whose count does not match its pictures (with a warning): "R&G
    Industries" would lose its header. An invisible word joiner (U+2060) after such an '&&'
    keeps the header, printed as typed."""
    return re.sub(r"&&(?=G|\[Picture\])", "&&\u2060", text.replace("&", "&&"))


HEADER_LIMIT = 255  # characters of a page header, Excel's limit (xlsxwriter warns beyond it)


def header_fitted(text: str, room: int) -> str:
    """`text` for a page header (`header_text`) in at most `room` characters: a longer one
    (a cluster's name of 300 characters, say) is shortened on purpose, ending with '…'."""
    fitted = header_text(text)
    if len(fitted) <= room:
        return fitted
    keep = room - 1
    while len(header_text(text[:keep])) > room - 1:
        keep -= 1
    return header_text(text[:keep].rstrip()) + "…"


def page_header(left: str) -> str:
    """The page header of a sheet: `left` (a cluster's name) on the left, the sheet's name on the right."""
    return f"&L{header_fitted(left, HEADER_LIMIT - len('&L&R&A'))}&R&A"


def print_setup(
    ws: Any,
    left_header: str,
    *,
    repeat_row: int | None = 0,
    fit_width: bool = True,
    page: str = "Page",
    page_breaks: list[int] | None = None,
    one_page: bool = False,
) -> None:
    """Landscape A4, fit to the page width (`one_page`: to one page). `page` is the footer's
    word for a page, in the sheet's language; `page_breaks` are rows that start a page
    (LibreOffice keeps them under 'fit to width')."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    if one_page:
        ws.fit_to_pages(1, 1)
    elif fit_width:
        ws.fit_to_pages(1, 0)
    if page_breaks:
        ws.set_h_pagebreaks(page_breaks)
    if repeat_row is not None:
        ws.repeat_rows(repeat_row)
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
    ws.set_header(page_header(left_header), {"margin": 0.25})
    ws.set_footer(f"&R{header_text(page)} &P / &N", {"margin": 0.25})


def csv_safe(value: object) -> object:
    """A text cell that a spreadsheet would take for a formula (=, +, -, @, tab, CR) gets a
    leading apostrophe, as OWASP recommends against CSV injection; numbers stay numbers."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value

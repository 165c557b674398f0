"""A workbook written once by xlsxwriter, copied with other values: byte for byte what
xlsxwriter would have written with those values, or nothing when that cannot be sure.

Workbooks of one language differ from one another only in a few texts (a cluster's name,
id, contact, the signed metadata). A `Copier` is made from one workbook xlsxwriter wrote
with distinctive placeholders (tokens) in place of those texts; `copy` puts the real texts
in place of the tokens, escaped exactly as xlsxwriter escapes them, and zips the parts
exactly as xlsxwriter does (same members in the same order, deflated, dated 1980-01-01).

Where a token may stand:
- a shared string (a cell's text): the string is rewritten as xlsxwriter's own shared
  strings writer writes it (control characters as _xHHHH_, leading or trailing spaces
  kept with xml:space). The copy is refused (None) when a new text equals another string
  of the workbook or two new texts are equal, since xlsxwriter keeps one copy of equal
  strings and the cells would point elsewhere; or when a text is longer than a cell holds;
- the text of an element xlsxwriter writes as data (a document property, a custom
  property, a page header): the element's whole text is escaped again;
- a page header: its whole text is given (`headers`: the header with tokens -> the header
  to write), and the copy is refused when xlsxwriter would not keep that header as given
  (longer than 255 characters, or taken for a picture).

A token anywhere else (an attribute, a formula, a part this module does not know) makes
the `Copier` refuse to be made (`CopyError`): then every workbook is written whole.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

SHARED_STRINGS = "xl/sharedStrings.xml"
_WORKSHEET = re.compile(r"xl/worksheets/sheet\d+\.xml")
_HEADER_TAGS = ("oddHeader", "evenHeader", "firstHeader")
CELL_TEXT_LIMIT = 32767  # UTF-16 units, as xlsxwriter counts them
HEADER_LIMIT = 255  # Excel's limit for a page header, as xlsxwriter counts it


class CopyError(Exception):
    """The workbook has a token where a copy cannot put a value: write each one whole."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _writer() -> Any:
    from xlsxwriter.sharedstrings import SharedStrings

    return SharedStrings()


def shared_string(text: str) -> str:
    """The `<si>` element xlsxwriter writes for `text` in the shared strings part."""
    writer = _writer()
    writer.fh = io.StringIO()
    writer._write_si(text)
    written: str = writer.fh.getvalue()
    return written


def element_text(text: str) -> str:
    """`text` as xlsxwriter writes it inside an element (`_xml_data_element`)."""
    writer = _writer()
    escaped: str = writer._escape_control_characters(writer._escape_data(text))
    return escaped


_UNESCAPE = re.compile(r"&(amp|lt|gt|quot);|_x([0-9A-Fa-f]{4})_")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"'}


def _unescaped(text: str) -> str:
    """The text an element's escaped text stands for (checked by escaping it again)."""
    return _UNESCAPE.sub(lambda m: _ENTITIES[m[1]] if m[1] else chr(int(m[2], 16)), text)


def header_kept(header: str) -> bool:
    """Whether xlsxwriter's `set_header` keeps `header` as given (without pictures)."""
    return "&[Picture]" not in header and "&G" not in header and utf16_len(header) <= HEADER_LIMIT


# A piece of a part: fixed text, or a hole to fill.
@dataclass(frozen=True)
class _Hole:
    template: str  # the unescaped text with its tokens
    kind: str  # "data" (element text), "header" (a page header), "string" (a shared string)


Piece = str | _Hole


@dataclass(frozen=True)
class _Part:
    name: str
    data: bytes | None  # the part as it is, when no token is in it
    pieces: tuple[Piece, ...] = ()


class Copier:
    """Copies of a workbook xlsxwriter wrote with `tokens` in it (see the module's text).

    `data` is the workbook's file, `strings` xlsxwriter's shared strings in order (its
    `str_table.string_array` once it is closed)."""

    def __init__(self, data: bytes, strings: list[str], tokens: list[str]):
        if not tokens or any(not t or not t.isalnum() for t in tokens):
            raise CopyError("tokens are letters and digits")
        self.tokens = list(tokens)
        self._token_re = re.compile("|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True)))
        self._parts: list[_Part] = []
        self._fixed_strings: set[str] = set()
        self._slots = 0
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            for info in book.infolist():
                raw = book.read(info)
                text = raw.decode("utf-8")
                if not self._token_re.search(text):
                    self._parts.append(_Part(info.filename, raw))
                elif info.filename == SHARED_STRINGS:
                    self._parts.append(_Part(info.filename, None, self._shared_strings(text, strings)))
                else:
                    self._parts.append(_Part(info.filename, None, self._elements(info.filename, text)))
        self._holes = [p for part in self._parts for p in part.pieces if isinstance(p, _Hole)]

    def _shared_strings(self, text: str, strings: list[str]) -> tuple[Piece, ...]:
        elements = [shared_string(s) for s in strings]
        start = text.find("<si>") if strings else text.find("</sst>")
        if start < 0 or text[start:] != "".join(elements) + "</sst>":
            raise CopyError("the shared strings are not as xlsxwriter writes them")
        pieces: list[Piece] = [text[:start]]
        for string, element in zip(strings, elements, strict=True):
            if self._token_re.search(string):
                pieces.append(_Hole(string, "string"))
                self._slots += 1
            else:
                self._fixed_strings.add(string)
                pieces.append(element)
        pieces.append("</sst>")
        return tuple(pieces)

    def _elements(self, name: str, text: str) -> tuple[Piece, ...]:
        """The part cut around each element text with a token in it."""
        pieces: list[Piece] = []
        at = 0
        for match in re.finditer(r"<([\w:]+)(?: [^<>]*)?>([^<>]*)</\1>", text):
            inner = match[2]
            if not self._token_re.search(inner):
                continue
            if self._token_re.search(text, at, match.start(2)):
                raise CopyError(f"a token outside an element's text in {name}")
            worksheet = _WORKSHEET.fullmatch(name) is not None
            if worksheet and match[1] not in _HEADER_TAGS:
                raise CopyError(f"a token in a worksheet's {match[1]} in {name}")
            template = _unescaped(inner)
            if element_text(template) != inner:
                raise CopyError(f"an element's text in {name} is not as xlsxwriter writes it")
            pieces += [text[at : match.start(2)], _Hole(template, "header" if worksheet else "data")]
            at = match.end(2)
        if self._token_re.search(text, at):
            raise CopyError(f"a token outside an element's text in {name}")
        pieces.append(text[at:])
        return tuple(pieces)

    def copy(self, path: Path | IO[bytes], values: Mapping[str, str], headers: Mapping[str, str]) -> bool:
        """Write the workbook with `values` for the tokens (token -> text) and `headers` for
        its page headers (header with tokens -> header) to `path`; False (nothing written)
        when the copy could differ from what xlsxwriter writes with those values."""
        members = self.parts(values, headers)
        if members is None:
            return False
        write_zip(path, members)
        return True

    def parts(self, values: Mapping[str, str], headers: Mapping[str, str]) -> list[tuple[str, bytes]] | None:
        """The workbook's parts, in order, with the values put in; None as in `copy`."""
        filled: dict[_Hole, str] = {}
        strings: list[str] = []
        for hole in self._holes:
            if hole in filled:
                continue
            if hole.kind == "header":
                if hole.template not in headers:
                    return None
                new = headers[hole.template]
            else:  # in one pass: a value is never read again for tokens
                new = self._token_re.sub(lambda m: values[m[0]], hole.template)
            if hole.kind == "string":
                if new in self._fixed_strings or utf16_len(new) > CELL_TEXT_LIMIT:
                    return None
                strings.append(new)
                filled[hole] = shared_string(new)
            elif hole.kind == "header":
                if not header_kept(new):
                    return None
                filled[hole] = element_text(new)
            else:
                filled[hole] = element_text(new)
        if len(set(strings)) != len(strings):
            return None
        out = []
        for part in self._parts:
            if part.data is not None:
                out.append((part.name, part.data))
            else:
                text = "".join(filled[p] if isinstance(p, _Hole) else p for p in part.pieces)
                out.append((part.name, text.encode("utf-8")))
        return out


def write_zip(path: Path | IO[bytes], members: list[tuple[str, bytes]]) -> None:
    """The parts zipped as xlsxwriter zips them (in memory): deflated, dated 1980-01-01."""
    target = str(path) if isinstance(path, Path) else path
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=False) as book:
        for name, data in members:
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            info.compress_type = book.compression
            book.writestr(info, data)

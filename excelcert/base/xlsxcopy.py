"""A workbook written once by xlsxwriter, copied with other values: byte for byte what
xlsxwriter would have written with those values, or nothing when that cannot be sure.

Workbooks of one language differ from one another only in a few texts (a cluster's name,
id, contact, the signed metadata). A `Copier` is made from one workbook xlsxwriter wrote
with distinctive placeholders (tokens) in place of those texts; `copy` puts the real texts
in place of the tokens, escaped exactly as xlsxwriter escapes them, and zips the parts
exactly as xlsxwriter zipped the template: the same members in the same order with the
same headers (only their checksums, sizes and places change), each member without a token
copied as it is, already deflated, and each with a token deflated by zlib from where its
first token stands (the deflater's state after the text before it is kept: zlib's output
does not depend on how its input is cut). A `Copier` checks all of this on the template
itself before it copies anything.

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
import struct
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from excelcert.base.sheetwriter import text_classes

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
    return text_classes()[1]()  # the shared strings writer excelcert's workbooks use


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


def _merged(pieces: tuple[Piece, ...]) -> tuple[Piece, ...]:
    """The pieces with each run of fixed text joined into one (a hole stays a hole)."""
    out: list[Piece] = []
    for piece in pieces:
        if isinstance(piece, str) and out and isinstance(out[-1], str):
            out[-1] += piece
        else:
            out.append(piece)
    return tuple(out)


_LOCAL = b"PK\x03\x04"
_CENTRAL = b"PK\x01\x02"
_END = b"PK\x05\x06"


@dataclass
class _Member:
    """A member of the template's zip: its headers as xlsxwriter's zipfile wrote them, and
    its deflated data (a member without a token) or its pieces and the deflater's state
    after the text before its first token."""

    local: bytes  # local file header (with the name)
    central: bytes  # central directory entry (with the name)
    deflated: bytes = b""
    pieces: tuple[Piece, ...] = ()
    head: bytes = b""  # deflated text before the first hole
    state: Any = None  # the zlib compressor after that text
    head_crc: int = 0
    head_size: int = 0


class Copier:
    """Copies of a workbook xlsxwriter wrote with `tokens` in it (see the module's text).

    `data` is the workbook's file, `strings` xlsxwriter's shared strings in order (its
    `str_table.string_array` once it is closed). CopyError when it cannot be copied."""

    def __init__(self, data: bytes, strings: list[str], tokens: list[str]):
        if not tokens or any(not t or not t.isalnum() for t in tokens):
            raise CopyError("tokens are letters and digits")
        self.tokens = list(tokens)
        self._token_re = re.compile("|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True)))
        self._fixed_strings: set[str] = set()
        self._members: list[_Member] = []
        self._template: dict[_Hole, str] = {}
        try:
            self._read(data, strings)
        except (zipfile.BadZipFile, struct.error, ValueError) as exc:
            raise CopyError(f"the workbook cannot be read as xlsxwriter writes it ({exc})") from None
        except AttributeError:  # another xlsxwriter, whose writers this module does not know
            raise CopyError("xlsxwriter's writers are not as this module knows them") from None
        self._holes = list(dict.fromkeys(p for m in self._members for p in m.pieces if isinstance(p, _Hole)))
        if self._zip({}) != data:  # the template itself, copied with its own texts
            raise CopyError("the workbook is not zipped as this module zips it")

    def _read(self, data: bytes, strings: list[str]) -> None:
        end = len(data) - 22
        if data[end : end + 4] != _END or struct.unpack_from("<H", data, end + 20)[0] != 0:
            raise CopyError("the zip has a comment or is not one")
        entries, size, start = struct.unpack_from("<HII", data, end + 10)
        self._end = data[end:]
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            infos = book.infolist()
            if len(infos) != entries or start + size != end:
                raise CopyError("the zip's directory is not where it should be")
            at = start
            for n, info in enumerate(infos):
                name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, at + 28)
                central = data[at : at + 46 + name_len + extra_len + comment_len]
                at += len(central)
                offset = info.header_offset
                local_len = 30 + sum(struct.unpack_from("<HH", data, offset + 26))
                following = infos[n + 1].header_offset if n + 1 < len(infos) else start
                local, deflated = data[offset : offset + local_len], data[offset + local_len : following]
                if (
                    central[:4] != _CENTRAL
                    or local[:4] != _LOCAL
                    or struct.unpack_from("<I", central, 42)[0] != offset
                    or info.compress_type != zipfile.ZIP_DEFLATED
                    or info.flag_bits & 0x08
                    or len(deflated) != info.compress_size
                ):
                    raise CopyError(f"the member {info.filename} is not as zipfile writes it")
                member = _Member(local, central, deflated)
                raw = book.read(info)
                text = raw.decode("utf-8", errors="replace")
                if self._token_re.search(text):
                    if info.filename == SHARED_STRINGS:
                        member.pieces = self._shared_strings(text, strings)
                    else:
                        member.pieces = self._elements(info.filename, text)
                    member.pieces = _merged(member.pieces)
                    first = member.pieces[0]
                    assert isinstance(first, str)  # a part's pieces start with its text before the first hole
                    head = first.encode("utf-8")
                    member.state = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
                    member.head = member.state.compress(head)
                    member.head_crc, member.head_size = zlib.crc32(head), len(head)
                self._members.append(member)

    def _shared_strings(self, text: str, strings: list[str]) -> tuple[Piece, ...]:
        elements = [shared_string(s) for s in strings]
        start = text.find("<si>") if strings else text.find("</sst>")
        if start < 0 or text[start:] != "".join(elements) + "</sst>":
            raise CopyError("the shared strings are not as xlsxwriter writes them")
        pieces: list[Piece] = [text[:start]]
        for string, element in zip(strings, elements, strict=True):
            if self._token_re.search(string):
                hole = _Hole(string, "string")
                self._template[hole] = element
                pieces.append(hole)
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
            hole = _Hole(template, "header" if worksheet else "data")
            self._template[hole] = inner
            pieces += [text[at : match.start(2)], hole]
            at = match.end(2)
        if self._token_re.search(text, at):
            raise CopyError(f"a token outside an element's text in {name}")
        pieces.append(text[at:])
        return tuple(pieces)

    def copy(self, values: Mapping[str, str], headers: Mapping[str, str]) -> bytes | None:
        """The workbook with `values` for the tokens (token -> text) and `headers` for its
        page headers (header with tokens -> header); None when the copy could differ from
        what xlsxwriter writes with those values."""
        filled: dict[_Hole, str] = {}
        strings: list[str] = []
        for hole in self._holes:
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
        return self._zip(filled)

    def _zip(self, filled: Mapping[_Hole, str]) -> bytes:
        """The workbook's zip with `filled` texts in its holes (the template's own where none)."""
        out = bytearray()
        directory = bytearray()
        for member in self._members:
            offset = len(out)
            central = bytearray(member.central)
            if member.state is None:
                out += member.local
                out += member.deflated
            else:
                rest = "".join(
                    (filled[p] if p in filled else self._template[p]) if isinstance(p, _Hole) else p
                    for p in member.pieces[1:]
                ).encode("utf-8")
                deflater = member.state.copy()
                deflated = member.head + deflater.compress(rest) + deflater.flush()
                sizes = struct.pack(
                    "<III", zlib.crc32(rest, member.head_crc), len(deflated), member.head_size + len(rest)
                )
                local = bytearray(member.local)
                local[14:26] = sizes
                central[16:28] = sizes
                out += local
                out += deflated
            central[42:46] = struct.pack("<I", offset)
            directory += central
        end = bytearray(self._end)
        end[16:20] = struct.pack("<I", len(out))
        return bytes(out + directory + end)

"""Outlook .msg files for the tests, written to the format's specifications.

No package of the registries writes .msg files (extract-msg and olefile only read them), and
no real one could be had as a fixture, so this writes the small subset Outlook itself
writes for a plain message with attachments: a Compound File (MS-CFB, version 3, 512-byte
sectors, with its mini stream) holding the message's properties (MS-OXMSG): subject, body,
sender, the transport headers (From, Date), the submit time, and one storage per attachment
(by value: its bytes, long and short file name, MIME type). extract-msg reads the result.
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass, field

SECTOR, MINI, CUTOFF = 512, 64, 4096
FREE, END, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
PT_LONG, PT_SYSTIME, PT_UNICODE, PT_BINARY = 0x0003, 0x0040, 0x001F, 0x0102


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list[_Entry] = field(default_factory=list)
    start: int = END
    sid: int = 0


def _stream(name: str, data: bytes) -> _Entry:
    return _Entry(name, 2, data)


def _storage(name: str, children: list[_Entry]) -> _Entry:
    return _Entry(name, 1, children=children)


def _properties(header: bytes, props: list[tuple[int, int, object]]) -> tuple[_Entry, list[_Entry]]:
    """The __properties_version1.0 stream and the __substg1.0 streams of variable-size values."""
    rows, streams = [header], []
    for pid, ptype, value in props:
        tag = (pid << 16) | ptype
        if ptype == PT_LONG:
            rows.append(struct.pack("<IIiI", tag, 6, int(value), 0))
        elif ptype == PT_SYSTIME:
            rows.append(struct.pack("<IIQ", tag, 6, int(value)))
        else:
            data = value.encode("utf-16-le") if ptype == PT_UNICODE else bytes(value)
            size = len(data) + (2 if ptype == PT_UNICODE else 0)
            rows.append(struct.pack("<IIII", tag, 6, size, 0))
            streams.append(_stream(f"__substg1.0_{pid:04X}{ptype:04X}", data))
    return _stream("__properties_version1.0", b"".join(rows)), streams


def _filetime(when: dt.datetime) -> int:
    return int((when - dt.datetime(1601, 1, 1, tzinfo=dt.UTC)).total_seconds() * 10_000_000)


def make_msg(
    *, sender: str, sender_name: str, subject: str, body: str, when: dt.datetime, attachments: dict[str, bytes]
) -> bytes:
    """An Outlook message from `sender`, sent `when`, with `attachments` (name -> bytes)."""
    headers = (
        f"From: {sender_name} <{sender}>\r\nTo: secretariat@label.example\r\nSubject: {subject}\r\n"
        f"Date: {when.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\nMIME-Version: 1.0\r\n\r\n"
    )
    top_header = struct.pack("<8xIIII8x", 1, len(attachments), 1, len(attachments))
    props, streams = _properties(
        top_header,
        [
            (0x001A, PT_UNICODE, "IPM.Note"),
            (0x0037, PT_UNICODE, subject),
            (0x1000, PT_UNICODE, body),
            (0x0C1A, PT_UNICODE, sender_name),
            (0x0C1F, PT_UNICODE, sender),
            (0x0C1E, PT_UNICODE, "SMTP"),
            (0x007D, PT_UNICODE, headers),
            (0x0039, PT_SYSTIME, _filetime(when)),
            (0x0E06, PT_SYSTIME, _filetime(when)),
        ],
    )
    children = [props, *streams]
    recip_props, recip_streams = _properties(
        b"\0" * 8,
        [
            (0x3001, PT_UNICODE, "Label secretariat"),
            (0x39FE, PT_UNICODE, "secretariat@label.example"),
            (0x0C15, PT_LONG, 1),
        ],
    )
    children.append(_storage("__recip_version1.0_#00000000", [recip_props, *recip_streams]))
    for number, (name, data) in enumerate(attachments.items()):
        att_props, att_streams = _properties(
            b"\0" * 8,
            [
                (0x3705, PT_LONG, 1),  # attached by value
                (0x3701, PT_BINARY, data),
                (0x3707, PT_UNICODE, name),
                (0x3704, PT_UNICODE, name[:12]),
                (0x3703, PT_UNICODE, "." + name.rpartition(".")[2]),
                (0x370E, PT_UNICODE, "application/octet-stream"),
                (0x0E21, PT_LONG, number),
            ],
        )
        children.append(_storage(f"__attach_version1.0_#{number:08X}", [att_props, *att_streams]))
    children.append(
        _storage(
            "__nameid_version1.0",
            [
                _stream("__substg1.0_00020102", b""),
                _stream("__substg1.0_00030102", b""),
                _stream("__substg1.0_00040102", b""),
            ],
        )
    )
    return _compound_file(_Entry("Root Entry", 5, children=children))


def _compound_file(root: _Entry) -> bytes:
    entries: list[_Entry] = []

    def number(entry: _Entry) -> None:
        entry.sid = len(entries)
        entries.append(entry)
        for child in entry.children:
            number(child)

    number(root)
    # small streams in the mini stream, the others in sectors of their own
    mini, minifat = bytearray(), []
    big = [e for e in entries if e.kind == 2 and len(e.data) >= CUTOFF]
    for entry in entries:
        if entry.kind == 2 and 0 < len(entry.data) < CUTOFF:
            first = len(mini) // MINI
            count = -(-len(entry.data) // MINI)
            entry.start = first
            minifat += [first + i + 1 for i in range(count - 1)] + [END]
            mini += entry.data + b"\0" * (count * MINI - len(entry.data))
    root.data = bytes(mini)

    def sectors(n: int) -> int:
        return -(-n // SECTOR)

    dir_sectors = sectors(len(entries) * 128)
    minifat_sectors = sectors(len(minifat) * 4)
    payload = dir_sectors + minifat_sectors + sectors(len(mini)) + sum(sectors(len(e.data)) for e in big)
    fat_sectors = 1
    while fat_sectors * (SECTOR // 4) < payload + fat_sectors:
        fat_sectors += 1
    assert fat_sectors <= 109, "too large for this writer"
    fat: list[int] = [FATSECT] * fat_sectors
    body = bytearray()

    def place(data: bytes) -> int:
        if not data:
            return END
        start, count = len(fat), sectors(len(data))
        fat.extend([start + i + 1 for i in range(count - 1)] + [END])
        body.extend(data + b"\0" * (count * SECTOR - len(data)))
        return start

    # the directory, then the mini FAT, the mini stream and the large streams
    directory_start = len(fat)
    fat.extend([directory_start + i + 1 for i in range(dir_sectors - 1)] + [END])
    body.extend(b"\0" * dir_sectors * SECTOR)
    minifat_start = place(b"".join(struct.pack("<I", x) for x in minifat))
    root.start = place(bytes(mini))
    for entry in big:
        entry.start = place(entry.data)
    directory = bytearray()
    for entry in entries:
        kids = sorted(entry.children, key=lambda e: (len(e.name), e.name.upper()))
        child = kids[0].sid if kids else NOSTREAM
        for left, right in zip(kids, kids[1:], strict=False):
            left.right = right.sid
        directory += _directory_entry(entry, child)
    directory += b"\0" * (dir_sectors * SECTOR - len(directory))
    body[0 : dir_sectors * SECTOR] = directory
    fat += [FREE] * (fat_sectors * (SECTOR // 4) - len(fat))
    fat_bytes = b"".join(struct.pack("<I", x) for x in fat)
    difat = list(range(fat_sectors)) + [FREE] * (109 - fat_sectors)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        bytes.fromhex("D0CF11E0A1B11AE1"),
        b"\0" * 16,
        0x003E,
        0x0003,
        0xFFFE,
        9,
        6,
        b"\0" * 6,
        0,
        fat_sectors,
        directory_start,
        0,
        CUTOFF,
        minifat_start,
        minifat_sectors,
        END,
        0,
    ) + b"".join(struct.pack("<I", x) for x in difat)
    return header + fat_bytes + bytes(body)


def _directory_entry(entry: _Entry, child: int) -> bytes:
    name = entry.name.encode("utf-16-le") + b"\0\0"
    right = getattr(entry, "right", NOSTREAM)
    size = len(entry.data) if entry.kind in (2, 5) else 0
    start = entry.start if entry.kind in (2, 5) and size else (END if entry.kind != 1 else 0)
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        name.ljust(64, b"\0"),
        len(name),
        entry.kind,
        1,  # black
        NOSTREAM,
        right,
        child,
        b"\0" * 16,
        0,
        0,
        0,
        start,
        size,
    )

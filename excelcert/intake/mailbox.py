"""Returns by e-mail: the workbooks attached to saved e-mails, with who sent them and when.

`import` takes e-mails as they are saved by mail programs: a single message (.eml, what
Thunderbird, Apple Mail and Outlook save with "Save as"), a whole folder exported as an
mbox file (.mbox, Thunderbird's ImportExportTools, Apple Mail's "Export Mailbox"), and
Outlook's own format (.msg, read with extract-msg). Every attachment that may be a
workbook (.xlsx, .xlsm, .xls, .ods, and the members of an attached .zip) becomes one file
of the batch, named `<mail file>#<message>/<attachment>` and carrying the sender's address
and the message's date; pictures, signatures and other attachments are left aside. A
message that holds no workbook gets a verdict of its own, so nothing received goes
unnoticed.

E-mails come from outside and are hostile until read: attachment names lose any folder
part, sizes are checked before anything is unpacked (the same limits as for workbooks and
archives), and nothing attached is ever opened by another program or executed.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import io
import mailbox
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.message import EmailMessage, Message
from functools import partial
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO

from excelcert.base.problems import Problem, problem

MAIL_SUFFIXES = (".eml", ".mbox", ".msg")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb")  # attachments read as workbooks
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024  # as a workbook on disk (intake.batch.MAX_INPUT_BYTES)
MAX_MESSAGE_BYTES = 120 * 1024 * 1024  # one e-mail (attachments grow by a third in base64)
MAX_MAILBOX_BYTES = 2 * 1024 * 1024 * 1024  # a whole exported mail folder
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # all the members of one attached .zip together
MAX_ZIP_MEMBERS = 1000


@dataclass(frozen=True)
class Attachment:
    """One file attached to an e-mail (or a member of an attached .zip): its bytes, or why
    they cannot be had, with the message's sender and date."""

    name: str  # <mail file>#<message number>/<attachment name>, as the secretariat finds it
    data: bytes | None
    error: str = ""
    sender: str = ""  # the From address, lower case
    sent_at: str = ""  # the message's Date, ISO 8601 in UTC; "" when it has none or a bad one


def is_mail(path: Path) -> bool:
    return path.suffix.casefold() in MAIL_SUFFIXES


def mail_attachments(path: Path) -> Iterator[Attachment]:
    """Every workbook attached to the e-mail(s) saved in `path`; one Attachment with an
    error for a file that is no e-mail, a message too large, or a message without a workbook."""
    suffix = path.suffix.casefold()
    size = path.stat().st_size
    limit = MAX_MAILBOX_BYTES if suffix == ".mbox" else MAX_MESSAGE_BYTES
    if size > limit:
        yield Attachment(str(path), None, f"it is {size / 1e6:.0f} MB, far more than e-mails with workbooks")
        return
    if suffix == ".mbox":
        yield from _mbox(path)
    elif suffix == ".msg":
        yield from _guarded(str(path), partial(_read_msg, path))
    else:
        yield from _guarded(str(path), partial(_read_message, str(path), path.read_bytes()))


def _read_msg(path: Path) -> list[Attachment]:
    return list(_msg(path))


def _read_message(name: str, data: bytes) -> list[Attachment]:
    return list(_message(name, _parse(data)))


def _guarded(name: str, read: Callable[[], list[Attachment]]) -> list[Attachment]:
    """What `read` gives, or one rejection if the e-mail breaks the parser (a part nested
    thousands deep, say): one e-mail never stops the batch."""
    try:
        return read()
    except (RecursionError, MemoryError):
        return [Attachment(name, None, "the e-mail is nested too deeply to be read (a malicious message?)")]
    except Exception:
        return [Attachment(name, None, "it cannot be read as an e-mail")]


def _parse(data: bytes) -> EmailMessage:
    # The default policy decodes encoded names (RFC 2047, 2231) and is lenient: a malformed
    # message yields what can be read, its defects noted, rather than an exception.
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _mbox(path: Path) -> Iterator[Attachment]:
    box = mailbox.mbox(path, create=False)
    try:
        keys = list(box.iterkeys())
        if not keys:
            yield Attachment(str(path), None, "it holds no e-mail (is it an mbox file exported by a mail program?)")
        for number, key in enumerate(keys, start=1):
            name = f"{path}#{number}"
            data = box.get_bytes(key)
            if len(data) > MAX_MESSAGE_BYTES:
                yield Attachment(
                    name, None, f"this e-mail is {len(data) / 1e6:.0f} MB, far more than one with workbooks"
                )
                continue
            yield from _guarded(name, partial(_read_message, name, data))
    finally:
        box.close()


def _message(name: str, message: EmailMessage) -> Iterator[Attachment]:
    sender, sent_at = _sender(message), _date(message.get("Date"))
    found = False
    others: list[str] = []
    for part in message.walk():
        if part.is_multipart():
            continue  # a container (forwarded messages included): its parts come next
        filename = part.get_filename()
        if not filename:
            continue  # the text of the message
        safe = safe_attachment_name(filename)
        if not safe.casefold().endswith((*WORKBOOK_SUFFIXES, ".zip")):
            others.append(safe)
            continue
        found = True
        data = _payload(part)
        if data is None:
            yield Attachment(f"{name}/{safe}", None, "the attachment is damaged and cannot be decoded", sender, sent_at)
        else:
            yield from _attached(f"{name}/{safe}", data, sender, sent_at)
    if not found:
        what = f" (attached: {', '.join(others[:5])}{' ...' if len(others) > 5 else ''})" if others else ""
        yield Attachment(name, None, f"this e-mail holds no workbook{what}", sender, sent_at)


def _payload(part: Message) -> bytes | None:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # a malformed part: reported, never raised
        return None
    return data if isinstance(data, bytes) else None


def _attached(name: str, data: bytes, sender: str, sent_at: str) -> Iterator[Attachment]:
    """An attached workbook, or the workbooks of an attached .zip (checked before unpacking)."""
    if len(data) > MAX_ATTACHMENT_BYTES:
        yield Attachment(name, None, f"it is {len(data) / 1e6:.0f} MB, far more than a workbook", sender, sent_at)
        return
    if not name.casefold().endswith(".zip"):
        yield Attachment(name, data, "", sender, sent_at)
        return
    for member, content, error in archive_members(name, io.BytesIO(data), safe_attachment_name):
        yield Attachment(member, content, error, sender, sent_at)


MAX_ZIP_DEPTH = 3  # an archive in an archive in an archive: unpacked; one more level is refused


class _Budget:
    """What the members of one archive (with the archives inside it) may unpack to together."""

    def __init__(self) -> None:
        self.files, self.bytes = MAX_ZIP_MEMBERS, MAX_UNPACKED_BYTES


def archive_members(
    name: str,
    source: str | Path | IO[bytes],
    member_name: Callable[[str], str],
    *,
    depth: int = 1,
    budget: _Budget | None = None,
) -> Iterator[tuple[str, bytes | None, str]]:
    """The files of a .zip archive (a file, or bytes attached to an e-mail), each as (its
    name, its bytes or None, why not): the members of an archive inside it (a folder zipped
    with the archives it held) unpacked as well, up to MAX_ZIP_DEPTH levels; all of them
    together checked against MAX_ZIP_MEMBERS and MAX_UNPACKED_BYTES before any is unpacked,
    so that a zip bomb, nested or not, is refused whole. `member_name` makes a member's
    name in the archive a name for the secretariat."""
    budget = budget or _Budget()
    try:
        with zipfile.ZipFile(source) as archive:
            members = [i for i in archive.infolist() if not i.is_dir()]
            total = sum(i.file_size for i in members)
            if len(members) > budget.files or total > budget.bytes:
                yield (
                    name,
                    None,
                    f"the archive would unpack to {len(members)} files, {total / 1e6:.0f} MB: far more than "
                    "workbooks (a zip bomb?); it was not unpacked",
                )
                return
            budget.files -= len(members)
            budget.bytes -= total
            for info in members:
                member = f"{name}/{member_name(info.filename)}"
                if info.file_size > MAX_ATTACHMENT_BYTES:
                    yield member, None, f"it would unpack to {info.file_size / 1e6:.0f} MB"
                    continue
                try:
                    data = archive.read(info)
                except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError):
                    yield member, None, "it cannot be unpacked (damaged, or protected by a password)"
                    continue
                if not member.casefold().endswith(".zip"):
                    yield member, data, ""
                elif depth >= MAX_ZIP_DEPTH:
                    yield (
                        member,
                        None,
                        f"an archive inside {depth} archives, which excelcert does not unpack: unpack it "
                        "and import its files",
                    )
                else:
                    yield from archive_members(member, io.BytesIO(data), member_name, depth=depth + 1, budget=budget)
    except (zipfile.BadZipFile, OSError, EOFError):
        yield name, None, "the archive is damaged and cannot be opened"


def _msg(path: Path) -> Iterator[Attachment]:
    """An Outlook .msg file (an OLE compound file), read with extract-msg."""
    import extract_msg

    try:
        message = extract_msg.openMsg(str(path), delayAttachments=False)
    except Exception:  # not an Outlook message, or a damaged one
        yield Attachment(str(path), None, "it cannot be read as an Outlook message")
        return
    try:
        sender = _address(str(getattr(message, "sender", "") or ""))
        date = getattr(message, "date", None)
        sent_at = _iso(date) if isinstance(date, dt.datetime) else ""
        found, others = False, []
        for item in getattr(message, "attachments", []):
            filename = str(getattr(item, "longFilename", None) or getattr(item, "shortFilename", None) or "")
            data = getattr(item, "data", None)
            safe = safe_attachment_name(filename) if filename else ""
            if not safe.casefold().endswith((*WORKBOOK_SUFFIXES, ".zip")):
                if safe:
                    others.append(safe)
                continue
            found = True
            if not isinstance(data, bytes):
                yield Attachment(f"{path}/{safe}", None, "the attachment cannot be read", sender, sent_at)
                continue
            yield from _attached(f"{path}/{safe}", data, sender, sent_at)
        if not found:
            what = f" (attached: {', '.join(others[:5])})" if others else ""
            yield Attachment(str(path), None, f"this e-mail holds no workbook{what}", sender, sent_at)
    finally:
        message.close()


def safe_attachment_name(filename: str) -> str:
    """An attachment's name as a plain file name: no folder part (either kind of slash), no
    control characters, never empty or a dot name."""
    base = PureWindowsPath(PurePosixPath(filename.replace("\\", "/")).name).name
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip().lstrip(".")
    return base[:200] or "attachment"


def _sender(message: EmailMessage) -> str:
    try:
        raw = str(message.get("From") or "")
    except Exception:  # a From header too malformed to parse
        return ""
    return _address(raw)


def _address(raw: str) -> str:
    _, address = email.utils.parseaddr(raw)
    return address.strip().casefold() if "@" in address else ""


def _date(raw: object) -> str:
    if raw is None:
        return ""
    try:
        return _iso(email.utils.parsedate_to_datetime(str(raw)))
    except (TypeError, ValueError, IndexError):
        return ""


def _iso(when: dt.datetime) -> str:
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def sender_problem(sender: str, expected: str, senders: Mapping[str, str], name: str) -> Problem | None:
    """A warning when a workbook of `expected` (a cluster's or a reviewer's id) came from the
    address the roster gives another cluster or reviewer: the wrong workbook, perhaps, or
    the wrong sender. An address the roster does not know is not flagged (a colleague may
    send it): the history shows who sent every file."""
    owner = senders.get(sender.casefold())
    if not sender or owner is None or owner == expected:
        return None
    return problem("mail-wrong-sender", path=name, sender=sender, owner=owner, expected=expected)

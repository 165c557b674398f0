"""Files: written atomically, named safely, and one writer at a time.

A file excelcert writes appears whole or not at all (a temporary file beside it, moved
into place), and its name is one every common file system accepts, whatever a cluster
or reviewer is called. A campaign's ledger is written by one excelcert at a time
(`exclusive`): a second one is refused with a line saying which run holds it and since
when; the operating system releases the lock of a run that was killed, so a stale lock
never blocks anyone.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)), *(f"LPT{n}" for n in range(1, 10))}
MAX_NAME_BYTES = 120  # leaves room for the folder in Windows' 260-character paths


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` to write to: moved into place when the block ends
    without error, removed when it fails, so that `path` is never half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(suffix=path.suffix, dir=path.parent)
    os.close(handle)
    try:
        yield Path(temp)
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def safe_filename(text: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """`text` made into a file name stem every common file system accepts."""
    name = unicodedata.normalize("NFC", text)
    # no invisible formatting mark: a right-to-left override in a cluster's name made 'name\u202eexe.xlsx'
    # show as 'namexslx.exe' in a file manager and in the mail the cluster gets; zero-width characters
    # make two names that look the same differ
    name = "".join(ch for ch in name if unicodedata.category(ch) != "Cf")
    name = re.sub(r'[\x00-\x1f\x7f-\x9f<>:"/\\|?*\ud800-\udfff\ufffe\uffff]', "_", name)  # and no half of a pair
    name = re.sub(r"\s+", " ", name)
    name = re.sub(r"_+", "_", name).strip(" ._")
    encoded = name.encode("utf-8")[:max_bytes]
    name = encoded.decode("utf-8", errors="ignore").rstrip(" ._")
    if not name:
        name = "_"
    if name.split(".")[0].strip().upper() in _RESERVED:
        name = "_" + name
    return name


LOCK_NAME = ".excelcert.lock"


class Busy(Exception):
    """Another excelcert is writing the same campaign; the message says which and since when."""


@contextmanager
def exclusive(folder: Path, what: str) -> Iterator[None]:
    """Hold the folder's write lock while the block runs; Busy at once if another run holds it.
    Beside the lock, who holds it (process, command, since when), for the refusal's message."""
    from filelock import FileLock, Timeout  # here, not at the top: every command's start-up pays for an import

    lock = FileLock(str(folder / LOCK_NAME), timeout=0)
    info = folder / f"{LOCK_NAME}.info"
    try:
        lock.acquire()
    except Timeout:
        try:
            holder = json.loads(info.read_text(encoding="utf-8"))
            who = f"`excelcert {holder['what']}` (process {holder['pid']}) has been running since {holder['since']}"
        except (OSError, ValueError, KeyError, TypeError):
            who = "another excelcert is running"
        raise Busy(
            f"{who} on {folder}: only one command writes a campaign at a time. Run this one again when it has "
            "finished; nothing was done."
        ) from None
    try:
        since = dt.datetime.now().replace(microsecond=0).isoformat(sep=" ")
        info.write_text(json.dumps({"pid": os.getpid(), "what": what, "since": since}), encoding="utf-8")
        yield
    finally:
        info.unlink(missing_ok=True)
        lock.release()

"""Files: written atomically, named safely.

A file excelcert writes appears whole or not at all (a temporary file beside it, moved
into place), and its name is one every common file system accepts, whatever a cluster
or reviewer is called.
"""

from __future__ import annotations

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
    name = re.sub(r'[\x00-\x1f\x7f<>:"/\\|?*]', "_", name)
    name = re.sub(r"\s+", " ", name)
    name = re.sub(r"_+", "_", name).strip(" ._")
    encoded = name.encode("utf-8")[:max_bytes]
    name = encoded.decode("utf-8", errors="ignore").rstrip(" ._")
    if not name:
        name = "_"
    if name.split(".")[0].strip().upper() in _RESERVED:
        name = "_" + name
    return name

"""Counted words for messages a person reads: '1 workbook', '3 workbooks', never 'workbook(s)'."""

from __future__ import annotations


def counted(n: int, one: str, many: str | None = None, *, none: str = "0") -> str:
    """'1 file', '2 files'; `many` for a plural that is not `one` + 's' ('1 entry', '2 entries');
    `none` for what to say of zero ('no labels')."""
    return f"{none if n == 0 else n} {one if n == 1 else (many or one + 's')}"


def shown(path: object) -> str:
    """A path as a person typing commands here wants it: relative to the current folder
    ('excelcert-demo/output/demo/results.xlsx', '../output/camp/to-clusters' from a subfolder),
    or as it is when it lies far from here (more than two folders up)."""
    import os

    text = str(path)
    try:
        relative = os.path.relpath(os.path.abspath(text))
    except (ValueError, OSError):  # another drive, or no current folder
        return os.path.normpath(text)
    return relative if not relative.startswith(os.path.join(*[os.pardir] * 3)) else os.path.normpath(text)

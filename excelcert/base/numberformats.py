"""What a cell's number format says about its number: a date, a duration or neither, and the
date or duration a serial number stands for.

These are openpyxl's rules (openpyxl 3.1, MIT licence: `openpyxl.styles.numbers` and
`openpyxl.utils.datetime`), the same rules the rest of excelcert reads workbooks by, kept
here because importing openpyxl for them imports openpyxl whole, and numpy with it: about a
quarter of a second before every import could read its first file. A test compares them
with openpyxl's own on every built-in format and on the formats office suites write, so
they cannot drift apart unseen.
"""

from __future__ import annotations

import datetime as dt
import re

# The number formats a workbook may use by id without declaring them (ECMA-376 Part 1,
# 18.8.30), as openpyxl has them: the ids it lacks are read as General.
BUILTIN_FORMATS: dict[int, str] = {
    0: "General",
    1: "0",
    2: "0.00",
    3: "#,##0",
    4: "#,##0.00",
    5: '"$"#,##0_);("$"#,##0)',
    6: '"$"#,##0_);[Red]("$"#,##0)',
    7: '"$"#,##0.00_);("$"#,##0.00)',
    8: '"$"#,##0.00_);[Red]("$"#,##0.00)',
    9: "0%",
    10: "0.00%",
    11: "0.00E+00",
    12: "# ?/?",
    13: "# ??/??",
    14: "mm-dd-yy",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "h:mm",
    21: "h:mm:ss",
    22: "m/d/yy h:mm",
    37: "#,##0_);(#,##0)",
    38: "#,##0_);[Red](#,##0)",
    39: "#,##0.00_);(#,##0.00)",
    40: "#,##0.00_);[Red](#,##0.00)",
    41: r'_(* #,##0_);_(* \(#,##0\);_(* "-"_);_(@_)',
    42: r'_("$"* #,##0_);_("$"* \(#,##0\);_("$"* "-"_);_(@_)',
    43: r'_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)',
    44: r'_("$"* #,##0.00_)_("$"* \(#,##0.00\)_("$"* "-"??_)_(@_)',
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mmss.0",
    48: "##0.0E+0",
    49: "@",
}

# Quoted text and bracketed locale or colour codes say nothing about dates; [h], [mm], [ss]
# (elapsed time) do.
_LITERAL_OR_LOCALE = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_DATE_PART = re.compile(r"(?<![_\\])[dmhysDMHYS]")
_ELAPSED = re.compile(r"\[hh?\](:mm(:ss(\.0*)?)?)?|\[mm?\](:ss(\.0*)?)?|\[ss?\](\.0*)?", re.I)

WINDOWS_EPOCH = dt.datetime(1899, 12, 30)
_SECONDS_A_DAY = 86400


def is_date_format(number_format: str | None) -> bool:
    """Whether a number in this format is a date or a time (only its first section counts)."""
    if number_format is None:
        return False
    first = _LITERAL_OR_LOCALE.sub("", number_format.split(";")[0])
    return _DATE_PART.search(first) is not None


def is_timedelta_format(number_format: str | None) -> bool:
    """Whether a number in this format is a duration ([h]:mm:ss and the like)."""
    if number_format is None:
        return False
    return _ELAPSED.search(number_format.split(";")[0]) is not None


def from_excel(
    value: float, epoch: dt.datetime = WINDOWS_EPOCH, timedelta: bool = False
) -> dt.datetime | dt.time | dt.timedelta:
    """The date and time (a time alone below 1, a duration with `timedelta`) a serial number
    stands for, to the millisecond; in the 1900 system, the days before 1 March 1900 shifted
    by Excel's phantom 29 February 1900."""
    if timedelta:
        span = dt.timedelta(days=value)
        if span.microseconds:
            span = dt.timedelta(seconds=span.total_seconds() // 1, microseconds=round(span.microseconds, -3))
        return span
    day, fraction = divmod(value, 1)
    diff = dt.timedelta(milliseconds=round(fraction * _SECONDS_A_DAY * 1000))
    if 0 <= value < 1 and diff.days == 0:
        minutes, seconds = divmod(diff.seconds, 60)
        hours, minutes = divmod(minutes, 60)
        return dt.time(hours, minutes, seconds, diff.microseconds)
    if 0 < value < 60 and epoch == WINDOWS_EPOCH:
        day += 1
    return epoch + dt.timedelta(days=day) + diff

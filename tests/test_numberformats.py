"""excelcert's copy of openpyxl's number-format rules (`base.numberformats`) gives what
openpyxl gives, and reading a returned workbook with dates no longer imports openpyxl."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl.styles import numbers as theirs_numbers
from openpyxl.utils import datetime as theirs_datetime

from excelcert.base import numberformats as ours

# What Excel, LibreOffice (in English, French, German), Google Sheets and Numbers write, and
# the traps: quoted text, escaped letters, locale and colour codes, elapsed time, sections.
FORMATS = [
    *theirs_numbers.BUILTIN_FORMATS.values(),
    "yyyy-mm-dd",
    "DD.MM.YYYY",
    "dd/mm/yyyy",
    "[$-40C]d mmmm yyyy;@",
    "[$-407]DD. MMMM YYYY",
    "[$-F800]dddd\\,\\ mmmm\\ dd\\,\\ yyyy",
    'd"."m"."yyyy',
    '0.00 "days"',
    '"Datum: "0',
    "[Red]0.00",
    "[Blue]#,##0;[Red]-#,##0",
    "#,##0.00 [$€-40C];[Red]-#,##0.00 [$€-40C]",
    '_-* #,##0.00 "€"_-;-* #,##0.00 "€"_-;_-* "-"?? "€"_-;_-@_-',
    "0%",
    "0.0%",
    "@",
    "General",
    "[h]:mm:ss",
    "[hh]:mm",
    "[mm]:ss",
    "[ss].00",
    "[h]:mm:ss;@",
    "h:mm:ss AM/PM",
    "mm:ss.0",
    "yyyy-mm-ddThh:mm:ss",
    "0;-0;;@",
    "\\d0",
    "_d0",
    "# ?/?",
    "0.00E+00",
    "m",
    "",
    "[",
    "[$",
    '"unclosed',
    "[h",
]


@pytest.mark.parametrize("number_format", FORMATS)
def test_a_format_is_a_date_or_a_duration_as_openpyxl_says(number_format):
    assert ours.is_date_format(number_format) == theirs_numbers.is_date_format(number_format)
    assert ours.is_timedelta_format(number_format) == theirs_numbers.is_timedelta_format(number_format)


def test_the_built_in_formats_are_openpyxls():
    assert ours.BUILTIN_FORMATS == theirs_numbers.BUILTIN_FORMATS
    assert ours.is_date_format(None) is ours.is_timedelta_format(None) is False


SERIALS = [
    0,
    0.25,
    0.5,
    0.999999,
    0.9999999999,
    1,
    1.5,
    59,
    59.99,
    60,
    60.5,
    61,
    45991,
    45991.123456,
    2958465.999,
    -1.5,
]


@pytest.mark.parametrize("epoch", [ours.WINDOWS_EPOCH, dt.datetime(1904, 1, 1)])
@pytest.mark.parametrize("serial", SERIALS)
def test_a_serial_number_is_the_date_openpyxl_reads(serial, epoch):
    for timedelta in (False, True):
        assert _outcome(ours.from_excel, serial, epoch, timedelta) == _outcome(
            theirs_datetime.from_excel, serial, epoch, timedelta
        )


def _outcome(convert, serial, epoch, timedelta):
    """The value, or the kind of error (past year 9999: the readers keep the number)."""
    try:
        return convert(serial, epoch=epoch, timedelta=timedelta)
    except (ValueError, OverflowError) as exc:
        return type(exc)


def test_reading_dates_and_returned_workbooks_does_not_import_openpyxl(demo: Path, tmp_path: Path):
    """openpyxl imports numpy: a quarter of a second before an import read its first file."""
    import xlsxwriter

    path = tmp_path / "dates.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("S")
    sheet.write_datetime(0, 0, dt.datetime(2026, 12, 31), book.add_format({"num_format": "dd.mm.yyyy"}))
    sheet.write_number(0, 1, 1.5, book.add_format({"num_format": "[h]:mm"}))
    sheet.write_number(0, 2, 0.25, book.add_format({"num_format": "0%"}))
    book.close()
    mailbox = demo / "workbooks" / "returned" / "replies.mbox"
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from excelcert.base.spreadsheet import read_workbook_xml\n"
        "from excelcert.scheme import load_scheme\n"
        "from excelcert.intake.read import read_returned\n"
        "from excelcert.intake.batch import collect_inputs\n"
        f"for grid in (True, False):\n"
        f"    sheet = read_workbook_xml({str(path)!r}, grid=grid).sheets['S']\n"
        "    values = [sheet.cell(1, column).value for column in (1, 2, 3)]\n"
        "    assert [type(v).__name__ for v in values] == ['datetime', 'timedelta', 'float'], values\n"
        f"items = [i for i in collect_inputs([Path({str(mailbox)!r})]) if i.name.endswith('.xlsx')]\n"
        "books = [read_returned(Path(i.name), load_scheme(None), 'x.xlsx', data=i.data) for i in items]\n"
        "assert len(books) > 3 and all(len(b.answers) > 30 for b in books)\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert not {"openpyxl", "numpy"} & set(done.stdout.split())


def test_random_formats_and_serials_give_what_openpyxl_gives():
    """Formats made of the characters that matter (date letters, brackets, quotes, escapes,
    sections, elapsed time) and serial numbers of every size, drawn from a fixed seed."""
    import random

    draw = random.Random(20261130)
    pieces = [*'dmhysDMHYSaAbBeEgG0#.,;:"[]\\_-/ @$*()?%!', "[h]", "[mm]", "[ss]", "[$-407]", "[Red]", '"d"', "AM/PM"]
    for _ in range(3000):
        number_format = "".join(draw.choice(pieces) for _ in range(draw.randrange(0, 14)))
        assert ours.is_date_format(number_format) == theirs_numbers.is_date_format(number_format), number_format
        assert ours.is_timedelta_format(number_format) == theirs_numbers.is_timedelta_format(number_format), (
            number_format
        )
    for _ in range(3000):
        serial = draw.choice(
            [draw.uniform(-2, 2), draw.uniform(0, 100), draw.uniform(0, 3e6), draw.randrange(0, 100000)]
        )
        for epoch in (ours.WINDOWS_EPOCH, dt.datetime(1904, 1, 1)):
            for timedelta in (False, True):
                assert _outcome(ours.from_excel, serial, epoch, timedelta) == _outcome(
                    theirs_datetime.from_excel, serial, epoch, timedelta
                ), (serial, epoch, timedelta)

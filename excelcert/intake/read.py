"""Read a returned workbook of any role: open it, check it is ours, and hand it to its stage's reader.

A self-assessment is read by `assessment.read`, a review by `review.read`, an arbitration
workbook by `review.arbitration`. Verification against the campaign (key, campaign,
scheme version, roster) is the batch's job; this module only reads.
"""

from __future__ import annotations

from pathlib import Path

from excelcert.assessment.read import ReturnedWorkbook, open_returned, read_self_assessment
from excelcert.base.contract import ROLE_ARBITRATION, ROLE_REVIEW
from excelcert.review.arbitration import read_decisions
from excelcert.review.read import read_review
from excelcert.scheme.model import Scheme


def read_returned(path: Path, scheme: Scheme, name: str | None = None, data: bytes | None = None) -> ReturnedWorkbook:
    """The answers of a returned workbook (the file at `path`, or its bytes `data`);
    UnreadableFile if it cannot be read or is not ours."""
    book, result = open_returned(path, name, data)
    if result.meta.role == ROLE_REVIEW:
        read_review(book, scheme, result)
    elif result.meta.role == ROLE_ARBITRATION:
        read_decisions(book, scheme, result)
    else:
        read_self_assessment(book, scheme, result)
    return result

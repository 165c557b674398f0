"""The lifecycle of a label, on dates alone: how long it is valid, when a renewal continues
it, and what it is on a given day (valid, expired, superseded, withdrawn).

A label is valid from the month of its assessment until the end of the month `validity`
months later (assessed in March 2026, 24 months: valid until 31 March 2028). A renewal
assessed no later than `grace` months after the previous label's end continues it: the
new label runs `validity` months from the previous end date, not from its own month, so a
cluster that renews on time never has a gap. Later than that, the new label starts afresh.
The scheme keeps the grace shorter than the validity, so that a continued label is always
still running when it is issued. The scheme gives both numbers
(`validity_months`, `renewal_grace_months`); these are the defaults.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

DEFAULT_VALIDITY_MONTHS = 24
DEFAULT_GRACE_MONTHS = 12

VALID, EXPIRED, SUPERSEDED, WITHDRAWN, NOT_YET = "valid", "expired", "superseded", "withdrawn", "not yet issued"
STATES = (VALID, EXPIRED, SUPERSEDED, WITHDRAWN)


def month_of(day: dt.date) -> str:
    """The month a day lies in, as YYYY-MM."""
    return f"{day.year:04d}-{day.month:02d}"


def _first_day(month: str) -> dt.date:
    year, number = (int(part) for part in month.split("-"))
    return dt.date(year, number, 1)


def add_months(month: str, months: int) -> str:
    """The month `months` after `month` (YYYY-MM)."""
    first = _first_day(month)
    index = first.year * 12 + first.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def end_of_month(month: str) -> dt.date:
    """The last day of `month` (YYYY-MM)."""
    following = _first_day(add_months(month, 1))
    return following - dt.timedelta(days=1)


class Held(Protocol):
    """What the rules need to know of a label a cluster already holds."""

    @property
    def reference(self) -> str: ...
    @property
    def valid_until(self) -> str: ...
    @property
    def withdrawn_on(self) -> str | None: ...


@dataclass(frozen=True)
class Validity:
    valid_until: dt.date
    continues: str | None = None  # the reference of the label this renewal continues


def validity(
    assessed: str,
    previous: Iterable[Held],
    *,
    months: int = DEFAULT_VALIDITY_MONTHS,
    grace: int = DEFAULT_GRACE_MONTHS,
) -> Validity:
    """How long a label assessed in `assessed` (YYYY-MM) is valid, given the cluster's earlier
    labels (withdrawn ones do not count): continued from the latest one's end when the
    assessment falls within `grace` months after it, else from the assessment's month."""
    fresh = Validity(end_of_month(add_months(assessed, months)))
    standing = [p for p in previous if not p.withdrawn_on]
    if not standing:
        return fresh
    latest = max(standing, key=lambda p: p.valid_until)
    end_month = latest.valid_until[:7]
    if assessed > add_months(end_month, grace):
        return fresh
    return Validity(end_of_month(add_months(end_month, months)), latest.reference)


class Dated(Protocol):
    """What the rules need to know of a label to say what it is on a day."""

    @property
    def number(self) -> int: ...
    @property
    def cluster_id(self) -> str: ...
    @property
    def issued_on(self) -> str: ...
    @property
    def valid_until(self) -> str: ...
    @property
    def withdrawn_on(self) -> str | None: ...


def state_on(entry: Dated, others: Iterable[Dated], day: dt.date) -> tuple[str, Dated | None]:
    """What `entry` is on `day`, and the label that superseded it (if it was):

    - not yet issued, before its date of issue;
    - withdrawn, from the day it was withdrawn (a withdrawal is never undone);
    - superseded, once a newer label of the same cluster was issued (and is not withdrawn);
    - expired, after its valid-until date;
    - valid otherwise."""
    iso = day.isoformat()
    if entry.issued_on > iso:
        return NOT_YET, None
    if entry.withdrawn_on and entry.withdrawn_on <= iso:
        return WITHDRAWN, None
    newer = [
        o
        for o in others
        if o.cluster_id == entry.cluster_id
        and o.number != entry.number
        and (o.issued_on, o.number) > (entry.issued_on, entry.number)
        and o.issued_on <= iso
        and not (o.withdrawn_on and o.withdrawn_on <= iso)
    ]
    if newer:
        return SUPERSEDED, min(newer, key=lambda o: (o.issued_on, o.number))
    if entry.valid_until < iso:
        return EXPIRED, None
    return VALID, None

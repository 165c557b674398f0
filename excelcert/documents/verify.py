"""Verify a certificate someone quotes: its number and verification code, against the register
(whichever campaign issued it) or, for a campaign without one, against its ledger."""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass

from excelcert.base.ledger import Certificate, Ledger
from excelcert.register.public import normal_code
from excelcert.register.rules import EXPIRED, SUPERSEDED, VALID, WITHDRAWN, state_on
from excelcert.register.store import Entry, RegisterStore

UNKNOWN_NUMBER, WRONG_CODE = "unknown number", "wrong code"


@dataclass(frozen=True)
class Verification:
    number: str  # as quoted
    code: str  # as quoted
    state: str  # valid, expired, unknown number, wrong code
    certificate: Certificate | None = None  # the campaign's certificate of that number

    @property
    def issued_here(self) -> bool:
        """The campaign issued a certificate of this number with this code."""
        return self.state in (VALID, EXPIRED)


def verify_certificate(ledger: Ledger, number: str, code: str, today: dt.date | None = None) -> Verification:
    """Whether the campaign issued certificate `number` with verification `code` (case, spaces
    and dashes do not matter), and whether it is still valid on `today`."""
    found = next((c for c in ledger.certificates() if c.reference.casefold() == number.strip().casefold()), None)
    if found is None:
        return Verification(number, code, UNKNOWN_NUMBER)
    if not hmac.compare_digest(normal_code(code).encode(), normal_code(found.code).encode()):
        return Verification(number, code, WRONG_CODE, found)
    valid = dt.date.fromisoformat(found.valid_until) >= (today or dt.date.today())
    return Verification(number, code, VALID if valid else EXPIRED, found)


@dataclass(frozen=True)
class RegisterVerification:
    """What the register says of a quoted certificate: its state on the day, with the details
    the holder's copy must show (so that an edited PDF is caught)."""

    number: str  # as quoted
    state: str  # valid, expired, superseded, withdrawn, unknown number, wrong code
    entry: Entry | None = None
    superseded_by: str | None = None

    @property
    def issued_here(self) -> bool:
        return self.state in (VALID, EXPIRED, SUPERSEDED, WITHDRAWN)

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"number": self.number, "state": self.state, "superseded_by": self.superseded_by}
        if self.entry is not None and self.issued_here:
            e = self.entry
            data["certificate"] = {
                "reference": e.reference,
                "cluster": e.cluster_id,
                "name": e.name,
                "country": e.country,
                "label": e.label,
                "label_name": e.label_name,
                "campaign": e.campaign_id,
                "assessed": e.assessed,
                "issued_on": e.issued_on,
                "valid_until": e.valid_until,
                "withdrawn_on": e.withdrawn_on,
                "withdrawn_reason": e.withdrawn_reason,
                "withdrawn_by": e.withdrawn_by,
            }
        return data


def verify_in_register(
    store: RegisterStore, number: str, code: str, today: dt.date | None = None
) -> RegisterVerification:
    """Whether the register holds certificate `number` with verification `code`, whichever
    campaign issued it, and what it is on `today`: valid, expired, superseded or withdrawn."""
    entry = store.by_reference(number)
    if entry is None:
        return RegisterVerification(number, UNKNOWN_NUMBER)
    if not hmac.compare_digest(normal_code(code).encode(), normal_code(entry.code).encode()):
        return RegisterVerification(number, WRONG_CODE)
    state, newer = state_on(entry, store.of_cluster(entry.cluster_id), today or dt.date.today())
    return RegisterVerification(number, state, entry, newer.reference if isinstance(newer, Entry) else None)

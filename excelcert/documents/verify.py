"""Verify a certificate someone quotes: its number and verification code, against the ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from excelcert.base.ledger import Certificate, Ledger
from excelcert.campaign.config import Campaign
from excelcert.documents.context import verification_code

VALID, EXPIRED, UNKNOWN_NUMBER, WRONG_CODE = "valid", "expired", "unknown number", "wrong code"


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


def verify_certificate(
    campaign: Campaign, ledger: Ledger, key: bytes, number: str, code: str, today: dt.date | None = None
) -> Verification:
    """Whether the campaign issued certificate `number` with verification `code` (spaces and
    case do not matter), and whether it is still valid on `today`."""
    found = next((c for c in ledger.certificates() if c.reference.casefold() == number.strip().casefold()), None)
    if found is None:
        return Verification(number, code, UNKNOWN_NUMBER)
    expected = verification_code(key, campaign, found.cluster_id, found.label, found.issued_on)(found.number)
    if code.strip().upper().replace(" ", "") != expected:
        return Verification(number, code, WRONG_CODE, found)
    valid = dt.date.fromisoformat(found.valid_until) >= (today or dt.date.today())
    return Verification(number, code, VALID if valid else EXPIRED, found)

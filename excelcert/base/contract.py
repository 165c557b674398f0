"""The workbook contract: what identifies a workbook excelcert issued, so intake can trust it.

Every workbook carries a very hidden sheet `_excelcert` (two columns: key, value) and the
same values as custom document properties:

    format          excelcert-workbook/1
    campaign_id     the campaign it belongs to
    scheme_id       the scheme it was made from ...
    scheme_version  ... and its version
    scheme_hash     SHA-256 of the scheme's canonical text
    cluster_id      the cluster it was made for
    role            self-assessment, review or arbitration
    reviewer_id     empty for a self-assessment
    based_on        a review only: the SHA-256 of the self-assessment file it reviews
    language        the language it is written in
    issued_at       when it was made (UTC, ISO 8601)
    nonce           a random value of this workbook's own: no two workbooks differ only by cluster id
    cluster_name    the cluster's name, as the workbook's title shows it
    reviewer_name   a review only: the reviewer's name, as the review's introduction shows it
    signature       HMAC-SHA256 with the campaign's secret key over all of the above

The metadata is bound to the workbook's own content (`content_mismatch`): the profile
sheet's cluster id, the title naming the cluster, a review's introduction naming its
reviewer must agree with it, so that one workbook's metadata sheet pasted into another is
refused.

A workbook whose cluster id or scheme was edited, or one made by hand to look like
ours, fails `verify`. The key itself is never written into a workbook.
LibreOffice turns a very hidden sheet into a merely hidden one when it re-saves; the
values stay, and that is all the contract relies on.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, fields
from typing import Any

FORMAT = "excelcert-workbook/1"
META_SHEET = "_excelcert"
ROLE_SELF_ASSESSMENT = "self-assessment"
ROLE_REVIEW = "review"
ROLE_ARBITRATION = "arbitration"


@dataclass(frozen=True)
class WorkbookMeta:
    campaign_id: str
    scheme_id: str
    scheme_version: str
    scheme_hash: str
    cluster_id: str
    role: str
    language: str
    issued_at: str
    reviewer_id: str = ""
    format: str = FORMAT
    based_on: str = ""  # a review: the SHA-256 of the self-assessment it reviews
    nonce: str = ""  # a random value of this workbook's own (workbooks made before it have none)
    cluster_name: str = ""  # the name the workbook's title shows (bound to its content)
    reviewer_name: str = ""  # a review: the name its introduction shows

    def payload(self) -> bytes:
        """The signed bytes: every field as key=value, one per line, sorted by key
        (the optional fields only when set, so workbooks made before they existed still verify)."""
        items = sorted((k, v) for k, v in vars(self).items() if k not in _OPTIONAL or v)  # fields: all text
        return "".join(f"{key}={value}\n" for key, value in items).encode("utf-8")

    def items(self) -> list[tuple[str, str]]:
        return [
            (f.name, str(getattr(self, f.name)))
            for f in fields(self)
            if f.name not in _OPTIONAL or getattr(self, f.name)
        ]


_OPTIONAL = ("based_on", "nonce", "cluster_name", "reviewer_name")


def new_nonce() -> str:
    """A random value for a workbook's own metadata."""
    return secrets.token_hex(8)


def one_line(text: str) -> str:
    """A name as one line of the signed text (a line break in it would read as another key)."""
    return " ".join(str(text).split())


@dataclass(frozen=True)
class Identity:
    """What a returned workbook's own content says it is, read from cells the cluster or
    reviewer does not fill in (each "" when the workbook has no such cell)."""

    profile_cluster_id: str = ""  # the profile sheet's `id` field (a self-assessment)
    heading: str = ""  # the answer sheet's text above its first indicator: its title names the
    # cluster, a review's introduction its reviewer


def sign_row(key: bytes, campaign_id: str, *parts: str) -> str:
    """A signed reference to one row a workbook lists for a decision (an arbitration item:
    its cluster, indicator and why it was flagged): 32 hex digits of HMAC-SHA256 with the
    campaign's key, so that an edited or added row is told from the rows excelcert wrote."""
    text = "\n".join(["row", campaign_id, *(one_line(part) for part in parts)])
    return hmac.digest(key, text.encode("utf-8"), "sha256").hex()[:32]


def verify_row(key: bytes, reference: str, campaign_id: str, *parts: str) -> bool:
    """Whether `reference` is the signed reference of the row `parts` (any text may be given)."""
    given = str(reference or "").strip().lower().encode("utf-8", "surrogatepass")
    return hmac.compare_digest(sign_row(key, campaign_id, *parts).encode("ascii"), given)


def content_mismatch(meta: WorkbookMeta, identity: Identity) -> str | None:
    """How the workbook's content disagrees with its signed metadata, or None if it does not:
    one workbook's metadata sheet pasted into another's is refused. Workbooks made before
    names were signed are checked on their profile's cluster id only."""
    if identity.profile_cluster_id and identity.profile_cluster_id != meta.cluster_id:
        return f"its profile sheet is that of cluster {identity.profile_cluster_id}"
    if meta.cluster_name and one_line(meta.cluster_name) not in one_line(identity.heading):
        return f"its title names another cluster than {meta.cluster_name}"
    if meta.reviewer_name and one_line(meta.reviewer_name) not in one_line(identity.heading):
        return f"its introduction names another reviewer than {meta.reviewer_name}"
    return None


def sign(meta: WorkbookMeta, key: bytes) -> str:
    return hmac.digest(key, meta.payload(), "sha256").hex()


def verify(meta: WorkbookMeta, signature: str, key: bytes) -> bool:
    """Whether `signature` is the key's signature of `meta`; any text at all may be given (a
    signature cell edited by hand holds anything): compared as bytes, in constant time."""
    given = str(signature or "").strip().lower().encode("utf-8", "surrogatepass")
    return hmac.compare_digest(sign(meta, key).encode("ascii"), given)


def write_meta(book: Any, meta: WorkbookMeta, signature: str) -> None:
    """Add the very hidden metadata sheet and the document properties (xlsxwriter book)."""
    ws = book.add_worksheet(META_SHEET)
    for row, (key, value) in enumerate([*meta.items(), ("signature", signature)]):
        ws.write_string(row, 0, key)
        ws.write_string(row, 1, value)
    ws.very_hidden()
    ws.protect()
    for key, value in [*meta.items(), ("signature", signature)]:
        if fits_property(value):  # the sheet is what intake reads
            book.set_custom_property(f"excelcert.{key}", value)


def fits_property(value: str) -> bool:
    """Whether `value` is also written as a custom document property (Excel's limit: 255)."""
    return len(value.encode("utf-16-le")) <= 2 * 255


class ContractError(Exception):
    """A workbook without readable excelcert metadata."""


def read_meta(values: dict[str, Any]) -> tuple[WorkbookMeta, str]:
    """Metadata and signature from the metadata sheet's key/value pairs."""
    names = [f.name for f in fields(WorkbookMeta)]
    missing = [n for n in names if n not in values and n not in _OPTIONAL]
    if missing or "signature" not in values:
        raise ContractError(
            f"its metadata lacks {', '.join(missing + (['signature'] if 'signature' not in values else []))}"
        )
    clean = {n: "" if values.get(n) is None else str(values.get(n)).strip() for n in names}
    return WorkbookMeta(**clean), str(values["signature"]).strip()


def meta_values(sheet_rows: list[list[Any]]) -> dict[str, Any]:
    """Key/value pairs from the rows of a metadata sheet (cells or plain values)."""
    out: dict[str, Any] = {}
    for row in sheet_rows:
        cells = [getattr(c, "value", c) for c in row]
        if cells and isinstance(cells[0], str) and cells[0].strip():
            out[cells[0].strip()] = cells[1] if len(cells) >= 2 else None  # an empty value: no second cell
    return out


def read_workbook_meta(book: Any) -> tuple[WorkbookMeta, str]:
    """Metadata and signature of a workbook read by `spreadsheet.read_workbook`."""
    sheet = book.sheet(META_SHEET)
    if sheet is None:
        raise ContractError(f"it has no '{META_SHEET}' sheet, so it was not made by excelcert")
    values = meta_values([values for _, values in sheet.values])
    if values.get("format") != FORMAT:
        raise ContractError(f"its metadata is of format '{values.get('format')}', not {FORMAT}")
    return read_meta(values)

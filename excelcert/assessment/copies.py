"""Self-assessment workbooks copied from one written per language: the same bytes, faster.

Two clusters' workbooks of one language differ only in the cluster's own texts (its id,
name, country, sector, contact, e-mail, website: on the profile sheet, in the titles,
page headers and document properties) and in the signed metadata (nonce, signature). So
`Copies` writes, with xlsxwriter as `build_self_assessment` does, one workbook per shape
(language, the roster's language, club yes or no, which texts are empty) with a token in
each of those texts, and then each cluster's workbook is that one with the cluster's
texts put in (`excelcert.base.xlsxcopy`): byte for byte the workbook
`build_self_assessment` writes with the same nonce.

A cluster whose workbook a copy cannot be sure to give (a renewal, which shows last time's
answers; a text equal to another text of the workbook, which xlsxwriter stores once; a
name over several lines or too long for a document property; a page header xlsxwriter
would not keep) is written whole (`write` returns False, and the caller builds it).
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from excelcert.assessment.workbook import (
    PROFILE_TEXTS,
    build_self_assessment,
    profile_texts,
    self_assessment_meta,
    workbook_language,
)
from excelcert.base.contract import fits_property, new_nonce, one_line, sign
from excelcert.base.sheetwriter import new_book, page_header
from excelcert.base.xlsxcopy import Copier, CopyError
from excelcert.campaign.config import Campaign
from excelcert.campaign.roster import Cluster
from excelcert.scheme import Scheme

NONCE = "nonce"


@dataclass(frozen=True)
class Shape:
    """What a workbook depends on besides the cluster's texts (for one campaign and run)."""

    language: str  # the workbook's
    roster_language: str  # the cluster's, which the profile names
    club: bool
    empty: frozenset[str]  # the texts the roster leaves empty


class Copies:
    """Self-assessment workbooks for one campaign, scheme, key and time of issue."""

    def __init__(self, scheme: Scheme, campaign: Campaign, key: bytes, issued_at: dt.datetime):
        self.scheme, self.campaign, self.key, self.issued_at = scheme, campaign, key, issued_at
        self._copiers: dict[Shape, tuple[Copier, dict[str, str], str] | None] = {}

    def write(self, path: Path, cluster: Cluster, *, nonce: str | None = None) -> bool:
        """Write `cluster`'s workbook to `path` as a copy; False (nothing written) when it
        has to be written whole."""
        if one_line(cluster.name) != cluster.name:  # the signed name would be another text
            return False
        lang = workbook_language(self.scheme, cluster)
        texts = profile_texts(cluster, lang)
        shape = Shape(lang, cluster.language, cluster.club, frozenset(k for k, v in texts.items() if not v))
        made = self._copier(shape)
        if made is None:
            return False
        copier, tokens, signature = made
        meta = self_assessment_meta(self.scheme, self.campaign, cluster, self.issued_at, nonce or new_nonce())
        if not (fits_property(meta.cluster_id) and fits_property(meta.cluster_name)):
            return False  # a property the template has would be left out
        values = {tokens[k]: v for k, v in texts.items() if v}
        values[tokens[NONCE]] = meta.nonce
        values[signature] = sign(meta, self.key)
        headers = {page_header(tokens["name"]): page_header(cluster.name)}
        data = copier.copy(values, headers)
        if data is None:
            return False
        path.write_bytes(data)
        return True

    def _copier(self, shape: Shape) -> tuple[Copier, dict[str, str], str] | None:
        if shape not in self._copiers:
            self._copiers[shape] = self._make(shape)
        return self._copiers[shape]

    def _make(self, shape: Shape) -> tuple[Copier, dict[str, str], str] | None:
        """The workbook of `shape` with a token for each text, ready to copy (None if it
        cannot be copied: then every workbook of that shape is written whole)."""
        mark = secrets.token_hex(4)  # tokens no scheme or campaign text contains
        tokens = {k: f"xc{mark}{n:02d}q" for n, k in enumerate([*PROFILE_TEXTS, NONCE])}
        texts = {k: "" if k in shape.empty else tokens[k] for k in PROFILE_TEXTS}
        cluster = Cluster(
            id=texts["id"],
            name=texts["name"],
            country=texts["country"],
            language=shape.roster_language,
            group=texts["group"],
            contact_name=texts["contact_name"],
            email=texts["email"],
            website=texts["website"],
            club=shape.club,
        )
        if profile_texts(cluster, shape.language) != texts:  # a country code the language names
            return None
        books: list[Any] = []

        def open_book(target: Any) -> Any:
            books.append(new_book(target))
            return books[-1]

        data = io.BytesIO()
        meta = build_self_assessment(
            data,
            self.scheme,
            self.campaign,
            cluster,
            self.key,
            issued_at=self.issued_at,
            open_book=open_book,
            nonce=tokens[NONCE],
        )
        signature = sign(meta, self.key)
        used = [tokens[k] for k, v in texts.items() if v] + [tokens[NONCE], signature]
        strings = getattr(getattr(books[0], "str_table", None), "string_array", None)  # once closed
        if not isinstance(strings, list):  # another xlsxwriter
            return None
        try:
            copier = Copier(data.getvalue(), strings, used)
        except CopyError:
            return None
        return copier, tokens, signature

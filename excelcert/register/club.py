"""The club of labelled cluster managers: a directory of those who agreed to be listed.

A cluster is in the directory on a day when it holds a valid label then and its manager's
latest certificate records consent: the answer on the workbook's profile sheet, else the
roster's `club` column, at the time of certifying. No consent, no entry: not the name, not the address. The directory is written
as a workbook, as CSV (UTF-8 with BOM, formula-like text made harmless) or as vCards (one
card per manager, for an address book).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from excelcert.base.files import atomic_path
from excelcert.base.i18n import yes_or_no
from excelcert.base.sheetwriter import csv_safe, new_book, print_setup
from excelcert.campaign.roster import country_name
from excelcert.register.lists import label_list
from excelcert.register.store import Entry

FORMATS = {".xlsx": "xlsx", ".csv": "csv", ".vcf": "vcard", ".vcard": "vcard"}
COLUMNS = ("manager", "cluster", "label", "valid_until", "country", "sector", "email", "website")
_HEADINGS = {
    "manager": "Cluster manager",
    "cluster": "Cluster",
    "label": "Label",
    "valid_until": "Valid until",
    "country": "Country",
    "sector": "Sector",
    "email": "E-mail",
    "website": "Website",
}


@dataclass(frozen=True)
class Member:
    manager: str
    cluster: str
    cluster_id: str
    label: str
    valid_until: str
    country: str  # its name in English
    sector: str
    email: str
    website: str

    def row(self) -> list[str]:
        return [str(getattr(self, column)) for column in COLUMNS]


@dataclass
class Directory:
    on: dt.date
    members: list[Member] = field(default_factory=list)
    left_out: int = 0  # labelled clusters without consent (or without an address)
    file: Path | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "file": str(self.file) if self.file else None,
            "members": [{"cluster_id": m.cluster_id, **dict(zip(COLUMNS, m.row(), strict=True))} for m in self.members],
            "left_out": self.left_out,
        }


def club_consent(profile: dict[str, str], roster: bool) -> bool:
    """Whether a cluster's manager agreed to be listed: as the cluster answered on its
    workbook's profile sheet (yes or no in any language), else as the roster says."""
    said = yes_or_no(profile.get("club", ""))
    return roster if said is None else said


def club_directory(entries: list[Entry], day: dt.date) -> Directory:
    """The managers of the clusters labelled on `day` who consented, by country and cluster."""
    directory = Directory(day)
    for item in label_list(entries, day):
        e = item.entry
        if not e.club_consent or not e.email:
            directory.left_out += 1
            continue
        directory.members.append(
            Member(
                e.contact_name,
                e.name,
                e.cluster_id,
                e.label_name,
                e.valid_until,
                country_name(e.country, "en"),
                e.sector,
                e.email,
                e.website,
            )
        )
    return directory


def export_format(path: Path) -> str | None:
    """The format a file's extension asks for (xlsx, csv or vcard), None when it says none."""
    return FORMATS.get(path.suffix.casefold())


def write_directory(directory: Directory, path: Path, fmt: str) -> Path:
    """The directory written at `path` in `fmt` (xlsx, csv or vcard), whole or not at all."""
    writers = {"xlsx": _write_xlsx, "csv": _write_csv, "vcard": _write_vcard}
    with atomic_path(path) as temp:
        writers[fmt](directory, temp)
    directory.file = path
    return path


def _write_csv(directory: Directory, path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([_HEADINGS[c] for c in COLUMNS])
        writer.writerows([[csv_safe(v) for v in m.row()] for m in directory.members])


def _write_xlsx(directory: Directory, path: Path) -> None:
    book = new_book(path)
    try:
        head = book.add_format({"bold": True, "bg_color": "#1F3864", "font_color": "#FFFFFF", "valign": "top"})
        ws = book.add_worksheet("club")
        widths = (24, 36, 10, 12, 16, 22, 34, 34)
        for c, column in enumerate(COLUMNS):
            ws.set_column(c, c, widths[c])
            ws.write_string(0, c, _HEADINGS[column], head)
        for r, member in enumerate(directory.members, start=1):
            for c, value in enumerate(member.row()):
                ws.write_string(r, c, value)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(directory.members), 1), len(COLUMNS) - 1)
        print_setup(ws, f"Club directory {directory.on.isoformat()}")
    finally:
        book.close()


# Titles written before a name without a full stop (with one, any word is a title: Dr., Prof.).
_TITLES = {"dr", "prof", "mag", "di", "ing", "dipl", "mr", "mrs", "ms", "mme", "mlle", "herr", "frau"}


def _name_parts(name: str) -> tuple[str, str, str]:
    """A person's name as a vCard's N wants it: titles ('Dr.', 'Prof. Dr.-Ing.'), given
    names, and the family name (the last word): 'Dr. Jana Weber' is Weber; Jana; Dr., not a
    given name 'Dr. Jana'. An initial ('J. Smith') is a given name."""
    words = name.split()
    titles = []
    while (
        len(words) > 1 and len(words[0].rstrip(".")) > 1 and (words[0].endswith(".") or words[0].casefold() in _TITLES)
    ):
        titles.append(words.pop(0))
    return " ".join(titles), " ".join(words[:-1]), words[-1] if words else ""


def _write_vcard(directory: Directory, path: Path) -> None:
    import vobject  # a well-kept vCard writer: escaping and line folding as RFC 2426 wants

    cards = []
    for m in directory.members:
        card = vobject.vCard()
        card.add("fn").value = m.manager or m.cluster
        prefix, given, family = _name_parts(m.manager or m.cluster)
        card.add("n").value = vobject.vcard.Name(family=family, given=given, prefix=prefix)
        card.add("org").value = [m.cluster]
        card.add("email").value = m.email
        if m.website:
            card.add("url").value = m.website
        card.add("note").value = f"{m.label} label, valid until {m.valid_until}; {m.country}; {m.sector}".strip("; ")
        cards.append(card.serialize())
    path.write_text("".join(cards), encoding="utf-8", newline="")

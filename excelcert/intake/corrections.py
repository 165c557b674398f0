"""What each cluster must correct: one workbook per rejected or incomplete return, in its language.

Built from the ledger: for an incomplete return, every problem of the workbook that
counts (to correct, then to check), with its cell, the indicator's name in the cluster's
language, the value given and what to do; for a rejected one (whose cluster is known),
why it was rejected. The letter form comes with the documents stage.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from excelcert.base.files import safe_filename
from excelcert.base.i18n import corrections_text, format_date, hint, text
from excelcert.base.ledger import Ledger, StoredProblem
from excelcert.base.problems import ERROR
from excelcert.base.sheetwriter import ROW_HEIGHT, new_book, print_setup, wrapped_lines
from excelcert.campaign.config import Campaign
from excelcert.campaign.roster import Cluster
from excelcert.intake.status import INCOMPLETE, REJECTED, iter_campaign_status
from excelcert.scheme import Scheme


@dataclass(frozen=True)
class CorrectionItem:
    place: str
    indicator: str
    indicator_name: str
    given: str
    todo: str
    must_fix: bool  # False: only to check


@dataclass
class Corrections:
    cluster: Cluster
    file: str
    received: str
    rejected: bool
    items: list[CorrectionItem] = field(default_factory=list)


def collect_corrections(clusters: list[Cluster], ledger: Ledger, scheme: Scheme) -> list[Corrections]:
    out = []
    for status in iter_campaign_status(clusters, ledger):
        if status.state not in (INCOMPLETE, REJECTED) or status.submission_id is None:
            continue
        lang = status.cluster.language
        problems = sorted(ledger.problems(status.submission_id), key=lambda p: (p.severity != ERROR,))
        items = [_item(p, scheme, lang, status.state == REJECTED) for p in problems]
        out.append(
            Corrections(
                status.cluster,
                status.counting_file or status.last_file,
                status.last_received,
                status.state == REJECTED,
                items,
            )
        )
    return out


def _item(p: StoredProblem, scheme: Scheme, lang: str, rejected: bool) -> CorrectionItem:
    indicator_id = (p.indicator_id or "").split("/")[0]
    try:
        name = scheme.text(scheme.indicator(indicator_id).name, lang) if indicator_id else ""
    except KeyError:
        name = ""
    place = f"{p.sheet}!{p.cell}" if p.sheet and p.cell else ""
    given = "" if p.raw is None else str(p.raw)
    todo = hint(lang, p.code)
    if rejected:  # the reason itself (in English: it names files and versions), then what to do
        todo = f"{p.message}\n{hint(lang, p.code)}" if hint(lang, p.code) != hint(lang, "other") else p.message
    return CorrectionItem(place, p.indicator_id or "", name, given, todo, p.severity == ERROR)


@dataclass
class CorrectionsWritten:
    """The correction workbooks written, one per cluster, in `folder`."""

    folder: Path
    written: list[tuple[Corrections, Path]] = field(default_factory=list)

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {
                "cluster": c.cluster.id,
                "email": c.cluster.email,
                "rejected": c.rejected,
                "items": len(c.items),
                "file": str(p),
            }
            for c, p in self.written
        ]


def corrections_folder(campaign: Campaign) -> Path:
    return campaign.output_dir / "corrections"


def write_all_corrections(
    campaign: Campaign, scheme: Scheme, clusters: list[Cluster], ledger: Ledger
) -> CorrectionsWritten:
    """A corrections workbook for every cluster of `clusters` whose return was rejected or is
    incomplete, named after the cluster, in the campaign's corrections folder."""
    folder = corrections_folder(campaign)
    folder.mkdir(parents=True, exist_ok=True)
    outcome = CorrectionsWritten(folder)
    for item in collect_corrections(clusters, ledger, scheme):
        path = folder / f"{safe_filename(f'{item.cluster.id} {item.cluster.name}')}.xlsx"
        outcome.written.append((item, write_corrections(path, item, campaign, scheme)))
    return outcome


def write_corrections(path: Path, item: Corrections, campaign: Campaign, scheme: Scheme) -> Path:
    lang = item.cluster.language

    def t(key: str, **values: str) -> str:
        return corrections_text(lang, key, **values)

    book = new_book(path)
    try:
        title = book.add_format({"bold": True, "font_size": 15, "font_color": "#1F3864"})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        head = book.add_format(
            {"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F3864", "text_wrap": True, "valign": "vcenter"}
        )
        ws = book.add_worksheet(t("sheet"))
        widths = (22, 40, 26, 70, 14)
        for c, width in enumerate(widths):
            ws.set_column(c, c, width)
        ws.write_string(0, 0, t("title"), title)
        ws.merge_range(1, 0, 1, 4, item.cluster.name, bold)
        date = format_date(_date(item.received), lang) if item.received else ""
        intro = t(
            "rejected_intro" if item.rejected else "intro", file=item.file, date=date, email=campaign.contact_email
        )
        ws.merge_range(3, 0, 3, 4, intro, wrap)
        ws.set_row(3, ROW_HEIGHT * wrapped_lines(intro, sum(widths)))
        for c, key in enumerate(("h_cell", "h_indicator", "h_value", "h_todo", "h_kind")):
            ws.write_string(5, c, t(key), head)
        for r, entry in enumerate(item.items, start=6):
            indicator = f"{entry.indicator} {entry.indicator_name}".strip()
            for c, value in enumerate(
                (entry.place, indicator, entry.given, entry.todo, t("fix") if entry.must_fix else t("check"))
            ):
                ws.write_string(r, c, value, wrap)
            ws.set_row(r, ROW_HEIGHT * max(wrapped_lines(entry.todo, widths[3]), wrapped_lines(indicator, widths[1])))
        ws.repeat_rows(5)
        print_setup(ws, item.cluster.name, repeat_row=None, page=text(lang, "page"))
    finally:
        book.close()
    return path


def _date(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso[:10])

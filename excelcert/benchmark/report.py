"""The campaign report for the secretariat and its funders: one workbook with native Excel
charts (xlsxwriter charts, not pictures) and the same as one self-contained HTML file (its
charts inline as SVG, drawn by matplotlib; it loads nothing).

What it shows: returns over time against the deadline; labels by country and by sector;
the distribution of scores; category shares (median and quartiles); the indicators where
clusters are weakest; where self-assessments overstate against the reviewed values; the
reviewers' agreement per indicator and their load; the peer groups; the training needs.

Confidentiality: figures over the campaign's clusters (quartiles, weakest indicators) are
shown only when at least k clusters are scored; peer groups as `excelcert benchmark` decides
them. The workbook, for the secretariat, names the clusters needing each training module;
the HTML, for funders, gives only how many.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import math
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babel.numbers import format_decimal

from excelcert.base.files import atomic_path
from excelcert.base.i18n import format_date
from excelcert.base.lazy import lazy_module
from excelcert.base.ledger import Ledger
from excelcert.base.sheetwriter import ROW_HEIGHT, new_book, print_setup
from excelcert.benchmark.peers import TOTAL, Peers
from excelcert.benchmark.stats import CAMPAIGN, EVERYONE, Benchmark
from excelcert.benchmark.texts import report_text
from excelcert.benchmark.training import WEAK_SHARE, TrainingNeeds, training_needs
from excelcert.campaign.config import Campaign
from excelcert.campaign.reviewers import Reviewer
from excelcert.campaign.roster import Cluster, country_name
from excelcert.review.final import final_values
from excelcert.review.reconcile import campaign_statistics
from excelcert.scheme.model import Scheme

if TYPE_CHECKING:  # numpy: imported when first used (excelcert.base.lazy)
    import numpy as np
else:
    np = lazy_module("numpy")

NO_LABEL = ""
BANDS = 10  # the distribution of scores in bands of 10 %
NAVY = "#1F3864"
LABEL_COLOURS = {"gold": "#C9A227", "silver": "#9EA3A8", "bronze": "#B0703C", NO_LABEL: "#D9D9D9"}
FALLBACK = ("#1F3864", "#2E75B6", "#70AD47", "#7F7F7F")


@dataclass
class Quartiles:
    id: str
    name: str
    q1: float
    median: float
    q3: float


@dataclass
class CampaignReport:
    """What the report shows, as plain data (both forms are written from it)."""

    lang: str
    title: str
    campaign_id: str
    made_on: dt.date
    deadline: dt.date
    min_group: int
    roster: int
    returns: list[tuple[dt.date, int]]  # day -> self-assessments received so far (each cluster's first)
    scored: int
    labels: list[tuple[str, str]]  # (label id, name), best first, then (NO_LABEL, "No label")
    by_country: dict[str, Counter[str]]  # country -> label id -> clusters
    by_sector: dict[str, Counter[str]]
    distribution: list[tuple[str, int]]  # band "70–80 %" -> clusters
    categories: list[Quartiles]  # empty when fewer than k are scored
    weakest: list[tuple[str, str, float]]  # (indicator, name, share of scored clusters weak in it), weakest first
    overstated: list[tuple[str, str, float, int]]  # (indicator, name, mean points overstated, clusters)
    agreement: list[tuple[str, str, float | None]]  # (indicator, name, alpha)
    load: list[tuple[str, str, int, int]]  # (reviewer, name, assigned, returned)
    benchmark: Benchmark
    training: TrainingNeeds
    scheme: Scheme = field(repr=False)
    peer_info: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # cluster -> campaign, sector, country
    campaign_shown: bool = False  # the campaign's clusters may be shown as a group (figures over them)

    @property
    def labelled(self) -> int:
        return sum(n for c in self.by_country.values() for label, n in c.items() if label != NO_LABEL)

    def text(self, key: str, **values: object) -> str:
        return report_text(self.lang, key, **values)

    def country(self, code: str) -> str:
        """A country as the reader names it ('Autriche' for AT in French)."""
        return country_name(code, self.lang) if code else "—"

    def sector(self, name: str) -> str:
        """A sector in the reader's language where the roster gives it (group_fr ...)."""
        return self.benchmark.sector_name(name, self.lang) if name and name != "—" else "—"

    def place(self, key: str, name: str) -> str:
        """A row of 'labels by country' or 'labels by sector' as the reader names it."""
        return self.country(name) if key == "labels_country" else self.sector(name)

    def number(self, value: float) -> str:
        """A share with one decimal, as the reader writes it (53,3 in French and German)."""
        from babel import UnknownLocaleError

        try:  # a scheme's language may be a regional one (de-CH), babel's locale de_CH
            return format_decimal(value, format="0.0", locale=self.lang.replace("-", "_"))
        except (UnknownLocaleError, ValueError):  # a language babel does not know: as the code writes it
            return f"{value:.1f}"

    @property
    def heading(self) -> str:
        """'Campaign report: <title>', with French's space before the colon."""
        return f"{self.text('title')}{chr(0x202F) + ': ' if self.lang == 'fr' else ': '}{self.title}"

    def to_json(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign_id,
            "language": self.lang,
            "roster": self.roster,
            "returned": self.returns[-1][1] if self.returns else 0,
            "scored": self.scored,
            "labelled": self.labelled,
            "labels_by_country": {k: dict(v) for k, v in self.by_country.items()},
            "labels_by_sector": {k: dict(v) for k, v in self.by_sector.items()},
            "distribution": dict(self.distribution),
            "categories": [q.__dict__ for q in self.categories],
            "weakest": [{"indicator": i, "share_weak": round(s, 1)} for i, _, s in self.weakest],
            "overstated": [{"indicator": i, "points": round(p, 2), "clusters": n} for i, _, p, n in self.overstated],
            "agreement": {i: (None if a is None else round(a, 3)) for i, _, a in self.agreement},
            "reviewers": [{"reviewer": r, "assigned": a, "returned": n} for r, _, a, n in self.load],
            "training": self.training.to_json(),
        }


def gather_report(
    campaign: Campaign,
    scheme: Scheme,
    clusters: list[Cluster],
    reviewers: list[Reviewer],
    ledger: Ledger,
    peers: Peers,
    found: Benchmark,
    *,
    lang: str | None = None,
    today: dt.date | None = None,
) -> CampaignReport:
    """Everything the report shows, from the ledger, the peers and their benchmark."""
    lang = lang or scheme.default_language
    k = found.min_group
    roster_ids = {c.id for c in clusters}
    firsts: dict[str, str] = {}
    for s in ledger.all_submissions():
        if s.cluster_id in roster_ids and s.reviewer_id is None and s.role in (None, "self-assessment"):
            firsts[s.cluster_id] = min(firsts.get(s.cluster_id, s.received_at), s.received_at)
    per_day = Counter(dt.date.fromisoformat(r[:10]) for r in firsts.values())
    running, returns = 0, []
    for day in sorted(per_day):
        running += per_day[day]
        returns.append((day, running))
    table = peers.table
    mine = table.loc[[c for c in peers.current if c in table.index]]
    labels = [(r.id, scheme.label_name(r.id, lang)) for r in scheme.labels_by_rank()]
    labels.append((NO_LABEL, report_text(lang, "no_label")))
    by_country: dict[str, Counter[str]] = {}
    by_sector: dict[str, Counter[str]] = {}
    for _, row in mine.iterrows():
        by_country.setdefault(str(row["country"]), Counter())[str(row["label"])] += 1
        by_sector.setdefault(str(row["sector"]) or "—", Counter())[str(row["label"])] += 1
    shares = mine[TOTAL].to_numpy(dtype=float)
    bands = np.clip((shares // (100 / BANDS)).astype(int), 0, BANDS - 1) if len(shares) else np.array([], dtype=int)
    distribution = [(f"{n * 100 // BANDS}–{(n + 1) * 100 // BANDS} %", int((bands == n).sum())) for n in range(BANDS)]
    categories: list[Quartiles] = []
    weakest: list[tuple[str, str, float]] = []
    own = found.group(CAMPAIGN)  # the campaign's clusters as a group: hidden under k, or too close to everyone
    if own is not None and own.shown:
        for cat in scheme.categories:
            f = own.figures.get(cat.id)
            if f is not None:
                categories.append(Quartiles(cat.id, scheme.text(cat.name, lang), f.q1, f.median, f.q3))
        for ind in scheme.indicators:
            if ind.max_points > 0 and ind.id in own.figures:
                values = mine[ind.id].to_numpy(dtype=float)
                known = values[~np.isnan(values)]
                weak = 100 * float((known < WEAK_SHARE * ind.max_points).mean())
                weakest.append((ind.id, scheme.text(ind.name, lang), weak))
        weakest.sort(key=lambda w: (-w[2], w[0]))
        weakest = [w for w in weakest if w[2] > 0][:10]
    finals = final_values(scheme, ledger, [c.id for c in clusters])
    stats = campaign_statistics(scheme, [i for f in finals for i in f.items])
    name = {i.id: scheme.text(i.name, lang) for i in scheme.indicators}
    overstated = [(i, name[i], gap, n) for i, gap, n in stats.overstatement][:10]
    agreement = [(i, name[i], a) for i, a in stats.alpha.items() if i in name]
    assigned = Counter(a.reviewer_id for a in ledger.assignments())
    returned: Counter[str] = Counter()
    for final in finals:
        for review in ledger.current_reviews(final.cluster_id):
            if review.reviewer_id:
                returned[review.reviewer_id] += 1
    names = {r.id: r.name for r in reviewers}
    load = [(r, names.get(r, ""), assigned[r], returned[r]) for r in sorted(assigned.keys() | returned.keys())]
    return CampaignReport(
        lang=lang,
        title=campaign.title_in(lang),  # as the letters and the mail name it in `lang`
        campaign_id=campaign.id,
        made_on=today or dt.date.today(),
        deadline=campaign.deadline,
        min_group=k,
        roster=len(clusters),
        returns=returns,
        scored=len(mine),
        labels=labels,
        by_country=dict(sorted(by_country.items())),
        by_sector=dict(sorted(by_sector.items())),
        distribution=distribution,
        categories=categories,
        weakest=weakest,
        overstated=overstated,
        agreement=agreement,
        load=load,
        benchmark=found,
        training=training_needs(scheme, peers),
        scheme=scheme,
        campaign_shown=own is not None and own.shown,
        peer_info={
            str(cid): (str(c), str(s), str(k))
            for cid, c, s, k in zip(table.index, table["campaign_id"], table["sector"], table["country"], strict=True)
        },
    )


def _colour(label: str, n: int) -> str:
    return LABEL_COLOURS.get(label, FALLBACK[n % len(FALLBACK)])


def _group_name(report: CampaignReport, key: str) -> str:
    if key == CAMPAIGN:
        return report.text("this_campaign")
    if key == "everyone":
        return report.text("everyone")
    if key == "excellence":
        return report.text("excellence")
    kind, _, name = key.partition(":")
    return report.text(
        "group_named", kind=report.text(kind), name=report.country(name) if kind == "country" else report.sector(name)
    )


# --- the workbook ----------------------------------------------------------------------------


def write_report_xlsx(report: CampaignReport, path: Path) -> Path:
    """The report as a workbook: a sheet per part, each with its table and a native chart."""
    with atomic_path(path) as temp:
        _write_xlsx(report, temp)
    return path


def _write_xlsx(report: CampaignReport, path: Path) -> None:
    t = report.text
    book = new_book(path)
    try:
        head = book.add_format(
            {"bold": True, "font_color": "#FFFFFF", "bg_color": NAVY, "text_wrap": True, "border": 1}
        )
        title = book.add_format({"bold": True, "font_size": 14, "font_color": NAVY})
        note = book.add_format({"italic": True, "font_color": "#595959", "text_wrap": True, "valign": "top"})
        number = book.add_format({"num_format": "0.0"})
        whole = book.add_format({"num_format": "0"})
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})

        def sheet(name: str, heading: str, explanation: str, columns: list[tuple[str, int]]) -> Any:
            ws = book.add_worksheet(name[:31])
            ws.write_string(0, 0, heading, title)
            ws.merge_range(1, 0, 1, max(len(columns) - 1, 3), explanation, note)
            ws.set_row(1, 30)
            for col, (text, width) in enumerate(columns):
                ws.write_string(3, col, text, head)
                ws.set_column(col, col, width)
            ws.set_row(3, 2 * ROW_HEIGHT)
            print_setup(ws, f"{report.title} – {heading}", repeat_row=3)
            return ws

        def chart(kind: str, subtype: str | None = None) -> Any:
            options = {"type": kind}
            if subtype:
                options["subtype"] = subtype
            c = book.add_chart(options)
            c.set_legend({"position": "bottom"})
            c.set_size({"width": 620, "height": 340})
            return c

        # summary
        ws = book.add_worksheet(t("summary")[:31])
        ws.set_column(0, 0, 58)
        ws.set_column(1, 1, 14)
        ws.write_string(0, 0, report.heading, title)
        ws.write_string(1, 0, t("generated", date=format_date(report.made_on, report.lang)), note)
        facts: list[tuple[str, Any]] = [
            (t("roster"), report.roster),
            (t("returned"), report.returns[-1][1] if report.returns else 0),
            (t("scored"), report.scored),
            (t("labelled"), report.labelled),
            (t("peers"), report.benchmark.peers),
            (t("deadline"), report.deadline),
        ]
        for r, (label, value) in enumerate(facts, start=3):
            ws.write_string(r, 0, label)
            if isinstance(value, dt.date):
                ws.write_datetime(r, 1, dt.datetime.combine(value, dt.time()), day)
            else:
                ws.write_number(r, 1, value, whole)
        print_setup(ws, report.title, repeat_row=None)

        # returns over time, against the deadline
        ws = sheet(t("returns"), t("returns"), t("returns_note"), [(t("day"), 12), (t("cumulative"), 16)])
        for r, (when, count) in enumerate(report.returns, start=4):
            ws.write_datetime(r, 0, dt.datetime.combine(when, dt.time()), day)
            ws.write_number(r, 1, count, whole)
        if report.returns:
            last = 3 + len(report.returns)
            top = max(report.roster, report.returns[-1][1])
            ws.set_column(3, 3, 12)
            ws.write_string(3, 3, t("deadline"), head)
            ws.write_datetime(4, 3, dt.datetime.combine(report.deadline, dt.time()), day)
            ws.write_datetime(5, 3, dt.datetime.combine(report.deadline, dt.time()), day)
            ws.write_number(4, 4, 0, whole)
            ws.write_number(5, 4, top, whole)
            c = chart("scatter", "straight_with_markers")
            c.add_series(
                {
                    "name": t("cumulative"),
                    "categories": [ws.name, 4, 0, last, 0],
                    "values": [ws.name, 4, 1, last, 1],
                    "line": {"color": NAVY, "width": 2},
                    "marker": {"type": "circle", "size": 5, "fill": {"color": NAVY}, "border": {"color": NAVY}},
                }
            )
            c.add_series(
                {
                    "name": t("deadline"),
                    "categories": [ws.name, 4, 3, 5, 3],
                    "values": [ws.name, 4, 4, 5, 4],
                    "line": {"color": "#C00000", "width": 1.5, "dash_type": "dash"},
                    "marker": {"type": "none"},
                }
            )
            c.set_title({"name": t("returns")})
            c.set_x_axis({"num_format": "yyyy-mm-dd", "num_font": {"rotation": -45}})
            c.set_y_axis({"name": t("clusters"), "min": 0, "major_gridlines": {"visible": True}})
            ws.insert_chart(3, 6, c)

        # labels by country and by sector: stacked columns
        for key, counts in (("labels_country", report.by_country), ("labels_sector", report.by_sector)):
            group = t("country") if key == "labels_country" else t("sector")
            columns = [(group, 24)] + [(name, 10) for _, name in report.labels]
            ws = sheet(t(key), t(key), "", columns)
            for r, (name, counter) in enumerate(counts.items(), start=4):
                ws.write_string(r, 0, report.place(key, name), wrap)
                for col, (label, _) in enumerate(report.labels, start=1):
                    ws.write_number(r, col, counter.get(label, 0), whole)
            if counts:
                last = 3 + len(counts)
                c = chart("column", "stacked")
                for col, (label, _name) in enumerate(report.labels, start=1):
                    c.add_series(
                        {
                            "name": [ws.name, 3, col],
                            "categories": [ws.name, 4, 0, last, 0],
                            "values": [ws.name, 4, col, last, col],
                            "fill": {"color": _colour(label, col)},
                            "border": {"color": "#FFFFFF"},
                        }
                    )
                c.set_title({"name": t(key)})
                c.set_y_axis({"name": t("clusters"), "min": 0})
                ws.insert_chart(3, len(columns) + 1, c)

        # distribution of scores
        ws = sheet(t("distribution"), t("distribution"), t("distribution_note"), [(t("band"), 14), (t("clusters"), 10)])
        for r, (band, count) in enumerate(report.distribution, start=4):
            ws.write_string(r, 0, band)
            ws.write_number(r, 1, count, whole)
        c = chart("column")
        c.add_series(
            {
                "name": t("clusters"),
                "categories": [ws.name, 4, 0, 3 + BANDS, 0],
                "values": [ws.name, 4, 1, 3 + BANDS, 1],
                "fill": {"color": NAVY},
                "gap": 30,
            }
        )
        c.set_title({"name": t("distribution")})
        c.set_legend({"none": True})
        c.set_y_axis({"name": t("clusters"), "min": 0})
        c.set_x_axis({"name": t("band")})
        ws.insert_chart(3, 3, c)

        # category shares: quartiles as a floating bar (Q1 invisible, then Q1-median, median-Q3)
        columns = [(t("category"), 36), (t("q1"), 8), (t("median"), 8), (t("q3"), 8), ("", 2), ("", 2)]
        ws = sheet(t("categories"), t("categories"), t("categories_note"), columns[:4])
        if report.categories:
            for r, q in enumerate(report.categories, start=4):
                ws.write_string(r, 0, q.name, wrap)
                for col, value in enumerate((q.q1, q.median, q.q3), start=1):
                    ws.write_number(r, col, round(value, 1), number)
                ws.write_number(r, 5, round(q.median - q.q1, 1), number)
                ws.write_number(r, 6, round(q.q3 - q.median, 1), number)
            last = 3 + len(report.categories)
            ws.write_string(3, 5, f"{t('median')} − {t('q1')}", head)
            ws.write_string(3, 6, f"{t('q3')} − {t('median')}", head)
            ws.set_column(5, 6, 14)
            c = chart("bar", "stacked")
            c.add_series(
                {
                    "name": t("q1"),
                    "categories": [ws.name, 4, 0, last, 0],
                    "values": [ws.name, 4, 1, last, 1],
                    "fill": {"none": True},
                    "border": {"none": True},
                }
            )
            for col, colour, name in (
                (5, "#9DC3E6", f"{t('q1')} – {t('median')}"),
                (6, "#2E75B6", f"{t('median')} – {t('q3')}"),
            ):
                c.add_series(
                    {
                        "name": name,
                        "categories": [ws.name, 4, 0, last, 0],
                        "values": [ws.name, 4, col, last, col],
                        "fill": {"color": colour},
                        "border": {"color": "#FFFFFF"},
                    }
                )
            c.set_title({"name": t("categories")})
            c.set_x_axis({"min": 0, "max": 100, "name": "%"})
            c.set_y_axis({"reverse": True})
            ws.insert_chart(3, 8, c)
        else:
            ws.write_string(4, 0, t("campaign_hidden", k=report.min_group), note)

        # bar charts: weakest indicators, overstatement, agreement, load
        def bars(
            key: str, note_key: str, rows: list[tuple[str, str, float | None]], value_name: str, colour: str
        ) -> Any:
            ws = sheet(t(key), t(key), t(note_key), [(t("indicator"), 10), ("", 48), (value_name, 14)])
            ws.write_string(3, 1, t("indicator"), head)
            for r, (iid, name, value) in enumerate(rows, start=4):
                ws.write_string(r, 0, iid)
                ws.write_string(r, 1, name, wrap)
                if value is not None and not math.isnan(value):
                    ws.write_number(r, 2, round(value, 3), number)
            if rows:
                last = 3 + len(rows)
                c = chart("bar")
                c.add_series(
                    {
                        "name": value_name,
                        "categories": [ws.name, 4, 0, last, 0],
                        "values": [ws.name, 4, 2, last, 2],
                        "fill": {"color": colour},
                        "gap": 40,
                    }
                )
                c.set_title({"name": t(key)})
                c.set_legend({"none": True})
                c.set_y_axis({"reverse": True})
                c.set_size({"width": 620, "height": max(300, 22 * len(rows) + 80)})
                ws.insert_chart(3, 4, c)
            else:
                hidden = key == "weakest" and not report.campaign_shown
                ws.write_string(4, 0, t("campaign_hidden", k=report.min_group) if hidden else t("nothing"), note)
            return ws

        bars("weakest", "weakest_note", [(i, n, s) for i, n, s in report.weakest], t("weak_share"), "#C00000")
        bars(
            "overstated",
            "overstated_note",
            [(i, n, p) for i, n, p, _ in report.overstated],
            t("overstated_points"),
            "#ED7D31",
        )
        bars("agreement", "agreement_note", list(report.agreement), t("alpha"), "#2E75B6")

        ws = sheet(
            t("load"),
            t("load"),
            t("load_note"),
            [(t("reviewer"), 14), ("", 30), (t("assigned"), 10), (t("reviews_returned"), 10)],
        )
        ws.write_string(3, 1, t("reviewer"), head)
        for r, (rid, name, assigned, returned) in enumerate(report.load, start=4):
            ws.write_string(r, 0, rid)
            ws.write_string(r, 1, name)
            ws.write_number(r, 2, assigned, whole)
            ws.write_number(r, 3, returned, whole)
        if report.load:
            last = 3 + len(report.load)
            c = chart("bar")
            for col, colour in ((2, "#9DC3E6"), (3, NAVY)):
                c.add_series(
                    {
                        "name": [ws.name, 3, col],
                        "categories": [ws.name, 4, 0, last, 0],
                        "values": [ws.name, 4, col, last, col],
                        "fill": {"color": colour},
                    }
                )
            c.set_title({"name": t("load")})
            c.set_y_axis({"reverse": True})
            c.set_size({"width": 620, "height": max(300, 26 * len(report.load) + 80)})
            ws.insert_chart(3, 5, c)

        # peer groups
        k = report.min_group
        ws = sheet(
            t("groups"),
            t("groups"),
            t("groups_note", k=k),
            [(t("group"), 30), (t("members"), 10), (t("q1"), 8), (t("median"), 8), (t("q3"), 8)],
        )
        for r, g in enumerate(report.benchmark.groups, start=4):
            ws.write_string(r, 0, _group_name(report, g.key))
            figures = g.figures.get(TOTAL) if g.shown else None
            if figures is None:
                ws.write_string(r, 1, t("hidden"), note)
                continue
            ws.write_number(r, 1, g.members, whole)
            for col, value in enumerate((figures.q1, figures.median, figures.q3), start=2):
                ws.write_number(r, col, round(value, 1), number)

        # training needs: the catalogue, most needed first, with the clusters needing each
        training = report.training
        columns = [(t("topic"), 50), (t("kind"), 14), (t("needed_by"), 10), (t("share"), 9), (t("link"), 42)]
        ws = sheet(t("training"), t("training"), t("training_note"), columns)
        link_format = book.add_format({"font_color": "#0563C1", "underline": 1, "valign": "top"})
        for r, (topic, need) in enumerate(training.topics, start=4):
            ws.write_string(r, 0, f"{topic.id} {report.scheme.text(topic.title, report.lang)}", wrap)
            ws.write_string(r, 1, t(f"kind_{topic.kind}") if topic.kind in ("training", "case-study") else topic.kind)
            ws.write_number(r, 2, need.count, whole)
            ws.write_number(r, 3, round(need.share, 1), number)
            if topic.link:
                ws.write_url(r, 4, topic.link, link_format, topic.link)
        last = 3 + len(training.topics)
        row = last + 2
        ws.write_string(row, 0, t("weak_categories"), head)
        ws.write_string(row, 2, t("clusters"), head)
        ws.write_string(row, 3, t("share"), head)
        for r, need in enumerate(training.categories, start=row + 1):
            cat = report.scheme.category(need.id)
            ws.write_string(r, 0, report.scheme.text(cat.name, report.lang))
            ws.write_number(r, 2, need.count, whole)
            ws.write_number(r, 3, round(need.share, 1), number)
        if training.topics:
            c = chart("bar")
            c.add_series(
                {
                    "name": t("needed_by"),
                    "categories": [ws.name, 4, 0, last, 0],
                    "values": [ws.name, 4, 2, last, 2],
                    "fill": {"color": "#70AD47"},
                    "gap": 40,
                }
            )
            c.set_title({"name": t("training")})
            c.set_legend({"none": True})
            c.set_y_axis({"reverse": True})
            c.set_size({"width": 720, "height": max(300, 24 * len(training.topics) + 80)})
            ws.insert_chart(row + len(training.categories) + 2, 0, c)

        # which clusters need which topic: a row per pair, to filter (the secretariat's, never the funders')
        columns = [(t("which"), 16), (t("campaign"), 18), (t("sector"), 22), (t("country"), 16), (t("topic"), 50)]
        ws = sheet(t("training_who"), t("training_who"), t("training_who_note"), columns)
        r = 4
        for topic, need in training.topics:
            title = f"{topic.id} {report.scheme.text(topic.title, report.lang)}"
            for cluster in need.clusters:
                campaign, sector, country = report.peer_info.get(cluster, ("", "", ""))
                shown = (cluster, campaign, report.sector(sector), report.country(country), title)
                for col, value in enumerate(shown):
                    ws.write_string(r, col, value)
                r += 1
        ws.autofilter(3, 0, max(r - 1, 4), len(columns) - 1)
        ws.freeze_panes(4, 1)
    finally:
        book.close()


# --- the HTML file -----------------------------------------------------------------------------


def _svg(figure: Any) -> str:
    """A matplotlib figure as inline SVG (no XML prologue, no external reference)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _figure(width: float, height: float) -> Any:
    import matplotlib
    from matplotlib.figure import Figure

    matplotlib.rcParams.update(
        {"font.family": "DejaVu Sans", "font.size": 9, "svg.fonttype": "none", "text.parse_math": False}
    )
    figure = Figure(figsize=(width, height))
    return figure


def _short(text: str, width: int = 42) -> str:
    return textwrap.shorten(text, width, placeholder=" …")


def _hbar(names: list[str], values: list[float], colour: str, xlabel: str, limit: float | None = None) -> str:
    figure = _figure(7, max(2.0, 0.32 * len(names) + 0.8))
    ax = figure.add_subplot()
    y = np.arange(len(names))
    ax.barh(y, values, color=colour)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    if limit is not None:
        ax.set_xlim(0, limit)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def report_charts(report: CampaignReport) -> dict[str, str]:
    """The report's charts as SVG, by part."""
    t = report.text
    charts: dict[str, str] = {}
    if report.returns:
        figure = _figure(7, 3)
        ax = figure.add_subplot()
        first, last = report.returns[0][0], report.returns[-1][0]
        start = min(first, report.deadline) - dt.timedelta(days=7)
        end = max(last, report.deadline) + dt.timedelta(days=7)
        days = [start] + [d for d, _ in report.returns] + [end]
        so_far = [0] + [n for _, n in report.returns] + [report.returns[-1][1]]
        ax.step(days, so_far, where="post", color=NAVY, linewidth=2, label=t("cumulative"))
        ax.axvline(report.deadline, color="#C00000", linestyle="--", label=t("deadline"))
        ax.axhline(report.roster, color="#7F7F7F", linewidth=1, linestyle=":", label=t("roster"))
        ax.set_xlim(start, end)
        ax.set_ylim(0, max(report.roster, report.returns[-1][1]) * 1.1)
        ax.set_ylabel(t("clusters"))
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
        figure.autofmt_xdate()
        ax.spines[["top", "right"]].set_visible(False)
        charts["returns"] = _svg(figure)
    for key, counts in (("labels_country", report.by_country), ("labels_sector", report.by_sector)):
        if not counts:
            continue
        figure = _figure(7, 3.2)
        ax = figure.add_subplot()
        names = list(counts)
        shown = [report.place(key, c) for c in names]
        bottom = np.zeros(len(names))
        for n, (label, name) in enumerate(report.labels):
            values = np.array([counts[c].get(label, 0) for c in names], dtype=float)
            ax.bar(shown, values, bottom=bottom, color=_colour(label, n), label=name, edgecolor="white")
            bottom += values
        ax.set_ylabel(t("clusters"))
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1))
        ax.tick_params(axis="x", rotation=30)
        for tick in ax.get_xticklabels():
            tick.set_horizontalalignment("right")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.spines[["top", "right"]].set_visible(False)
        charts[key] = _svg(figure)
    figure = _figure(7, 2.8)
    ax = figure.add_subplot()
    ax.bar([b for b, _ in report.distribution], [n for _, n in report.distribution], color=NAVY)
    ax.set_ylabel(t("clusters"))
    ax.set_xlabel(t("band"))
    ax.tick_params(axis="x", rotation=30)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.spines[["top", "right"]].set_visible(False)
    charts["distribution"] = _svg(figure)
    if report.categories:
        figure = _figure(7, 0.45 * len(report.categories) + 1)
        ax = figure.add_subplot()
        y = np.arange(len(report.categories))
        q1 = np.array([q.q1 for q in report.categories])
        med = np.array([q.median for q in report.categories])
        q3 = np.array([q.q3 for q in report.categories])
        ax.barh(y, med - q1, left=q1, color="#9DC3E6", label=f"{t('q1')} – {t('median')}")
        ax.barh(y, q3 - med, left=med, color="#2E75B6", label=f"{t('median')} – {t('q3')}")
        ax.plot(med, y, "|", color="black", markersize=14)
        ax.set_yticks(y, [q.name for q in report.categories])
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("%")
        ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.3), ncols=2)
        ax.spines[["top", "right"]].set_visible(False)
        charts["categories"] = _svg(figure)
    if report.weakest:
        charts["weakest"] = _hbar(
            [f"{i} {_short(n)}" for i, n, _ in report.weakest],
            [s for *_, s in report.weakest],
            "#C00000",
            t("weak_share"),
            100,
        )
    if report.overstated:
        charts["overstated"] = _hbar(
            [f"{i} {_short(n)}" for i, n, _, _ in report.overstated],
            [p for _, _, p, _ in report.overstated],
            "#ED7D31",
            t("overstated_points"),
        )
    agreed = [(i, a) for i, _, a in report.agreement if a is not None and not math.isnan(a)]
    if agreed:
        charts["agreement"] = _hbar([i for i, _ in agreed], [a for _, a in agreed], "#2E75B6", t("alpha"))
    if report.load:
        figure = _figure(7, max(2.0, 0.32 * len(report.load) + 0.8))
        ax = figure.add_subplot()
        y = np.arange(len(report.load))
        ax.barh(y - 0.2, [a for _, _, a, _ in report.load], height=0.4, color="#9DC3E6", label=t("assigned"))
        ax.barh(y + 0.2, [n for _, _, _, n in report.load], height=0.4, color=NAVY, label=t("reviews_returned"))
        ax.set_yticks(y, [r for r, *_ in report.load])
        ax.invert_yaxis()
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1))
        ax.spines[["top", "right"]].set_visible(False)
        charts["load"] = _svg(figure)
    topics = [(tp, need) for tp, need in report.training.topics]
    if topics:
        charts["training"] = _hbar(
            [f"{tp.id} {_short(report.scheme.text(tp.title, report.lang), 50)}" for tp, _ in topics],
            [need.count for _, need in topics],
            "#70AD47",
            t("needed_by"),
        )
    return charts


_CSS = """
body { font-family: 'DejaVu Sans', Arial, sans-serif; color: #222; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { color: #1F3864; font-size: 1.6rem; margin-bottom: .2rem; }
h2 { color: #1F3864; font-size: 1.2rem; border-bottom: 2px solid #1F3864; padding-bottom: .2rem; margin-top: 2.2rem; }
p.note { color: #595959; font-style: italic; }
table { border-collapse: collapse; margin: .6rem 0; font-size: .9rem; }
th { background: #1F3864; color: #fff; text-align: left; padding: .3rem .5rem; }
td { border-bottom: 1px solid #ddd; padding: .25rem .5rem; vertical-align: top; }
td.n { text-align: right; }
figure { margin: .8rem 0; }
figure svg { max-width: 100%; height: auto; }
dl.facts { display: grid; grid-template-columns: max-content max-content; gap: .2rem 1.5rem; }
dl.facts dt { color: #595959; } dl.facts dd { margin: 0; font-weight: bold; }
@media print { h2 { break-before: auto; } figure { break-inside: avoid; } }
"""


def write_report_html(report: CampaignReport, path: Path) -> Path:
    """The report as one self-contained HTML file: charts inline as SVG, nothing loaded. The
    training needs say how many clusters need each module, never which."""
    t = report.text
    e = html.escape
    charts = report_charts(report)
    parts: list[str] = []

    def section(key: str, note: str | None = None, body: str = "") -> None:
        parts.append(f'<section id="{key}"><h2>{e(t(key))}</h2>')
        if note:
            parts.append(f'<p class="note">{e(note)}</p>')
        if key in charts:
            parts.append(f'<figure class="chart" role="img" aria-label="{e(t(key))}">{charts[key]}</figure>')
        parts.append(body + "</section>")

    def cell(value: str | tuple[str, str]) -> str:
        if isinstance(value, tuple):  # (text, link)
            text, link = value
            return f'<a href="{e(link)}">{e(text)}</a>' if link else e(text)
        return e(value)

    def table(headings: list[str], rows: list[list[Any]], numeric: set[int] | None = None) -> str:
        head = "".join(f"<th>{e(h)}</th>" for h in headings)
        body = "".join(
            "<tr>"
            + "".join(f"<td{' class=n' if n in (numeric or set()) else ''}>{cell(c)}</td>" for n, c in enumerate(row))
            + "</tr>"
            for row in rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    facts = [
        (t("roster"), str(report.roster)),
        (t("returned"), str(report.returns[-1][1] if report.returns else 0)),
        (t("scored"), str(report.scored)),
        (t("labelled"), str(report.labelled)),
        (t("peers"), str(report.benchmark.peers)),
        (t("deadline"), format_date(report.deadline, report.lang)),
    ]
    parts.append(
        '<section id="summary"><dl class="facts">'
        + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in facts)
        + "</dl></section>"
    )
    section("returns", t("returns_note"))
    for key, counts in (("labels_country", report.by_country), ("labels_sector", report.by_sector)):
        group = t("country") if key == "labels_country" else t("sector")
        rows = [
            [report.place(key, name)] + [str(c.get(label, 0)) for label, _ in report.labels]
            for name, c in counts.items()
        ]
        section(key, None, table([group] + [n for _, n in report.labels], rows, set(range(1, len(report.labels) + 1))))
    section("distribution", t("distribution_note"))
    k = report.min_group
    if report.categories:
        rows = [[q.name, *(report.number(v) for v in (q.q1, q.median, q.q3))] for q in report.categories]
        section(
            "categories", t("categories_note"), table([t("category"), t("q1"), t("median"), t("q3")], rows, {1, 2, 3})
        )
    else:
        section("categories", t("campaign_hidden", k=k))
    if report.campaign_shown:
        section("weakest", t("weakest_note") if report.weakest else t("nothing"))
    else:
        section("weakest", t("campaign_hidden", k=k))
    section("overstated", t("overstated_note") if report.overstated else t("nothing"))
    section("agreement", t("agreement_note"))
    section("load", t("load_note"))
    groups = [
        [_group_name(report, g.key), str(g.members)]
        + [report.number(v) for v in (g.figures[TOTAL].q1, g.figures[TOTAL].median, g.figures[TOTAL].q3)]
        for g in report.benchmark.groups
        if g.shown and TOTAL in g.figures
    ]
    section(
        "groups",
        t("groups_note", k=k),
        table([t("group"), t("members"), t("q1"), t("median"), t("q3")], groups, {1, 2, 3, 4}),
    )
    topic_rows: list[list[Any]] = [
        [
            (f"{tp.id} {report.scheme.text(tp.title, report.lang)}", tp.link),
            t(f"kind_{tp.kind}") if tp.kind in ("training", "case-study") else tp.kind,
            str(need.count),
            f"{need.share:.0f}",
        ]
        for tp, need in report.training.topics
    ]
    weak_categories = [
        [report.scheme.text(report.scheme.category(n.id).name, report.lang), str(n.count), f"{n.share:.0f}"]
        for n in report.training.categories
    ]
    everyone = report.benchmark.group(EVERYONE)
    if everyone is not None and everyone.shown:
        section(
            "training",
            t("training_note"),
            table([t("topic"), t("kind"), t("needed_by"), t("share")], topic_rows, {2, 3})
            + table([t("weak_categories"), t("clusters"), t("share")], weak_categories, {1, 2}),
        )
    else:  # counts over fewer than k clusters: not for funders
        charts.pop("training", None)
        section("training", t("too_few", k=k))
    page = (
        f'<!DOCTYPE html>\n<html lang="{e(report.lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(report.heading)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{e(report.heading)}</h1>"
        f'<p class="note">{e(t("generated", date=format_date(report.made_on, report.lang)))}</p>'
        + "\n".join(parts)
        + "</body></html>\n"
    )
    with atomic_path(path) as temp:
        temp.write_text(page, encoding="utf-8")
    return path


@dataclass
class Reported:
    """What `excelcert report` wrote."""

    report: CampaignReport
    workbook: Path
    html: Path

    def to_json(self) -> dict[str, Any]:
        return {"workbook": str(self.workbook), "html": str(self.html), **self.report.to_json()}


def campaign_report(
    campaign: Campaign,
    scheme: Scheme,
    clusters: list[Cluster],
    reviewers: list[Reviewer],
    ledger: Ledger,
    peers: Peers,
    found: Benchmark,
    *,
    lang: str | None = None,
    today: dt.date | None = None,
) -> Reported:
    """Gather the report and write it, as `output/<campaign>/report-<lang>.xlsx` and `.html`."""
    report = gather_report(campaign, scheme, clusters, reviewers, ledger, peers, found, lang=lang, today=today)
    folder = campaign.output_dir
    folder.mkdir(parents=True, exist_ok=True)
    workbook = write_report_xlsx(report, folder / f"report-{report.lang}.xlsx")
    page = write_report_html(report, folder / f"report-{report.lang}.html")
    return Reported(report, workbook, page)

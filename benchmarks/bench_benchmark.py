"""Benchmark: benchmarking against peers and the campaign report, next to the floor.

A register holds 3 campaigns of 3,000 clusters each, 31 indicators per assessment (the
built-in scheme; the same 3,000 clusters assessed three times, each with its own answers:
the demo's generator of plausible peers). Timed, in the same run:

- excelcert `benchmark`: read the register's assessments, build the peer table (each
  cluster once, its latest), the groups (sector, country, everyone, excellence) with their
  quartiles and suppression below k, and every current cluster's percentile and position
  in each of its groups (`campaign_peers`'s reading and `benchmark`);
- excelcert `report`: the same, then the campaign report gathered and written as the
  workbook (native charts, every sheet) and the HTML file (SVG charts);
- floor: pandas alone on the same database: read it (`read_sql_query`, the points decoded
  from JSON), keep each cluster's latest, compute the category and total shares, the
  groups' quartiles (`groupby().quantile`) and every cluster's percentile in its groups
  (`groupby().rank`), with nothing of excelcert's.

Best of `--rounds` for each, and the ratios.

    python benchmarks/bench_benchmark.py              # 3,000 clusters x 3 campaigns
    python benchmarks/bench_benchmark.py -n 1000 --rounds 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import sqlite3
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from excelcert.base.ledger import Ledger
from excelcert.benchmark.peers import peer_table
from excelcert.benchmark.report import gather_report, report_charts, write_report_html, write_report_xlsx
from excelcert.benchmark.stats import benchmark
from excelcert.campaign.config import init_campaign
from excelcert.demo.peers import synthetic_peers
from excelcert.register.config import init_register
from excelcert.scheme import load_scheme

CAMPAIGNS = 3
K = 5


def build(root: Path, n: int):
    """A register of CAMPAIGNS campaigns of n clusters each (the last one is 'this year's'),
    and a campaign folder to write the report into."""
    scheme = load_scheme(None)
    register = init_register(root, name="Bench label body", prefix="BENCH", public_url="")
    campaign = init_campaign(root / "campaign", campaign_id="bench", today=dt.date(2026, 11, 27))
    first = synthetic_peers(scheme, n, today=dt.date(2024, 11, 27), campaign_prefix="bench", seed=0)
    with register.open() as store:
        for c in range(CAMPAIGNS):  # the same clusters (id, country, sector), new answers each time
            made = synthetic_peers(scheme, n, today=dt.date(2024 + c, 11, 27), campaign_prefix="bench", seed=c)
            year = 2023 + c
            made = [
                replace(
                    a,
                    cluster_id=f"C{k:05}",
                    country=same.country,
                    sector=same.sector,
                    campaign_id=f"bench-{year}" if c < CAMPAIGNS - 1 else campaign.id,
                    assessed=f"{year}-06",
                )
                for k, (a, same) in enumerate(zip(made, first, strict=True))
            ]
            store.record_assessments(made)
    return scheme, register, campaign


def ours_benchmark(scheme, register, campaign):
    with register.open() as store:  # as campaign_peers reads them
        rows = store.assessments(answers=False)
    history = [a for a in rows if a.campaign_id != campaign.id]
    current = [a for a in rows if a.campaign_id == campaign.id]
    peers = peer_table(scheme, history, current)
    return peers, benchmark(scheme, peers, K)


def ours_report(scheme, register, campaign, folder: Path):
    peers, found = ours_benchmark(scheme, register, campaign)
    with Ledger.for_campaign(campaign.root) as ledger:
        report = gather_report(campaign, scheme, [], [], ledger, peers, found)
    write_report_xlsx(report, folder / "report.xlsx")
    write_report_html(report, folder / "report.html")
    return report


def floor(scheme, database: Path, current_campaign: str):
    """The same group statistics with pandas alone."""
    with sqlite3.connect(database) as db:
        frame = pd.read_sql_query(
            "SELECT campaign_id, cluster_id, country, sector, assessed, label, points, max_points, indicator_points"
            " FROM assessments ORDER BY assessed, recorded_at, rowid",
            db,
        )
    points = pd.DataFrame([json.loads(p) for p in frame["indicator_points"]])
    table = pd.concat([frame.drop(columns="indicator_points"), points], axis=1)
    table = table.drop_duplicates("cluster_id", keep="last").set_index("cluster_id")
    table["total"] = 100 * table["points"] / table["max_points"]
    for cat in scheme.categories:
        ids = [i.id for i in scheme.indicators_in(cat.id)]
        table[cat.id] = 100 * table[ids].sum(axis=1) / scheme.category_points(cat.id)
    measures = ["total", *(c.id for c in scheme.categories), *(i.id for i in scheme.indicators)]
    quartiles = {
        "everyone": table[measures].quantile([0.25, 0.5, 0.75]),
        "sector": table.groupby("sector")[measures].quantile([0.25, 0.5, 0.75]),
        "country": table.groupby("country")[measures].quantile([0.25, 0.5, 0.75]),
    }
    top = table["label"] == "gold"
    quartiles["excellence"] = table.loc[top, measures].quantile([0.25, 0.5, 0.75])
    ranks = {
        "everyone": table[measures].rank(pct=True),
        "sector": table.groupby("sector")[measures].rank(pct=True),
        "country": table.groupby("country")[measures].rank(pct=True),
    }
    excellent = table.loc[top, measures]
    ranks["excellence"] = pd.DataFrame(
        {m: np.searchsorted(np.sort(excellent[m].to_numpy()), table[m].to_numpy()) for m in measures},
        index=table.index,
    )
    mine = table["campaign_id"] == current_campaign
    return quartiles, {k: v[mine] for k, v in ranks.items()}


def floor_report(scheme, database: Path, current_campaign: str, folder: Path, charts: int) -> None:
    """The report's floor: the floor's statistics, then the same kind of output with nothing
    of excelcert's: the group quartiles and the clusters needing each training topic written
    with pandas' `to_excel` (xlsxwriter), and as many bar charts drawn by matplotlib as SVG."""
    from matplotlib.figure import Figure

    quartiles, _ = floor(scheme, database, current_campaign)
    with sqlite3.connect(database) as db:
        frame = pd.read_sql_query("SELECT cluster_id, indicator_points FROM assessments", db)
    points = pd.DataFrame([json.loads(p) for p in frame["indicator_points"]], index=frame["cluster_id"])
    points = points[~points.index.duplicated(keep="last")]
    limits = pd.Series({i.id: i.max_points for i in scheme.indicators if i.max_points > 0})
    weak = points[limits.index] < 0.5 * limits
    pairs = [
        (cluster, topic.id)
        for topic in scheme.topics
        for cluster in weak.index[weak[[i for i in limits.index if topic.id in scheme.indicator(i).topics]].any(axis=1)]
    ]
    with pd.ExcelWriter(folder / "floor.xlsx", engine="xlsxwriter") as writer:
        for name, table in quartiles.items():
            table.to_excel(writer, sheet_name=name)
        pd.DataFrame(pairs, columns=["cluster", "topic"]).to_excel(writer, sheet_name="who", index=False)
    counts = pd.DataFrame(pairs, columns=["cluster", "topic"])["topic"].value_counts()
    for _ in range(charts):
        figure = Figure(figsize=(7, 4))
        ax = figure.add_subplot()
        ax.barh(list(counts.index), list(counts.values))
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", bbox_inches="tight")


def best(rounds: int, fn, *args) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=3000, help="clusters per campaign (default 3000)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each; the best counts (default 5)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        scheme, register, campaign = build(root, args.n)
        print(
            f"register: {CAMPAIGNS} campaigns x {args.n} clusters x {len(scheme.indicators)} indicators "
            f"({time.perf_counter() - started:.1f} s to build)"
        )
        peers, found = ours_benchmark(scheme, register, campaign)
        shown = sum(g.shown for g in found.groups)
        print(
            f"peers: {found.peers}; groups: {len(found.groups)} ({shown} shown); clusters placed: {len(found.clusters)}"
        )
        report = ours_report(scheme, register, campaign, root)  # warm: matplotlib and xlsxwriter loaded
        charts = len(report_charts(report))
        t_floor = best(args.rounds, floor, scheme, register.database_path, campaign.id)
        t_floor_report = best(
            max(1, args.rounds // 2), floor_report, scheme, register.database_path, campaign.id, root, charts
        )
        t_bench = best(args.rounds, ours_benchmark, scheme, register, campaign)
        t_report = best(max(1, args.rounds // 2), ours_report, scheme, register, campaign, root)
        print(f"floor (pandas alone)      {t_floor:7.3f} s")
        print(f"excelcert benchmark       {t_bench:7.3f} s   {t_bench / t_floor:5.2f}x the floor")
        print(f"floor of the report       {t_floor_report:7.3f} s   (the floor, then to_excel and {charts} SVG charts)")
        print(
            f"excelcert report          {t_report:7.3f} s   {t_report / t_floor_report:5.2f}x the report's floor "
            f"(writing the workbook and the HTML: {t_report - t_bench:.3f} s)"
        )


if __name__ == "__main__":
    main()

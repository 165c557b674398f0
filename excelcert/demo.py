"""`excelcert demo`: a fresh example campaign, run through every stage that exists.

Built from the built-in scheme and the example roster, in a folder of its own
(`output/demo` by default), so that a newcomer sees in a minute what excelcert makes.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections import Counter
from pathlib import Path

from excelcert.campaign import CONFIG_NAME, CampaignError, init_campaign, read_config, read_key
from excelcert.demo_returns import make_returns
from excelcert.generate import generate_workbooks
from excelcert.intake.batch import import_files
from excelcert.intake.status import campaign_status
from excelcert.ledger import Ledger
from excelcert.roster import read_roster

DEMO_ID = "demo"


def run_demo(directory: Path, *, jobs: int = 2, today: dt.date | None = None) -> list[str]:
    """Build the demo campaign in `directory`; return the summary lines to print."""
    started = time.perf_counter()
    _clear(directory)
    campaign = init_campaign(directory, title="Cluster Management Excellence – demo campaign",
                             campaign_id=DEMO_ID, contact_name="Demo label secretariat",
                             contact_email="secretariat@label.example", today=today)
    scheme = campaign.load_scheme()
    roster = read_roster(campaign.roster_path, scheme.languages)
    if not roster.report.ok:  # the example roster is ours: this is a bug, not a user mistake
        raise CampaignError("the example roster has errors: " + "; ".join(map(str, roster.report.errors)))
    key = read_key(campaign)
    result = generate_workbooks(campaign, scheme, roster.clusters, key, jobs=jobs)
    languages = Counter(c.language for c, _ in result.written)
    # The clusters answer, and the secretariat imports what came back.
    inbox = campaign.root / "workbooks" / "returned"
    behaviours = make_returns({c.id: p for c, p in result.written}, scheme,
                              {c.id: c.language for c in roster.clusters}, inbox)
    with Ledger.for_campaign(campaign.root) as ledger:
        imported = import_files(campaign, scheme, {c.id for c in roster.clusters}, key, ledger, [inbox])
        states = Counter(s.state for s in campaign_status(roster.clusters, ledger))
    verdicts = Counter(r.verdict for r in imported)
    elapsed = time.perf_counter() - started
    lines = [
        f"Demo campaign '{campaign.id}' in {campaign.root} ({elapsed:.1f} s):",
        f"  scheme     {scheme.id} {scheme.version}: {len(scheme.indicators)} indicators, "
        f"{len(scheme.categories)} categories, {scheme.total_points:g} points",
        f"  roster     {len(roster.clusters)} clusters from {len({c.country for c in roster.clusters})} countries "
        f"({campaign.roster_path})",
        f"  workbooks  {len(result.written)} self-assessments ("
        + ", ".join(f"{n} in {lang}" for lang, n in sorted(languages.items())) + f") in {result.folder}",
    ]
    lines += [f"             {path.name}" for _, path in result.written[:3]]
    if len(result.written) > 3:
        lines.append(f"             ... and {len(result.written) - 3} more")
    lines.append(f"  returns    {len(behaviours)} clusters sent their workbook back ({inbox}):")
    lines += [f"             {b}" for b in behaviours]
    lines.append("  import     " + ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items())))
    lines.append("  status     " + ", ".join(f"{n} {s}" for s, n in sorted(states.items())))
    lines.append(f"See them with: cd {campaign.root} && excelcert status; "
                 "next stages (review, labels) will add themselves here.")
    return lines


def _clear(directory: Path) -> None:
    """Remove an earlier demo, and nothing else."""
    if not directory.exists():
        return
    config = directory / CONFIG_NAME
    if config.is_file() and read_config(directory).id == DEMO_ID:
        shutil.rmtree(directory)
        return
    if directory.is_dir() and not any(directory.iterdir()):
        return
    raise CampaignError(f"{directory} exists and is not a demo campaign; it was left alone. "
                        "Give another folder with --dir.")

"""The whole-campaign benchmark (issue 19) runs end to end on a small campaign: every
stage through the command line, every return accepted, each floor measured beside its stage.
It measures nothing here (the figures of a 12-cluster run mean nothing): it guards the
benchmark against the code it drives changing under it."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.helpers import REPO

STAGES = (
    "generate",
    "import",
    "assign",
    "generate --reviews",
    "import (reviews)",
    "reconcile",
    "score",
    "certify",
    "letters",
    "status",
)
WITH_FLOOR = {"generate", "import", "generate --reviews", "import (reviews)", "certify", "letters"}


def test_the_campaign_benchmark_runs_every_stage_next_to_its_floor(tmp_path):
    run = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_campaign.py"), "-n", "12"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    rows = {}
    for line in run.stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 7 and cells[0] in STAGES:
            rows[cells[0]] = cells
    assert set(rows) == set(STAGES), run.stdout
    for stage, (_, took, _rate, floor, ratio, _start, memory) in rows.items():
        assert re.fullmatch(r"\d+\.\d s", took), (stage, took)
        assert re.fullmatch(r"\d+ MB(, worker \d+ MB)?", memory), (stage, memory)
        if stage in WITH_FLOOR:
            assert re.fullmatch(r"[\d.]+ \w+/s", floor) and float(ratio) > 0, (stage, floor, ratio)
    assert "12 clusters, 8 reviewers" in run.stdout
    assert re.search(r"import: [\d.]+ files/s, ratio [\d.]+", run.stdout)

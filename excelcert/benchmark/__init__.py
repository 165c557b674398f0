"""Benchmarking: each cluster against its peers, the training needs, the campaign report.

- peers: the peer table (the register's history and the campaign's scored clusters, each
  cluster once, its latest assessment), a pandas DataFrame
- stats: the peer groups (same sector, same country, everyone, the excellence group, and the
  campaign's own clusters), their median and quartiles, suppressed below k; each cluster's
  percentile and position, strengths and gaps
- training: training needs: which indicators, categories and catalogue topics most clusters
  are weak in, and which clusters
- report and texts: the campaign report for funders, a workbook with native charts and one
  self-contained HTML file, in en/fr/de
"""

from __future__ import annotations

from dataclasses import replace

from excelcert.base.ledger import Ledger
from excelcert.benchmark.peers import Peers, campaign_assessments, peer_table
from excelcert.benchmark.stats import Benchmark, benchmark
from excelcert.campaign.config import Campaign
from excelcert.campaign.roster import Cluster, sector_names
from excelcert.register.config import Register
from excelcert.scheme.model import Scheme


def campaign_peers(
    campaign: Campaign, scheme: Scheme, clusters: list[Cluster], ledger: Ledger, register: Register | None
) -> Peers:
    """The peers of the campaign's scored clusters: the register's history (when the campaign
    has a register) and the campaign itself."""
    history = []
    if register is not None:
        with register.open() as store:
            history = store.assessments(answers=False)
    peers = peer_table(scheme, history, campaign_assessments(campaign, scheme, clusters, ledger))
    return replace(peers, sectors=sector_names(clusters))


def benchmark_campaign(
    campaign: Campaign, scheme: Scheme, clusters: list[Cluster], ledger: Ledger, register: Register | None
) -> Benchmark:
    """Every scored cluster of the campaign against its peer groups (k from the campaign's config)."""
    peers = campaign_peers(campaign, scheme, clusters, ledger, register)
    return benchmark(scheme, peers, campaign.benchmark_min_group)


__all__ = ["Benchmark", "Peers", "benchmark", "benchmark_campaign", "campaign_peers", "peer_table"]

"""The demo's made-up peers (`excelcert demo --clusters N`): plausible, correlated answers."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np

from excelcert.demo.peers import AGE_INDICATOR, SIZE_INDICATOR, synthetic_peers
from excelcert.scheme import load_scheme

SCHEME = load_scheme(None)
TODAY = dt.date(2026, 11, 27)


def _peers(n: int = 300):
    return synthetic_peers(SCHEME, n, today=TODAY, campaign_prefix="demo-history")


def test_the_same_number_gives_the_same_peers():
    assert _peers(40) == _peers(40)
    assert _peers(40) != synthetic_peers(SCHEME, 40, today=TODAY, campaign_prefix="demo-history", seed=7)


def test_peers_spread_over_sectors_countries_and_earlier_campaigns():
    peers = _peers()
    assert len({a.cluster_id for a in peers}) == len(peers)
    sectors, countries = Counter(a.sector for a in peers), Counter(a.country for a in peers)
    assert len(sectors) >= 8 and len(countries) >= 10
    assert max(sectors.values()) < 0.3 * len(peers)  # no sector holds them all
    years = {int(a.assessed[:4]) for a in peers}
    assert years and max(years) < TODAY.year - 1  # before last year's campaign
    assert all(a.campaign_id.startswith("demo-history-") for a in peers)


def test_answers_are_scored_plausibly_and_every_label_occurs():
    peers = _peers()
    shares = np.array([100 * a.points / a.max_points for a in peers])
    assert 50 <= np.median(shares) <= 80
    assert np.percentile(shares, 90) - np.percentile(shares, 10) > 25  # a spread to benchmark against
    labels = Counter(a.label for a in peers)
    assert {"gold", "silver", "bronze", None} <= set(labels)
    assert labels["gold"] < labels["bronze"]  # the top label is the rarer one
    for a in peers:
        assert a.points == sum(a.indicator_points.values())
        assert set(a.indicator_points) == {i.id for i in SCHEME.indicators}


def test_answers_follow_size_and_age_and_each_other():
    peers = _peers()
    shares = np.array([a.points / a.max_points for a in peers])
    size = np.log([a.answers[SIZE_INDICATOR] for a in peers])
    age = np.array([a.answers[AGE_INDICATOR] for a in peers], dtype=float)
    assert np.corrcoef(size, shares)[0, 1] > 0.3
    assert np.corrcoef(age, shares)[0, 1] > 0.2
    earned = np.array(
        [[a.indicator_points[i.id] / i.max_points for i in SCHEME.indicators if i.max_points] for a in peers]
    )
    varying = earned[:, earned.std(axis=0) > 0]
    pairs = np.corrcoef(varying.T)[np.triu_indices(varying.shape[1], 1)]
    assert np.mean(pairs) > 0.2  # not uniform noise: a mature cluster is strong across the board

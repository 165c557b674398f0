"""The demo's peer database: clusters assessed in the label body's earlier campaigns, made up
but plausible, so that the demo's benchmarking has real groups to compare with.

Each cluster gets a sector and a country (the example roster's, and a few more, weighted as a
European label's are), a size (committed participants, log-normal around 70) and an age
(years of cluster management, skewed young). A latent "maturity" grows with size and age
and differs a little by sector and country; every answer follows it with noise of its own,
so that answers are correlated with each other and with size and age, as real ones are
(a bigger, older cluster has more staff, a larger budget, a strategy, more services), not
uniform noise. Answers are scored with the scheme like any assessment; their assessments
go into the register, spread over the four years before last year. numpy's generator with
a fixed seed: the same N gives the same peers.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np

from excelcert.register.store import Assessment
from excelcert.scheme.model import DATE, PERCENT, SELECT_MULTIPLE, SELECT_ONE, TEXT, YES_NO, Indicator, Scheme
from excelcert.scoring.rules import score

SEED = 2026
DEFAULT_PEERS = 150
SECTORS = {  # the example roster's sectors, and how common each is among the peers
    "Automotive": 1.3,
    "Aerospace": 0.8,
    "Wood and forestry": 0.7,
    "Life sciences": 1.2,
    "Food and agriculture": 1.1,
    "Maritime": 0.6,
    "ICT": 1.5,
    "Health": 1.0,
    "Mechatronics": 0.8,
    "Finance": 0.5,
    "Textile and fashion": 0.5,
}
COUNTRIES = {
    "DE": 2.2,
    "FR": 1.6,
    "ES": 1.3,
    "IT": 1.0,
    "AT": 0.8,
    "BE": 0.6,
    "PL": 0.7,
    "SE": 0.5,
    "NO": 0.4,
    "HR": 0.4,
    "HU": 0.5,
    "EE": 0.3,
    "LU": 0.2,
    "CH": 0.4,
}
SIZE_INDICATOR, AGE_INDICATOR = "STR-01", "GOV-02"  # committed participants; years of cluster management


def _sigmoid(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1 / (1 + np.exp(-x))
    return out


def _answer(scheme: Scheme, ind: Indicator, q: float, rng: np.random.Generator) -> Any:
    """An answer whose quality is `q` (0 worst, 1 best) on the indicator's own scale."""
    if ind.type in (TEXT, DATE):
        return None
    choices = scheme.choices_for(ind)
    if ind.type == YES_NO:
        return "yes" if q > 0.3 else "no"
    if ind.type == SELECT_ONE and choices is not None:
        ranked = sorted(choices.values, key=lambda v: ind.scoring.choices.get(v, 0))
        return ranked[min(len(ranked) - 1, int(q * len(ranked)))]
    if ind.type == SELECT_MULTIPLE and choices is not None:
        return [v for v in choices.values if rng.random() < 0.15 + 0.8 * q]
    bands = sorted(ind.scoring.bands, key=lambda b: b.start)
    if not bands:
        return None
    starts = [b.start for b in bands]
    rising = bands[-1].points >= bands[0].points
    low, high = starts[0] - (starts[1] - starts[0] if len(starts) > 1 else 1), starts[-1] * 1.25 + 1
    if ind.min is not None:
        low = max(low, ind.min)
    if ind.max is not None:
        high = min(high, ind.max)
    value = low + (q if rising else 1 - q) * (high - low)
    if ind.type == PERCENT:
        return round(min(max(value, 0), 100), 1)
    if ind.type == "integer":
        return int(round(value))
    return round(value, 1) if value < 10 else float(round(value, -3 if value > 10_000 else 0))


def synthetic_peers(
    scheme: Scheme, n: int, *, today: dt.date, campaign_prefix: str, seed: int = SEED
) -> list[Assessment]:
    """`n` made-up, plausible assessments of earlier campaigns (see the module's text)."""
    rng = np.random.default_rng(seed)
    sectors, sector_weights = list(SECTORS), np.array(list(SECTORS.values()))
    countries, country_weights = list(COUNTRIES), np.array(list(COUNTRIES.values()))
    sector_effect = dict(zip(sectors, rng.normal(0, 0.35, len(sectors)), strict=True))
    country_effect = dict(zip(countries, rng.normal(0, 0.25, len(countries)), strict=True))
    difficulty = {i.id: rng.normal(0, 0.6) for i in scheme.indicators}  # some indicators are harder for everyone
    size = np.clip(np.round(rng.lognormal(math.log(70), 0.75, n)), 8, 3000).astype(int)
    age = np.clip(np.round(rng.gamma(2.0, 3.5, n)), 1, 35).astype(int)
    sector = rng.choice(sectors, n, p=sector_weights / sector_weights.sum())
    country = rng.choice(countries, n, p=country_weights / country_weights.sum())
    maturity = (
        0.55 * (np.log(size) - math.log(70)) / 0.75
        + 0.45 * (age - 7) / 5
        + np.array([sector_effect[s] for s in sector])
        + np.array([country_effect[c] for c in country])
        + rng.normal(0, 0.6, n)
    )
    first_year = today.year - 5
    out = []
    for k in range(n):
        quality = _sigmoid(
            0.6
            + 0.8 * maturity[k]
            - np.array([difficulty[i.id] for i in scheme.indicators])
            + rng.normal(0, 0.7, len(scheme.indicators))
        )
        values: dict[str, Any] = {}
        for ind, q in zip(scheme.indicators, quality, strict=True):
            values[ind.id] = _answer(scheme, ind, float(q), rng)
        if SIZE_INDICATOR in values:
            values[SIZE_INDICATOR] = int(size[k])
        if AGE_INDICATOR in values:
            values[AGE_INDICATOR] = int(min(age[k], 200))
        year = first_year + int(rng.integers(0, 4))
        cluster_id = f"{country[k]}-P{k + 1:04}"
        result = score(scheme, cluster_id, values, reviewed=True)
        rank = scheme.label(result.label).order if result.label else 0
        out.append(
            Assessment(
                campaign_id=f"{campaign_prefix}-{year}",
                cluster_id=cluster_id,
                name=f"{sector[k]} cluster {k + 1}",
                country=str(country[k]),
                sector=str(sector[k]),
                assessed=f"{year}-{int(rng.integers(1, 13)):02}",
                scheme_id=scheme.id,
                scheme_version=f"{year}.1",
                label=result.label,
                label_rank=rank,
                points=result.total,
                max_points=result.max_points,
                indicator_points=dict(result.points),
                answers={i: v for i, v in values.items() if v is not None},
            )
        )
    return out

"""What the register says on a day: the list of labels with their state, the labels due for
renewal, and a roster for the next campaign made from them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from excelcert.campaign.roster import Cluster
from excelcert.register.rules import (
    EXPIRED,
    NOT_YET,
    VALID,
    add_months,
    end_of_month,
    month_of,
    state_on,
)
from excelcert.register.store import Entry


@dataclass(frozen=True)
class Listed:
    """A certificate and what it is on the day asked about."""

    entry: Entry
    state: str  # valid, expired, superseded, withdrawn
    superseded_by: str | None = None  # the newer certificate's reference

    def to_json(self) -> dict[str, Any]:
        data = asdict(self.entry)
        for private in ("code", "answers", "indicator_points", "campaign_key"):  # the holder's code, the answers
            del data[private]
        return {**data, "state": self.state, "superseded_by": self.superseded_by}


def states_on(entries: list[Entry], day: dt.date) -> list[Listed]:
    """Every certificate issued by `day`, with its state on that day (each compared with its
    own cluster's certificates only, not with the whole register's)."""
    by_cluster: dict[str, list[Entry]] = {}
    for entry in entries:
        by_cluster.setdefault(entry.cluster_id, []).append(entry)
    out = []
    for entry in entries:
        state, newer = state_on(entry, by_cluster[entry.cluster_id], day)
        if state != NOT_YET:
            out.append(Listed(entry, state, newer.reference if isinstance(newer, Entry) else None))
    return out


def _matches(text: str, wanted: str | None) -> bool:
    return wanted is None or text.casefold() == wanted.strip().casefold()


def label_list(
    entries: list[Entry],
    day: dt.date,
    *,
    country: str | None = None,
    label: str | None = None,
    sector: str | None = None,
    states: tuple[str, ...] = (VALID,),
) -> list[Listed]:
    """The certificates in one of `states` on `day` (by default the valid ones: the public
    list), filtered by country, label (id or name) and sector, ordered by country and name."""
    found = [
        item
        for item in states_on(entries, day)
        if item.state in states
        and _matches(item.entry.country, country)
        and (label is None or _matches(item.entry.label, label) or _matches(item.entry.label_name, label))
        and _matches(item.entry.sector, sector)
    ]
    return sorted(found, key=lambda i: (i.entry.country, i.entry.name.casefold(), i.entry.number))


@dataclass(frozen=True)
class Renewal:
    """A cluster whose label ends soon or ended within the grace period: it can renew and keep
    its continuity until `renew_by`."""

    listed: Listed
    renew_by: dt.date  # the last day a renewal assessment continues the label

    def to_json(self) -> dict[str, Any]:
        return {**self.listed.to_json(), "renew_by": self.renew_by.isoformat()}


def renewals(entries: list[Entry], day: dt.date, *, within_months: int = 6) -> list[Renewal]:
    """Each cluster's latest label (neither superseded nor withdrawn) that ends within
    `within_months` of `day`, or ended no more than its scheme's grace period before it
    (as the label was given): soonest first."""
    horizon = end_of_month(add_months(month_of(day), within_months))
    out = []
    for item in states_on(entries, day):
        if item.state not in (VALID, EXPIRED):
            continue
        ends = dt.date.fromisoformat(item.entry.valid_until)
        renew_by = end_of_month(add_months(item.entry.valid_until[:7], item.entry.grace_months))
        if ends <= horizon and renew_by >= day:
            out.append(Renewal(item, renew_by))
    return sorted(out, key=lambda r: (r.listed.entry.valid_until, r.listed.entry.name.casefold()))


def renewal_roster(due: list[Renewal]) -> list[Cluster]:
    """The clusters due for renewal as a roster for the next campaign (as the register knows
    them; the secretariat checks contacts before sending)."""
    seen: set[str] = set()
    clusters = []
    for item in due:
        e = item.listed.entry
        if e.cluster_id not in seen:
            seen.add(e.cluster_id)
            clusters.append(
                Cluster(
                    e.cluster_id,
                    e.name,
                    e.country,
                    e.language,
                    e.sector,
                    e.contact_name,
                    e.email,
                    e.website,
                    e.club_consent,
                    e.salutation,
                    tuple(sorted((lang, text) for lang, text in e.sectors.items() if text != e.sector)),
                )
            )
    return clusters


def previous_labels(entries: list[Entry], campaign_id: str) -> dict[str, Entry]:
    """Each cluster's latest label from another campaign than `campaign_id` (withdrawn ones
    left out): what a renewal campaign shows the cluster of last time."""
    latest: dict[str, Entry] = {}
    for entry in entries:
        if entry.campaign_id == campaign_id or entry.withdrawn_on:
            continue
        held = latest.get(entry.cluster_id)
        if held is None or (entry.issued_on, entry.number) > (held.issued_on, held.number):
            latest[entry.cluster_id] = entry
    return latest

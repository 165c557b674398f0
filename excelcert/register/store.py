"""The register's database: every label a secretariat has issued, across its campaigns.
With the ledger, the only module that speaks SQL.

One row per certificate, numbered across the register (never reused), with what the
public list and the club need of the cluster at the time (name, country, sector,
website, contact), the label, the scheme and the campaign, the month of assessment and
the dates. Withdrawals are recorded beside it, never deleted. Entering a certificate is
idempotent per campaign, cluster and label, so a campaign that certifies again gets the
same entry back; two campaigns certifying at the same moment are serialised by SQLite
(BEGIN IMMEDIATE) and never share a number.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from excelcert.base.ledger import SqliteStore

MIGRATIONS: list[str] = [
    # 1: certificates and their withdrawals
    """
    CREATE TABLE certificates (
        number         INTEGER PRIMARY KEY,
        reference      TEXT NOT NULL UNIQUE,
        code           TEXT NOT NULL,
        cluster_id     TEXT NOT NULL,
        name           TEXT NOT NULL,
        country        TEXT NOT NULL,
        sector         TEXT NOT NULL DEFAULT '',
        website        TEXT NOT NULL DEFAULT '',
        contact_name   TEXT NOT NULL DEFAULT '',
        email          TEXT NOT NULL DEFAULT '',
        language       TEXT NOT NULL DEFAULT '',
        club_consent   INTEGER NOT NULL DEFAULT 0,
        label          TEXT NOT NULL,
        label_name     TEXT NOT NULL,
        label_rank     INTEGER NOT NULL DEFAULT 0,
        scheme_id      TEXT NOT NULL,
        scheme_version TEXT NOT NULL,
        campaign_id    TEXT NOT NULL,
        assessed       TEXT NOT NULL,
        issued_on      TEXT NOT NULL,
        valid_until    TEXT NOT NULL,
        continues      TEXT,
        points         REAL,
        max_points     REAL,
        entered_at     TEXT NOT NULL,
        UNIQUE (campaign_id, cluster_id, label)
    );
    CREATE INDEX certificates_cluster ON certificates(cluster_id, issued_on);
    CREATE TABLE withdrawals (
        number         INTEGER PRIMARY KEY REFERENCES certificates(number),
        withdrawn_on   TEXT NOT NULL,
        reason         TEXT NOT NULL,
        withdrawn_by   TEXT NOT NULL,
        recorded_at    TEXT NOT NULL
    )
    """,
    # 2: what the label was given for: the final answers and points per indicator, so that a
    # renewal campaign can show the cluster its answers of last time and say what improved
    """
    ALTER TABLE certificates ADD COLUMN answers TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE certificates ADD COLUMN indicator_points TEXT NOT NULL DEFAULT '{}'
    """,
    # 3: the grace period of the scheme the label was given under (how late it can be renewed
    # with continuity), and which campaign (by a fingerprint of its key) entered it
    """
    ALTER TABLE certificates ADD COLUMN grace_months INTEGER NOT NULL DEFAULT 12;
    ALTER TABLE certificates ADD COLUMN campaign_key TEXT NOT NULL DEFAULT ''
    """,
    # 4: every scored assessment of a campaign attached to the register, labelled or not (one
    # row per campaign and cluster, the latest scoring): the peers clusters are benchmarked
    # against. The certificates entered before it give their assessments (the latest entered
    # of a campaign and cluster).
    """
    CREATE TABLE assessments (
        campaign_id      TEXT NOT NULL,
        cluster_id       TEXT NOT NULL,
        name             TEXT NOT NULL DEFAULT '',
        country          TEXT NOT NULL DEFAULT '',
        sector           TEXT NOT NULL DEFAULT '',
        assessed         TEXT NOT NULL,
        scheme_id        TEXT NOT NULL,
        scheme_version   TEXT NOT NULL,
        label            TEXT,
        label_rank       INTEGER NOT NULL DEFAULT 0,
        points           REAL NOT NULL,
        max_points       REAL NOT NULL,
        indicator_points TEXT NOT NULL DEFAULT '{}',
        answers          TEXT NOT NULL DEFAULT '{}',
        campaign_key     TEXT NOT NULL DEFAULT '',
        recorded_at      TEXT NOT NULL,
        PRIMARY KEY (campaign_id, cluster_id)
    );
    INSERT OR IGNORE INTO assessments (campaign_id, cluster_id, name, country, sector, assessed, scheme_id,
        scheme_version, label, label_rank, points, max_points, indicator_points, answers, campaign_key, recorded_at)
    SELECT campaign_id, cluster_id, name, country, sector, assessed, scheme_id, scheme_version, label, label_rank,
        COALESCE(points, 0), COALESCE(max_points, 0), indicator_points, answers, campaign_key, entered_at
    FROM certificates ORDER BY number DESC
    """,
    # 5: the label's name and the sector in each language of the campaign, for the public
    # site in English, French and German (label_name and sector stay the default's); the
    # contact's form of address, for the roster of the renewals
    """
    ALTER TABLE certificates ADD COLUMN label_names TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE certificates ADD COLUMN sectors TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE certificates ADD COLUMN salutation TEXT NOT NULL DEFAULT ''
    """,
]


@dataclass(frozen=True)
class Draft:
    """A certificate to enter: everything but its number, reference and code."""

    cluster_id: str
    name: str
    country: str
    sector: str
    website: str
    contact_name: str
    email: str
    language: str
    club_consent: bool
    label: str
    label_name: str
    label_rank: int
    scheme_id: str
    scheme_version: str
    campaign_id: str
    assessed: str  # YYYY-MM
    issued_on: str
    valid_until: str
    continues: str | None
    points: float | None
    max_points: float | None
    answers: dict[str, Any] = field(default_factory=dict)  # indicator -> final value, as the ledger keeps it
    indicator_points: dict[str, float] = field(default_factory=dict)
    grace_months: int = 12
    campaign_key: str = ""  # a fingerprint of the campaign's key: two campaigns never share an id
    label_names: dict[str, str] = field(default_factory=dict)  # language -> the label's name in it
    sectors: dict[str, str] = field(default_factory=dict)  # language -> the sector in it, where the roster gives it
    salutation: str = ""  # the contact's form of address (the roster's)

    def label_name_in(self, lang: str) -> str:
        """The label's name as a reader of `lang` reads it (the default name when unknown)."""
        return self.label_names.get(lang) or self.label_name

    def sector_in(self, lang: str) -> str:
        """The sector as a reader of `lang` reads it (the roster's `group` when not given in it)."""
        return self.sectors.get(lang) or self.sector


@dataclass(frozen=True, kw_only=True)
class Entry(Draft):
    """A certificate in the register: its draft, with its number, reference and code, when it
    was entered, and its withdrawal if any. Its answers are never public: the cluster's own."""

    number: int
    reference: str
    code: str
    entered_at: str
    withdrawn_on: str | None = None
    withdrawn_reason: str | None = None
    withdrawn_by: str | None = None


@dataclass(frozen=True)
class Assessment:
    """A scored assessment of a campaign attached to the register, labelled or not: what the
    cluster was (country, sector) and what it scored, per indicator. Never public: peers'
    figures are only ever published as group statistics (excelcert.benchmark)."""

    campaign_id: str
    cluster_id: str
    name: str
    country: str
    sector: str
    assessed: str  # YYYY-MM
    scheme_id: str
    scheme_version: str
    label: str | None
    label_rank: int
    points: float
    max_points: float
    indicator_points: dict[str, float] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)
    campaign_key: str = ""


class RegisterError(Exception):
    """Something the register cannot do; the message says what to do instead."""


_ENTRY_FIELDS = [f.name for f in fields(Entry)]
_SELECT = (
    "SELECT c.*, w.withdrawn_on, w.reason AS withdrawn_reason, w.withdrawn_by FROM certificates c"
    " LEFT JOIN withdrawals w ON w.number = c.number"
)


def _entry(row: Any) -> Entry:
    values = {name: row[name] for name in _ENTRY_FIELDS}
    values["club_consent"] = bool(values["club_consent"])
    values["answers"] = json.loads(values["answers"] or "{}")
    values["indicator_points"] = json.loads(values["indicator_points"] or "{}")
    values["label_names"] = json.loads(values["label_names"] or "{}")
    values["sectors"] = json.loads(values["sectors"] or "{}")
    return Entry(**values)


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


class RegisterStore(SqliteStore):
    MIGRATIONS = MIGRATIONS
    KIND = "register"

    @classmethod
    def at(cls, path: Path) -> RegisterStore:
        return cls(f"sqlite:///{path}")

    def enter(
        self,
        draft: Draft,
        reference: Callable[[int], str],
        code: Callable[[int], str],
        *,
        number: int | None = None,
    ) -> Entry:
        """The entry of this campaign, cluster and label: created (numbered next across the
        register, its reference and code made from the number) when there is none yet, else
        the one entered before, unchanged. `number` keeps a number given elsewhere."""
        with self._transaction():
            row = self.db.execute(
                f"{_SELECT} WHERE c.campaign_id = ? AND c.cluster_id = ? AND c.label = ?",
                (draft.campaign_id, draft.cluster_id, draft.label),
            ).fetchone()
            if row is not None:
                return _entry(row)
            if draft.campaign_key:
                # This check lets no second key in under one id, so the first key found stands for
                # all: looking for another key than ours would read every certificate of the
                # campaign at each entry (quadratic in the campaign's size).
                other = self.db.execute(
                    "SELECT campaign_key FROM certificates WHERE campaign_id = ? AND campaign_key != '' LIMIT 1",
                    (draft.campaign_id,),
                ).fetchone()
                if other is not None and other[0] != draft.campaign_key:
                    raise RegisterError(
                        f"another campaign with the id '{draft.campaign_id}' already has certificates in this "
                        "register. Give this campaign an id of its own (the id: line of its campaign.yaml, "
                        "before any workbook is sent) and certify again; nothing was entered."
                    )
            if number is None:
                number = int(self.db.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM certificates").fetchone()[0])
            values = {f.name: getattr(draft, f.name) for f in fields(Draft)}
            values.update(number=number, reference=reference(number), code=code(number), entered_at=_now())
            values["club_consent"] = int(draft.club_consent)
            values["answers"] = json.dumps(draft.answers, ensure_ascii=False, default=str, sort_keys=True)
            values["indicator_points"] = json.dumps(draft.indicator_points, sort_keys=True)
            values["label_names"] = json.dumps(draft.label_names, ensure_ascii=False, sort_keys=True)
            values["sectors"] = json.dumps(draft.sectors, ensure_ascii=False, sort_keys=True)
            if self.db.execute("SELECT 1 FROM certificates WHERE reference = ?", (values["reference"],)).fetchone():
                raise RegisterError(f"the register already holds a certificate {values['reference']}")
            names = ", ".join(values)
            self.db.execute(
                f"INSERT INTO certificates ({names}) VALUES ({', '.join('?' for _ in values)})", tuple(values.values())
            )
            return _entry(self.db.execute(f"{_SELECT} WHERE c.number = ?", (number,)).fetchone())

    def record_assessments(self, assessments: list[Assessment]) -> None:
        """Record a campaign's scored assessments, all or nothing: a campaign and cluster
        recorded before is replaced by its latest scoring."""
        names = [f.name for f in fields(Assessment)] + ["recorded_at"]
        update = ", ".join(f"{n} = excluded.{n}" for n in names if n not in ("campaign_id", "cluster_id"))
        sql = (
            f"INSERT INTO assessments ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
            f" ON CONFLICT (campaign_id, cluster_id) DO UPDATE SET {update}"
        )
        now = _now()
        with self._transaction():
            for a in assessments:
                values = [getattr(a, n) for n in names[:-1]] + [now]
                values[names.index("indicator_points")] = json.dumps(a.indicator_points, sort_keys=True)
                values[names.index("answers")] = json.dumps(a.answers, ensure_ascii=False, default=str, sort_keys=True)
                self.db.execute(sql, values)

    def assessments(self, *, answers: bool = True) -> list[Assessment]:
        """Every assessment recorded, oldest first (by month assessed, then as recorded);
        without their answers unless asked (benchmarking needs the points only)."""
        rows = self.db.execute(
            "SELECT campaign_id, cluster_id, name, country, sector, assessed, scheme_id, scheme_version, label,"
            f" label_rank, points, max_points, campaign_key, indicator_points{', answers' if answers else ''}"
            " FROM assessments ORDER BY assessed, recorded_at, rowid"
        ).fetchall()
        # one parse of all of them: much faster than a json.loads per row
        points = json.loads("[" + ",".join(row[13] or "{}" for row in rows) + "]")
        given = json.loads("[" + ",".join(row[14] or "{}" for row in rows) + "]") if answers else None
        return [
            Assessment(
                campaign_id=row[0],
                cluster_id=row[1],
                name=row[2],
                country=row[3],
                sector=row[4],
                assessed=row[5],
                scheme_id=row[6],
                scheme_version=row[7],
                label=row[8],
                label_rank=row[9],
                points=row[10],
                max_points=row[11],
                campaign_key=row[12],
                indicator_points=points[n],
                answers=given[n] if given is not None else {},
            )
            for n, row in enumerate(rows)
        ]

    def entries(self) -> list[Entry]:
        """Every certificate, in the order of their numbers."""
        return [_entry(r) for r in self.db.execute(f"{_SELECT} ORDER BY c.number").fetchall()]

    def of_cluster(self, cluster_id: str) -> list[Entry]:
        """Every certificate of a cluster, oldest first."""
        rows = self.db.execute(
            f"{_SELECT} WHERE c.cluster_id = ? ORDER BY c.issued_on, c.number", (cluster_id,)
        ).fetchall()
        return [_entry(r) for r in rows]

    def by_reference(self, reference: str) -> Entry | None:
        """The certificate with this reference (case and surrounding spaces do not matter)."""
        row = self.db.execute(f"{_SELECT} WHERE c.reference = ? COLLATE NOCASE", (reference.strip(),)).fetchone()
        return _entry(row) if row is not None else None

    def withdraw(self, number: int, *, on: str, reason: str, by: str) -> Entry:
        """Record that a certificate is withdrawn, from `on`, why and by whom. A certificate
        is withdrawn once: a second withdrawal is refused, the first stands."""
        with self._transaction():
            row = self.db.execute(
                "SELECT reference, issued_on FROM certificates WHERE number = ?", (number,)
            ).fetchone()
            if row is None:
                raise RegisterError(f"the register holds no certificate number {number}")
            if on < row["issued_on"]:
                raise RegisterError(
                    f"{row['reference']} was issued on {row['issued_on']}: it cannot be withdrawn from {on}, "
                    "before that. Give the day the withdrawal takes effect (--on); nothing was changed."
                )
            earlier = self.db.execute(
                "SELECT withdrawn_on, withdrawn_by FROM withdrawals WHERE number = ?", (number,)
            ).fetchone()
            if earlier is not None:
                raise RegisterError(
                    f"{row['reference']} is already withdrawn (on {earlier['withdrawn_on']}, by "
                    f"{earlier['withdrawn_by']}); a withdrawal stands as recorded, nothing was changed"
                )
            self.db.execute(
                "INSERT INTO withdrawals (number, withdrawn_on, reason, withdrawn_by, recorded_at) VALUES (?, ?, ?, ?, ?)",
                (number, on, reason, by, _now()),
            )
            return _entry(self.db.execute(f"{_SELECT} WHERE c.number = ?", (number,)).fetchone())

"""The ledger: the campaign's memory, and the only module that speaks SQL.

SQLite by default (`ledger.sqlite` in the campaign folder), opened from a URL
(`sqlite:///path`) so that another database can be added here later without touching
the rest of the code. The schema is versioned: `MIGRATIONS` are applied in order from
the first version on, each in its own transaction. Foreign keys are on. Each imported
file is recorded in one transaction (`record_submission`), so an interrupted import
leaves the ledger as it was before that file, and a re-run finishes the job.

What comes out are plain dataclasses; values are stored as JSON text.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from excelcert.base.contract import ROLE_SELF_ASSESSMENT

MIGRATIONS: list[str] = [
    # 1: submissions, their answers and problems
    """
    CREATE TABLE submissions (
        id             INTEGER PRIMARY KEY,
        sha256         TEXT NOT NULL UNIQUE,
        original_name  TEXT NOT NULL,
        size           INTEGER NOT NULL,
        received_at    TEXT NOT NULL,
        import_seq     INTEGER NOT NULL,
        cluster_id     TEXT,
        role           TEXT,
        scheme_version TEXT,
        language       TEXT,
        saved_at       TEXT,
        verdict        TEXT NOT NULL CHECK (verdict IN ('accepted', 'accepted with problems', 'rejected')),
        reason         TEXT NOT NULL,
        supersedes     INTEGER REFERENCES submissions(id)
    );
    CREATE INDEX submissions_cluster ON submissions(cluster_id, role);
    CREATE TABLE answers (
        submission_id  INTEGER NOT NULL REFERENCES submissions(id),
        indicator_id   TEXT NOT NULL,
        raw            TEXT,
        value          TEXT,
        sheet          TEXT,
        cell           TEXT,
        evidence       TEXT NOT NULL DEFAULT '',
        comment        TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (submission_id, indicator_id)
    );
    CREATE TABLE problems (
        id             INTEGER PRIMARY KEY,
        submission_id  INTEGER NOT NULL REFERENCES submissions(id),
        severity       TEXT NOT NULL,
        code           TEXT NOT NULL,
        sheet          TEXT,
        cell           TEXT,
        indicator_id   TEXT,
        raw            TEXT,
        message        TEXT NOT NULL
    );
    CREATE INDEX problems_submission ON problems(submission_id);
    """,
    # 2: peer review: reviewer assignments, reviews (answers gain agreement and points),
    # reviewers' notes and appreciations, the profile corrections a cluster typed, and
    # arbitration decisions
    """
    ALTER TABLE submissions ADD COLUMN reviewer_id TEXT;
    ALTER TABLE submissions ADD COLUMN based_on TEXT;
    ALTER TABLE answers ADD COLUMN agreement TEXT;
    ALTER TABLE answers ADD COLUMN points REAL;
    CREATE TABLE assignments (
        cluster_id     TEXT NOT NULL,
        reviewer_id    TEXT NOT NULL,
        assigned_at    TEXT NOT NULL,
        source         TEXT NOT NULL,
        PRIMARY KEY (cluster_id, reviewer_id)
    );
    CREATE TABLE notes (
        id             INTEGER PRIMARY KEY,
        submission_id  INTEGER NOT NULL REFERENCES submissions(id),
        kind           TEXT NOT NULL,
        sheet          TEXT,
        cell           TEXT,
        indicator_id   TEXT,
        author         TEXT NOT NULL DEFAULT '',
        text           TEXT NOT NULL
    );
    CREATE INDEX notes_submission ON notes(submission_id);
    CREATE TABLE decisions (
        id             INTEGER PRIMARY KEY,
        submission_id  INTEGER NOT NULL REFERENCES submissions(id),
        cluster_id     TEXT NOT NULL,
        indicator_id   TEXT NOT NULL,
        raw            TEXT,
        value          TEXT,
        decided_by     TEXT NOT NULL,
        reason         TEXT NOT NULL,
        decided_at     TEXT NOT NULL,
        sheet          TEXT,
        cell           TEXT
    );
    CREATE INDEX decisions_item ON decisions(cluster_id, indicator_id);
    CREATE TABLE profile (
        submission_id  INTEGER NOT NULL REFERENCES submissions(id),
        field          TEXT NOT NULL,
        value          TEXT NOT NULL,
        PRIMARY KEY (submission_id, field)
    )
    """,
    # 3: scores and labels, and the certificates issued (numbers are never reused)
    """
    CREATE TABLE scores (
        id             INTEGER PRIMARY KEY,
        cluster_id     TEXT NOT NULL,
        submission_id  INTEGER NOT NULL REFERENCES submissions(id),
        computed_at    TEXT NOT NULL,
        total          REAL NOT NULL,
        max_points     REAL NOT NULL,
        label          TEXT,
        reviewed       INTEGER NOT NULL,
        reason         TEXT NOT NULL,
        detail         TEXT NOT NULL
    );
    CREATE INDEX scores_cluster ON scores(cluster_id);
    CREATE TABLE certificates (
        number         INTEGER PRIMARY KEY,
        reference      TEXT NOT NULL UNIQUE,
        cluster_id     TEXT NOT NULL,
        label          TEXT NOT NULL,
        score_id       INTEGER NOT NULL REFERENCES scores(id),
        issued_on      TEXT NOT NULL,
        valid_until    TEXT NOT NULL,
        code           TEXT NOT NULL,
        UNIQUE (cluster_id, label)
    )
    """,
    # 4: the import order indexed (each import asks for the last number: no scan of the history)
    """
    CREATE INDEX submissions_seq ON submissions(import_seq)
    """,
    # 5: the mailroom: who sent a file that came by e-mail, and when; every message sent
    # (or written to the outbox), so that nothing is sent twice
    """
    ALTER TABLE submissions ADD COLUMN sender TEXT;
    ALTER TABLE submissions ADD COLUMN sent_at TEXT;
    CREATE TABLE mail (
        id             INTEGER PRIMARY KEY,
        kind           TEXT NOT NULL,
        recipient_id   TEXT NOT NULL,
        address        TEXT NOT NULL,
        subject        TEXT NOT NULL,
        attachments    TEXT NOT NULL,
        key            TEXT NOT NULL,
        message_id     TEXT NOT NULL,
        how            TEXT NOT NULL CHECK (how IN ('smtp', 'outbox')),
        at             TEXT NOT NULL
    );
    CREATE INDEX mail_recipient ON mail(recipient_id, kind);
    CREATE INDEX mail_key ON mail(key, how)
    """,
]


class LedgerError(Exception):
    """The ledger cannot be opened or is newer than this excelcert."""


@dataclass(frozen=True, slots=True)  # held per cluster by a campaign's results: no __dict__ each
class Submission:
    id: int
    sha256: str
    original_name: str
    size: int
    received_at: str
    import_seq: int
    cluster_id: str | None
    role: str | None
    scheme_version: str | None
    language: str | None
    saved_at: str | None
    verdict: str
    reason: str
    supersedes: int | None
    reviewer_id: str | None = None
    based_on: str | None = None  # a review: the sha256 of the self-assessment it reviews
    sender: str | None = None  # came by e-mail: the sender's address
    sent_at: str | None = None  # came by e-mail: when it was sent (the message's date)


@dataclass(frozen=True)
class MailRecord:
    """A message the mailroom sent (how: "smtp") or wrote to the outbox (how: "outbox")."""

    kind: str  # workbook, review, correction, reminder, documents
    recipient_id: str  # a cluster's or a reviewer's id
    address: str
    subject: str
    attachments: list[str]  # file names
    key: str  # what was sent: the same key is the same message (nothing is sent twice)
    message_id: str
    how: str
    at: str = ""


@dataclass(frozen=True)
class StoredAnswer:
    indicator_id: str
    raw: Any
    value: Any
    sheet: str | None
    cell: str | None
    evidence: str
    comment: str
    agreement: str | None = None  # a review: agree / partly / disagree
    points: float | None = None  # a review: the points the reviewer gives


@dataclass(frozen=True)
class StoredNote:
    """A reviewer's note on a cell, a threaded comment, or an appreciation (kind)."""

    kind: str  # "note", "threaded", "strengths", "recommendations"
    sheet: str | None
    cell: str | None
    indicator_id: str | None
    author: str
    text: str


@dataclass(frozen=True)
class Assignment:
    cluster_id: str
    reviewer_id: str
    assigned_at: str = ""
    source: str = ""


@dataclass(frozen=True)
class Decision:
    """An arbitration decision on one cluster's indicator: who, when, why."""

    cluster_id: str
    indicator_id: str
    raw: Any
    value: Any
    decided_by: str
    reason: str
    decided_at: str = ""
    sheet: str | None = None
    cell: str | None = None
    submission_id: int | None = None


@dataclass(frozen=True)
class StoredScore:
    id: int
    cluster_id: str
    submission_id: int
    computed_at: str
    total: float
    max_points: float
    label: str | None
    reviewed: bool
    reason: str
    detail: Any  # the whole score as plain data (JSON)


@dataclass(frozen=True)
class Certificate:
    number: int  # sequential per campaign, never reused
    reference: str  # the number as printed: "<campaign>-<year>-<number>"
    cluster_id: str
    label: str
    score_id: int
    issued_on: str
    valid_until: str
    code: str  # the short verification code


@dataclass(frozen=True)
class StoredProblem:
    severity: str
    code: str
    sheet: str | None
    cell: str | None
    indicator_id: str | None
    raw: Any
    message: str


@dataclass
class NewSubmission:
    sha256: str
    original_name: str
    size: int
    verdict: str
    reason: str
    cluster_id: str | None = None
    role: str | None = None
    scheme_version: str | None = None
    language: str | None = None
    saved_at: str | None = None
    supersedes: int | None = None
    reviewer_id: str | None = None
    based_on: str | None = None
    sender: str | None = None
    sent_at: str | None = None
    answers: list[StoredAnswer] = field(default_factory=list)
    problems: list[StoredProblem] = field(default_factory=list)
    notes: list[StoredNote] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    profile: dict[str, str] = field(default_factory=dict)  # the profile sheet, as the cluster left it


_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str, sort_keys=True)  # made once: dumps() makes one a call


def _json(value: Any) -> str | None:
    if value is None:
        return None
    if type(value) is int or (type(value) is float and math.isfinite(value)):
        return repr(value)  # what the encoder writes for a number, without its machinery
    return _ENCODER.encode(value)


def _unjson(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _inserted_id(cursor: sqlite3.Cursor) -> int:
    """The rowid of the row an INSERT through `cursor` just stored."""
    if cursor.lastrowid is None:  # sqlite3 sets it after every successful INSERT
        raise RuntimeError("the INSERT stored no row")
    return cursor.lastrowid


# the same few texts on every row; a cluster's id on each of its submissions, a reviewer's on
# each of theirs, a self-assessment's hash on each review of it (`based_on`), and the time
# of the import that received a batch of files (and of saves in the same second)
_SHARED = (
    "role",
    "scheme_version",
    "language",
    "verdict",
    "reason",
    "cluster_id",
    "reviewer_id",
    "sha256",
    "based_on",
    "received_at",
    "saved_at",
)


def _submission(row: sqlite3.Row) -> Submission:
    """A submission from its row, its repeated texts shared (sys.intern): a campaign's results
    hold thousands of submissions, and each row brings its own copy of "self-assessment"."""
    fields = dict(row)
    for name in _SHARED:
        if isinstance(fields[name], str):
            fields[name] = sys.intern(fields[name])
    return Submission(**fields)


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


class SqliteStore:
    """A SQLite database with a versioned schema: the ledger's, and the register's.

    Opened from a URL (`sqlite:///path`); `MIGRATIONS` are applied in order from the
    first version on, each in its own transaction; foreign keys on; write-ahead log. A
    database written by a newer excelcert is refused, never downgraded."""

    MIGRATIONS: list[str] = []
    KIND = "database"  # how messages name it

    def __init__(self, url: str):
        if not url.startswith("sqlite:///"):
            raise LedgerError(f"unsupported {self.KIND} URL '{url}': only sqlite:///path is supported for now")
        self.path = Path(url[len("sqlite:///") :])
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        except sqlite3.Error as exc:
            raise LedgerError(f"the {self.KIND} {self.path} cannot be opened: {exc}") from None
        self.db.row_factory = sqlite3.Row
        try:
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute("PRAGMA journal_mode = WAL")
            # Each commit is atomic and survives a crash or kill of excelcert; after a power cut
            # the last commits before it may be missing (never half there). `checkpoint` puts
            # everything on disk: a batch ends with it.
            self.db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise LedgerError(
                f"the {self.KIND} {self.path} cannot be used ({exc}): if it is damaged, restore it from your "
                "backup; if another excelcert is writing to it, wait until it has finished."
            ) from None

    def close(self) -> None:
        self.db.close()

    def checkpoint(self) -> None:
        """Everything committed so far, on disk (the write-ahead log synced and copied back)."""
        self.db.execute("PRAGMA wal_checkpoint(FULL)").fetchone()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write transaction, taken at once (BEGIN IMMEDIATE): committed, or rolled back on any failure."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:  # locked by another process past the timeout, or read-only
            raise LedgerError(
                f"the {self.KIND} {self.path} cannot be written ({exc}): wait until the other excelcert "
                "has finished, or check that the file may be written; nothing was changed."
            ) from None
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- schema ------------------------------------------------------------------------
    @property
    def version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        current = self.version
        if current > len(self.MIGRATIONS):
            raise LedgerError(
                f"the {self.KIND} {self.path} was written by a newer excelcert (schema {current}): "
                "update excelcert before using it"
            )
        for number, script in enumerate(self.MIGRATIONS[current:], start=current + 1):
            with self._transaction():
                for statement in [s for s in script.split(";") if s.strip()]:
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {number}")


class Ledger(SqliteStore):
    MIGRATIONS = MIGRATIONS
    KIND = "ledger"

    @classmethod
    def for_campaign(cls, root: Path) -> Ledger:
        return cls(f"sqlite:///{root / 'ledger.sqlite'}")

    # --- writing -----------------------------------------------------------------------
    def record_submission(self, new: NewSubmission) -> int:
        """Store a submission with its answers and problems, all or nothing."""
        with self._transaction():
            seq = self.db.execute("SELECT COALESCE(MAX(import_seq), 0) + 1 FROM submissions").fetchone()[0]
            cursor = self.db.execute(
                "INSERT INTO submissions (sha256, original_name, size, received_at, import_seq, cluster_id, role,"
                " scheme_version, language, saved_at, verdict, reason, supersedes, reviewer_id, based_on, sender, sent_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    new.sha256,
                    new.original_name,
                    new.size,
                    _now(),
                    seq,
                    new.cluster_id,
                    new.role,
                    new.scheme_version,
                    new.language,
                    new.saved_at,
                    new.verdict,
                    new.reason,
                    new.supersedes,
                    new.reviewer_id,
                    new.based_on,
                    new.sender,
                    new.sent_at,
                ),
            )
            submission_id = _inserted_id(cursor)
            self.db.executemany(
                "INSERT INTO answers (submission_id, indicator_id, raw, value, sheet, cell, evidence, comment,"
                " agreement, points) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        submission_id,
                        a.indicator_id,
                        _json(a.raw),
                        _json(a.value),
                        a.sheet,
                        a.cell,
                        a.evidence,
                        a.comment,
                        a.agreement,
                        a.points,
                    )
                    for a in new.answers
                ],
            )
            self.db.executemany(
                "INSERT INTO notes (submission_id, kind, sheet, cell, indicator_id, author, text)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(submission_id, n.kind, n.sheet, n.cell, n.indicator_id, n.author, n.text) for n in new.notes],
            )
            self.db.executemany(
                "INSERT INTO decisions (submission_id, cluster_id, indicator_id, raw, value, decided_by, reason,"
                " decided_at, sheet, cell) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        submission_id,
                        d.cluster_id,
                        d.indicator_id,
                        _json(d.raw),
                        _json(d.value),
                        d.decided_by,
                        d.reason,
                        d.decided_at or _now(),
                        d.sheet,
                        d.cell,
                    )
                    for d in new.decisions
                ],
            )
            self.db.executemany(
                "INSERT INTO profile (submission_id, field, value) VALUES (?, ?, ?)",
                [(submission_id, key, value) for key, value in new.profile.items()],
            )
            self.db.executemany(
                "INSERT INTO problems (submission_id, severity, code, sheet, cell, indicator_id, raw, message)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (submission_id, p.severity, p.code, p.sheet, p.cell, p.indicator_id, _json(p.raw), p.message)
                    for p in new.problems
                ],
            )
            return submission_id

    # --- reading -----------------------------------------------------------------------
    def _submissions(self, where: str, args: tuple[str, ...]) -> list[Submission]:
        rows = self.db.execute(f"SELECT * FROM submissions {where}", args).fetchall()
        return [_submission(row) for row in rows]

    def by_hash(self, sha256: str) -> Submission | None:
        found = self._submissions("WHERE sha256 = ?", (sha256,))
        return found[0] if found else None

    def history(self, cluster_id: str) -> list[Submission]:
        return self._submissions("WHERE cluster_id = ? ORDER BY import_seq", (cluster_id,))

    def all_submissions(self, *, own: bool = False) -> list[Submission]:
        """Every submission in import order; with `own`, only the clusters' own files (their
        self-assessments and the files of no role), not the reviews and arbitration."""
        if own:
            return self._submissions("WHERE role IS NULL OR role = ? ORDER BY import_seq", (ROLE_SELF_ASSESSMENT,))
        return self._submissions("ORDER BY import_seq", ())

    def current(self, cluster_id: str, role: str, reviewer_id: str | None = None) -> Submission | None:
        """The submission that counts: the accepted one saved last (then imported last);
        for a review, the one of that reviewer."""
        found = self._submissions(
            "WHERE cluster_id = ? AND role = ? AND COALESCE(reviewer_id, '') = ? AND verdict != 'rejected'"
            " ORDER BY COALESCE(saved_at, '') DESC, import_seq DESC LIMIT 1",
            (cluster_id, role, reviewer_id or ""),
        )
        return found[0] if found else None

    def counting(self, role: str, cluster_ids: Iterable[str] | None = None) -> list[Submission]:
        """Every submission of `role` that counts: for each cluster (and, for reviews, each
        reviewer) what `current` gives, in one query rather than one per cluster; by cluster,
        then reviewer. With `cluster_ids`, those clusters' only (a block of a campaign)."""
        among = ""
        args: tuple[str, ...] = (role,)
        if cluster_ids is not None:
            among = " AND cluster_id IN (SELECT value FROM json_each(?))"
            args = (role, json.dumps(list(cluster_ids)))
        rows = self.db.execute(
            "SELECT s.* FROM submissions s JOIN ("
            " SELECT id, ROW_NUMBER() OVER (PARTITION BY cluster_id, COALESCE(reviewer_id, '')"
            "  ORDER BY COALESCE(saved_at, '') DESC, import_seq DESC) AS rank"
            f" FROM submissions WHERE role = ? AND cluster_id IS NOT NULL AND verdict != 'rejected'{among}"
            ") c ON c.id = s.id WHERE c.rank = 1 ORDER BY s.cluster_id, s.reviewer_id",
            args,
        )
        return [_submission(row) for row in rows]

    def answers(self, submission_id: int) -> list[StoredAnswer]:
        return self.answers_of([submission_id]).get(submission_id, [])

    def answers_of(self, submission_ids: Iterable[int]) -> dict[int, list[StoredAnswer]]:
        """The answers of each of these submissions (in the order stored), in one query."""
        rows = self.db.execute(
            "SELECT submission_id, indicator_id, raw, value, sheet, cell, evidence, comment, agreement, points"
            " FROM answers WHERE submission_id IN (SELECT value FROM json_each(?)) ORDER BY rowid",
            (json.dumps(list(submission_ids)),),
        ).fetchall()
        found: dict[int, list[StoredAnswer]] = {}
        decoded: dict[str, Any] = {}  # a campaign's answers repeat: "yes", 3, 0.5 ... decoded once each

        def value(text: str | None) -> Any:
            if text is None:
                return None
            known = decoded.get(text, decoded)
            if known is not decoded:
                return known
            value = json.loads(text)
            if type(value) in (int, float, str, bool):  # never a list or dict: each answer has its own
                decoded[text] = value
            return value

        for r in rows:
            found.setdefault(r[0], []).append(
                StoredAnswer(r[1], value(r[2]), value(r[3]), r[4], r[5], r[6], r[7], r[8], r[9])
            )
        return found

    def notes(self, submission_id: int) -> list[StoredNote]:
        rows = self.db.execute(
            "SELECT kind, sheet, cell, indicator_id, author, text FROM notes WHERE submission_id = ? ORDER BY id",
            (submission_id,),
        ).fetchall()
        return [StoredNote(**dict(r)) for r in rows]

    def profile(self, submission_id: int) -> dict[str, str]:
        rows = self.db.execute(
            "SELECT field, value FROM profile WHERE submission_id = ? ORDER BY rowid", (submission_id,)
        ).fetchall()
        return {r["field"]: r["value"] for r in rows}

    # --- scores and certificates ------------------------------------------------------
    def record_scores(self, rows: Iterable[tuple[str, int, float, float, str | None, bool, str, Any]]) -> list[int]:
        """Store one run of `score`, all or nothing: (cluster, submission, total, max, label,
        reviewed, reason, detail) per cluster, taken one at a time. Earlier runs stay; the
        latest counts."""
        with self._transaction():
            now = _now()
            ids = [
                _inserted_id(
                    self.db.execute(
                        "INSERT INTO scores (cluster_id, submission_id, computed_at, total, max_points, label, reviewed,"
                        " reason, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (c, sub, now, total, maximum, label, int(reviewed), reason, _json(detail)),
                    )
                )
                for c, sub, total, maximum, label, reviewed, reason, detail in rows
            ]
            return ids

    def latest_scores(self, detail: tuple[str, ...] | None = None) -> list[StoredScore]:
        """Each cluster's latest score; with `detail`, only those keys of each score's detail are
        kept (a row's detail is read one at a time: a campaign's whole details are never held)."""
        rows = self.db.execute(
            "SELECT * FROM scores WHERE id IN (SELECT MAX(id) FROM scores GROUP BY cluster_id) ORDER BY cluster_id"
        )
        out = []
        for r in rows:
            found = _unjson(r["detail"])
            if detail is not None and isinstance(found, dict):
                found = {k: found[k] for k in detail if k in found}
            out.append(
                StoredScore(
                    r["id"],
                    r["cluster_id"],
                    r["submission_id"],
                    r["computed_at"],
                    r["total"],
                    r["max_points"],
                    r["label"],
                    bool(r["reviewed"]),
                    r["reason"],
                    found,
                )
            )
        return out

    def certificate_for(
        self,
        cluster_id: str,
        label: str,
        issued_on: str,
        reference: Callable[[int], str],
        code: Callable[[int], str],
        valid_until: str,
        score_id: int,
    ) -> Certificate:
        """The certificate of this cluster and label, created (numbered next, issued on
        `issued_on`) if there is none yet: issuing again gives the same certificate.
        `reference` and `code` are functions of the number."""
        with self._transaction():
            row = self.db.execute(
                "SELECT * FROM certificates WHERE cluster_id = ? AND label = ?", (cluster_id, label)
            ).fetchone()
            if row is None:
                number = self.db.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM certificates").fetchone()[0]
                self.db.execute(
                    "INSERT INTO certificates (number, reference, cluster_id, label, score_id, issued_on, valid_until,"
                    " code) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (number, reference(number), cluster_id, label, score_id, issued_on, valid_until, code(number)),
                )
                row = self.db.execute("SELECT * FROM certificates WHERE number = ?", (number,)).fetchone()
        return Certificate(**dict(row))

    def certificate_of(self, cluster_id: str, label: str) -> Certificate | None:
        """The certificate issued to this cluster for this label, if any."""
        row = self.db.execute(
            "SELECT * FROM certificates WHERE cluster_id = ? AND label = ?", (cluster_id, label)
        ).fetchone()
        return Certificate(**dict(row)) if row is not None else None

    def certificates(self) -> list[Certificate]:
        return [
            Certificate(**dict(r)) for r in self.db.execute("SELECT * FROM certificates ORDER BY number").fetchall()
        ]

    # --- review ------------------------------------------------------------------------
    def set_assignments(self, assignments: list[Assignment], source: str) -> None:
        """Replace the campaign's reviewer assignment, all or nothing."""
        with self._transaction():
            self.db.execute("DELETE FROM assignments")
            self.db.executemany(
                "INSERT INTO assignments (cluster_id, reviewer_id, assigned_at, source) VALUES (?, ?, ?, ?)",
                [(a.cluster_id, a.reviewer_id, _now(), source) for a in assignments],
            )

    def assignments(self) -> list[Assignment]:
        rows = self.db.execute(
            "SELECT cluster_id, reviewer_id, assigned_at, source FROM assignments ORDER BY cluster_id, reviewer_id"
        ).fetchall()
        return [Assignment(**dict(r)) for r in rows]

    def is_assigned(self, cluster_id: str, reviewer_id: str) -> bool:
        """Whether `reviewer_id` is assigned to `cluster_id` (one look-up in the primary key,
        not the whole assignment: a batch of reviews asks once per file)."""
        found = self.db.execute(
            "SELECT 1 FROM assignments WHERE cluster_id = ? AND reviewer_id = ?", (cluster_id, reviewer_id)
        ).fetchone()
        return found is not None

    def current_reviews(self, cluster_id: str) -> list[Submission]:
        """Each reviewer's review of the cluster that counts (saved last), by reviewer id."""
        reviewers = [
            r[0]
            for r in self.db.execute(
                "SELECT DISTINCT reviewer_id FROM submissions WHERE cluster_id = ? AND role = 'review'"
                " AND verdict != 'rejected' ORDER BY reviewer_id",
                (cluster_id,),
            ).fetchall()
        ]
        found = [self.current(cluster_id, "review", reviewer) for reviewer in reviewers]
        return [s for s in found if s is not None]

    def decisions(self) -> list[Decision]:
        """Every arbitration decision, oldest first (a later one on the same item overrides)."""
        rows = self.db.execute(
            "SELECT d.*, s.saved_at FROM decisions d JOIN submissions s ON s.id = d.submission_id"
            " ORDER BY COALESCE(s.saved_at, ''), s.import_seq, d.id"
        ).fetchall()
        return [
            Decision(
                r["cluster_id"],
                r["indicator_id"],
                _unjson(r["raw"]),
                _unjson(r["value"]),
                r["decided_by"],
                r["reason"],
                r["decided_at"],
                r["sheet"],
                r["cell"],
                r["submission_id"],
            )
            for r in rows
        ]

    def problems(self, submission_id: int) -> list[StoredProblem]:
        return self.problems_of([submission_id]).get(submission_id, [])

    def problems_of(self, submission_ids: Iterable[int]) -> dict[int, list[StoredProblem]]:
        """The problems of each of these submissions (in the order stored), in one query."""
        rows = self.db.execute(
            "SELECT submission_id, severity, code, sheet, cell, indicator_id, raw, message FROM problems"
            " WHERE submission_id IN (SELECT value FROM json_each(?)) ORDER BY id",
            (json.dumps(list(submission_ids)),),
        ).fetchall()
        found: dict[int, list[StoredProblem]] = {}
        for r in rows:
            found.setdefault(r[0], []).append(StoredProblem(r[1], r[2], r[3], r[4], r[5], _unjson(r[6]), r[7]))
        return found

    def counts(self) -> dict[str, int]:
        return {
            table: self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("submissions", "answers", "problems", "notes", "decisions")
        }

    # --- the mailroom ------------------------------------------------------------------
    def record_mail(self, record: MailRecord) -> None:
        """One message sent (or written to the outbox), committed at once: a run stopped
        after it never sends it again."""
        with self._transaction():
            self.db.execute(
                "INSERT INTO mail (kind, recipient_id, address, subject, attachments, key, message_id, how, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.kind,
                    record.recipient_id,
                    record.address,
                    record.subject,
                    _json(record.attachments),
                    record.key,
                    record.message_id,
                    record.how,
                    record.at or _now(),
                ),
            )

    def mail_keys(self, how: str) -> set[str]:
        """The keys of every message sent (how "smtp") or written to the outbox ("outbox")."""
        return {r[0] for r in self.db.execute("SELECT DISTINCT key FROM mail WHERE how = ?", (how,)).fetchall()}

    def mail(self, recipient_id: str | None = None) -> list[MailRecord]:
        """Every message recorded (to one recipient, if given), oldest first."""
        where, args = ("WHERE recipient_id = ?", (recipient_id,)) if recipient_id else ("", ())
        rows = self.db.execute(
            "SELECT kind, recipient_id, address, subject, attachments, key, message_id, how, at"
            f" FROM mail {where} ORDER BY id",
            args,
        ).fetchall()
        return [MailRecord(**{**dict(r), "attachments": _unjson(r["attachments"])}) for r in rows]

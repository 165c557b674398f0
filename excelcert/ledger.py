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
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
]


class LedgerError(Exception):
    """The ledger cannot be opened or is newer than this excelcert."""


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class StoredAnswer:
    indicator_id: str
    raw: Any
    value: Any
    sheet: str | None
    cell: str | None
    evidence: str
    comment: str


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
    answers: list[StoredAnswer] = field(default_factory=list)
    problems: list[StoredProblem] = field(default_factory=list)


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def _unjson(text: str | None) -> Any:
    return None if text is None else json.loads(text)


class Ledger:
    def __init__(self, url: str):
        if not url.startswith("sqlite:///"):
            raise LedgerError(f"unsupported ledger URL '{url}': only sqlite:///path is supported for now")
        self.path = Path(url[len("sqlite:///"):])
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        except sqlite3.Error as exc:
            raise LedgerError(f"the ledger {self.path} cannot be opened: {exc}") from None
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = FULL")
        self._migrate()

    @classmethod
    def for_campaign(cls, root: Path) -> Ledger:
        return cls(f"sqlite:///{root / 'ledger.sqlite'}")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- schema ------------------------------------------------------------------------
    @property
    def version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        current = self.version
        if current > len(MIGRATIONS):
            raise LedgerError(f"the ledger {self.path} was written by a newer excelcert (schema {current}); "
                              "update excelcert before using it.")
        for number, script in enumerate(MIGRATIONS[current:], start=current + 1):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                for statement in [s for s in script.split(";") if s.strip()]:
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {number}")
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    # --- writing -----------------------------------------------------------------------
    def record_submission(self, new: NewSubmission) -> int:
        """Store a submission with its answers and problems, all or nothing."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            seq = self.db.execute("SELECT COALESCE(MAX(import_seq), 0) + 1 FROM submissions").fetchone()[0]
            cursor = self.db.execute(
                "INSERT INTO submissions (sha256, original_name, size, received_at, import_seq, cluster_id, role,"
                " scheme_version, language, saved_at, verdict, reason, supersedes)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (new.sha256, new.original_name, new.size,
                 dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(), seq, new.cluster_id, new.role,
                 new.scheme_version, new.language, new.saved_at, new.verdict, new.reason, new.supersedes))
            submission_id = int(cursor.lastrowid)
            self.db.executemany(
                "INSERT INTO answers (submission_id, indicator_id, raw, value, sheet, cell, evidence, comment)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(submission_id, a.indicator_id, _json(a.raw), _json(a.value), a.sheet, a.cell, a.evidence,
                  a.comment) for a in new.answers])
            self.db.executemany(
                "INSERT INTO problems (submission_id, severity, code, sheet, cell, indicator_id, raw, message)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(submission_id, p.severity, p.code, p.sheet, p.cell, p.indicator_id, _json(p.raw), p.message)
                 for p in new.problems])
            self.db.execute("COMMIT")
            return submission_id
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    # --- reading -----------------------------------------------------------------------
    def _submissions(self, where: str, args: tuple) -> list[Submission]:
        rows = self.db.execute(f"SELECT * FROM submissions {where}", args).fetchall()
        return [Submission(**dict(row)) for row in rows]

    def by_hash(self, sha256: str) -> Submission | None:
        found = self._submissions("WHERE sha256 = ?", (sha256,))
        return found[0] if found else None

    def history(self, cluster_id: str) -> list[Submission]:
        return self._submissions("WHERE cluster_id = ? ORDER BY import_seq", (cluster_id,))

    def all_submissions(self) -> list[Submission]:
        return self._submissions("ORDER BY import_seq", ())

    def current(self, cluster_id: str, role: str) -> Submission | None:
        """The submission that counts: the accepted one saved last (then imported last)."""
        found = self._submissions(
            "WHERE cluster_id = ? AND role = ? AND verdict != 'rejected'"
            " ORDER BY COALESCE(saved_at, '') DESC, import_seq DESC LIMIT 1", (cluster_id, role))
        return found[0] if found else None

    def answers(self, submission_id: int) -> list[StoredAnswer]:
        rows = self.db.execute("SELECT indicator_id, raw, value, sheet, cell, evidence, comment FROM answers"
                               " WHERE submission_id = ? ORDER BY rowid", (submission_id,)).fetchall()
        return [StoredAnswer(r["indicator_id"], _unjson(r["raw"]), _unjson(r["value"]), r["sheet"], r["cell"],
                             r["evidence"], r["comment"]) for r in rows]

    def problems(self, submission_id: int) -> list[StoredProblem]:
        rows = self.db.execute("SELECT severity, code, sheet, cell, indicator_id, raw, message FROM problems"
                               " WHERE submission_id = ? ORDER BY id", (submission_id,)).fetchall()
        return [StoredProblem(r["severity"], r["code"], r["sheet"], r["cell"], r["indicator_id"],
                              _unjson(r["raw"]), r["message"]) for r in rows]

    def counts(self) -> dict[str, int]:
        return {table: self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for table in ("submissions", "answers", "problems")}

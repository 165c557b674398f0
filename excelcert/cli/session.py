"""A campaign session: the campaign, its scheme, roster, reviewers, key, ledger and register,
each opened once and only when first asked for.

Every command of the command line works through one session, so that none rebuilds what
another part already loaded, and a command that needs only the scheme never opens the
ledger. Outside a campaign, a session still gives the scheme: the one named, or the
built-in one. Inputs with errors stop here with the problems found (`InputError`), so
that no stage works from a roster it cannot trust.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import cached_property
from pathlib import Path
from types import TracebackType

from excelcert.base.files import exclusive
from excelcert.base.ledger import Ledger
from excelcert.base.problems import Report
from excelcert.campaign.config import Campaign, CampaignError, find_campaign_root, open_campaign, read_key
from excelcert.campaign.reviewers import Reviewer, ReviewersResult, read_reviewers
from excelcert.campaign.roster import Cluster, read_roster
from excelcert.register.config import Register, find_register_root, read_register, register_of
from excelcert.register.store import RegisterError, RegisterStore
from excelcert.scheme import Scheme, load_scheme


class InputError(CampaignError):
    """A campaign input (roster, reviewers roster) with errors: nothing can be done from it."""

    def __init__(self, message: str, report: Report):
        super().__init__(message)
        self.report = report


class UnknownClusters(CampaignError):
    """Cluster ids asked for that the roster does not hold."""

    def __init__(self, ids: list[str]):
        super().__init__(f"not in the roster: {', '.join(ids)}")
        self.ids = ids


class Session:
    """One campaign (the folder given, else the one the current folder is in), opened lazily.

    Use it as a context manager: the ledger, if it was opened, is closed at the end."""

    def __init__(self, root: Path | None = None, *, register: Path | None = None, cwd: Path | None = None):
        self.given_root = root
        self.given_register = register
        self.cwd = cwd or Path.cwd()
        self._ledger: Ledger | None = None
        self._register_store: RegisterStore | None = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None
        if self._register_store is not None:
            self._register_store.close()
            self._register_store = None

    # --- the campaign and its inputs -----------------------------------------------------

    @property
    def in_campaign(self) -> bool:
        """Whether there is a campaign: one given, or one the current folder is in."""
        return self.given_root is not None or find_campaign_root(self.cwd) is not None

    @cached_property
    def campaign(self) -> Campaign:
        return open_campaign(self.given_root)

    def scheme_path(self, given: Path | None = None) -> Path | None:
        """The scheme to use: the one given, else the campaign's, else the built-in one (None)."""
        if given is not None:
            return given
        return self.campaign.scheme_path if self.in_campaign else None

    @cached_property
    def scheme(self) -> Scheme:
        """The campaign's scheme (checked against the one it was created with), or outside a
        campaign the built-in one."""
        return self.campaign.load_scheme() if self.in_campaign else load_scheme(None)

    def roster_languages(self) -> tuple[str, ...]:
        """The languages a roster may give clusters: those of the campaign's scheme file (as it
        is now), or of the built-in scheme outside a campaign."""
        return load_scheme(self.scheme_path()).languages

    @cached_property
    def clusters(self) -> list[Cluster]:
        """The clusters of the campaign's roster; InputError if the roster has errors."""
        roster = read_roster(self.campaign.roster_path, self.scheme.languages)
        if not roster.report.ok:
            raise InputError(
                f"the roster {self.campaign.roster_path} has {_count(len(roster.report.errors), 'error')}; "
                "nothing was done. Fix them (excelcert roster check) and run again.",
                roster.report,
            )
        return roster.clusters

    def clusters_named(self, ids: tuple[str, ...] | list[str] = ()) -> list[Cluster]:
        """The clusters with these ids, in the order given (all of the roster when none is
        given); UnknownClusters names the ids the roster does not hold."""
        if not ids:
            return self.clusters
        known = {c.id: c for c in self.clusters}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise UnknownClusters(unknown)
        return [known[i] for i in dict.fromkeys(ids)]

    @cached_property
    def reviewers(self) -> list[Reviewer]:
        """The reviewers of the campaign's reviewers roster; InputError if it has errors."""
        path = self.campaign.reviewers_path
        found = self.reviewers_read
        if not found.report.ok:
            raise InputError(
                f"the reviewers roster {path} has {_count(len(found.report.errors), 'error')}; "
                "nothing was done. Fix them (excelcert reviewers check) and run again.",
                found.report,
            )
        return found.reviewers

    @cached_property
    def reviewers_read(self) -> ReviewersResult:
        """The campaign's reviewers roster as read: its well-formed rows and its problems
        (read once per session, whoever asks)."""
        return read_reviewers(self.campaign.reviewers_path)

    @cached_property
    def reviewer_ids(self) -> set[str]:
        """The reviewers a review may come from: every well-formed row of the reviewers roster
        (none when the campaign has no reviewers roster)."""
        if not self.campaign.reviewers_file:
            return set()
        return {r.id for r in self.reviewers_read.reviewers}

    @cached_property
    def key(self) -> bytes:
        """The campaign's secret key, which signs and verifies its workbooks and certificates."""
        return read_key(self.campaign)

    def writing(self, what: str) -> AbstractContextManager[None]:
        """The campaign's write lock, held while a command writes its ledger (Busy if another holds it)."""
        return exclusive(self.campaign.root, what)

    @property
    def ledger(self) -> Ledger:
        """The campaign's ledger, opened on first use and closed with the session."""
        if self._ledger is None:
            self._ledger = Ledger.for_campaign(self.campaign.root)
        return self._ledger

    # --- the register -------------------------------------------------------------------

    @cached_property
    def register(self) -> Register | None:
        """The register: the one given, else the campaign's, else the nearest one from the
        current folder upward; None when there is none."""
        if self.given_register is not None:
            return read_register(self.given_register)
        if self.in_campaign:
            return register_of(self.campaign)
        found = find_register_root(self.cwd)
        return read_register(found) if found is not None else None

    @property
    def register_store(self) -> RegisterStore:
        """The register's database (RegisterError when there is no register)."""
        if self._register_store is None:
            register = self.register
            if register is None:
                raise RegisterError(
                    "no register here: neither this folder nor any folder above it holds register.yaml, "
                    "and the campaign names none. Create one with `excelcert register init DIR`, or give "
                    "--register DIR."
                )
            self._register_store = register.open()
        return self._register_store


def _count(n: int, noun: str) -> str:
    return f"{'no' if n == 0 else n} {noun}{'' if n == 1 else 's'}"

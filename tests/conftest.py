"""Fixtures shared by the test modules.

    campaign          a fresh campaign in tmp_path/camp (built-in scheme, example roster and
                      reviewers, made on TODAY): a test may change it
    shared_campaign   one such campaign for the whole session, for tests that only read it
                      (they build workbooks from it into their own tmp_path)
    demo              the demo campaign (`excelcert demo`: every stage, from workbooks to
                      certificates), built once per session, for tests that only read it
    demo_copy         a copy of it in tmp_path, for tests that import, certify, assign ...

The demo is checked at the end of the session: a test that changed it (a file written,
the ledger touched) makes the session fail with the names of the files, since the tests
after it would see its changes. Such a test takes `demo_copy`.

The demo can be copied: its campaign.yaml names files relative to the campaign folder,
and the only absolute paths it keeps (in the ledger, the names of the files as they were
imported) are shown, never opened again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pytest

from excelcert.campaign.config import Campaign, init_campaign

TODAY = dt.date(2026, 11, 27)


@pytest.fixture
def campaign(tmp_path: Path) -> Campaign:
    """A fresh campaign of its own, made on TODAY."""
    return init_campaign(tmp_path / "camp", today=TODAY)


@pytest.fixture(scope="session")
def shared_campaign(tmp_path_factory: pytest.TempPathFactory) -> Campaign:
    """A campaign made once for the session: for tests that only read it."""
    return init_campaign(tmp_path_factory.mktemp("shared") / "camp", today=TODAY)


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory):
    """The demo campaign's folder, built once (one job, made on TODAY). Read it only."""
    from excelcert.demo.run import run_demo

    root = tmp_path_factory.mktemp("demo") / "demo"
    run_demo(root, jobs=1, today=TODAY)
    before = _digests(root)
    yield root
    after = _digests(root)
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    assert not changed, (
        f"a test changed the shared demo campaign ({', '.join(changed)}); a test that changes it takes `demo_copy`"
    )


@pytest.fixture
def demo_copy(demo: Path, tmp_path: Path) -> Path:
    """A copy of the demo campaign of its own, to import into, certify, assign ..."""
    return Path(shutil.copytree(demo, tmp_path / "demo"))

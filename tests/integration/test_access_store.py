"""The access store's contract over the fake and the SQLite adapter."""

from __future__ import annotations

from pathlib import Path

import pytest

from billify.adapters.local.sqlite_access import SqliteAccessStore
from billify.ports import AccessStore
from tests.contracts.access_store import AccessStoreContract
from tests.fakes import FakeAccessStore


@pytest.fixture(params=["fake", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> AccessStore:
    if request.param == "fake":
        return FakeAccessStore()
    return SqliteAccessStore(tmp_path / "billify.sqlite3")


class TestAccessStore(AccessStoreContract):
    pass


def test_sqlite_sessions_survive_a_restart(tmp_path: Path) -> None:
    from tests.contracts.access_store import NOW, session

    SqliteAccessStore(tmp_path / "db.sqlite3").add_session(session())
    assert SqliteAccessStore(tmp_path / "db.sqlite3").session("b" * 64, NOW) == session()

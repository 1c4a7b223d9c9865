"""Fixtures only (helpers live in tests/support). Every test runs isolated: its own HOME,
config dir and working folder, no CITYCHAN_* variables and no secrets from the real
environment, and a clock that reads a working-day morning whatever the hour of the run (quiet
hours and the daily cap depend on it). The real servers (Synapse, SMTP) are fixtures here too,
so one Synapse serves the whole session."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.clock import Clock
from tests.support.config import MakeConfig, Table, write_config
from tests.support.files import CAP_XSD, NOTICE, NOTICE_HSB, write
from tests.support.postgres import PASSWORD, PASSWORD_ENV, PostgresServer, start_postgres, why_not
from tests.support.servers import SmtpServer, SynapseServer, running_smtp, start_synapse

pytest_plugins = ["tests.support.integration"]  # servers refuse to start in unmarked tests


@pytest.fixture(autouse=True)
def no_settling(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mastodon waits 5 s after an unclear answer before it looks; tests need not."""
    monkeypatch.setattr("citychan.channels.mastodon.MastodonChannel.settle", 0.0)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr("citychan.clock.now", fake)
    return fake


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    for key in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):  # English unless a test asks
        monkeypatch.delenv(key, raising=False)
    for key in list(os.environ):
        if key.startswith("CITYCHAN_") or key.endswith(("_TOKEN", "_PASSWORD", "_SECRET")):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def make_config(isolated: Path) -> MakeConfig:
    """Writes citychan.toml (or ``name``) in the working folder from tables given as dicts:
    ``make_config(channels={"outbox": OUTBOX}, alerts=ALERTS, rules={"info": {...}})``."""

    def make(*, name: str = "citychan.toml", channels: dict[str, Table] | None = None,
             version: int | None = 1, **sections: Table) -> Path:
        return write_config(isolated / name, channels=channels, version=version, **sections)

    return make


@pytest.fixture
def notice(isolated: Path) -> Path:
    write(isolated / "notice.hsb.md", NOTICE_HSB)
    return write(isolated / "notice.md", NOTICE)


@pytest.fixture(scope="session")
def cap_schema() -> Any:
    """The official CAP 1.2 schema (tests/support/data)."""
    import xmlschema

    return xmlschema.XMLSchema(str(CAP_XSD))


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SynapseServer]:
    """One real Synapse for the whole test session, stopped at the end."""
    server = start_synapse(tmp_path_factory.mktemp("synapse"))
    print(f"\nSynapse ready at {server.base_url} in {server.startup_seconds:.1f}s",
          file=sys.stderr)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1, plain, AUTH required."""
    with running_smtp() as server:
        yield server


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One real PostgreSQL server for the whole session (skipped without one here)."""
    reason = why_not()
    if reason is not None:
        pytest.skip(reason)
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(postgres: PostgresServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new empty database as a store URL; its password in CITYCHAN_DB_PASSWORD."""
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    return postgres.fresh_url()

"""Every test that starts a real server (the loopback fault server, aiosmtpd, Synapse) carries
``@pytest.mark.integration``, so ``pytest -m "not integration"`` is a quick run without
sockets or server processes. Each server calls ``require_marker`` as it starts; the hook
below tells it which test is being set up, before any of its fixtures run. Loaded by
tests/conftest.py as a plugin."""

from __future__ import annotations

import pytest

# fixtures that hand a test a running server (a session-wide one may already be up)
SERVER_FIXTURES = {"synapse": "Synapse", "smtp_server": "an SMTP server",
                   "browser": "Chromium", "sftp_server": "an SFTP server",
                   "webdav_server": "a WebDAV server", "postgres": "PostgreSQL",
                   "pg_url": "PostgreSQL"}
_current: list[pytest.Item | None] = [None]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _current[0] = item
    for name in sorted(SERVER_FIXTURES.keys() & set(getattr(item, "fixturenames", ()))):
        require_marker(SERVER_FIXTURES[name])


def require_marker(server: str) -> None:
    """Fail the running test if it starts ``server`` without the integration marker."""
    item = _current[0]
    if item is not None and item.get_closest_marker("integration") is None:
        pytest.fail(f"{item.nodeid} starts {server} but is not marked "
                    "@pytest.mark.integration", pytrace=False)

"""The integration marker guard: a test that starts a real server without the marker fails,
so `pytest -m "not integration"` never opens a socket by accident."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.support import integration
from tests.support.fault_server import FaultServer, Ok


def test_an_unmarked_test_cannot_start_a_server() -> None:
    with pytest.raises(pytest.fail.Exception, match="not marked @pytest.mark.integration"):
        FaultServer([Ok()])


@pytest.mark.integration
def test_a_marked_test_can() -> None:
    with FaultServer([Ok({"id": "1"})]) as server:
        assert server.url.startswith("http://127.0.0.1:")


@dataclass
class _Item:
    fixturenames: list[str]
    nodeid: str = "tests/x.py::test_x"
    markers: dict[str, object] = field(default_factory=dict)

    def get_closest_marker(self, name: str) -> object:
        return self.markers.get(name)


def test_asking_for_a_running_server_fixture_needs_the_marker_too(
        request: pytest.FixtureRequest) -> None:
    """The session's Synapse may already be up: asking for it counts as starting it."""
    try:
        for name, server in integration.SERVER_FIXTURES.items():
            with pytest.raises(pytest.fail.Exception, match=f"starts {server} but is not"):
                integration.pytest_runtest_setup(_Item(["isolated", name]))  # type: ignore[arg-type]
            marked = _Item([name], markers={"integration": object()})
            integration.pytest_runtest_setup(marked)  # type: ignore[arg-type]
    finally:
        integration.pytest_runtest_setup(request.node)

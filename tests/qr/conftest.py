"""Fixtures of the qr command tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.qr import write_config


@pytest.fixture
def config(isolated: Path) -> str:
    """A citychan.toml with the subscription URL and links, as the --config argument."""
    return str(write_config(isolated))

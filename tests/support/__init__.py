"""What tests share: servers on loopback, the CLI runner, sample notices and config, decoders.

Test modules import from here (``from tests.support.cli import cli``); ``tests/conftest.py``
holds only fixtures and builds them from these pieces."""

"""The facade of issue 11: `api.warnings.preview` is the dry run of `warn FILE`, and
`api.warnings.load` keeps a broken channel table so that it fails alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from citychan.api import warnings
from citychan.errors import ConfigError
from tests.support.config import ALERTS_TABLE, OUTBOX, MakeConfig

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "warnung-hochwasser.md"


def test_preview_is_the_dry_run_of_warn(make_config: MakeConfig) -> None:
    path = make_config(alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})
    config = warnings.load(path)
    report = warnings.preview(EXAMPLE, config)
    dry = warnings.new(warnings.WarnInput(file=EXAMPLE), config, dry_run=True)
    assert report.dry_run and report.preview is not None and dry.preview is not None
    assert report.preview.targets == dry.preview.targets
    assert report.preview.cap.langs == ("de", "hsb") and report.preview.channels == ("outbox",)
    assert not config.store_path.exists()


def test_load_keeps_a_broken_table_with_its_problem(make_config: MakeConfig) -> None:
    from citychan import api

    path = make_config(channels={"outbox": OUTBOX, "tg": {"type": "telegram", "chat": "@x"}})
    tg = warnings.load(path).channels["tg"]
    assert tg.problem is not None and "unknown key 'chat'" in tg.problem
    with pytest.raises(ConfigError, match="unknown key 'chat'"):
        api.load(path)  # an info command refuses it, as before

"""The feed's pages in a real browser: Debian's Chromium (/usr/bin/chromium, package
``chromium``), driven by Playwright with that executable (no browser download), headless and
offline, with a fresh profile. axe-core (vendored in tests/support/data/axe-core, see its
VERSION file) judges the pages against WCAG 2.1 AA. Also builds a realistic feed folder from
the example notices through the real planner, as `citychan post` would."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.integration import require_marker

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).parent / "data" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "browser"  # git-ignored; CI keeps it
WIDTHS = (360, 1280)
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_path() -> str | None:
    """Debian's Chromium, or None when it is not installed (the tests are skipped then)."""
    chosen = os.environ.get("CITYCHAN_TEST_CHROMIUM")  # another build, or a missing one
    if chosen is not None:
        return chosen if Path(chosen).is_file() else None
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


@dataclass
class Browser:
    """One Chromium for the session; every page opened on it is closed after use."""

    context: Any

    @contextmanager
    def open(self, url: str, width: int) -> Iterator[Any]:
        page = self.context.new_page()
        try:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(url, wait_until="load")
            yield page
        finally:
            page.close()


@contextmanager
def chromium(profile: Path) -> Iterator[Browser]:
    """Start Chromium once, headless, offline, with the fresh profile folder ``profile``."""
    from playwright.sync_api import sync_playwright

    require_marker("Chromium")
    executable = chromium_path()
    assert executable, "no Chromium: the caller skips first"
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=executable, headless=True,
            args=CHROMIUM_FLAGS, offline=True,
        )
        try:
            yield Browser(context)
        finally:
            context.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations of WCAG 2.1 A and AA on the open page."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_21_AA,
    )
    return list(result["violations"])


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']} at "
                     + ", ".join(n["target"][0] for n in v["nodes"][:3]) for v in violations)


def overflow(page: Any) -> tuple[int, int]:
    """(scrollWidth, innerWidth): the page overflows sideways when the first is larger."""
    return tuple(page.evaluate(  # type: ignore[return-value]
        "() => [document.scrollingElement.scrollWidth, window.innerWidth]"))


# --- a realistic feed folder ------------------------------------------------------------

WARNING_NOTICE = """---
title: "Unwetterwarnung: Sturmböen im Stadtgebiet"
kind: warning
summary: Sturmböen bis 90 km/h bis heute 22 Uhr.
link: https://www.bautzen.de/warnungen/sturm
---
Der Deutsche Wetterdienst warnt vor **Sturmböen bis 90 km/h**. Meiden Sie Parks und den
Friedhof Taucherkirchhof; sichern Sie lose Gegenstände auf Balkonen.
"""


def build_feed(work: Path) -> Path:
    """Post every example notice (the bilingual one too) and one warning to a feed channel in
    ``work``, through the real planner; returns the feed folder."""
    from datetime import UTC, datetime, timedelta

    from citychan.channels.feed import FeedChannel
    from citychan.config import load_config
    from citychan.delivery.clients import open_channels
    from citychan.delivery.posts import make_post
    from citychan.kinds import Kind
    from citychan.notices.message import load_message
    from citychan.notices.plan import plan

    examples = work / "examples"
    shutil.copytree(ROOT / "examples", examples, dirs_exist_ok=True)
    (examples / "sturm.md").write_text(WARNING_NOTICE, encoding="utf-8")
    (work / "citychan.toml").write_text(
        'version = 1\n[channels.feed]\ntype = "feed"\ntitle = "Stadt Bautzen – Aktuelles"\n'
        'public_url = "https://www.bautzen.de/aktuelles"\npath = "feed"\n', encoding="utf-8")
    config = load_config(work / "citychan.toml")
    chosen = list(config.channels.values())
    files = ["buergerbuero.md", "spielplatz.md", "stadtfest.md", "stadtrat-bericht.md",
             "wertstoffhof.md", "strassensperrung.md", "sturm.md"]
    start = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    with open_channels(config, chosen, offline=True, env={}) as channels:
        feed = FeedChannel.from_config("feed", chosen[0].options, _ctx(work))
        for i, name in enumerate(files):
            message = load_message(examples / name, ("de", "hsb"))
            p = plan(config, message, channels, chosen, now=None)
            post = make_post(p, p.targets[0], f"k{i}", start + timedelta(hours=i), None,
                             cap_file="sturm.cap.xml" if message.kind is Kind.WARNING else None)
            feed.send(post)
    return feed.path


def _ctx(work: Path) -> Any:
    from citychan.channels.base import ChannelContext

    return ChannelContext(env={}, base_dir=work)

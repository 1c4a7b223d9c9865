"""The feed's pages as citizens get them: opened in headless Chromium at a phone's and a
desktop's width (screenshots kept in test-artifacts/browser/), nothing wider than the
screen, and no WCAG 2.1 AA violation that axe-core finds. Every HTML file the feed folder
holds is checked, whatever pages the feed writes. Without Chromium on the machine these
tests are skipped, and the summary says so (-ra)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import (
    ARTIFACTS,
    WIDTHS,
    Browser,
    axe_violations,
    build_feed,
    chromium,
    chromium_path,
    describe,
    overflow,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(chromium_path() is None,
                       reason="browser tests skipped: no Chromium on this machine "
                              "(apt-get install chromium; .ci/run does)"),
]


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """One Chromium for the whole session, with a fresh profile."""
    started = time.monotonic()
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as b:
        print(f"\nChromium started in {time.monotonic() - started:.1f} s")
        yield b


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_feed(tmp_path_factory.mktemp("site"))


def pages(site: Path) -> list[Path]:
    found = sorted(site.rglob("*.html"))
    assert found, f"the feed wrote no page in {site}"
    return found


def test_every_page_has_no_wcag_21_aa_violation(browser: Browser, site: Path) -> None:
    for page_file in pages(site):
        for width in WIDTHS:
            with browser.open(page_file.as_uri(), width) as page:
                violations = axe_violations(page)
            assert not violations, f"{page_file.name} at {width} px:\n{describe(violations)}"


def test_nothing_overflows_sideways_on_a_phone_or_a_desktop(browser: Browser, site: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for page_file in pages(site):
        rel = page_file.relative_to(site).with_suffix("").as_posix().replace("/", "_")
        for width in WIDTHS:
            with browser.open(page_file.as_uri(), width) as page:
                shot = ARTIFACTS / f"{rel}-{width}.png"
                page.screenshot(path=str(shot), full_page=True)
                scroll_width, inner_width = overflow(page)
            assert shot.stat().st_size > 1000
            assert scroll_width <= inner_width, (
                f"{page_file.name} at {width} px is {scroll_width} px wide (see {shot})")


def test_the_page_shows_every_entry_with_its_language(browser: Browser, site: Path) -> None:
    """What the browser reads, not what the file says: each entry is there, Sorbian text is
    marked as Sorbian (screen readers switch voice), the warning is labelled in words."""
    with browser.open((site / "index.html").as_uri(), 360) as page:
        titles = page.locator("article > h2").all_inner_texts()
        sorbian = page.locator('[lang="hsb"]').count()
        warning = page.locator("article", has_text="Sturmböen").inner_text()
    assert len(titles) == 7
    assert any("Töpferstraße" in t for t in titles)
    assert sorbian >= 1
    assert "Warnmeldung" in warning


def test_axe_finds_a_violation_where_there_is_one(browser: Browser, tmp_path: Path) -> None:
    """The check itself works: a page with an image without alt text and grey-on-white text
    fails it (else the test above could never fail)."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!doctype html><html lang="de"><head><title>x</title></head><body><main>'
                   '<img src="a.png"><p style="color:#ccc">kaum lesbar</p></main></body></html>',
                   encoding="utf-8")
    with browser.open(bad.as_uri(), 1280) as page:
        found = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "color-contrast"} <= found

"""The poster's row of smaller codes for the other channels' join links: which links may
go there, how big their codes are, and what the warnings say when some are left out."""

from __future__ import annotations

from citychan.config import Config
from citychan.errors import UsageError
from citychan.links import clean_url
from citychan.qr.encode import MIN_SIZE_MM, check_link, encode, plan
from citychan.qr.poster import SmallCode, max_small_codes, small_code_mm
from citychan.qr.texts import link_label
from citychan.qr.units import format_mm

# A side code is planned at most 4/5 as wide as the main code (plus the rounding up to whole
# 300-DPI dots, under 10 %), so that readers see at a glance which code is the one to scan.
SIDE_SHARE = 0.8
LARGER_PAPER = {"a6": "use --paper a5 or larger", "a5": "use --paper a4"}


def other_codes(config: Config, paper: str, main_url: str, main_mm: float,
                warnings: list[str]) -> list[SmallCode]:
    """Smaller codes for the other channels' join links. A link that cannot go on the
    poster is named in a warning and left out; the rest still go."""
    size_mm = min(small_code_mm(paper), main_mm * SIDE_SHARE)
    links = {name: url.strip() for name, url in config.subscribe.links.items()
             if clean_url(url.strip())[0] != main_url}
    if links and size_mm < MIN_SIZE_MM - 1e-9:
        labels = ", ".join(link_label(name) for name in links)
        warnings.append(f"the codes for {labels} would be as large as the "
                        f"{format_mm(main_mm)} main code; left out (a --size of "
                        f"{format_mm(MIN_SIZE_MM / SIDE_SHARE)} or more keeps them)")
        return []
    return [code for name, url in links.items()
            if (code := _small_code(name, url, size_mm, warnings)) is not None]


def one_row(codes: list[SmallCode], paper: str, warnings: list[str]) -> list[SmallCode]:
    """As many codes as fit side by side on ``paper``."""
    if not codes:
        return []
    fit = max_small_codes(paper, max(c.geometry.total_mm for c in codes))
    if len(codes) > fit:
        dropped = ", ".join(c.label for c in codes[fit:])
        warnings.append(f"only {fit} other channels fit on {paper.upper()}; left out: {dropped}")
    return codes[:fit]


def _small_code(name: str, url: str, size_mm: float, warnings: list[str]) -> SmallCode | None:
    where = f"[subscribe.links] {name}"
    if not url.lower().startswith(("https://", "mailto:")):
        warnings.append(f"{where}: {url!r} is not https; left off the poster")
        return None
    try:
        url = check_link(url, where)  # utm_* left out, as in the main code
        small = encode(url, "M")
    except UsageError as exc:
        named = exc.message if exc.message.startswith(where) else f"{where}: {exc.message}"
        warnings.append(f"{named}; left off the poster")
        return None
    return SmallCode(link_label(name), url, small, plan(small.modules, size_mm))


def row_left_out(labels: list[str], paper: str, size_given: bool, languages: int) -> str:
    """The warning when the whole row gives way to the main code, with a hint that helps on
    this paper (A4 is the largest there is)."""
    hint = LARGER_PAPER.get(paper)
    if hint is None:
        hint = "A4 is the largest paper" + (
            "; a smaller --size makes room" if size_given
            else "; fewer [city] languages make room" if languages > 1 else "")
    return (f"the codes for {', '.join(labels)} do not fit on {paper.upper()} beside the "
            f"main code; left out ({hint})")

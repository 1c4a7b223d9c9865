"""The rules: pure functions from a message (and its renderings, the channels' capabilities
and the posting policy) to findings. Errors block sending; warnings do not."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from citychan.channels.base import Capabilities
from citychan.config import CityConfig, InfoRules
from citychan.findings import Finding, error, warning
from citychan.i18n import N_
from citychan.kinds import Kind
from citychan.links import clean_url, domain_allowed, link_problem
from citychan.notices.fmt import date_list_items, escape_number
from citychan.notices.message import Message
from citychan.render.notice import message_links
from citychan.render.types import Length, LengthUnit

# No crying wolf: an info post must not sound like a danger warning. German joins words: the
# last part of a compound names what it is, the parts before only say which one. So
# "Hochwassergefahr" and "Feueralarm" are a danger and an alarm, but "Gefahrstoffsammlung"
# is a collection, "Alarmübung" an exercise and "Feueralarm-Probe" a test. A word sounds like
# a warning when its last part is one of these (with a plural or genitive ending).
WARNING_HEADS = re.compile(r"(?:warnung|gefahr|alarm|evakuierung)(?:en|es|e|s|n)?$")
# ... except these whole words: a police caution is no danger warning
NOT_WARNINGS = frozenset({"verwarnung", "verwarnungen"})
WARNING_EMOJI = ("⚠", "🚨", "❗", "‼", "🔴", "🆘", "☢", "☣", "⛔", "🔥")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def warning_words(title: str) -> list[str]:
    """The words of a title that make it sound like a danger warning (``Unwetterwarnung``,
    ``Gefahr``, ``Feueralarm``, not ``Gefahrstoffsammlung`` or ``Alarmübung``), and the
    warning emoji in it."""
    found = [word for word in _WORD.findall(title) if _sounds_like_warning(word)]
    return found + [e for e in WARNING_EMOJI if e in title]


def _sounds_like_warning(word: str) -> bool:
    head = word.rsplit("-", 1)[-1]
    low = head.casefold()
    if low in NOT_WARNINGS or WARNING_HEADS.search(low) is None:
        return False
    # "gefahren" in lower case is the verb (fahren: "umgefahren"), the noun is capitalised
    return not (low.endswith("gefahren") and head[0].islower())


def title_findings(message: Message) -> list[Finding]:
    """CC201 for an info post whose title sounds like a warning; with ``not_a_warning:``
    in the front matter, the reason given instead (CC206, recorded with the post)."""
    reason = message.not_a_warning
    out: list[Finding] = []
    for doc in message.docs:
        hits = warning_words(doc.title)
        if hits and reason:
            out.append(warning("CC206", f"info post title sounds like a warning "
                               f"({', '.join(hits)}): {doc.title!r}; not a warning: {reason}"))
        elif hits:
            out.append(error(
                "CC201",
                f"info post title sounds like a warning ({', '.join(hits)}): {doc.title!r}",
                hint="use 'citychan warn' for danger warnings, or reword the title, or say "
                     "why it is none: not_a_warning: \"…\" in the front matter (recorded)"))
    if "not_a_warning" in message.meta and reason is None:
        out.append(error("CC002", "not_a_warning: give the reason in words",
                         hint='not_a_warning: "a collection of hazardous waste, no danger"'))
    elif reason and not out:
        out.append(warning("CC002", f"not_a_warning is set, but no title sounds like a "
                           f"warning: {reason!r}", hint="remove not_a_warning"))
    return out


def date_list_findings(message: Message) -> list[Finding]:
    """CC205: a line that starts with a date (``24. November``, also after ``- ``) is a
    numbered list to Markdown: indented, and a second date under it is numbered on from
    the first (``8. Dezember`` shown as ``25.``); an error when a date would change."""
    out: list[Finding] = []
    for doc in message.docs:
        for item in date_list_items(doc.body):
            where = f"{doc.path.name}, line {doc.body_line + item.line}"
            fix = escape_number(item.text, item.number).strip()
            hint = f"escape the dot: {fix}   (citychan fmt {doc.path.name} does it)"
            if item.shown != item.number:
                out.append(error("CC205", f"{where}: {item.text.strip()!r} is read as item "
                                 f"{item.shown} of a numbered list: it would show "
                                 f"'{item.shown}.' instead of '{item.number}.'", hint=hint))
            else:
                out.append(warning("CC205", f"{where}: {item.text.strip()!r} is read as a "
                                   f"numbered list starting at {item.number}", hint=hint))
    return out


def message_findings(message: Message, city: CityConfig) -> list[Finding]:
    """Rules that do not depend on a channel."""
    out = list(message.findings)
    if message.kind == Kind.INFO:
        out += title_findings(message)
        if city.default_language not in message.langs:
            out.append(
                error(
                    "CC003",
                    f"missing the default language '{city.default_language}'",
                    hint=f"add lang: {city.default_language} or a sibling file",
                )
            )
    out += date_list_findings(message)
    if message.image is not None:
        if not message.image.is_file():
            out.append(error("CC005", f"image not found: {message.image}"))
        else:
            out += image_findings(message.image)
        for doc in message.docs:
            if not (doc.image_alt or "").strip():
                out.append(
                    error(
                        "CC004",
                        f"{doc.path.name}: image without image_alt",
                        hint="describe the image for people who cannot see it",
                    )
                )
    out += link_findings(message_links(message), city.allowed_domains)
    return out


_IMAGE_MAGIC = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG", b"GIF87a": "GIF",
                b"GIF89a": "GIF"}


def image_findings(path: Path) -> list[Finding]:
    """An image every channel can show: PNG, JPEG, GIF or WebP. Its size is judged per
    channel (:func:`image_target_findings`): some draw it anew, some send the file."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        return [error("CC005", f"cannot read the image {path.name}: {exc.strerror or exc}")]
    webp = head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if not webp and not any(head.startswith(sig) for sig in _IMAGE_MAGIC):
        return [error("CC006", f"{path.name} is not a PNG, JPEG, GIF or WebP image",
                      hint="export the picture as PNG or JPEG")]
    return []


def image_target_findings(path: Path, targets: Iterable[tuple[str, Capabilities]]
                          ) -> list[Finding]:
    """CC006 for each channel (name, capabilities) that cannot take the picture: one that
    sends the file itself (Telegram, Mastodon, Signal) when it is over the channel's
    ``image_max_bytes``; one that draws it anew (WhatsApp's JPEG within 5 MB, the feed's
    scaled copies) only when the picture cannot be read, whatever its size. A channel
    without images does not carry it."""
    out: list[Finding] = []
    size = path.stat().st_size
    unreadable: list[str] = []  # read once, for the first channel that draws it anew
    for name, caps in targets:
        if not caps.images:
            continue
        if caps.image_redrawn:
            if not unreadable:
                unreadable.append(_why_unreadable(path))
            if unreadable[0]:
                out.append(error("CC006", N_(
                    "{file} cannot be read as a picture ({why}); {channel} draws it anew "
                    "and would fail").format(file=path.name, why=unreadable[0], channel=name),
                    channel=name, hint=N_("export the picture again as PNG or JPEG")))
        elif caps.image_max_bytes is not None and size > caps.image_max_bytes:
            out.append(error("CC006", N_(
                "{file} is {size} MB; {channel} sends the file itself and takes at most "
                "{limit} MB").format(file=path.name, size=f"{size / 1048576:.1f}",
                                     channel=name, limit=f"{caps.image_max_bytes / 1048576:g}"),
                channel=name, hint=N_("save it smaller (e.g. 1600 px wide, JPEG), or post "
                                      "without {channel}").format(channel=name)))
    return out


def _why_unreadable(path: Path) -> str:
    """Why Pillow cannot read the picture as the channels that draw it anew do; "" if it
    can (Pillow is imported only here: a message without a picture never pays for it)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as picture:
            picture.draft("RGB", (picture.width // 8 or 1, picture.height // 8 or 1))
            picture.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        return str(exc).replace(str(path), path.name) or type(exc).__name__
    return ""


def link_findings(links: Iterable[str], allowed: tuple[str, ...]) -> list[Finding]:
    out: list[Finding] = []
    for url in dict.fromkeys(links):
        problem = link_problem(url)
        if problem:
            out.append(error("CC204", f"not a usable link ({problem}): {url!r}",
                             hint="use a full https:// URL without spaces or user names"))
            continue
        if url.lower().startswith("http://"):
            out.append(warning("CC204", f"link without https: {url}"))
        if not domain_allowed(url, allowed):
            out.append(
                error(
                    "CC202",
                    f"link to a domain not on the allow-list: {url}",
                    hint="add the domain to [city] allowed_domains or remove the link",
                )
            )
        cleaned, removed = clean_url(url)
        if removed:
            out.append(
                warning("CC203", N_("tracking parameters removed ({names}): {url}").format(
                    names=", ".join(removed), url=cleaned))
            )
    return out


def length_findings(channel: str, length: Length) -> list[Finding]:
    """Too long for the channel? Judged on the length the plan measured once for the
    rendered text (the same figure preview shows), never truncated."""
    if not length.over:
        return []
    unit = "bytes" if length.unit == LengthUnit.BYTES else "characters"
    what = "caption" if length.caption else "text"
    return [
        error(
            "CC101",
            f"{what} is {length.size} {unit}, the channel allows {length.limit}",
            channel=channel,
            hint="shorten it, or add 'summary:' and 'link:' for small channels",
        )
    ]


def in_quiet_hours(now: time, window: tuple[time, time]) -> bool:
    start, end = window
    if start <= end:
        return start <= now < end
    return now >= start or now < end  # the window spans midnight


def policy_findings(
    kind: Kind, now: datetime, rules: InfoRules, sent_today: int, force: bool
) -> list[Finding]:
    """Quiet hours and the daily cap apply to info posts only; --force overrides, recorded."""
    if kind != Kind.INFO:
        return []
    out: list[Finding] = []
    if rules.quiet_hours and in_quiet_hours(now.time(), rules.quiet_hours):
        a, b = (t.strftime("%H:%M") for t in rules.quiet_hours)
        out.append(
            error(
                "CC301",
                f"quiet hours {a}-{b}: no info posts now ({now:%H:%M})",
                hint="post later, or use --force (recorded)",
            )
        )
    if rules.max_per_day is not None and sent_today >= rules.max_per_day:
        out.append(
            error(
                "CC302",
                f"daily cap reached: {sent_today} of {rules.max_per_day} info posts today",
                hint="post tomorrow, or use --force (recorded)",
            )
        )
    if force and out:
        return [warning("CC303", f"forced past: {f.message}") for f in out]
    return out


# A near-duplicate: another notice with the same title once case, Unicode forms, punctuation,
# spacing and every date or time of day in it are set aside (a corrected date: "vom 7. bis
# 18. Dezember" / "vom 8. bis 18. Dezember"), or a typo fixed in up to two words (each word
# of four letters or more, still 80 % alike). Other numbers and short words must agree:
# "Abschnitt 1" and "Abschnitt 2", "Sperrung A" and "Sperrung B" are two notices.
NEAR_DUPLICATE_WINDOW = timedelta(hours=24)
NEAR_DUPLICATE_RATIO = 0.8  # how alike a word with a fixed typo stays
NEAR_DUPLICATE_WORDS = 2  # at most this many words fixed
_MONTHS = ("januar|februar|märz|maerz|april|mai|juni|juli|august|september|oktober|november|"
           "dezember|jan|feb|mär|apr|jun|jul|aug|sept|sep|okt|nov|dez")
_DATES = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}"  # 2026-12-07
    r"|\d{1,2}\.\s*\d{1,2}\.(?:\s*\d{2,4}(?!\d))?"  # 7.12. / 07.12.2026
    rf"|\d{{1,2}}\.?\s*(?:{_MONTHS})\b(?:\s*\d{{4}})?"  # 7. Dezember 2026
    r"|\d{1,2}\.(?!\d)"  # an ordinal: "vom 7. bis"
    r"|\d{1,2}[:.]\d{2}(?:\s*uhr\b)?|\d{1,2}\s*uhr\b")  # 07:00, 7 Uhr
_NOT_WORD = re.compile(r"[\W_]+")


def normalised_title(title: str) -> str:
    """The title as compared: NFKC, case-folded, each date or time of day as ``#``,
    punctuation and runs of space as one space."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    return _NOT_WORD.sub(" ", _DATES.sub(" # ", folded).replace("#", "datum")).strip()


def nearly_same_title(a: str, b: str) -> bool:
    """Whether two titles name the same notice (see NEAR_DUPLICATE_RATIO)."""
    wa, wb = normalised_title(a).split(), normalised_title(b).split()
    if not wa or len(wa) != len(wb):
        return False
    changed = [(x, y) for x, y in zip(wa, wb, strict=True) if x != y]
    return len(changed) <= NEAR_DUPLICATE_WORDS and all(
        min(len(x), len(y)) >= 4 and not (x + y).isdigit()
        and difflib.SequenceMatcher(None, x, y).ratio() >= NEAR_DUPLICATE_RATIO
        for x, y in changed)


def near_duplicate_findings(
    title: str, sent: Iterable[tuple[str, str, datetime]], force: bool, tz: str
) -> list[Finding]:
    """CC304 for the newest of ``sent`` (message hash, title, when; another message) whose
    title is nearly this one: correct that one instead of sending a second post everywhere.
    ``--force`` posts anyway (recorded as CC303)."""
    for hash_, earlier, when in sent:
        if not nearly_same_title(title, earlier):
            continue
        local = when.astimezone(ZoneInfo(tz))
        text = (f"a similar notice went out at {local:%Y-%m-%d %H:%M}: {earlier!r} "
                f"(message {hash_[:12]})")
        if force:
            return [warning("CC303", f"forced past: {text}")]
        return [error("CC304", text,
                      hint=f"correct the earlier one instead: citychan correct {hash_[:12]} "
                           "FILE; or post this one anyway with --force (recorded)")]
    return []

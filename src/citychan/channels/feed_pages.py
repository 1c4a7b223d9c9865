"""The feed's HTML pages, in German: the front page (``index.html``: active warnings on top,
then the latest entries, then the months of the archive), one page per month
(``archiv/2026-12.html``, in pages of at most :data:`MONTH_PAGE` entries) and one permanent
page per entry (``meldung/<anchor>.html``, with ``<link rel="canonical">`` and Open Graph
tags). Every text is escaped; every language part carries its ``lang``; a bilingual entry
shows each title once. Links inside the site are relative, so the folder reads the same
opened from disk and served from ``public_url``."""

from __future__ import annotations

import html
from collections.abc import Container, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

FRONT_ENTRIES = 20  # the latest entries on the front page
MONTH_PAGE = 100  # entries per month page; a busier month gets archiv/2026-12-2.html, …
FULL_TEXT_MAX = 4000  # characters of HTML the front page shows in full; longer ones in short
TEASER = 300  # characters of plain text on a month page

_DAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
_MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember")
esc = html.escape

# A warning's badge follows its incident's state: (CSS class, label). An entry written
# before states were kept reads as an active warning. The label says it in words, the border
# style differs too: never colour alone.
WARNING_BADGES: dict[str, tuple[str, str]] = {
    "active": ("warn", "Warnmeldung"),
    "updated": ("warn-updated", "Aktualisiert"),
    "cleared": ("warn-cleared", "Entwarnung"),
    "expired": ("warn-expired", "Abgelaufen"),
}


def german_date(iso: str) -> str:
    """``Montag, 7. Dezember 2026, 7:00 Uhr`` in the time the value carries (city time)."""
    t = datetime.fromisoformat(iso)
    day = f"{_DAYS[t.weekday()]}, {t.day}. {_MONTHS[t.month - 1]} {t.year}"
    return f"{day}, {t.hour}:{t.minute:02d} Uhr"


def german_month(month: str) -> str:
    """``Dezember 2026`` for ``2026-12``."""
    year, number = month.split("-")
    return f"{_MONTHS[int(number) - 1]} {year}"


def month_of(entry: Mapping[str, Any]) -> str:
    """The month an entry belongs to: that of its first publication, in city time."""
    return str(entry["published"])[:7]


def month_page_name(month: str, number: int = 1) -> str:
    return f"archiv/{month}.html" if number == 1 else f"archiv/{month}-{number}.html"


def entry_page_name(anchor: str) -> str:
    return f"meldung/{anchor}.html"


def expired_at(entry: Mapping[str, Any], now: datetime | None) -> bool:
    expires = entry.get("expires")
    return bool(expires and now is not None and datetime.fromisoformat(expires) <= now)


def warning_state(entry: Mapping[str, Any], now: datetime | None = None) -> str:
    """active, updated, cleared or expired: an active or updated warning whose expiry has
    passed by ``now`` reads expired."""
    state = str(entry.get("state") or "active")
    if state in ("active", "updated") and (entry.get("expired") or expired_at(entry, now)):
        return "expired"
    return state if state in WARNING_BADGES else "active"


def warning_badge(entry: Mapping[str, Any], now: datetime | None = None) -> str:
    """The badge of a warning entry (colour and label by its incident's state)."""
    state = warning_state({**entry, "expired": False}, now)
    css, label = WARNING_BADGES[state]
    return f' <span class="{css}" data-state="{esc(state)}">{label}</span>'


def status_lines(e: Mapping[str, Any]) -> str:
    """What became of an entry since it was posted, as HTML: corrected (and what changed),
    withdrawn (and why), expired."""
    lines = []
    if e.get("withdrawn"):
        reason = f": {esc(e['reason'])}" if e.get("reason") else ""
        lines.append(f'<p class="withdrawn"><strong>Zurückgezogen am {german_date(e["withdrawn"])}'
                     f"</strong>{reason}</p>")
    if e.get("corrected"):
        what = f": {esc(e['correction'])}" if e.get("correction") else ""
        lines.append(f'<p class="corrected"><strong>korrigiert am {german_date(e["corrected"])}'
                     f"</strong>{what}</p>")
    if e.get("expired") and e.get("expires"):
        lines.append(f'<p class="expired"><strong>abgelaufen</strong> seit '
                     f'{german_date(e["expires"])}</p>')
    return "\n".join(lines)


def titles(e: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(language, title) of each language part; one part for an entry written without."""
    found = [(str(lang), str(title)) for lang, title in e.get("titles") or ()]
    return found or [(str(e["langs"][0]), str(e["title"]))]


CSS = """body { font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.5; color: #1a1a1a; }
article { border-bottom: 1px solid #ddd; padding: 1rem 0; }
/* a long URL or word wraps instead of widening the page past a phone's screen */
h1, h2, h3, .content, .teaser { overflow-wrap: anywhere; }
img { max-width: 100%; height: auto; }
pre, table { max-width: 100%; overflow-x: auto; }
h2 { margin: 0 0 .25rem; font-size: 1.25rem; }
.meta { color: #555; margin: 0 0 .5rem; font-size: .9rem; }
.warnings { border: 3px solid #b00020; padding: 0 1rem; margin: 1rem 0; }
.warn, .warn-updated, .warn-cleared, .warn-expired { color: #fff; font-size: .8rem;
       padding: .1rem .4rem; border-radius: .2rem; border: 2px solid #1a1a1a; }
.warn { background: #b00020; border-style: solid; }
.warn-updated { background: #a04000; border-style: double; }
.warn-cleared { background: #1e6b2e; border-style: dotted; }
.warn-expired { background: #5f6368; border-style: dashed; }
.months { display: flex; flex-wrap: wrap; gap: .25rem 1rem; padding: 0; list-style: none; }
"""


def shell(title: str, body: str, *, root: str = "", head: str = "") -> str:
    """A whole page: ``root`` leads from the page to the feed folder ("" or "../")."""
    return f"""<!doctype html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<link rel="alternate" type="application/atom+xml" title="{esc(title)}" href="{root}feed.xml">
{head}<style>
{CSS}</style>
</head>
<body>
{body}
</body>
</html>
"""


def _local(url: str, public_url: str, root: str) -> str:
    """A link into the site as a relative one (so it works from disk too)."""
    prefix = public_url.rstrip("/") + "/"
    return root + url[len(prefix):] if url.startswith(prefix) else url


def _heading(e: Mapping[str, Any], href: str, now: datetime | None,
             others_below: bool = False) -> str:
    """The entry's title; the other languages' titles beside it unless its text follows
    (which starts each language with its title: each title once)."""
    (lang, title), *others = titles(e)
    if others_below:
        others = []
    badge = warning_badge(e, now) if e["kind"] == "warning" else ""
    more = "".join(f' <span lang="{esc(lg)}">/ {esc(t)}</span>' for lg, t in others)
    return (f'<h2><a href="{esc(href)}">{esc(title)}</a>{badge}</h2>\n'
            + (f'<p class="other-titles">{more.strip()}</p>\n' if more else ""))


def _meta(e: Mapping[str, Any], public_url: str, root: str) -> str:
    cap = (f' · <a href="{esc(_local(e["cap"], public_url, root))}">Warnung als CAP-Datei</a>'
           if e.get("cap") else "")
    return (f'<p class="meta"><time datetime="{esc(e["published"])}">'
            f'{german_date(e["published"])}</time>{cap}</p>\n')


def parts_html(e: Mapping[str, Any], level: int = 2) -> str:
    """The entry's text, each language in its own block with its ``lang``; every part after
    the first starts with its own title (the first one's is the page's heading)."""
    parts = e.get("parts") or []
    if not parts:
        return f'<div class="content" lang="{esc(e["langs"][0])}">{e["html"]}</div>\n'
    out = []
    for i, p in enumerate(parts):
        head = f'<h{level}>{esc(p["title"])}</h{level}>\n' if i else ""
        out.append(f'<div class="content" lang="{esc(p["lang"])}">\n{head}{p["html"]}</div>\n')
    return "".join(out)


def article(e: Mapping[str, Any], public_url: str, root: str, now: datetime | None,
            *, full: bool) -> str:
    """One entry in a list: heading, date, what became of it, its text (``full``) or a
    teaser with a link to its own page."""
    page = root + entry_page_name(e["anchor"])
    body = ""
    whole = full and not e.get("withdrawn") and len(str(e.get("html", ""))) <= FULL_TEXT_MAX
    if not e.get("withdrawn"):
        if whole:
            body = parts_html(e, level=3)
        else:
            teaser = str(e.get("teaser") or "")
            body = (f'<p class="teaser" lang="{esc(titles(e)[0][0])}">{esc(teaser)} '
                    f'<a href="{esc(page)}">Ganze Meldung lesen</a></p>\n')
    marks = status_lines(e)
    return (f'<article id="{esc(e["anchor"])}" lang="{esc(titles(e)[0][0])}">\n'
            + _heading(e, page, now, others_below=whole and bool(e.get("parts")))
            + _meta(e, public_url, root)
            + (marks + "\n" if marks else "") + body + "</article>")


def old_articles(pages: Iterable[str], fresh: Container[str]) -> dict[str, str]:
    """The ``<article>`` of each entry on pages this module wrote before, by anchor, leaving
    out the ``fresh`` entries (changed since): a post takes the others' as they are instead
    of rendering them again. (An entry's text cannot hold an ``<article>`` of its own: the
    Markdown is rendered without raw HTML, and every other text is escaped.)"""
    out: dict[str, str] = {}
    for text in pages:
        for chunk in text.split('<article id="')[1:]:
            anchor, _, rest = chunk.partition('"')
            end = rest.find("</article>")
            if end >= 0 and anchor not in fresh and anchor == esc(anchor):
                out[anchor] = f'<article id="{anchor}"{rest[:end]}</article>'
    return out


def reusable(e: Mapping[str, Any], old: Mapping[str, str]) -> str | None:
    """The entry's article as last written, if it cannot have changed since: any entry but a
    warning (whose badge also follows the clock) that did not change itself."""
    return old.get(str(e["anchor"])) if e["kind"] != "warning" else None


def front_page(title: str, public_url: str, warnings: Sequence[Mapping[str, Any]],
               latest: Sequence[Mapping[str, Any]], months: Sequence[str],
               now: datetime | None, old: Mapping[str, str] | None = None) -> str:
    """``index.html``: the warnings in force on top, the latest entries, the archive
    (``old``: the articles of unchanged entries as last written, see :func:`old_articles`)."""
    top = ""
    if warnings:
        items = "\n".join(article(e, public_url, "", now, full=True) for e in warnings)
        top = (f'<section class="warnings" aria-labelledby="warnungen">\n'
               f'<h2 id="warnungen">Aktuelle Warnungen</h2>\n{items}\n</section>\n')
    items = "\n".join(reusable(e, old or {}) or article(e, public_url, "", now, full=True)
                      for e in latest)
    body = items or "<p>Noch keine Meldungen.</p>"
    links = "\n".join(f'<li><a href="{month_page_name(m)}">{german_month(m)}</a></li>'
                      for m in months)
    archive = (f'<nav aria-labelledby="archiv">\n<h2 id="archiv">Archiv</h2>\n'
               f'<ul class="months">\n{links}\n</ul>\n</nav>\n') if months else ""
    return shell(title, f"""<header>
<h1>{esc(title)}</h1>
<p><a href="feed.xml">Atom-Feed abonnieren</a> · <a href="feed.json">JSON-Feed</a></p>
</header>
<main>
{top}<section aria-label="Neueste Meldungen">
{body}
</section>
{archive}</main>""")


def month_pages(title: str, public_url: str, month: str,
                records: Sequence[Mapping[str, Any]], now: datetime | None,
                old: Mapping[str, str] | None = None) -> dict[str, str]:
    """The month's pages by file name: every entry of the month, newest first, in short
    (``old`` as for :func:`front_page`)."""
    chunks = [records[i:i + MONTH_PAGE] for i in range(0, len(records), MONTH_PAGE)] or [[]]
    pages = {}
    for number, chunk in enumerate(chunks, 1):
        name = month_page_name(month, number)
        heading = f"{title} – Archiv {german_month(month)}"
        if len(chunks) > 1:
            heading += f", Seite {number} von {len(chunks)}"
        nav = ""
        if len(chunks) > 1:
            nav = "<nav aria-label=\"Seiten\"><p>" + " · ".join(
                f'<a href="../{month_page_name(month, n)}"'
                + (' aria-current="page"' if n == number else "") + f">Seite {n}</a>"
                for n in range(1, len(chunks) + 1)) + "</p></nav>\n"
        items = "\n".join(reusable(r, old or {}) or article(r, public_url, "../", now, full=False)
                          for r in chunk)
        pages[name] = shell(heading, f"""<header>
<h1>{esc(heading)}</h1>
<p><a href="../index.html">Zur Startseite</a> · <a href="../feed.xml">Atom-Feed</a></p>
</header>
<main>
{nav}{items or "<p>Keine Meldungen in diesem Monat.</p>"}
</main>""", root="../")
    return pages


def entry_page(site_title: str, public_url: str, e: Mapping[str, Any],
               now: datetime | None) -> str:
    """The entry's permanent page: canonical URL, Open Graph tags, every language, image."""
    (lang, title), *_ = titles(e)
    url = f"{public_url}/{entry_page_name(e['anchor'])}"
    description = str(e.get("summary") or e.get("teaser") or "")
    image = e.get("image")
    og = {"og:title": title, "og:description": description, "og:url": url,
          "og:type": "article", "og:site_name": site_title, "og:locale": "de_DE"}
    if image:
        og["og:image"] = str(image)
        if e.get("image_alt"):
            og["og:image:alt"] = str(e["image_alt"])
    head = (f'<link rel="canonical" href="{esc(url)}">\n'
            f'<meta name="description" content="{esc(description)}">\n'
            + "".join(f'<meta property="{k}" content="{esc(v)}">\n' for k, v in og.items()))
    badge = warning_badge(e, now) if e["kind"] == "warning" else ""
    marks = status_lines(e)
    picture = "" if e.get("withdrawn") else figure(e)
    text = "" if e.get("withdrawn") else parts_html(e)
    more = (f'<p>Mehr dazu: <a href="{esc(e["link"])}">{esc(e["link"])}</a></p>\n'
            if e.get("link") and e["link"] != url and e["link"] not in str(e.get("html")) else "")
    month = month_of(e)
    body = f"""<header>
<p><a href="../index.html">{esc(site_title)}</a> ·
<a href="../{month_page_name(month)}">Archiv {german_month(month)}</a></p>
</header>
<main>
<article id="{esc(e["anchor"])}" lang="{esc(lang)}">
<h1>{esc(title)}{badge}</h1>
{_meta(e, public_url, "../")}{marks + chr(10) if marks else ""}{picture}{text}{more}</article>
</main>"""
    return shell(f"{title} – {site_title}", body, root="../", head=head)


def figure(e: Mapping[str, Any]) -> str:
    """The entry's picture with its description, in the scaled copies the feed made."""
    files = e.get("images") or []
    if not files:
        return ""
    biggest = files[-1]
    srcset = ", ".join(f'../{esc(f["file"])} {f["width"]}w' for f in files)
    alt = esc(str(e.get("image_alt") or ""))
    return (f'<figure><img src="../{esc(biggest["file"])}" srcset="{srcset}" '
            f'sizes="(max-width: 48rem) 100vw, 46rem" width="{biggest["width"]}" '
            f'height="{biggest["height"]}" alt="{alt}"></figure>\n')


def html_page(title: str, public_url: str, entries: list[dict[str, Any]],
              archive: str | None = None, now: datetime | None = None) -> str:
    """A simple list page of ``entries`` (newest first) in the site's look."""
    del archive  # the front page links the month pages now
    return front_page(title, public_url, [], entries, [], now)

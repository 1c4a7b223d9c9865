"""Files several citychan processes change at once: the feed (entries.json, feed.xml,
index.html) and the outbox. Every run holds the folder's lock while it changes them, so no
run's entry is lost. Real processes."""

from __future__ import annotations

from pathlib import Path

from citychan.channels.feed_store import EntryStore
from tests.support.config import FEED, OUTBOX, MakeConfig
from tests.support.files import write
from tests.support.workers import Workers

POSTS = 6
ROUNDS = 10


def notice(n: int) -> str:
    return f"---\ntitle: Bekanntmachung Nummer {n}\n---\nText der Bekanntmachung {n}.\n"


def test_six_posts_of_different_notices_at_once_keep_every_feed_entry(
    isolated: Path, make_config: MakeConfig
) -> None:
    """The attack: six posts at once to one feed recorded 6 deliveries `sent` but left 5 (or
    3) entries: the lock around entries.json held only within one process."""
    import feedparser

    make_config(channels={"feed": FEED, "outbox": OUTBOX})
    with Workers(POSTS, isolated) as workers:
        for r in range(ROUNDS):
            names = [f"n{r}-{i}.md" for i in range(POSTS)]
            for i, name in enumerate(names):
                write(isolated / name, notice(r * POSTS + i))
            runs = workers.run([["post", name, "--yes", "--output", "json"] for name in names])
            assert [run.code for run in runs] == [0] * POSTS, [run.stderr for run in runs]
    total = ROUNDS * POSTS
    feed = isolated / "citychan-out" / "feed"
    entries = EntryStore(feed).every_entry()
    titles = {e["title"] for e in entries}
    lost = total - len(titles)
    print(f"\n{ROUNDS} rounds of {POSTS} posts at once: {len(entries)} feed entries, {lost} lost")
    assert titles == {f"Bekanntmachung Nummer {n}" for n in range(total)}
    assert len(entries) == total
    atom = feedparser.parse((feed / "feed.xml").read_bytes())
    assert atom.bozo == 0 and len(atom.entries) == total
    # every entry on its month's pages and on a page of its own
    assert sum(p.read_text(encoding="utf-8").count("<article ")
               for p in (feed / "archiv").glob("*.html")) == total
    assert len(list((feed / "meldung").glob("*.html"))) == total
    assert len(list((isolated / "citychan-out" / "outbox").iterdir())) == total
    assert not [p for p in feed.rglob("*") if p.name.endswith(".tmp")]
    assert sorted(p.name for p in feed.iterdir()) == ["archiv", "entries", "entries.json",
                                                      "feed.json", "feed.xml", "index.html",
                                                      "meldung"]

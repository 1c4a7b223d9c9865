"""The drafts table (issue 15, review): one approval takes a draft, a taken draft cannot be
taken again or rejected, a released one waits again, and one a crashed run left
``approving`` can be approved once that run is gone."""

from __future__ import annotations

from pathlib import Path

from citychan.kinds import Kind
from citychan.store.db import MIGRATIONS, Store
from citychan.store.drafts import Draft, DraftState, DraftStore


def add(drafts: DraftStore, message_hash: str = "a" * 64) -> Draft:
    made = drafts.add(kind=Kind.INFO, path="/tmp/n.md", message_hash=message_hash,
                      title="Sperrung", channels=("outbox",), plan={"targets": []}, due=None,
                      forced=False, author="m.schulze")
    assert made is not None
    return made


def test_the_review_migration_is_the_last_and_makes_the_drafts_table(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        assert store.scalar("PRAGMA user_version") == len(MIGRATIONS)
        assert store.query("SELECT COUNT(*) FROM drafts")[0][0] == 0


def test_one_approval_takes_a_draft_and_a_second_finds_it_taken(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        drafts = DraftStore(store)
        seen = add(drafts)
        claim = drafts.take(seen, "k.nowak")
        assert claim is not None
        assert drafts.take(seen, "p.krause") is None  # as it was seen: pending, unclaimed
        assert drafts.reject(seen, "p.krause", "no") is False
        done = drafts.finish(seen.id, claim, DraftState.APPROVED, outcome="sent")
        assert (done.state, done.reviewer, done.outcome) == (DraftState.APPROVED, "k.nowak",
                                                             "sent")
        assert done.decided is not None


def test_a_released_draft_waits_again_and_the_same_content_is_not_drafted_twice(
        tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        drafts = DraftStore(store)
        seen = add(drafts)
        assert drafts.add(kind=Kind.INFO, path="/tmp/n.md", message_hash=seen.message_hash,
                          title="x", channels=(), plan={}, due=None, forced=False,
                          author="p.krause") is None
        claim = drafts.take(seen, "k.nowak")
        assert claim is not None
        drafts.release(seen.id, claim)
        again = drafts.get(seen.id)
        assert again is not None
        assert (again.state, again.reviewer, again.claim) == (DraftState.PENDING, None, None)
        assert drafts.take(again, "p.krause") is not None


def test_a_draft_a_gone_run_left_approving_can_be_taken_again(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        drafts = DraftStore(store)
        seen = add(drafts)
        with store.transaction() as tx:  # a run that crashed mid-approval
            tx.execute("UPDATE drafts SET state=?, claim=? WHERE id=?",
                       (DraftState.APPROVING, "999999-deadbeef.1", seen.id))
        stale = drafts.get(seen.id)
        assert stale is not None and not store.owner_alive(stale.claim)
        assert drafts.take(stale, "k.nowak") is not None

"""Issue 15, review from another machine: a draft keeps its notice's files in the store
(``draft_files``), bytes exact, on either backend, and `store export`/`import` carry them."""

from __future__ import annotations

from pathlib import Path

from citychan.kinds import Kind
from citychan.store.db import Store
from citychan.store.drafts import DraftFile, DraftStore
from citychan.store.transfer import export, import_into

PICTURE = bytes(range(256)) * 40  # every byte value, as a picture has them


def _draft(store: Store) -> int:
    made = DraftStore(store).add(
        kind=Kind.INFO, path="/home/presse/n.md", message_hash="h" * 64, title="Sperrung",
        channels=("outbox",), plan={}, due=None, forced=False, author="m.schulze",
        files=(DraftFile("n.md", b"---\ntitle: Sperrung\n---\nGesperrt.\n"),
               DraftFile("bilder/karte.png", PICTURE)))
    assert made is not None
    return made.id


def test_a_drafts_files_come_back_byte_for_byte(tmp_path: Path) -> None:
    with Store.open(tmp_path / "citychan.db") as store:
        draft_id = _draft(store)
        kept = {f.name: f for f in DraftStore(store).files(draft_id)}
    assert sorted(kept) == ["bilder/karte.png", "n.md"]
    assert kept["bilder/karte.png"].data == PICTURE


def test_export_and_import_keep_the_drafts_files(tmp_path: Path) -> None:
    with Store.open(tmp_path / "laptop.db") as store:
        draft_id = _draft(store)
        before = {f.name: f.sha256 for f in DraftStore(store).files(draft_id)}
        export(store, tmp_path / "backup.jsonl")
    with Store.open(tmp_path / "new.db") as store:
        import_into(store, tmp_path / "backup.jsonl")
        after = {f.name: f.sha256 for f in DraftStore(store).files(draft_id)}
    assert after == before and len(after) == 2

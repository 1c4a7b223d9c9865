"""Notices held for a second operator (issue 15, the four-eyes principle): what was drafted
(the file, its content hash, the rendered plan, the channels, an optional ``--at`` time), by
whom, and what became of it: approved (and sent or scheduled), rejected with a reason, or
refused at approval because the file changed since. Table of the issue-15 review migration.

An approval takes the draft in one write transaction (pending -> approving, with its run's
claim), so of two reviewers approving at once exactly one sends it; a draft a crashed run
left ``approving`` can be approved again once that run is gone (its deliveries are claimed
as always, so nothing goes out twice). A draft keeps its notice's files, too (``draft_files``:
the Markdown file, its translations, its picture, by their names in the notice's folder), so
that a reviewer on another machine approves what was drafted. Portable SQL only: ``?``
placeholders through the Store, no SQLite-only functions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from citychan import clock
from citychan.kinds import Kind
from citychan.store.db import Store
from citychan.store.kept_files import KeptFile, Owner, keep, kept


class DraftState(StrEnum):
    PENDING = "pending"
    APPROVING = "approving"  # a reviewer's run is sending or scheduling it right now
    APPROVED = "approved"  # sent, or scheduled when it has --at (see ``outcome``)
    REJECTED = "rejected"
    REFUSED = "refused"  # not approved: the file changed since it was drafted
    URGENT = "urgent"  # a warning sent at once past review (--urgent), with the reason


# what `citychan review` shows without --all: waiting for a reviewer, or being approved
OPEN_STATES = (DraftState.PENDING, DraftState.APPROVING)


DraftFile = KeptFile  # one file of a drafted notice (see ``store.kept_files``)


@dataclass(frozen=True)
class Draft:
    id: int
    kind: Kind
    path: str
    message_hash: str
    title: str
    channels: tuple[str, ...]
    plan: dict[str, Any]  # the rendered plan as drafted (Plan.as_dict())
    due: datetime | None  # UTC; None: sent at approval
    forced: bool
    author: str
    state: DraftState
    reviewer: str | None
    reason: str | None
    outcome: str | None
    claim: str | None
    created: datetime
    decided: datetime | None

    @property
    def ref(self) -> str:
        """How people name it: ``d`` and its number (queue entries are ``#N``)."""
        return f"d{self.id}"

    def as_dict(self, *, plan: bool = False) -> dict[str, Any]:
        out = {
            "ref": self.ref,
            "id": self.id,
            "kind": str(self.kind),
            "path": self.path,
            "message": self.message_hash,
            "title": self.title,
            "channels": list(self.channels),
            "at": self.due.isoformat() if self.due else None,
            "forced": self.forced,
            "author": self.author,
            "state": str(self.state),
            "reviewer": self.reviewer,
            "reason": self.reason,
            "outcome": self.outcome,
            "created": self.created.isoformat(),
            "decided": self.decided.isoformat() if self.decided else None,
        }
        return {**out, "plan": self.plan} if plan else out


def _utc(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class DraftStore:
    """The drafts, in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, *, kind: Kind, path: str, message_hash: str, title: str,
            channels: tuple[str, ...], plan: dict[str, Any], due: datetime | None,
            forced: bool, author: str, files: tuple[DraftFile, ...] = ()) -> Draft | None:
        """A new pending draft with its notice's ``files``; None when this content is already
        waiting for review."""
        now = _utc(clock.utcnow())
        with self.store.transaction() as tx:
            same = tx.execute("SELECT id FROM drafts WHERE message_hash=? AND state IN (?,?)",
                              (message_hash, *OPEN_STATES)).fetchall()
            if same:
                return None
            rows = tx.execute(
                "INSERT INTO drafts(kind, path, message_hash, title, channels, plan, due, "
                "forced, author, state, created, updated) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) "
                "RETURNING id",
                (str(kind), path, message_hash, title, json.dumps(list(channels)),
                 json.dumps(plan, ensure_ascii=False), _utc(due) if due else None,
                 int(forced), author, DraftState.PENDING, now, now)).fetchall()
            draft_id = int(rows[0][0])
            keep(tx, Owner.DRAFT, draft_id, files)
        return self.get(draft_id)

    def files(self, draft_id: int) -> list[DraftFile]:
        """The notice's files as drafted (none for a template warning, or a draft made
        before citychan kept them); see ``store.kept_files.kept``."""
        return kept(self.store, Owner.DRAFT, draft_id)

    def record_urgent(self, *, title: str, author: str, reason: str) -> Draft:
        """A warning sent past review (``--urgent``): who, when, why; decided at once."""
        now = _utc(clock.utcnow())
        with self.store.transaction() as tx:
            rows = tx.execute(
                "INSERT INTO drafts(kind, path, message_hash, title, channels, plan, author, "
                "state, reason, created, decided, updated) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) "
                "RETURNING id",
                (str(Kind.WARNING), "", "", title, "[]", "{}", author, DraftState.URGENT,
                 reason, now, now, now)).fetchall()
        found = self.get(int(rows[0][0]))
        assert found is not None
        return found

    def waiting(self, message_hash: str) -> list[Draft]:
        return self._query("WHERE message_hash=? AND state IN (?,?) ORDER BY id",
                           (message_hash, *OPEN_STATES))

    def get(self, draft_id: int) -> Draft | None:
        rows = self._query("WHERE id=?", (draft_id,))
        return rows[0] if rows else None

    def listed(self, states: tuple[DraftState, ...] | None = None) -> list[Draft]:
        """Drafts in ``states`` (all when None), the oldest first."""
        if states is None:
            return self._query("ORDER BY id", ())
        marks = ",".join("?" * len(states))
        return self._query(f"WHERE state IN ({marks}) ORDER BY id", tuple(states))

    def recent(self, limit: int) -> list[Draft]:
        """The latest steps (drafted, decided), newest first: for `citychan log`."""
        return self._query("ORDER BY updated DESC, id DESC LIMIT ?", (limit,))

    def take(self, seen: Draft, reviewer: str) -> str | None:
        """Claim ``seen`` for this run's approval, as it was seen; its claim, or None when
        another run was first."""
        token = self.store.new_claim()
        with self.store.transaction() as tx:
            cur = tx.execute(
                "UPDATE drafts SET state=?, reviewer=?, claim=?, updated=? WHERE id=? AND state=? "
                "AND COALESCE(claim, '')=?",
                (DraftState.APPROVING, reviewer, token, _utc(clock.utcnow()), seen.id,
                 seen.state, seen.claim or ""))
            return token if cur.rowcount == 1 else None

    def release(self, draft_id: int, claim: str) -> None:
        """The approval did not happen (the rules refuse it now): pending again."""
        with self.store.transaction() as tx:
            tx.execute("UPDATE drafts SET state=?, reviewer=NULL, claim=NULL, updated=? "
                       "WHERE id=? AND claim=?",
                       (DraftState.PENDING, _utc(clock.utcnow()), draft_id, claim))

    def finish(self, draft_id: int, claim: str, state: DraftState, *,
               outcome: str | None = None, reason: str | None = None) -> Draft:
        now = _utc(clock.utcnow())
        with self.store.transaction() as tx:
            tx.execute("UPDATE drafts SET state=?, outcome=?, reason=?, decided=?, updated=? "
                       "WHERE id=? AND claim=?",
                       (state, outcome, reason, now, now, draft_id, claim))
        found = self.get(draft_id)
        assert found is not None
        return found

    def reject(self, seen: Draft, reviewer: str, reason: str) -> bool:
        """Reject a pending draft; False when it changed meanwhile."""
        now = _utc(clock.utcnow())
        with self.store.transaction() as tx:
            cur = tx.execute(
                "UPDATE drafts SET state=?, reviewer=?, reason=?, decided=?, updated=? "
                "WHERE id=? AND state=?",
                (DraftState.REJECTED, reviewer, reason, now, now, seen.id, DraftState.PENDING))
            return cur.rowcount == 1

    def _query(self, where: str, params: tuple[Any, ...]) -> list[Draft]:
        rows = self.store.query("SELECT * FROM drafts " + where, params)
        return [
            Draft(
                id=r["id"], kind=Kind(r["kind"]), path=r["path"],
                message_hash=r["message_hash"], title=r["title"],
                channels=tuple(json.loads(r["channels"])), plan=json.loads(r["plan"]),
                due=_when(r["due"]), forced=bool(r["forced"]), author=r["author"],
                state=DraftState(r["state"]), reviewer=r["reviewer"], reason=r["reason"],
                outcome=r["outcome"], claim=r["claim"],
                created=datetime.fromisoformat(r["created"]), decided=_when(r["decided"]),
            )
            for r in rows
        ]

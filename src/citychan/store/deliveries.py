"""Delivery records: every attempt to send a message to a channel, claimed before the first
attempt and finished with its outcome, and the questions asked of them (already sent?
unresolved? how many today?). Tables of migrations 1 and 4.

A delivery is claimed in one write transaction: the question "already sent or pending?" and
the pending row that answers "no" are one step, so of several runs posting the same notice
at once exactly one sends to each channel (a unique index on message and channel for live
deliveries backs this up). `citychan retry` claims a delivery the same way before it sends
it again. An outcome the store cannot take after the post went out goes to the fallback
journal (citychan.store.journal) instead of being lost."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from citychan import clock
from citychan.errors import StoreError, UsageError
from citychan.i18n import N_
from citychan.store import journal
from citychan.store.db import Store, Transaction


class Status(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"
    SKIPPED = "skipped"
    DISMISSED = "dismissed"  # closed by a person: it will never go (who and why recorded)


@dataclass(frozen=True)
class Delivery:
    id: int
    message_hash: str
    channel: str
    channel_type: str
    status: Status
    idempotency_key: str | None
    remote_id: str | None
    url: str | None
    error: str | None
    forced: bool
    attempts: int
    created: datetime
    updated: datetime
    title: str = ""
    kind: str = "info"
    claim: str | None = None  # who claimed it last: that run's token and a number
    action: str = "send"  # send, edit or delete (channels.base.Action)
    purpose: str | None = None  # None: a post; correction, withdrawal or expiry of relates_to
    relates_to: int | None = None  # the delivery this one corrects or takes back
    operator: str | None = None  # the member of staff who sent it (None: before issue 12)
    dismissed_by: str | None = None
    dismiss_reason: str | None = None
    permanent: bool = False  # the service refused it for good (a 4xx other than 408/429)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "message": self.message_hash,
            "title": self.title,
            "kind": self.kind,
            "channel": self.channel,
            "type": self.channel_type,
            "status": str(self.status),
            "remote_id": self.remote_id,
            "url": self.url,
            "error": self.error,
            "forced": self.forced,
            "attempts": self.attempts,
            "created": self.created.isoformat(),
            "updated": self.updated.isoformat(),
            "action": self.action,
            "purpose": self.purpose,
            "relates_to": self.relates_to,
            "operator": self.operator,
            "dismissed_by": self.dismissed_by,
            "dismiss_reason": self.dismiss_reason,
            "permanent": self.permanent,
        }


@dataclass(frozen=True)
class Claim:
    """What claiming a delivery gave: ``id``, the pending delivery this run now sends, or
    ``taken``, the delivery that stands in the way (nothing is to be sent), with ``why``."""

    id: int | None = None
    taken: Delivery | None = None
    why: str = ""  # taken: "live" (went out or may have) or "changed" (another run was first)


_COLUMNS = "d.*, m.title AS title, m.kind AS kind"
_FROM = "FROM deliveries d JOIN messages m ON m.hash = d.message_hash "
_POSTS = "d.relates_to IS NULL"  # a post, not a correction or withdrawal of one


def _now() -> str:
    return clock.utcnow().isoformat(timespec="seconds")


def _utc(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


class DeliveryStore:
    """Messages and their deliveries, in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def record_message(
        self, hash_: str, kind: str, title: str, langs: tuple[str, ...], source: str | None
    ) -> None:
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT INTO messages(hash, kind, title, langs, source, created) "
                "VALUES (?,?,?,?,?,?) ON CONFLICT (hash) DO NOTHING",
                (hash_, kind, title, ",".join(langs), source, _now()),
            )

    def claim(
        self, message_hash: str, channel: str, channel_type: str, rendered: str, forced: bool,
        prepare: Callable[[int], tuple[str, str]] | None = None, operator: str | None = None,
    ) -> Claim:
        """Claim the delivery of a message to a channel for this run, in one write
        transaction: when one to it went out, may have, or is under way (pending), that one
        is returned as ``taken`` and nothing is recorded. ``forced`` sends again after one
        that went out, but never beside one that is pending."""
        token = self.store.new_claim()
        with self.store.transaction() as tx:
            live = tx.execute(
                f"SELECT {_COLUMNS} {_FROM}WHERE d.message_hash=? AND d.channel=? AND "
                f"{_POSTS} AND (d.status=? OR (? AND d.status IN (?,?))) "
                "ORDER BY d.status=? DESC, d.id DESC LIMIT 1",
                (message_hash, channel, Status.PENDING, not forced, Status.SENT, Status.UNKNOWN,
                 Status.PENDING),
            ).fetchall()
            if live:
                return Claim(taken=_deliveries(live, [])[0], why="live")
            return Claim(id=self._insert(tx, message_hash, channel, channel_type, rendered,
                                         forced, token, prepare, operator))

    def begin(
        self, message_hash: str, channel: str, channel_type: str, rendered: str, forced: bool,
        prepare: Callable[[int], tuple[str, str]] | None = None, operator: str | None = None,
    ) -> int:
        """Record a pending delivery *before* the first attempt, without asking whether one
        exists (``claim`` asks); returns its id. ``prepare`` turns the new id into
        (idempotency key, post JSON), stored in the same transaction: a crash can never leave
        a pending delivery without the post to resend."""
        token = self.store.new_claim()
        with self.store.transaction() as tx:
            return self._insert(tx, message_hash, channel, channel_type, rendered, forced,
                                token, prepare, operator)

    @staticmethod
    def _insert(
        tx: Transaction, message_hash: str, channel: str, channel_type: str, rendered: str,
        forced: bool, token: str, prepare: Callable[[int], tuple[str, str]] | None,
        operator: str | None = None,
    ) -> int:
        now = _now()
        cur = tx.execute(
            "INSERT INTO deliveries(message_hash, channel, channel_type, status, rendered, "
            "forced, claim, operator, created, updated) VALUES (?,?,?,?,?,?,?,?,?,?) "
            "RETURNING id",
            (message_hash, channel, channel_type, Status.PENDING, rendered, int(forced), token,
             operator, now, now),
        )
        did = int(cur.fetchall()[0][0])
        if prepare is not None:
            key, post_json = prepare(did)
            tx.execute("UPDATE deliveries SET idempotency_key=?, post=? WHERE id=?",
                       (key, post_json, did))
        return did

    def reclaim(self, seen: Delivery, note: str) -> Claim:
        """Claim an open delivery (failed, unknown, or pending from a run that is gone) for
        sending it again, as ``seen`` showed it: when another run has changed it since, or
        another delivery of the message to the channel went out, may have, or is under way,
        nothing is claimed. The claimed delivery is pending, with ``note`` as its error until
        the outcome is in: interrupted then, the next retry reads back or asks first."""
        token = self.store.new_claim()
        with self.store.transaction() as tx:
            now = tx.execute(f"SELECT {_COLUMNS} {_FROM}WHERE d.id=?", (seen.id,)).fetchall()
            current = _deliveries(now, [])[0] if now else None
            if current is None or (current.status, current.claim) != (seen.status, seen.claim):
                return Claim(taken=current or seen, why="changed")
            other = tx.execute(
                f"SELECT {_COLUMNS} {_FROM}WHERE d.message_hash=? AND d.channel=? AND d.id!=? "
                "AND d.duplicate=0 AND d.relates_to IS ? AND d.purpose IS ? "
                "AND (d.status=? OR (? AND d.status IN (?,?))) "
                "ORDER BY d.status=? DESC, d.id DESC LIMIT 1",
                (seen.message_hash, seen.channel, seen.id, seen.relates_to, seen.purpose,
                 Status.PENDING,
                 seen.status is Status.FAILED and not seen.forced, Status.SENT, Status.UNKNOWN,
                 Status.PENDING),
            ).fetchall()
            if other:
                return Claim(taken=_deliveries(other, [])[0], why="live")
            tx.execute("UPDATE deliveries SET status=?, claim=?, error=?, updated=? WHERE id=?",
                       (Status.PENDING, token, note, _now(), seen.id))
            return Claim(id=seen.id)

    def finish(
        self,
        delivery_id: int,
        status: Status,
        *,
        remote_id: str | None = None,
        url: str | None = None,
        error: str | None = None,
        attempts: int = 0,
        only_pending: bool = False,
        post: str | None = None,
        permanent: bool = False,
    ) -> str | None:
        """Record an outcome. ``only_pending``: leave a delivery alone that has one already
        (the hard limit must not overwrite a send that finished meanwhile). ``post``: the
        post JSON a resend sends instead of the recorded one (to the recipients a partial send
        missed), in the same transaction as the outcome.

        None when the store has it. When the store cannot take it (disk full, I/O error),
        the outcome goes to the fallback journal, and the next run writes it into the store:
        returns what happened, in words, for the result."""
        when = _now()
        try:
            with self.store.transaction() as tx:
                tx.execute(
                    "UPDATE deliveries SET status=?, remote_id=?, url=?, error=?, "
                    "attempts=attempts+?, updated=?, post=COALESCE(?, post), permanent=? "
                    "WHERE id=?"
                    + (" AND status='pending'" if only_pending else ""),
                    (status, remote_id, url, error, attempts, when, post, int(permanent),
                     delivery_id),
                )
        except StoreError as exc:
            entry = {"delivery": delivery_id, "status": str(status), "remote_id": remote_id,
                     "url": url, "error": error, "attempts": attempts, "updated": when,
                     "only_pending": only_pending}
            why = exc.message.split(": cannot write the store ", 1)[-1]
            try:
                self.store.keep_aside(entry)
            except OSError as lost:
                return (f"not recorded: the store cannot be written {why} and its fallback "
                        f"journal neither ({lost.strerror or lost}); see citychan log and "
                        "the channel before sending it again")
            return (f"the store cannot be written {why}: the outcome is kept in "
                    f"{journal.journal_path(self.store.path).name} and recorded by the next "
                    "citychan run")
        return None

    def post_of(self, delivery_id: int) -> str | None:
        """The post JSON recorded for a delivery (what `citychan retry` resends)."""
        post = self.store.scalar("SELECT post FROM deliveries WHERE id=?", (delivery_id,))
        return None if post is None else str(post)

    def already_sent(self, message_hash: str, channel: str) -> Delivery | None:
        """The last delivery of this content to this channel that went out or may have."""
        rows = self._query(
            f"WHERE d.message_hash=? AND d.channel=? AND {_POSTS} AND d.status IN (?,?,?) "
            "ORDER BY d.id DESC LIMIT 1",
            (message_hash, channel, Status.SENT, Status.UNKNOWN, Status.PENDING),
        )
        return rows[0] if rows else None

    def started_since(self, channel: str, since: datetime) -> list[datetime]:
        """When deliveries to ``channel`` were started since ``since`` (any run), oldest first."""
        rows = self.store.query(
            "SELECT created FROM deliveries WHERE channel=? AND created >= ? ORDER BY created",
            (channel, _utc(since)),
        )
        return [datetime.fromisoformat(r[0]) for r in rows]

    def count_info_since(self, since: datetime, other_than: str = "") -> int:
        """Info messages that went out (to any channel) since ``since``, other than the
        message ``other_than`` (a repost of one is not one more)."""
        count = self.store.scalar(
            "SELECT COUNT(DISTINCT d.message_hash) FROM deliveries d "
            "JOIN messages m ON m.hash = d.message_hash "
            "WHERE m.kind='info' AND d.status IN (?,?) AND d.created >= ? AND d.message_hash != ?",
            (Status.SENT, Status.UNKNOWN, _utc(since), other_than),
        )
        return int(count or 0)

    def recent(self, limit: int = 20) -> list[Delivery]:
        return self._query("ORDER BY d.id DESC LIMIT ?", (limit,))

    def unresolved(self) -> list[Delivery]:
        """Deliveries that failed, whose outcome is unknown, or that never finished."""
        open_ = (Status.FAILED, Status.UNKNOWN, Status.PENDING)
        found = self._query("WHERE d.status IN (?,?,?) ORDER BY d.id", open_)
        return [d for d in found if d.status in open_]  # the fallback journal may settle one

    def get(self, delivery_id: int) -> Delivery | None:
        rows = self._query("WHERE d.id=?", (delivery_id,))
        return rows[0] if rows else None

    # --- corrections, withdrawals and expiry of a post that went out ----------------------

    def find_notice(self, ref: str) -> str:
        """The message hash ``ref`` names: ``latest`` (the newest notice posted), a delivery
        id from ``citychan log`` (a correction's or withdrawal's: its original's notice), or
        a prefix of the message hash (at least 4 characters, unique). UsageError if none."""
        ref = ref.strip()
        if ref == "latest":
            found = self.store.scalar(
                f"SELECT d.message_hash {_FROM}WHERE {_POSTS} ORDER BY d.id DESC LIMIT 1")
            if found is None:
                raise UsageError(N_("latest: nothing was posted yet"), hint=N_("see citychan log"))
            return str(found)
        if ref.lstrip("#").isdigit():
            d = self.get(int(ref.lstrip("#")))
            if d is None:
                raise UsageError(N_("delivery #{lstrip}: no such delivery").format(
                                     lstrip=ref.lstrip('#')),
                                 hint=N_("see citychan log for the ids"))
            root = self.get(d.relates_to) if d.relates_to is not None else d
            return (root or d).message_hash
        if len(ref) < 4 or not all(c in "0123456789abcdef" for c in ref.lower()):
            raise UsageError(N_("{ref!r} is not 'latest', a delivery id or a message hash "
                                "prefix (4 or more hex digits)").format(
                                 ref=ref), hint=N_("see citychan log for both"))
        rows = self.store.query(
            f"SELECT DISTINCT d.message_hash {_FROM}WHERE {_POSTS} AND d.message_hash LIKE ?",
            (ref.lower() + "%",))
        hashes = sorted(str(r[0]) for r in rows)
        if not hashes:
            raise UsageError(N_("no posted notice has a hash starting with {ref!r}").format(
                                 ref=ref),
                             hint=N_("see citychan log"))
        if len(hashes) > 1:
            raise UsageError(N_("{ref!r} names {n} notices: {hashes}").format(
                                 ref=ref, n=len(hashes), hashes=", ".join(h[:12] for h in hashes)),
                             hint=N_("give more digits"))
        return hashes[0]

    def originals(self, message_hash: str) -> list[Delivery]:
        """The newest post of the notice to each channel (any status), by channel name."""
        rows = self._query(f"WHERE d.message_hash=? AND {_POSTS} AND d.duplicate=0 "
                           "ORDER BY d.channel, d.id DESC", (message_hash,))
        newest: dict[str, Delivery] = {}
        for d in rows:
            newest.setdefault(d.channel, d)
        return list(newest.values())

    def related(self, original_id: int) -> list[Delivery]:
        """Corrections, withdrawals and expiry deletions of a delivery, oldest first."""
        return self._query("WHERE d.relates_to=? ORDER BY d.id", (original_id,))

    def claim_related(
        self, original: Delivery, purpose: str, message_hash: str, action: str, rendered: str,
        prepare: Callable[[int], tuple[str, str]], operator: str | None = None,
    ) -> Claim:
        """Claim a correction, withdrawal or expiry deletion of ``original`` (of the content
        ``message_hash``) in one write transaction, as :meth:`claim` does for a post: when one
        is live already (went out, may have, or under way), that one is ``taken``."""
        token = self.store.new_claim()
        with self.store.transaction() as tx:
            live = tx.execute(
                f"SELECT {_COLUMNS} {_FROM}WHERE d.relates_to=? AND d.purpose=? AND "
                "d.message_hash=? AND d.status IN (?,?,?) ORDER BY d.id DESC LIMIT 1",
                (original.id, purpose, message_hash, Status.PENDING, Status.SENT,
                 Status.UNKNOWN),
            ).fetchall()
            if live:
                return Claim(taken=_deliveries(live, [])[0], why="live")
            now = _now()
            cur = tx.execute(
                "INSERT INTO deliveries(message_hash, channel, channel_type, status, rendered, "
                "forced, claim, created, updated, action, purpose, relates_to, operator) "
                "VALUES (?,?,?,?,?,0,?,?,?,?,?,?,?) RETURNING id",
                (message_hash, original.channel, original.channel_type, Status.PENDING,
                 rendered, token, now, now, action, purpose, original.id, operator),
            )
            did = int(cur.fetchall()[0][0])
            key, post_json = prepare(did)
            tx.execute("UPDATE deliveries SET idempotency_key=?, post=? WHERE id=?",
                       (key, post_json, did))
            return Claim(id=did)

    def set_expiry(self, message_hash: str, expires: datetime) -> None:
        """When the notice's ``expires:`` falls (the log shows it expired from then on)."""
        with self.store.transaction() as tx:
            tx.execute("INSERT INTO expiries(message_hash, expires) VALUES (?,?) "
                       "ON CONFLICT (message_hash) DO UPDATE SET expires=excluded.expires",
                       (message_hash, _utc(expires)))

    def expiries(self) -> dict[str, datetime]:
        """Every notice with an expiry, by message hash; {} for a store from before expiry
        was recorded (read as it is by `citychan log`)."""
        try:
            rows = self.store.query("SELECT message_hash, expires FROM expiries")
        except StoreError:
            return {}
        return {str(r[0]): datetime.fromisoformat(r[1]) for r in rows}

    # issue 14 (writing): a rule overridden on purpose, with the reason given

    def record_override(self, message_hash: str, code: str, reason: str) -> None:
        """Record why a finding ``code`` of the message was overridden (the latest reason)."""
        with self.store.transaction() as tx:
            tx.execute("INSERT INTO overrides(message_hash, code, reason, created) "
                       "VALUES (?,?,?,?) ON CONFLICT (message_hash, code) "
                       "DO UPDATE SET reason = excluded.reason",
                       (message_hash, code, reason, _now()))

    def overrides(self, code: str) -> dict[str, str]:
        """The reasons recorded for overriding ``code``, by message hash; {} for a store
        from before overrides were recorded (read as it is by `citychan log`)."""
        try:
            rows = self.store.query("SELECT message_hash, reason FROM overrides WHERE code=?",
                                    (code,))
        except StoreError:
            return {}
        return {str(r[0]): str(r[1]) for r in rows}

    # issue 12: closing deliveries that will never go, and what was sent lately (the
    # near-duplicate rule)

    def dismiss(self, seen: Delivery, by: str, reason: str) -> bool:
        """Close an open delivery (failed, unknown, or pending from a run that is gone) as
        it was seen: it will never go. False when another run changed it meanwhile."""
        with self.store.transaction() as tx:
            cur = tx.execute(
                "UPDATE deliveries SET status=?, dismissed_by=?, dismiss_reason=?, updated=? "
                "WHERE id=? AND status=? AND claim IS ?",
                (Status.DISMISSED, by, reason, _now(), seen.id, seen.status, seen.claim),
            )
            return cur.rowcount == 1

    def of_message(self, prefix: str) -> list[Delivery]:
        """The deliveries of the messages whose hash starts with ``prefix``."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return self._query("WHERE d.message_hash LIKE ? ESCAPE '\\' ORDER BY d.id",
                           (escaped + "%",))

    def sent_since(self, since: datetime, kind: str = "info") -> list[tuple[str, str, datetime]]:
        """(message hash, title, first delivery) of the messages of ``kind`` that went out,
        may have or are going out since ``since``, newest first."""
        rows = self.store.query(
            "SELECT d.message_hash, m.title, MIN(d.created) FROM deliveries d "
            "JOIN messages m ON m.hash = d.message_hash WHERE m.kind=? AND d.status IN (?,?,?) "
            "AND d.created >= ? GROUP BY d.message_hash, m.title ORDER BY MIN(d.created) DESC",
            (kind, Status.SENT, Status.UNKNOWN, Status.PENDING, _utc(since)),
        )
        return [(r[0], r[1], datetime.fromisoformat(r[2])) for r in rows]

    # issue 14 (setup): the log's filters, and one row per notice
    def search(self, *, since: datetime | None = None, channels: tuple[str, ...] = (),
               statuses: tuple[Status, ...] = (), kinds: tuple[str, ...] = (),
               limit: int = 20, notices: bool = False) -> list[Delivery]:
        """Deliveries that match every filter given, newest first: the latest ``limit``, or
        with ``notices`` every matching delivery of the latest ``limit`` notices (a
        correction or withdrawal counts with the notice it corrects or takes back)."""
        cond, params = ["1=1"], []
        for column, values in (("d.channel", channels), ("d.status", statuses),
                               ("m.kind", kinds)):
            if values:
                cond.append(f"{column} IN ({','.join('?' * len(values))})")
                params += [str(v) for v in values]
        if since is not None:
            cond.append("d.created >= ?")
            params.append(_utc(since))
        where = " AND ".join(cond)
        if not notices:
            return self._query(f"WHERE {where} ORDER BY d.id DESC LIMIT ?", (*params, limit))
        root = "COALESCE(o.message_hash, d.message_hash)"
        rows = self.store.query(
            f"SELECT {root} AS root {_FROM}LEFT JOIN deliveries o ON o.id = d.relates_to "
            f"WHERE {where} GROUP BY {root} ORDER BY MAX(d.id) DESC LIMIT ?", (*params, limit))
        roots = [str(r[0]) for r in rows]
        if not roots:
            return []
        marks = ",".join("?" * len(roots))
        return self._query(
            f"LEFT JOIN deliveries o ON o.id = d.relates_to WHERE {where} AND "
            f"{root} IN ({marks}) ORDER BY d.id DESC", (*params, *roots))

    def _query(self, where: str, params: tuple[Any, ...]) -> list[Delivery]:
        rows = self.store.query(f"SELECT {_COLUMNS} {_FROM}" + where, params)
        return _deliveries(rows, self.store.journal())


def _deliveries(rows: list[Any], waiting: list[dict[str, Any]]) -> list[Delivery]:
    """Rows as deliveries; ``waiting``: outcomes of the fallback journal shown as recorded."""
    out = []
    for row in rows:
        r = journal.overlay(dict(row), waiting) if waiting else row
        out.append(Delivery(
            id=r["id"],
            message_hash=r["message_hash"],
            channel=r["channel"],
            channel_type=r["channel_type"],
            status=Status(r["status"]),
            idempotency_key=r["idempotency_key"],
            remote_id=r["remote_id"],
            url=r["url"],
            error=r["error"],
            forced=bool(r["forced"]),
            attempts=r["attempts"],
            created=datetime.fromisoformat(r["created"]),
            updated=datetime.fromisoformat(r["updated"]),
            title=r["title"],
            kind=r["kind"],
            claim=r["claim"] if "claim" in r.keys() else None,  # a store read, not migrated
            action=r["action"] if "action" in r.keys() else "send",
            purpose=r["purpose"] if "purpose" in r.keys() else None,
            relates_to=r["relates_to"] if "relates_to" in r.keys() else None,
            **_who(r),
        ))
    return out


def _who(r: Any) -> dict[str, Any]:
    """Operator and dismissal of a row (absent in a store read without migrating it)."""
    keys = r.keys()
    return {
        "operator": r["operator"] if "operator" in keys else None,
        "dismissed_by": r["dismissed_by"] if "dismissed_by" in keys else None,
        "dismiss_reason": r["dismiss_reason"] if "dismiss_reason" in keys else None,
        "permanent": bool(r["permanent"]) if "permanent" in keys else False,
    }

"""Matrix edits (m.replace with m.new_content) and redactions against a real Synapse, and
their request shapes (matrix-org/matrix-spec, content/client-server-api/_index.md "Event
replacements", data/api/client-server/redaction.yaml)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from citychan.channels.base import (
    Action,
    ChannelContext,
    ChannelError,
    Dialect,
    Kind,
    Post,
    Rendered,
    perform,
)
from citychan.channels.matrix import MatrixChannel
from tests.support.servers import SynapseServer

OLD = Rendered(Dialect.MATRIX, "Markt am 12.12.", "<p>Markt am <b>12.12.</b></p>")
NEW = Rendered(Dialect.MATRIX, "Markt am 13.12.", "<p>Markt am <b>13.12.</b></p>")


def _post(rendered: Rendered = OLD, key: str = "citychan-send-1", **kw: Any) -> Post:
    return Post(message_id="m" * 64, channel="stadt", kind=Kind.INFO, title="Markt",
                rendered=rendered, idempotency_key=key, **kw)


def test_edit_sends_a_replacement_event_naming_the_original() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"event_id": "$edit"})

    ctx = ChannelContext(env={"T": "tok"}, http=httpx.Client(transport=httpx.MockTransport(
        handler)))
    ch = MatrixChannel.from_config("stadt", {"base_url": "https://m.example.org",
                                             "room_id": "!r:example.org", "token_env": "T"}, ctx)
    receipt = perform(ch, _post(NEW, "citychan-edit-1", action=Action.EDIT, replaces="$orig"))
    (req,) = seen
    assert req.method == "PUT" and req.url.path.endswith("/send/m.room.message/citychan-edit-1")
    body = json.loads(req.content)
    assert body["m.relates_to"] == {"rel_type": "m.replace", "event_id": "$orig"}
    assert body["m.new_content"] == {"msgtype": "m.notice", "body": "Markt am 13.12.",
                                     "format": "org.matrix.custom.html",
                                     "formatted_body": "<p>Markt am <b>13.12.</b></p>"}
    assert body["body"] == "* Markt am 13.12."  # the fallback for clients without edits
    assert receipt.remote_id == "$orig"  # the post is still the original event


def test_edit_of_something_that_is_no_event_id_fails_without_a_request() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    ctx = ChannelContext(env={"T": "tok"}, http=httpx.Client(transport=httpx.MockTransport(
        handler)))
    ch = MatrixChannel.from_config("stadt", {"base_url": "https://m.example.org",
                                             "room_id": "!r:example.org", "token_env": "T"}, ctx)
    with pytest.raises(ChannelError, match="not an event id"):
        perform(ch, _post(NEW, action=Action.EDIT, replaces="../../x"))


@pytest.fixture
def room(synapse: SynapseServer) -> Iterator[tuple[str, str, MatrixChannel]]:
    _, token = synapse.register("life" + secrets.token_hex(4))
    room_id = synapse.create_room(token)
    ctx = ChannelContext(env={"CITYCHAN_MATRIX_TOKEN": token}, timeout=10.0)
    ch = MatrixChannel.from_config("stadt", {"base_url": synapse.base_url,
                                             "room_id": room_id}, ctx)
    try:
        yield token, room_id, ch
    finally:
        ch.close()


@pytest.mark.integration
def test_synapse_shows_the_edit_as_a_replacement_and_a_repeat_is_the_same_event(
        synapse: SynapseServer, room: tuple[str, str, MatrixChannel]) -> None:
    token, room_id, ch = room
    original = ch.send(_post())
    edit = _post(NEW, "citychan-edit-1", action=Action.EDIT, replaces=original.remote_id)
    ch.edit(edit)
    ch.edit(edit)  # a retry with the same txnId: no second edit event
    events = synapse.room_messages(token, room_id)
    assert len(events) == 2
    replacement = events[0]
    assert replacement["content"]["m.relates_to"] == {"rel_type": "m.replace",
                                                      "event_id": original.remote_id}
    assert replacement["content"]["m.new_content"]["body"] == "Markt am 13.12."
    # the server aggregates it onto the original: clients show the new text in its place
    got = synapse.call("GET", f"/rooms/{quote(room_id, safe='')}/event/"
                       f"{quote(original.remote_id or '', safe='')}", token)
    relations = got.get("unsigned", {}).get("m.relations", {})
    assert relations.get("m.replace", {}).get("event_id") == replacement["event_id"]


@pytest.mark.integration
def test_synapse_redacts_the_post_with_the_reason_and_a_repeat_is_harmless(
        synapse: SynapseServer, room: tuple[str, str, MatrixChannel]) -> None:
    token, room_id, ch = room
    original = ch.send(_post())
    delete = replace(_post(key="citychan-del-1"), action=Action.DELETE,
                     replaces=original.remote_id, note="Der Markt fällt aus.")
    assert perform(ch, delete).remote_id == original.remote_id
    perform(ch, delete)  # same txnId again
    got = synapse.call("GET", f"/rooms/{quote(room_id, safe='')}/event/"
                       f"{quote(original.remote_id or '', safe='')}", token)
    assert got["content"] == {}  # the text is gone from the room
    because = got["unsigned"]["redacted_because"]
    assert because["content"].get("reason") == "Der Markt fällt aus."

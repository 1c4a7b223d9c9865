"""Every HTTP answer is read streamed and capped at 1 MiB, once, in channels/http.py: a 100 MB
answer (1.46 GB of memory for one post before) or a compression bomb never sits in memory;
over the cap the body is dropped and the status decides. An answer that breaks off mid-body
is "connection lost after sending"."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib

import httpx
import pytest

from citychan.channels.base import ChannelContext, ChannelError
from citychan.channels.http import (
    MAX_BODY,
    ApiPolicy,
    error_from_response,
    read_bounded,
    request,
    unread,
)
from tests.support.fault_server import Cut, FaultServer, Garbage, Huge, Ok

PLAIN = ApiPolicy("Gateway")
KEYED = ApiPolicy("Keyed", idempotent=True)
ASKED = httpx.Request("POST", "http://127.0.0.1/send")


def streamed(body: bytes, status: int = 200, **headers: str) -> httpx.Response:
    """An answer still to be read from its stream, as a real transport hands it over."""
    return httpx.Response(status, headers=headers, stream=httpx.ByteStream(body), request=ASKED)


@pytest.mark.integration
def test_a_100_mb_answer_is_not_read_into_memory() -> None:
    with FaultServer([Huge()]) as server, httpx.Client(timeout=5) as http:
        tracemalloc.start()
        try:
            response = request(ChannelContext(env={}, http=http), PLAIN, "POST", server.url)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert response.status_code == 200 and response.content == b""
    assert unread(response) == "over 1 MiB"
    assert peak < 8 * MAX_BODY  # the cap plus its chunks, not 100 MB


@pytest.mark.integration
def test_an_answer_under_the_cap_is_read_whole() -> None:
    body = {"id": "x" * (MAX_BODY - 100)}
    with FaultServer([Ok(body)]) as server, httpx.Client(timeout=5) as http:
        response = request(ChannelContext(env={}, http=http), PLAIN, "GET", server.url)
    assert response.json() == body and unread(response) is None


@pytest.mark.integration
def test_a_garbage_body_is_a_2xx_without_json() -> None:
    with FaultServer([Garbage()]) as server, httpx.Client(timeout=5) as http:
        response = request(ChannelContext(env={}, http=http), PLAIN, "POST", server.url)
    assert response.status_code == 200 and len(response.content) == 4096


@pytest.mark.integration
@pytest.mark.parametrize(("policy", "retryable"), [(PLAIN, False), (KEYED, True)])
def test_an_answer_that_breaks_off_is_connection_lost_after_sending(policy, retryable) -> None:
    with FaultServer([Cut()]) as server, httpx.Client(timeout=5) as http:
        with pytest.raises(ChannelError) as info:
            request(ChannelContext(env={}, http=http), policy, "POST", server.url + "/t/secret")
    assert info.value.outcome_known is False and info.value.retryable is retryable
    assert "connection lost" in info.value.message and "secret" not in info.value.message


def test_a_gzip_bomb_is_stopped_at_the_cap_while_decoding() -> None:
    bomb = gzip.compress(b"0" * (64 * MAX_BODY))  # 64 MiB in ~64 KiB
    tracemalloc.start()
    try:
        response = read_bounded(streamed(bomb, **{"content-encoding": "gzip"}))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert response.content == b"" and unread(response) == "over 1 MiB"
    assert peak < 8 * MAX_BODY


@pytest.mark.parametrize("wrap", [zlib.compress, lambda b: zlib.compress(b)[2:-4]],
                         ids=["zlib", "raw"])
def test_gzip_and_both_deflate_forms_are_decoded(wrap) -> None:
    text = b'{"id": "4711", "text": "L\xc3\xb6bauer Stra\xc3\x9fe"}'
    assert read_bounded(streamed(gzip.compress(text), **{"content-encoding": "gzip"})
                        ).json()["id"] == "4711"
    assert read_bounded(streamed(wrap(text), **{"content-encoding": "deflate"})
                        ).json()["id"] == "4711"


def test_an_encoding_that_cannot_be_bounded_or_decoded_is_dropped_unread() -> None:
    brotli = read_bounded(streamed(b"\x1b\x03", **{"content-encoding": "br"}))
    broken = read_bounded(streamed(b"not gzip at all", **{"content-encoding": "gzip"}))
    assert brotli.content == broken.content == b""
    assert unread(brotli) == "in an encoding citychan does not read"
    assert unread(broken) == "not decodable"


def test_the_request_asks_only_for_encodings_it_can_bound() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        request(ChannelContext(env={}, http=http), PLAIN, "GET", "http://127.0.0.1/x")
    assert seen[0].headers["accept-encoding"] == "gzip, deflate"


def test_an_error_status_over_the_cap_keeps_its_meaning() -> None:
    big = read_bounded(streamed(b"x" * (MAX_BODY + 1), 503))
    error = error_from_response(big, PLAIN)
    assert error.status == 503 and error.outcome_known is False
    assert "answer over 1 MiB, not read" in error.message
    assert error_from_response(read_bounded(streamed(b"x" * (MAX_BODY + 1), 429)),
                               PLAIN).retryable


def test_a_deadline_ends_a_body_that_arrives_too_slowly() -> None:
    def slow() -> httpx.SyncByteStream:
        class Slow(httpx.SyncByteStream):
            def __iter__(self):
                yield b'{"a":'
                yield b"1}"

        return Slow()

    with pytest.raises(httpx.ReadTimeout):
        read_bounded(httpx.Response(200, stream=slow(), request=ASKED), deadline=0.0)

"""Signal via signal-cli-rest-api: /v2/send shape; a 429 needs a human and is never retried."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from citychan.channels.base import ChannelConfigError, ChannelContext, ChannelError
from citychan.channels.signal import SignalChannel
from citychan.delivery.retry import RetryPolicy, send_with_retry
from citychan.testing import sample_post

OPTIONS = {
    "base_url": "http://127.0.0.1:8080",
    "number": "+4935915340",
    "recipients": ["+4915112345678", "group.Y2l0eWNoYW4="],
}


def make(handler, **options) -> SignalChannel:
    ctx = ChannelContext(env={}, http=httpx.Client(transport=httpx.MockTransport(handler)))
    return SignalChannel.from_config("signal", {**OPTIONS, **options}, ctx)


def test_send_request_shape_and_receipt():
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return httpx.Response(201, json={"timestamp": "1764335100123"})

    receipt = make(handler).send(sample_post())
    (req,) = seen
    assert (req.method, str(req.url)) == ("POST", "http://127.0.0.1:8080/v2/send")
    assert json.loads(req.content) == {
        "message": "Die Löbauer Straße ist ab Montag gesperrt.",
        "number": "+4935915340",
        "recipients": ["+4915112345678", "group.Y2l0eWNoYW4="],
        "text_mode": "normal",
    }
    assert receipt.remote_id == "1764335100123"


def test_image_goes_as_base64_attachment(tmp_path):
    image = tmp_path / "plan.png"
    image.write_bytes(b"\x89PNG")
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return httpx.Response(201, json={"timestamp": "1"})

    make(handler).send(sample_post(image=image))
    (attachment,) = json.loads(seen[0].content)["base64_attachments"]
    prefix = "data:image/png;filename=plan.png;base64,"
    assert attachment.startswith(prefix)
    assert base64.b64decode(attachment[len(prefix) :]) == b"\x89PNG"


def test_429_needs_a_human_and_is_never_retried():
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(
            429, json={"error": "Rate limit exceeded: proof required"}, headers={"Retry-After": "1"}
        )

    channel = make(handler)
    with pytest.raises(ChannelError) as info:
        send_with_retry(lambda: channel.send(sample_post()), RetryPolicy(), sleep=lambda s: None)
    assert len(calls) == 1
    assert (info.value.retryable, info.value.outcome_known) == (False, True)
    assert "needs a person" in info.value.message


def test_5xx_and_answer_without_timestamp_are_unknown():
    for response in (httpx.Response(500, json={"error": "boom"}), httpx.Response(201)):
        with pytest.raises(ChannelError) as info:
            make(lambda r, resp=response: resp).send(sample_post())
        assert (info.value.retryable, info.value.outcome_known) == (False, False)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"number": "035915340"}, "international form"),
        ({"recipients": []}, "non-empty list"),
        ({"base_url": "http://signal.example"}, "https://"),
    ],
)
def test_config_errors(options, message):
    with pytest.raises(ChannelConfigError, match=message):
        make(lambda r: httpx.Response(201), **options)

"""The check the WAHA and Signal fakes run on every request can fail: what the upstream API
descriptions (tests/support/data/openapi/) do not allow is refused, naming why."""

from __future__ import annotations

import httpx
import pytest

from tests.support.openapi import SIGNAL, WAHA, validate

CHANNEL = "120363012345678901@newsletter"
TEXT = {"session": "default", "chatId": CHANNEL, "text": "Sperrung"}


def post(url: str, body: dict) -> httpx.Request:
    return httpx.Request("POST", url, json=body)


def test_requests_citychan_makes_pass():
    validate(WAHA, post("https://wa.bautzen.de/api/sendText", TEXT))
    validate(WAHA, httpx.Request("GET", "https://wa.bautzen.de/api/default/channels",
                                 params={"role": "OWNER"}))
    validate(SIGNAL, post("http://127.0.0.1:8080/v2/send", {
        "message": "Sperrung", "number": "+4935915340", "recipients": ["+4915112345678"],
        "text_mode": "normal"}))


@pytest.mark.parametrize(
    ("request_", "why"),
    [
        (post("https://wa.bautzen.de/api/sendText", {"session": "default", "chatId": CHANNEL}),
         "'text' is a required property"),
        (post("https://wa.bautzen.de/api/sendText", {**TEXT, "chatID": CHANNEL}),
         "keys ['chatID'] are not in the API description"),
        (post("https://wa.bautzen.de/api/sendImage", {
            "session": "default", "chatId": CHANNEL, "file": {"filename": "a.jpg"}}),
         "api/sendImage"),
        (httpx.Request("GET", "https://wa.bautzen.de/api/default/channels",
                       params={"role": "BOSS"}), "'BOSS' is not one of"),
        (post("http://127.0.0.1:8080/v2/send", {
            "message": "x", "number": "+4935915340", "recipients": "+4915112345678"}),
         "is not of type 'array'"),
        (post("http://127.0.0.1:8080/v2/send", {
            "message": "x", "number": "+4935915340", "recipients": [], "text_mode": "html"}),
         "'html' is not one of"),
    ],
)
def test_what_the_description_does_not_allow_is_refused(request_, why):
    path = SIGNAL if request_.url.path == "/v2/send" else WAHA
    with pytest.raises(AssertionError) as info:
        validate(path, request_)
    assert why in str(info.value)

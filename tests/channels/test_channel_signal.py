"""Signal via signal-cli-rest-api: /v2/send against a fake of both answer shapes, per-recipient
errors, which 400s mean "nothing sent", recipients checked at config time, 429 needs a human."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from citychan.channels.base import ChannelConfigError, ChannelContext, ChannelError
from citychan.channels.signal import SignalChannel
from citychan.delivery.retry import RetryPolicy, send_with_retry
from citychan.testing import sample_post
from tests.support.cli import assert_one_line_error, cli
from tests.support.fault_server import FaultServer, Ok
from tests.support.openapi import SIGNAL, validate

NUMBERS = ["+4915112345678", "+4915198765432"]


# real-shaped group ids: "group." + base64(base64(32 bytes)), as GET /v1/groups lists them
def group_id(raw: bytes) -> str:
    return "group." + base64.b64encode(base64.b64encode(raw)).decode()


GROUP = group_id(b"bautzen-budysin-stadtverwaltung!")
GROUP_2 = group_id(b"wojerecy-feuerwehr-budysin-2026!")
OPTIONS = {"base_url": "http://127.0.0.1:8080", "number": "+4935915340", "recipients": NUMBERS}
TIMESTAMP = "1764335100123"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")  # a number too

# --- the fake --------------------------------------------------------------------------------
# Built from bbernhard/signal-cli-rest-api (MIT), read 2026-11-29:
# - src/api/api.go SendV2: 400 {"error": ...} for the request checks and for every error of the
#   client, 429 {"error", "challenge_tokens", "account"} for a rate-limit challenge, else 201.
#   Release 0.100 (tag 0.100, commit a4f5855, 2026-06-11) answers 201 {"timestamp": "..."}
#   of the first send; master since commit 6a225e6 (2026-07-23) answers the whole list
#   [{"timestamp": "...", "errors": {"recipients": [{number|uuid|username, reason}]}}].
# - src/client/client.go SendV2 and getRecipientType: a recipient is a group ("group." + base64
#   of base64 of 32 bytes), a number ("+" and digits, or a UUID) or a username; numbers with
#   groups, usernames with groups, numbers with usernames, or two groups are refused with the
#   texts below before anything is sent. send(): "reason" is signal-cli's result type
#   (IDENTITY_FAILURE, UNREGISTERED_FAILURE, NETWORK_FAILURE, ...) of each recipient not reached.
# - src/datastructs/datastructs.go SendMessageResponse / SendMessageErrors / SendMessageError.

MIXED_GROUPS_NUMBERS = (
    "Signal Messenger Groups and phone numbers cannot be specified together in one request! "
    "Please split them up into multiple REST API calls."
)
MIXED_NUMBERS_USERNAMES = (
    "Signal Messenger phone numbers and usernames cannot be specified together in one request! "
    "Please split them up into multiple REST API calls."
)
TWO_GROUPS = (
    "A signal message cannot be sent to more than one group at once! "
    "Please use multiple REST API calls for that."
)


def signal_cli_rest_api(
    version: str,
    seen: list[dict] | None = None,
    not_reached: dict[str, str] | None = None,
    cli_error: str | None = None,
    mode: str = "normal",
) -> Callable[[httpx.Request], httpx.Response]:
    """A handler for ``POST /v2/send`` of ``version`` "0.100" or "master", the server run in
    signal-cli's ``mode`` "normal" (or "native", the same) or "json-rpc". ``not_reached``:
    recipient -> signal-cli result type for those signal-cli could not reach; ``cli_error``:
    an error signal-cli itself raised while sending (the server answers 400 with it)."""

    def handle(request: httpx.Request) -> httpx.Response:
        assert (request.method, request.url.path) == ("POST", "/v2/send")
        body = json.loads(request.content)
        if seen is not None:
            seen.append(body)
        recipients = body.get("recipients") or []
        if not recipients:
            return _error("Couldn't process request - please provide at least one recipient")
        groups = [r for r in recipients if r.startswith("group.")]
        numbers = [r for r in recipients if r.startswith("+") or UUID.fullmatch(r)]
        usernames = [r for r in recipients if r not in groups and r not in numbers]
        if groups and numbers:
            return _error(MIXED_GROUPS_NUMBERS)
        if numbers and usernames:
            return _error(MIXED_NUMBERS_USERNAMES)
        if len(groups) > 1:
            return _error(TWO_GROUPS)
        if cli_error:
            return _error(cli_error)
        errors = [{"number": r, "reason": why} for r, why in (not_reached or {}).items()]
        result: dict = {"timestamp": TIMESTAMP}
        if version == "0.100":
            if errors and mode == "normal":
                # 0.100 parsed signal-cli's plain-text output as a timestamp; with the lines
                # "Failed to send (some) messages:" and one per missed recipient before it,
                # that fails and the whole output, line breaks removed, becomes the 400 text
                missed = "".join(f'Untrusted Identity for "{e["number"]}"' for e in errors)
                return _error(f"Failed to send (some) messages:{missed}{TIMESTAMP}")
            return httpx.Response(201, json=result)  # json-rpc: the results are dropped
        if errors:
            result["errors"] = {"recipients": errors}
        return httpx.Response(201, json=[result])

    return handle


def _error(text: str) -> httpx.Response:
    return httpx.Response(400, json={"error": text})


def make(handler, **options) -> SignalChannel:
    """The channel against ``handler``; every request is checked against the server's API
    description first (tests/support/data/openapi/signal-cli-rest-api.yaml)."""

    def checked(request: httpx.Request) -> httpx.Response:
        validate(SIGNAL, request)
        return handler(request)

    ctx = ChannelContext(env={}, http=httpx.Client(transport=httpx.MockTransport(checked)))
    return SignalChannel.from_config("signal", {**OPTIONS, **options}, ctx)


# --- answers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["0.100", "master"])
def test_send_request_shape_and_receipt_on_both_versions(version):
    seen: list[dict] = []
    receipt = make(signal_cli_rest_api(version, seen)).send(sample_post())
    assert seen == [
        {
            "message": "Die Löbauer Straße ist ab Montag gesperrt.",
            "number": "+4935915340",
            "recipients": NUMBERS,
            "text_mode": "normal",
        }
    ]
    assert receipt.remote_id == TIMESTAMP


def test_send_to_one_group_is_accepted_and_sent():
    seen: list[dict] = []
    receipt = make(signal_cli_rest_api("master", seen), recipients=[GROUP]).send(sample_post())
    assert seen[0]["recipients"] == [GROUP]
    assert receipt.remote_id == TIMESTAMP


def test_image_goes_as_base64_attachment(tmp_path):
    image = tmp_path / "plan.png"
    image.write_bytes(b"\x89PNG")
    seen: list[dict] = []
    make(signal_cli_rest_api("master", seen)).send(sample_post(image=image))
    (attachment,) = seen[0]["base64_attachments"]
    prefix = "data:image/png;filename=plan.png;base64,"
    assert attachment.startswith(prefix)
    assert base64.b64decode(attachment[len(prefix) :]) == b"\x89PNG"


def test_master_some_recipients_not_reached_is_unknown_naming_them():
    handler = signal_cli_rest_api("master", not_reached={NUMBERS[1]: "IDENTITY_FAILURE"})
    with pytest.raises(ChannelError) as info:
        make(handler).send(sample_post())
    assert (info.value.retryable, info.value.outcome_known) == (False, False)
    message = info.value.message
    assert f"timestamp {TIMESTAMP}" in message
    assert f"{NUMBERS[1]}: untrusted identity" in message
    assert NUMBERS[0] not in message
    # the miss is provable (signal-cli named it), so a resend goes to it alone
    assert info.value.missed == (NUMBERS[1],)
    assert "`citychan retry` resends to them alone" in message


def test_resend_after_a_partial_send_goes_to_the_missed_recipients_alone():
    seen: list[dict] = []
    channel = make(signal_cli_rest_api("master", seen))
    narrowed = dataclasses.replace(sample_post(), recipients=(NUMBERS[1],))
    assert channel.read_back(narrowed, datetime.now(UTC)) is None  # provably missing
    assert channel.send(narrowed).remote_id == TIMESTAMP
    assert seen[0]["recipients"] == [NUMBERS[1]]


def test_resend_to_recipients_no_longer_configured_sends_nothing():
    seen: list[dict] = []
    channel = make(signal_cli_rest_api("master", seen), recipients=[NUMBERS[0]])
    with pytest.raises(ChannelError, match="is configured in \\[channels.signal\\] any more"):
        channel.send(dataclasses.replace(sample_post(), recipients=(NUMBERS[1],)))
    assert seen == []


def test_signal_cannot_tell_without_a_recorded_miss():
    channel = make(signal_cli_rest_api("master"))
    with pytest.raises(NotImplementedError):
        channel.read_back(sample_post(), datetime.now(UTC))


def test_master_no_recipient_reached_is_failed_with_each_reason():
    handler = signal_cli_rest_api(
        "master",
        not_reached={NUMBERS[0]: "UNREGISTERED_FAILURE", NUMBERS[1]: "NETWORK_FAILURE"},
    )
    with pytest.raises(ChannelError) as info:
        make(handler).send(sample_post())
    assert (info.value.retryable, info.value.outcome_known) == (False, True)
    assert info.value.message == (
        f"Signal: reached no recipient ({NUMBERS[0]}: not registered with Signal; "
        f"{NUMBERS[1]}: network failure)"
    )


def test_master_group_member_not_reached_is_unknown():
    handler = signal_cli_rest_api("master", not_reached={NUMBERS[0]: "IDENTITY_FAILURE"})
    with pytest.raises(ChannelError) as info:
        make(handler, recipients=[GROUP]).send(sample_post())
    assert info.value.outcome_known is False
    assert NUMBERS[0] in info.value.message
    # a group's member cannot be sent to alone: signal-cli cannot tell for retry, a person does
    assert info.value.missed == () and "a person decides" in info.value.message


def test_0100_normal_mode_partial_send_comes_as_400_and_is_unknown():
    handler = signal_cli_rest_api("0.100", not_reached={NUMBERS[1]: "IDENTITY_FAILURE"})
    with pytest.raises(ChannelError) as info:
        make(handler).send(sample_post())
    assert (info.value.retryable, info.value.outcome_known) == (False, False)
    assert f'Untrusted Identity for "{NUMBERS[1]}"' in info.value.message
    assert "may have reached some recipients" in info.value.message


def test_0100_json_rpc_mode_drops_the_misses_so_the_post_counts_as_sent():
    # nothing in 0.100's json-rpc answer tells a miss: docs/channels.md says so
    handler = signal_cli_rest_api(
        "0.100", not_reached={NUMBERS[1]: "IDENTITY_FAILURE"}, mode="json-rpc"
    )
    assert make(handler).send(sample_post()).remote_id == TIMESTAMP


def test_answer_without_timestamp_and_5xx_are_unknown():
    for response in (
        httpx.Response(500, json={"error": "boom"}),
        httpx.Response(201),
        httpx.Response(201, json=[]),
        httpx.Response(201, json=[{"errors": {}}]),
    ):
        with pytest.raises(ChannelError) as info:
            make(lambda r, resp=response: resp).send(sample_post())
        assert (info.value.retryable, info.value.outcome_known) == (False, False)


# --- 400: before or after signal-cli tried -----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Couldn't process request - invalid request",
        "Couldn't process request - please provide a valid number",
        MIXED_GROUPS_NUMBERS,
        MIXED_NUMBERS_USERNAMES,
        TWO_GROUPS,
        "Invalid identifier group.abc",
    ],
)
def test_400_from_the_servers_own_checks_is_failed_nothing_sent(text):
    with pytest.raises(ChannelError) as info:
        make(signal_cli_rest_api("master", cli_error=text)).send(sample_post())
    assert (info.value.retryable, info.value.outcome_known) == (False, True)
    assert info.value.message == f"Signal: HTTP 400: {text} (nothing was sent)"


@pytest.mark.parametrize("version", ["0.100", "master"])
def test_400_after_signal_cli_attempted_the_send_is_unknown(version):
    # signal-cli's own error after a send to several recipients, e.g. an untrusted identity
    text = 'Failed to send message: Untrusted Identity for "+4915198765432"'
    with pytest.raises(ChannelError) as info:
        make(signal_cli_rest_api(version, cli_error=text)).send(sample_post())
    assert (info.value.retryable, info.value.outcome_known) == (False, False)
    assert text in info.value.message
    assert "may have reached some recipients" in info.value.message


# --- 429 ---------------------------------------------------------------------------------------


def test_429_rate_limit_challenge_needs_a_human_and_is_never_retried():
    calls = []

    def handler(request):
        calls.append(request)
        # api.go SendV2: a RateLimitErrorType becomes 429 with the challenge tokens
        return httpx.Response(
            429,
            json={
                "error": "Rate limit exceeded: proof required. Use the attached challenge tokens "
                "to lift the rate limit restrictions via the "
                "'/v1/accounts/{number}/rate-limit-challenge' endpoint.",
                "challenge_tokens": ["d9c1b3a0-0000-4000-8000-000000000000"],
                "account": "+4935915340",
            },
            headers={"Retry-After": "1"},
        )

    channel = make(handler)
    with pytest.raises(ChannelError) as info:
        send_with_retry(lambda: channel.send(sample_post()), RetryPolicy(), sleep=lambda s: None)
    assert len(calls) == 1
    assert (info.value.retryable, info.value.outcome_known) == (False, True)
    assert "needs a person" in info.value.message
    assert "rate-limit-challenge" in info.value.message


# --- config ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"number": "035915340"}, "international form"),
        ({"recipients": []}, "non-empty list"),
        ({"base_url": "http://signal.example"}, "https://"),
        ({"recipients": ["015112345678"]}, "is not a number in international form"),
        ({"recipients": ["group.Y2l0eWNoYW4="]}, "is not a number in international form"),
    ],
)
def test_config_errors(options, message):
    with pytest.raises(ChannelConfigError, match=message):
        make(lambda r: httpx.Response(201), **options)


@pytest.mark.parametrize(
    ("recipients", "message"),
    [
        ([NUMBERS[0], GROUP], "mix numbers and groups"),
        (["stadt.01", GROUP], "mix usernames and groups"),
        ([NUMBERS[0], "stadt.01"], "mix numbers and usernames"),
        ([GROUP, GROUP_2], "name 2 groups"),
    ],
)
def test_recipients_one_request_cannot_take_are_a_config_error(recipients, message):
    with pytest.raises(ChannelConfigError, match=message) as info:
        make(lambda r: httpx.Response(201), recipients=recipients)
    assert "channel" in str(info.value).split(":")[-1]


@pytest.mark.parametrize(
    "recipients",
    [NUMBERS, [GROUP], ["stadt.01", "rathaus.42"], ["8e5e8d3c-4c5e-4d0e-9a4b-3f1f2a6b7c8d"]],
)
def test_recipients_one_request_takes_are_accepted(recipients):
    assert make(lambda r: httpx.Response(201), recipients=recipients).recipients == recipients


def test_check_refuses_numbers_mixed_with_a_group_exit_2_with_the_two_channels_hint(
    make_config, notice
):
    make_config(channels={"signal": {"type": "signal", **OPTIONS, "recipients": [*NUMBERS, GROUP]}})
    run = cli("check", "notice.md")
    assert_one_line_error(
        run, 2, "citychan.toml: [channels.signal] recipients mix numbers and groups"
    )
    assert "configure two channels" in run.stderr


@pytest.mark.integration  # a loopback server answers as signal-cli-rest-api master does
def test_partial_send_is_recorded_unknown_naming_the_missed_and_retry_resends_to_them_alone(
    make_config, notice
):
    missed = {"number": NUMBERS[1], "reason": "IDENTITY_FAILURE"}
    partial = Ok([{"timestamp": TIMESTAMP, "errors": {"recipients": [missed]}}], status=201)
    resent = Ok([{"timestamp": "1764335200456"}], status=201)
    with FaultServer([partial, resent]) as server:
        make_config(channels={"signal": {"type": "signal", **OPTIONS, "base_url": server.url}})
        posted = cli("post", "notice.md", "--yes")
        listed = cli("retry", "--list", "--output", "json")
        retried = cli("retry", "--output", "json")  # no terminal, nobody asked: none needed
        bodies = [r.json() for r in server.requests]
        for r in server.requests:  # what went over the wire, against the API description
            validate(SIGNAL, httpx.Request(r.method, server.url + r.path, headers=r.headers,
                                           content=r.body))
    assert posted.code == 4, posted.stdout + posted.stderr
    (row,) = json.loads(listed.stdout)["result"]["deliveries"]
    assert row["status"] == "unknown"
    assert f"{NUMBERS[1]}: untrusted identity" in row["error"]
    assert NUMBERS[0] not in row["error"]
    (done,) = json.loads(retried.stdout)["result"]["deliveries"]
    assert retried.code == 0 and (done["action"], done["new_status"]) == ("resent", "sent")
    assert [b["recipients"] for b in bodies] == [NUMBERS, [NUMBERS[1]]]
    assert bodies[0]["message"] == bodies[1]["message"]


@pytest.mark.integration
def test_partial_send_to_a_group_is_left_to_a_person_and_not_resent_unasked(
    make_config, notice
):
    missed = {"number": NUMBERS[0], "reason": "IDENTITY_FAILURE"}
    partial = Ok([{"timestamp": TIMESTAMP, "errors": {"recipients": [missed]}}], status=201)
    with FaultServer([partial]) as server:
        make_config(channels={"signal": {"type": "signal", **OPTIONS, "base_url": server.url,
                                         "recipients": [GROUP]}})
        posted = cli("post", "notice.md", "--yes")
        retried = cli("retry", "--output", "json")  # no terminal: nobody says yes
        sent = len(server.requests)
    assert posted.code == 4
    (left,) = json.loads(retried.stdout)["result"]["deliveries"]
    assert (left["action"], left["new_status"], left["declined"]) == ("left", "unknown", True)
    assert sent == 1

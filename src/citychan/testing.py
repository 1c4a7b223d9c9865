"""The channel contract suite, for built-in channels and plugins alike.

A plugin author runs it in their own tests::

    import httpx
    from citychan.testing import check_channel

    def ok(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": "42"})

    def test_contract():
        check_channel(
            lambda ctx: MyChannel.from_config("mine", {"token_env": "MY_TOKEN"}, ctx),
            ok=ok,
            env={"MY_TOKEN": "s3cret-token"},
            secrets=["s3cret-token"],
        )

``ok`` answers a successful request in the API's own shape. The suite then replays the same
send against synthesised faults (500, 429 with Retry-After, 400, connection refused, read
timeout) through an ``httpx.MockTransport`` given to the channel as ``ctx.http``. A channel
that does not use httpx passes ``ok=None`` and ``faults=False`` and brings its own stub inside
the factory. Every problem found is collected; :class:`ContractError` lists them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from citychan.channels.base import (
    Capabilities,
    Channel,
    ChannelContext,
    ChannelError,
    Dialect,
    Kind,
    Post,
    Receipt,
    Rendered,
)

if TYPE_CHECKING:
    import httpx

__all__ = ["ContractError", "Fault", "FAULTS", "check_channel", "sample_post"]

Handler = Callable[["httpx.Request"], "httpx.Response"]
Factory = Callable[[ChannelContext], Channel]


class ContractError(AssertionError):
    """The channel broke the contract; ``problems`` says how, one line each."""

    def __init__(self, name: str, problems: list[str]) -> None:
        super().__init__(
            f"channel {name!r} breaks the citychan channel contract:\n- " + "\n- ".join(problems)
        )
        self.problems = problems


def sample_post(
    dialect: Dialect = Dialect.PLAIN,
    *,
    channel: str = "contract",
    kind: Kind = Kind.INFO,
    text: str = "Die Löbauer Straße ist ab Montag gesperrt.",
    title: str = "Straßensperrung Löbauer Straße",
    link: str | None = "https://www.bautzen.de/aktuelles/sperrung",
    **fields: Any,
) -> Post:
    """A realistic post for tests: German umlauts, a link, a stable idempotency key."""
    return Post(
        message_id="c0ffee" * 4,
        channel=channel,
        kind=kind,
        title=title,
        rendered=Rendered(dialect=dialect, text=text, title=title),
        link=link,
        idempotency_key=fields.pop("idempotency_key", "citychan-contract-key-0001"),
        sent=fields.pop("sent", datetime(2026, 11, 28, 14, 5, tzinfo=UTC)),
        **fields,
    )


@dataclass(frozen=True)
class Fault:
    """One synthesised failure and what a correct channel must say about it."""

    name: str
    answer: Callable[[httpx.Request], httpx.Response]
    # (retryable, outcome_known) pairs that are correct; None: any combination
    allowed: frozenset[tuple[bool, bool]] | None
    # also correct for a channel that declares ``ambiguous_4xx = True``: its API answers a 4xx
    # also after a partial send (signal-cli-rest-api), so "unknown" may be the honest answer
    if_ambiguous: frozenset[tuple[bool, bool]] = frozenset()


def _status(code: int, headers: Mapping[str, str] | None = None) -> Handler:
    def answer(request: httpx.Request) -> httpx.Response:
        import httpx

        return httpx.Response(
            code, json={"error": f"contract fault {code}"}, headers=dict(headers or {})
        )

    return answer


def _raise(kind: str) -> Handler:
    def answer(request: httpx.Request) -> httpx.Response:
        import httpx

        exc = getattr(httpx, kind)
        raise exc(f"contract fault {kind}", request=request)

    return answer


FAULTS: tuple[Fault, ...] = (
    # a 5xx may have been processed: never a plain known failure
    Fault("HTTP 500", _status(500), frozenset({(True, False), (False, False)})),
    # a 429 did nothing: the outcome is known (retryable unless the API needs a human)
    Fault("HTTP 429", _status(429, {"Retry-After": "1"}), frozenset({(True, True), (False, True)})),
    # a 4xx is the API's no: known, and sending again will not help
    Fault("HTTP 400", _status(400), frozenset({(False, True)}), frozenset({(False, False)})),
    # nothing left this machine: known, and safe to retry
    Fault("connection refused", _raise("ConnectError"), frozenset({(True, True)})),
    # sent, no answer: unknown unless an idempotency key makes a retry safe
    Fault("read timeout", _raise("ReadTimeout"), frozenset({(True, False), (False, False)})),
)


def _no_secret(what: str, text: str, secrets: Iterable[str], problems: list[str]) -> None:
    for secret in secrets:
        if secret and secret in text:
            problems.append(f"{what} shows a secret")


def _build(
    factory: Factory, env: Mapping[str, str], handler: Handler | None, problems: list[str],
    clients: ExitStack,
) -> Channel | None:
    http = None
    if handler is not None:
        import httpx

        http = clients.enter_context(
            httpx.Client(transport=httpx.MockTransport(handler), timeout=5.0))
    try:
        return factory(ChannelContext(env=dict(env), http=http, timeout=5.0))
    except Exception as exc:
        problems.append(f"factory failed: {type(exc).__name__}: {exc}")
        return None


def check_channel(
    factory: Factory,
    *,
    ok: Handler | None,
    env: Mapping[str, str] | None = None,
    secrets: Iterable[str] = (),
    post: Post | None = None,
    faults: bool = True,
) -> Receipt:
    """Run the contract against a channel built by ``factory(ctx)``; return the ok Receipt.

    Raises :class:`ContractError` listing every problem found.
    """
    secrets, env = list(secrets), dict(env or {})
    problems: list[str] = []
    with ExitStack() as clients:  # every client built for the checks is closed after them
        channel = _build(factory, env, ok, problems, clients)
        if channel is None:
            raise ContractError("?", problems)
        name = getattr(channel, "name", "?")
        _check_shape(channel, problems)
        post = post or sample_post(_dialect(channel), channel=str(name))
        receipt = _check_send(channel, post, secrets, problems)
        if faults:
            for fault in FAULTS:
                faulty = _build(factory, env, fault.answer, problems, clients)
                if faulty is not None:
                    _check_fault(faulty, post, fault, secrets, problems)
    _no_secret("repr(channel)", repr(channel), secrets, problems)
    _no_secret("str(channel)", str(channel), secrets, problems)
    _no_secret("vars(channel) as text", _public_vars(channel), secrets, problems)
    if problems:
        raise ContractError(str(name), problems)
    assert receipt is not None
    return receipt


def _public_vars(channel: object) -> str:
    data = getattr(channel, "__dict__", {})
    return repr({k: v for k, v in data.items() if not k.startswith("_")})


def _dialect(channel: Channel) -> Dialect:
    caps = getattr(channel, "capabilities", None)
    return caps.dialect if isinstance(caps, Capabilities) else Dialect.PLAIN


def _check_shape(channel: Any, problems: list[str]) -> None:
    if not isinstance(channel, Channel):
        problems.append("does not satisfy the Channel protocol (name, capabilities, send)")
    if not isinstance(getattr(channel, "name", None), str) or not channel.name:
        problems.append("name must be a non-empty string")
    if not isinstance(getattr(channel, "capabilities", None), Capabilities):
        problems.append("capabilities must be a citychan Capabilities")
    for hook in ("preflight", "read_back"):
        if hasattr(channel, hook) and not callable(getattr(channel, hook)):
            problems.append(f"{hook} must be a method")


def _check_send(
    channel: Channel, post: Post, secrets: list[str], problems: list[str]
) -> Receipt | None:
    try:
        receipt = channel.send(post)
    except ChannelError as exc:
        problems.append(f"send failed against the ok answer: {exc.message}")
        return None
    except Exception as exc:
        problems.append(f"send raised {type(exc).__name__}, not ChannelError")
        return None
    if not isinstance(receipt, Receipt):
        problems.append(f"send returned {type(receipt).__name__}, not a Receipt")
        return None
    _no_secret("the receipt", repr(receipt), secrets, problems)
    return receipt


def _check_fault(
    channel: Channel, post: Post, fault: Fault, secrets: list[str], problems: list[str]
) -> None:
    try:
        result = channel.send(post)
    except ChannelError as exc:
        flags = (exc.retryable, exc.outcome_known)
        allowed = fault.allowed
        if allowed is not None and getattr(channel, "ambiguous_4xx", False) is True:
            allowed = allowed | fault.if_ambiguous
        if not all(isinstance(f, bool) for f in flags):
            problems.append(f"{fault.name}: retryable/outcome_known must be bools")
        elif allowed is not None and flags not in allowed:
            problems.append(
                f"{fault.name}: retryable={flags[0]}, outcome_known={flags[1]} is wrong "
                f"(allowed: {sorted(allowed)})"
            )
        if exc.retry_after is not None and exc.retry_after < 0:
            problems.append(f"{fault.name}: retry_after is negative")
        for what, text in (
            ("str(error)", str(exc)),
            ("repr(error)", repr(exc)),
            ("error.message", exc.message),
        ):
            _no_secret(f"{fault.name}: {what}", text, secrets, problems)
        return
    except Exception as exc:
        problems.append(f"{fault.name}: raised {type(exc).__name__}, not ChannelError")
        return
    problems.append(f"{fault.name}: send returned {result!r} instead of raising ChannelError")

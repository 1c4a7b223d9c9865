"""The channels themselves: which types exist, pre-flight tests, and resolving deliveries
that failed or whose outcome is unknown (`citychan retry`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from citychan import operators
from citychan.channels.registry import ChannelType, available_types
from citychan.config import Config
from citychan.delivery.preflight import Check, run_checks
from citychan.delivery.recovery import Ask, Resolution, dismiss, pending, resolve
from citychan.errors import ExitCode
from citychan.store.deliveries import Delivery, Status
from citychan.warn.cap_files import after_resend


def types() -> dict[str, ChannelType]:
    """Every channel type: built-ins, then plugins."""
    return available_types()


def test(config: Config, env: Mapping[str, str] | None = None) -> list[Check]:
    """Pre-flight checks of every enabled channel, without posting."""
    return run_checks(config, env)


def unresolved(config: Config) -> list[Delivery]:
    """Deliveries that failed, are unknown or never finished."""
    return pending(config)


def retry(config: Config, ask: Ask, env: Mapping[str, str] | None = None) -> list[Resolution]:
    """Resolve every open delivery; a warning resent to an outbox or feed gets its CAP
    document beside it again."""
    return resolve(config, ask=ask, env=env, resent=after_resend)


def dismiss_deliveries(config: Config, refs: Sequence[str], *, by: str | None = None,
                       reason: str | None = None, failed: bool = False) -> list[Resolution]:
    """Close deliveries that will never go (`retry --dismiss REF`, `--dismiss-failed`),
    recorded with who (``by``, default the login name) and why."""
    who = operators.operator(by)
    return dismiss(config, refs, by=who, reason=operators.reason(reason), failed=failed)


OPEN = frozenset({Status.FAILED, Status.UNKNOWN, Status.PENDING})


def checks_exit_code(checks: Iterable[Check]) -> ExitCode:
    """4 when a pre-flight check found a problem, else 0."""
    return ExitCode.OK if all(c.ok for c in checks) else ExitCode.DELIVERY


def open_exit_code(statuses: Iterable[Status]) -> ExitCode:
    """4 while any delivery is still failed, unknown or pending, else 0."""
    return ExitCode.DELIVERY if any(s in OPEN for s in statuses) else ExitCode.OK

"""Secrets: every value the config points at, masked by the one implementation
(:class:`citychan.masking.Masker`) in every text citychan shows, logs or stores."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from citychan.channels.base import Receipt
from citychan.config import Config
from citychan.masking import Masker


def secrets_of(config: Config, env: Mapping[str, str]) -> list[str]:
    """Every secret value the config points at, to mask them wherever text is shown or stored.
    Surrounding whitespace is no part of a secret (the channels trim it too)."""
    values = []
    for cc in config.channels.values():
        for key, value in cc.options.items():
            if key.endswith("_env") and isinstance(value, str) and env.get(value):
                values.append(env[value].strip())
    return values


def redactor(config: Config, env: Mapping[str, str]) -> Masker:
    """The masker of every secret of ``config``: the last line of defence for texts,
    remote ids and URLs before they reach the store, the output or a log."""
    return Masker(secrets_of(config, env))


def mask_receipt(receipt: Receipt, mask: Callable[[str], str]) -> tuple[str | None, str | None]:
    """The remote id and URL of ``receipt``, masked: a server may echo a token in them."""
    return (None if receipt.remote_id is None else mask(receipt.remote_id),
            None if receipt.url is None else mask(receipt.url))

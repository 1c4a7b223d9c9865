"""Secrets: every value the config points at, and the one redaction that masks them in
every text citychan shows, logs or stores."""

from __future__ import annotations

from collections.abc import Mapping

from citychan.config import Config


def secrets_of(config: Config, env: Mapping[str, str]) -> list[str]:
    """Every secret value the config points at, to mask them wherever text is shown or stored."""
    values = []
    for cc in config.channels.values():
        for key, value in cc.options.items():
            if key.endswith("_env") and isinstance(value, str) and env.get(value):
                values.append(env[value])
    return [v for v in values if len(v) >= 4]


class Redactor:
    """Replaces every known secret in a text; the last line of defence for error texts."""

    def __init__(self, secrets: list[str]) -> None:
        self._secrets = sorted(set(secrets), key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for s in self._secrets:
            text = text.replace(s, "***")
        return text

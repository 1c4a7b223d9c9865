"""A throwaway installed distribution on sys.path: how a third-party channel plugin looks to
importlib.metadata, without installing anything."""

from __future__ import annotations

from pathlib import Path

import pytest

FAKE_CHANNEL = """
from __future__ import annotations
import threading
from citychan.channels.base import Capabilities, ChannelError, Dialect, Option, Receipt

CALLS = []          # every post sent, by any fake channel
BARRIER = {}        # name -> threading.Barrier, to prove concurrency without timing
READ_BACK = {}      # channel name -> "found" | "missing" | "down" | None (cannot tell)

class FakeChannel:
    type_name = "fake"
    options = {"behaviour": Option(str, default="ok"), "token_env": Option(str),
               "limit": Option(int)}

    def __init__(self, name, behaviour, token, limit):
        self.name, self.behaviour, self._token = name, behaviour, token
        self.capabilities = Capabilities(dialect=Dialect.PLAIN, max_length=limit)

    @classmethod
    def from_config(cls, name, options, ctx):
        token = ctx.secret(name, options["token_env"]) if options.get("token_env") else None
        return cls(name, options.get("behaviour", "ok"), token, options.get("limit"))

    def __repr__(self):
        return f"FakeChannel({self.name!r})"

    def send(self, post):
        CALLS.append((self.name, post))
        if self.name in BARRIER:
            BARRIER[self.name].wait(timeout=10)
        b = self.behaviour
        if b == "unknown":
            raise ChannelError("timeout after sending", outcome_known=False)
        if b == "fail":
            raise ChannelError("401 Unauthorized for token " + (self._token or ""), status=401)
        if b == "crash":
            raise RuntimeError("bug with " + (self._token or ""))
        return Receipt(remote_id=f"{self.name}-{len(CALLS)}", url=f"https://example.org/{self.name}")

    def preflight(self):
        return [] if self.behaviour == "ok" else [f"{self.name} is not ready"]

    def read_back(self, post, since):
        state = READ_BACK.get(self.name)
        if state is None:
            raise NotImplementedError
        if state == "found":
            return Receipt(remote_id="found-1", url="https://example.org/found")
        if state == "down":
            raise ChannelError("fake: HTTP 502 while reading back", outcome_known=False)
        return None
"""


def install_plugin(
    root: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    dist: str = "citychan-fake",
    version: str = "1.2.3",
    module: str = "citychan_fake",
    source: str = FAKE_CHANNEL,
    entry_points: str = "fake = citychan_fake:FakeChannel",
) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{module}.py").write_text(source)
    info = root / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[citychan.channels]\n{entry_points}\n")
    monkeypatch.syspath_prepend(str(root))

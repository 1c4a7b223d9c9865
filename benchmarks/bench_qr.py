"""Whole-process time of `citychan qr --out poster.pdf --poster` (target <= 0.5 s on a
2-core machine), with `python -c pass` and `citychan --version` measured in the same run as
references. The config has three other channels, so the poster carries four codes."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from _timing import medians, verdict

TARGET_S = 0.5
CONFIG = """version = 1
[subscribe]
url = "https://whatsapp.com/channel/0029VaBautzenStadtInfo01"
[subscribe.links]
telegram = "https://t.me/bautzen_info"
mastodon = "https://bautzen.social/@stadt"
feed = "https://www.bautzen.de/aktuelles/feed.xml"
"""


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    citychan = str(Path(sys.executable).parent / "citychan")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "citychan.toml").write_text(CONFIG, encoding="utf-8")
        results = medians({
            "python -c pass": [sys.executable, "-c", "pass"],
            "citychan --version": [citychan, "--version"],
            "citychan qr --out poster.pdf --poster": [citychan, "qr", "--out", "poster.pdf",
                                                      "--poster"],
            "citychan qr --out code.png": [citychan, "qr", "--out", "code.png"],
        }, runs, cwd=tmp)
        size_kb = (Path(tmp) / "poster.pdf").stat().st_size / 1024
    for name, t in results.items():
        print(f"{name:40s} {t * 1000:7.1f} ms (median of {runs})")
    poster = results["citychan qr --out poster.pdf --poster"]
    print(f"poster.pdf: {size_kb:.0f} KiB")
    verdict("citychan qr --poster", poster, TARGET_S, " s")


if __name__ == "__main__":
    main()

"""`citychan check` of 1,000 generated notices (with Sorbian siblings for every tenth),
whole process, against the embedded default channels. Target: <= 3 s on 2 cores."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from _timing import medians, verdict

TARGET = 3.0
BODY = """Die **{street}** ist vom {day}. bis {end}. Dezember zwischen *Wallstraße* und
Taucherstraße gesperrt.

## Umleitung

- über die [Äußere Lauenstraße](https://www.bautzen.de/umleitung/{n}?utm_source=wa)
  - Busse der Linie {n} fahren Ersatzhaltestellen an
- Fußgänger können passieren

> Bitte planen Sie mehr Zeit ein. 🚧

Rückfragen: `03591 534-{n:03d}`
"""


def generate(folder: Path, count: int) -> list[str]:
    names = []
    for n in range(count):
        p = folder / f"notice-{n:04d}.md"
        p.write_text(
            f"---\ntitle: Sperrung der Straße Nr. {n}\nsummary: Gesperrt bis {n % 28 + 1}.12.\n"
            f"link: https://www.bautzen.de/aktuelles/{n}\ntags: [verkehr]\n---\n"
            + BODY.format(street=f"Löbauer Straße {n}", day=n % 28 + 1, end=n % 28 + 2, n=n),
            encoding="utf-8",
        )
        if n % 10 == 0:
            (folder / f"notice-{n:04d}.hsb.md").write_text(
                f"---\ntitle: Zawrjenje dróhi čo. {n}\n---\nDróha je zawrjena. Wobjězd přez "
                "Zwonkowu dróhu.\n",
                encoding="utf-8",
            )
        names.append(p.name)
    return names


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    citychan = str(Path(sys.executable).parent / "citychan")
    with tempfile.TemporaryDirectory() as tmp:
        names = generate(Path(tmp), count)
        results = medians(
            {
                "citychan check 1 notice": [citychan, "check", names[1]],
                f"citychan check {count} notices": [citychan, "check", *names],
            },
            runs,
            cwd=tmp,
        )
    for name, t in results.items():
        print(f"{name:30s} {t:6.2f} s (median of {runs})")
    total = results[f"citychan check {count} notices"]
    one = results["citychan check 1 notice"]
    print(f"per notice beyond start-up: {(total - one) / (count - 1) * 1000:.2f} ms")
    verdict(f"citychan check of {count} notices", total, TARGET, " s")


if __name__ == "__main__":
    main()

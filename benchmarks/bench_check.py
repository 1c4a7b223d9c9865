"""`citychan check` of 1,000 generated notices (with Sorbian siblings for every tenth),
whole process, against the embedded default channels. Target: <= 3 s on 2 cores."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
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


# Hostile notices (issue: hostile input): each must cost about what a normal notice costs;
# before the fixes the first took 45 s and the last 50 s with 2.8 GB.
HOSTILE = {
    "URL followed by 300,000 ')'": "Siehe https://www.bautzen.de/" + ")" * 300_000,
    "60,000 stray '[' (markdown-it's dearest)": "a" + "[" * 60_000,
    "377-byte YAML billion laughs": None,  # in the front matter, below
}
LAUGHS = "".join(f"  - &{c} [{','.join([f'*{p}'] * 9)}]\n"
                 for p, c in zip("abcdefg", "bcdefgh", strict=True))


def hostile(folder: Path) -> dict[str, list[str]]:
    names = {}
    for i, (what, body) in enumerate(HOSTILE.items()):
        p = folder / f"hostile-{i}.md"
        if body is None:
            p.write_text("---\ntitle: Lachen\ntags:\n  - &a [lol,lol,lol,lol,lol,lol,lol,lol,"
                         f"lol]\n{LAUGHS}---\nHaha\n", encoding="utf-8")
        else:
            p.write_text(f"---\ntitle: Feindlich\n---\n{body}\n", encoding="utf-8")
        names[what] = [p.name]
    return names


def time_runs(cmd: list[str], runs: int, cwd: str) -> float:
    """Median wall time of a whole process that may refuse its input (exit 2 is expected)."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=600)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    citychan = str(Path(sys.executable).parent / "citychan")
    with tempfile.TemporaryDirectory() as tmp:
        names = generate(Path(tmp), count)
        attacks = {what: time_runs([citychan, "check", *files], runs, tmp)
                   for what, files in hostile(Path(tmp)).items()}
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
    for what, t in attacks.items():
        print(f"hostile: {what:32s} {t:6.2f} s = {t / one:4.1f} x one normal notice")


if __name__ == "__main__":
    main()

"""Shared by the benchmarks: time whole processes, alternating, and report medians."""

from __future__ import annotations

import compileall
import os
import statistics
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "citychan"


def compile_project() -> None:
    """Write citychan's bytecode, as installing a wheel does. The editable install of the
    checkout otherwise recompiles every module at every start when PYTHONDONTWRITEBYTECODE
    is set (it is on CI machines): ~35 ms no installed copy pays, and apprise, installed
    with pip, does not pay either."""
    compileall.compile_dir(SRC, quiet=1)


def run_once(cmd: Sequence[str], cwd: str | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 3):
        raise SystemExit(
            f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}"
        )
    return elapsed


def medians(
    commands: dict[str, Sequence[str]], runs: int, cwd: str | None = None
) -> dict[str, float]:
    """Run every command ``runs`` times, interleaved so drift hits all alike."""
    compile_project()
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for cmd in commands.values():  # warm the file cache once
        run_once(cmd, cwd)
    for _ in range(runs):
        for name, cmd in commands.items():
            samples[name].append(run_once(cmd, cwd))
    return {name: statistics.median(s) for name, s in samples.items()}


def verdict(label: str, value: float, target: float, unit: str = "") -> bool:
    """Print one clearly labelled target line; with $BENCH_SUMMARY set (``make bench`` sets
    it), also append it there, so every target is listed again at the end of the run."""
    ok = value <= target
    line = (
        f"TARGET {label}: {value:.2f}{unit} (target <= {target:.2f}{unit})  "
        f"{'PASS' if ok else 'FAIL'}"
    )
    print(line)
    summary = os.environ.get("BENCH_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as f:
            f.write(line + "\n")
    return ok

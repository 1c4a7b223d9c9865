"""Start-up: whole-process time of `citychan --help` against a bare Typer app with the same
commands, options and help style, generated from citychan's own command tree and measured
in the same run. Target: ratio <= 1.3 (citychan pays for Typer and nothing else)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from _timing import medians, verdict

TARGET = 1.3


def reference_source() -> str:
    """A plain Typer app mirroring citychan's commands (names, help, options), nothing else."""
    import typer.main

    from citychan.cli import app

    root = typer.main.get_command(app)
    lines = [
        "import typer",
        "from typing import List, Optional",
        f"app = typer.Typer(help={root.help!r}, no_args_is_help=True, add_completion=False,"
        " context_settings={'help_option_names': ['-h', '--help']})",
        "@app.callback()",
        "def _root(version: bool = typer.Option(False, '--version'), "
        "debug: bool = typer.Option(False, '--debug')):\n    pass",
    ]
    for i, (name, cmd) in enumerate(sorted(root.commands.items())):
        params = []
        for p in cmd.params:
            if p.name == "help":
                continue
            kind = (
                "bool"
                if getattr(p, "is_flag", False)
                else ("List[str]" if p.multiple or p.nargs == -1 else "Optional[str]")
            )
            if p.param_type_name == "argument":
                default = "..." if p.required else "None"
                params.append(
                    f"{p.name}: {kind} = typer.Argument({default}, "
                    f"help={getattr(p, 'help', None)!r})"
                )
            else:
                default = (
                    "False" if kind == "bool" else ("[]" if kind.startswith("List") else "None")
                )
                opts = ", ".join(repr(o) for o in p.opts)
                params.append(
                    f"{p.name}: {kind} = typer.Option({default}, {opts}, help={p.help!r})"
                )
        lines.append(f"@app.command({name!r}, help={cmd.help!r})")
        lines.append(f"def cmd_{i}({', '.join(params)}):\n    pass")
    lines.append("app()")
    return "\n".join(lines) + "\n"


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    bindir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as tmp:
        ref = Path(tmp) / "reference_app.py"
        ref.write_text(reference_source())
        results = medians(
            {
                "python -c pass": [sys.executable, "-c", "pass"],
                "bare typer --help": [sys.executable, str(ref), "--help"],
                "citychan --help": [str(bindir / "citychan"), "--help"],
            },
            runs,
            cwd=tmp,
        )
    for name, t in results.items():
        print(f"{name:22s} {t * 1000:7.1f} ms (median of {runs})")
    ratio = results["citychan --help"] / results["bare typer --help"]
    verdict("start-up ratio, citychan --help / bare Typer app --help", ratio, TARGET)


if __name__ == "__main__":
    main()

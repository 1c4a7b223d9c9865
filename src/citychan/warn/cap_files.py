"""Where a warning's CAP 1.2 document is written, and writing it all-or-none: the archive
beside the store and ``--cap-out``, checked before anything is confirmed or sent, staged as
temporary files and made visible together once the message is recorded."""

from __future__ import annotations

import os
from pathlib import Path

from citychan.alerts import Warning
from citychan.config import Config
from citychan.errors import UsageError


def cap_file_name(w: Warning) -> str:
    return f"{w.identifier}.cap.xml"


def cap_targets(
    w: Warning, config: Config, cap_out: Path | str | None, *, archive: bool
) -> list[Path]:
    """Where the CAP document goes: the archive beside the store and ``--cap-out`` (a folder
    when it exists as one or ends with '/', created if needed; else a file). A target that
    cannot be written is a usage error before anything is confirmed or sent."""
    name = cap_file_name(w)
    out = [config.store_path.parent / "cap" / name] if archive else []
    if cap_out is not None:
        text = str(cap_out)
        folder = text.endswith(("/", os.sep)) or Path(text).is_dir()
        out.append(Path(text) / name if folder else Path(text))
    for target in out:
        _check_writable(target)
    return out


def _check_writable(target: Path) -> None:
    if target.is_dir():
        raise UsageError(f"{target}: is a folder, not a CAP file")
    parent = target.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(
            f"{target}: cannot write the CAP document here ({parent} is not a writable folder)",
            hint="give --cap-out a writable file or folder (a folder ends with '/')",
        )


def write_cap(cap: bytes, targets: list[Path]) -> list[str]:
    """The CAP document to every target (a dry run: only --cap-out)."""
    return commit(stage(cap, targets))


def stage(cap: bytes, targets: list[Path]) -> list[tuple[Path, Path]]:
    """Temporary files beside each target (nothing visible yet); all or none."""
    import tempfile

    staged: list[tuple[Path, Path]] = []
    for target in targets:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            staged.append((Path(tmp), target))
            with os.fdopen(fd, "wb") as f:
                f.write(cap)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)
        except OSError as exc:
            discard(staged)
            raise UsageError(
                f"{target}: cannot write the CAP document ({exc.strerror}); nothing was sent"
            ) from None
    return staged


def commit(staged: list[tuple[Path, Path]]) -> list[str]:
    for tmp, target in staged:
        os.replace(tmp, target)
    return [str(target) for _, target in staged]


def discard(staged: list[tuple[Path, Path]]) -> None:
    for tmp, _ in staged:
        tmp.unlink(missing_ok=True)

"""The drafted copy of a notice (issue 15, review from another machine): a draft keeps the
files its content hash covers (the Markdown file, its translations ``NAME.LANG.md``, its
picture), by their names in the notice's folder. A reviewer on whose machine the file is not
(the author's laptop, a folder moved away) approves from that copy: written into a private
temporary folder in the same layout, loaded from there, and sent only when its content hash
is the drafted one. Where the file is on this machine it is read as it is, as before (a
changed file is refused)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from citychan.errors import CitychanError, UsageError
from citychan.i18n import N_
from citychan.kinds import Kind
from citychan.notices.message import Message, load_message
from citychan.store.drafts import Draft, DraftFile, DraftStore
from citychan.store.kept_files import MAX_BYTES  # the files' limit together


class NotKept(UsageError):
    """The notice's files cannot be kept in the store; ``reason`` says why, in short."""

    def __init__(self, message: str, *, hint: str, reason: str) -> None:
        super().__init__(message, hint=hint)
        self.reason = reason


def files_of(message: Message, languages: tuple[str, ...]) -> tuple[DraftFile, ...]:
    """The notice's files as they are now, to keep with its draft; refused (exit 2) when they
    exceed MAX_BYTES together, or when they would not load elsewhere as they load here."""
    folder = message.path.parent
    paths = [d.path for d in message.docs]
    if message.image is not None and message.image.is_file():
        paths.append(message.image)
    sizes = {p: _size(p) for p in paths}
    total = sum(sizes.values())
    if total > MAX_BYTES:
        raise NotKept(
            N_("{name}: its files are {size} MB together ({files}); a draft keeps at most "
               "{limit} MB of them in the store").format(
                name=message.path.name, size=f"{total / 1048576:.1f}",
                files=", ".join(p.name for p in paths), limit=MAX_BYTES // 1048576),
            hint=N_("make the picture smaller, then draft it again"),
            reason=N_("more than {limit} MB together").format(limit=MAX_BYTES // 1048576))
    files = tuple(DraftFile(_name(p, folder), _read(p)) for p in paths)
    with copied(files, message.path.name) as copy:
        again = load_message(copy, languages, kind=message.kind)
        # an absolute image: would still be read from this machine's folder
        elsewhere = again.image is not None and not again.image.resolve().is_relative_to(
            copy.parent.resolve())
        same = again.content_hash == message.content_hash  # while the copy is there
    if elsewhere or not same:
        raise NotKept(
            N_("{name}: its files do not load as drafted from another folder (the picture "
               "is named by an absolute path, or a file changed while it was drafted); "
               "nothing was drafted").format(name=message.path.name),
            hint=N_("name the picture relative to the notice's folder (image: photo.jpg), "
                    "then draft it again"),
            reason=N_("the picture is named by an absolute path, or a file changed meanwhile"))
    return files


@dataclass(frozen=True)
class Source:
    """Where a draft's notice is read from now: the file on this machine (``copied`` False),
    or the drafted copy in a temporary folder; ``problem``: why the copy cannot be sent."""

    path: Path | None  # None: a warning drafted from a template, no file
    copied: bool = False
    problem: str | None = None


@contextmanager
def source(drafts: DraftStore, d: Draft, file: str | Path | None, drafted_hash: str | None,
           languages: tuple[str, ...], kind: Kind) -> Iterator[Source]:
    """``file`` where it exists on this machine; else the drafted copy (checked against
    ``drafted_hash``), for as long as the block runs; else ``file`` (it cannot be read, as
    the caller then says)."""
    if file is None or drafted_hash is None:
        yield Source(None if file is None else Path(file))
        return
    path = Path(file)
    kept = [] if os.path.lexists(path) else drafts.files(d.id)
    if not kept:
        yield Source(path)
        return
    with checked_copy(kept, path.name, drafted_hash, languages, kind) as (copy, now):
        if now is None:
            yield Source(copy, copied=True)
            return
        yield Source(copy, copied=True, problem=N_(
            "the copy of {name} kept with {ref} is not what was drafted (message {was}, the "
            "copy {now}); nothing was sent").format(
                name=path.name, ref=d.ref, was=drafted_hash[:12], now=now))


@contextmanager
def checked_copy(files: Sequence[DraftFile], name: str, expected_hash: str,
                 languages: tuple[str, ...], kind: Kind) -> Iterator[tuple[Path, str | None]]:
    """``files`` written into a private temporary folder (see :func:`copied`), for as long
    as the block runs: the path of ``name`` there, and None when the copy loads with
    ``expected_hash``, else what it is instead (its hash, short, or why it cannot be read)."""
    with copied(files, name) as copy:
        try:
            now = _hash(copy, languages, kind)
        except CitychanError as exc:
            yield copy, exc.message
            return
        yield copy, None if now == expected_hash else now[:12]


@contextmanager
def copied(files: Sequence[DraftFile], name: str) -> Iterator[Path]:
    """``files`` written into a private temporary folder in their layout; the path of
    ``name`` there. A name that would lead out of the folder is not written."""
    with tempfile.TemporaryDirectory(prefix="citychan-draft-") as tmp:
        root = Path(tmp)
        for f in files:
            parts = PurePosixPath(f.name).parts
            if not parts or PurePosixPath(f.name).is_absolute() or ".." in parts:
                continue
            target = root.joinpath(*parts)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(f.data)
            except (OSError, ValueError):  # a name the store's writer made up ('a' and 'a/b',
                continue  # a NUL byte): left out, and the hash check refuses the copy
        yield root / name


def _hash(path: Path, languages: tuple[str, ...], kind: Kind) -> str:
    return load_message(path, languages, kind=kind if kind == Kind.WARNING else None
                        ).content_hash


def _name(path: Path, folder: Path) -> str:
    rel = os.path.relpath(os.path.normpath(path), os.path.normpath(folder))
    return PurePosixPath(*Path(rel).parts).as_posix()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(N_("{path}: cannot read it to keep with the draft ({error})").format(
            path=path, error=exc.strerror or exc)) from None

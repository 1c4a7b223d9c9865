"""Files read and written safely: reads that never hang on a FIFO or device and never read
more than a limit; atomic writes, so readers (a web server, a feed reader) never see half a
file; and locks between processes, so that two runs changing the same files (the feed's
entries, the CAP index) never lose each other's changes."""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Opening a FIFO for reading waits for a writer; with O_NONBLOCK it returns at once and the
# fstat below refuses it. (Windows has no O_NONBLOCK and no FIFOs that open() would reach.)
_READ_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
               | getattr(os, "O_BINARY", 0))
_CHUNK = 64 * 1024


class ReadRefused(Exception):
    """A file that is not read, with the reason in words (``str(exc)``)."""


class NotRegular(ReadRefused):
    """A directory, FIFO, device, socket, or a file whose size is not what it holds."""


class Unstable(ReadRefused):
    """Reading gave other than the size the file claims: a /proc or /sys entry, or a file
    that changed while being read."""


class TooLarge(ReadRefused):
    """Larger than the limit; ``size`` is what the file claims, None when reading found it."""

    def __init__(self, message: str, size: int | None = None) -> None:
        super().__init__(message)
        self.size = size


def read_limited(path: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Anything else is refused without reading: a directory, FIFO, socket or device (also
    through a symlink, so ``/dev/zero`` neither hangs nor fills the memory), and a file
    larger than ``limit``. The limit holds while reading, not only by the size the file
    claims: a /proc or /sys entry claims 0 bytes, a growing file more later; both are
    refused. OSError (missing, permission denied, …) passes through.
    """
    fd = os.open(path, _READ_FLAGS)
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise NotRegular("is a directory")
        if not stat.S_ISREG(st.st_mode):
            raise NotRegular(f"is a {_file_type(st.st_mode)}")
        if st.st_size > limit:
            raise TooLarge(f"{st.st_size:,} bytes is too large (limit {limit:,} bytes)",
                           st.st_size)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > limit:
        raise TooLarge(f"is too large (over the limit of {limit:,} bytes)")
    if size != st.st_size:
        raise Unstable("holds other than its size says: a /proc or /sys entry, or a file "
                       "that changed while being read")
    return b"".join(chunks)


def _file_type(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "FIFO"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISBLK, "block device"), (stat.S_ISSOCK, "socket")):
        if test(mode):
            return name
    return "special file"


def atomic_write(path: Path, data: bytes | str, mode: int = 0o644) -> None:
    """Write to a temporary file beside ``path``, fsync it, then replace ``path``."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


LOCK_WAIT = 60.0  # seconds; a feed rewrite takes milliseconds, a stuck holder is a fault


class LockTimeout(OSError):
    """Another process held a lock for longer than we wait."""


def lock_file(folder: Path) -> Path:
    """The lock file of ``folder``: beside it (``.feed.lock`` for ``feed/``), so that a
    published folder holds only what is published; inside it when only the folder itself can
    be written (a web root's parent often cannot)."""
    beside = folder.parent / f".{folder.name}.lock"
    if beside.exists() or os.access(folder.parent, os.W_OK):
        return beside
    return folder / ".citychan.lock"


@contextmanager
def locked(folder: Path, timeout: float = LOCK_WAIT) -> Iterator[None]:
    """Hold the lock of ``folder`` against every other process and thread that changes
    files there, on Linux, macOS and Windows alike. The folder is created if needed; OSError
    (read-only, full) passes through, ``LockTimeout`` when another holds it too long."""
    folder.mkdir(parents=True, exist_ok=True)
    with hold(lock_file(folder), timeout):
        yield


@contextmanager
def hold(path: Path, timeout: float = LOCK_WAIT) -> Iterator[None]:
    """Hold the lock file ``path`` (created if needed, never removed: removing a lock file
    others may be waiting on would let two runs in at once)."""
    from filelock import FileLock, Timeout

    lock = FileLock(path, timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise LockTimeout(errno.ETIMEDOUT,
                          f"another process has held {path} for over {timeout:.0f} s") from None
    try:
        yield
    finally:
        lock.release()


class ProcessLock:
    """A lock file held for as long as this process runs (or until released): another
    process can tell from it whether this one is still alive (``held_elsewhere``). The
    operating system drops the lock with the process, also when it is killed. (The standard
    library's flock/msvcrt here, not filelock: a post takes this lock on its way, and does
    not pay for importing more.)"""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _lock_now(self._fd)
        except OSError:
            os.close(self._fd)
            raise

    def release(self) -> None:
        if self._fd is None:
            return
        os.close(self._fd)  # and with it the lock
        self._fd = None
        try:
            self.path.unlink()
        except OSError:
            pass  # another process is looking at it this moment; it removes it itself


def held_elsewhere(path: Path) -> bool:
    """Whether another live process holds the ``ProcessLock`` at ``path``. A lock file
    whose process is gone is removed."""
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return False  # gone, or nobody could have made it
    try:
        _lock_now(fd)
    except OSError:
        return True
    finally:
        os.close(fd)
    try:
        path.unlink()
    except OSError:
        pass
    return False


def _lock_now(fd: int) -> None:
    """An exclusive lock on ``fd``, or OSError at once when another holds it."""
    if sys.platform == "win32":
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

"""Reading input files and writing output files safely.

Inputs (the config, a saved plan) must be regular files of bounded size: a FIFO would
hang the read, ``/dev/zero`` would exhaust memory. Outputs (a saved plan, the report,
imported YAML) are written to a temporary file created exclusively, with a random name,
in the destination's own folder (never following a link planted there), then moved
into place with ``os.replace``; a destination that is a symbolic link is refused rather
than replaced, so nothing outside the path the user named is ever written.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path

from espctl.errors import FileRefused

#: the largest input file espctl reads (a config or a saved plan)
MAX_INPUT_BYTES = 8 * 1024 * 1024

_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NOCTTY = getattr(os, "O_NOCTTY", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "a special file"


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):g} MiB"


def read_input(path: str | os.PathLike[str], *, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    Raises :class:`FileRefused` for anything else (FIFO, device, directory, socket, a
    file over the limit), and lets ``OSError`` (``FileNotFoundError`` included) through
    for the caller to word. The file is opened non-blocking, so a FIFO without a writer
    is refused at once instead of hanging, and it is checked on the open descriptor, so
    it cannot be swapped between the check and the read.
    """
    fd = os.open(path, os.O_RDONLY | _O_NONBLOCK | _O_NOCTTY | _O_CLOEXEC)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(str(path), f"{_kind(info.st_mode)}: espctl reads only regular files")
        if info.st_size > limit:
            raise FileRefused(
                str(path), f"{_mib(info.st_size)}: larger than the {_mib(limit)} espctl reads"
            )
        data = handle.read(limit + 1)
    if len(data) > limit:  # it grew while we read it
        raise FileRefused(str(path), f"larger than the {_mib(limit)} espctl reads")
    return data


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> bool:
    """Write ``data`` to ``path`` atomically; return whether it replaced an existing file.

    The temporary file is created with ``O_CREAT | O_EXCL | O_NOFOLLOW`` under a random
    name in the destination folder (so ``os.replace`` is a rename within one file system
    and a planted ``*.tmp`` link is never followed). An existing destination keeps its
    permission bits; a new one gets the usual ``0666 & ~umask``. A destination that is a
    symbolic link, or exists and is not a regular file, is refused (:class:`FileRefused`).
    ``OSError`` from creating the folder or writing is passed on for the caller to word.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        existing: os.stat_result | None = os.lstat(target)
    except FileNotFoundError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        what = _kind(existing.st_mode)
        advice = (
            "; name the file it points to, or remove the link"
            if stat.S_ISLNK(existing.st_mode)
            else ""
        )
        raise FileRefused(str(target), f"{what}: refusing to replace it{advice}")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = _create_temporary(target)
    try:
        with os.fdopen(fd, "wb") as handle:
            if existing is not None:
                os.fchmod(handle.fileno(), stat.S_IMODE(existing.st_mode))
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return existing is not None


def _create_temporary(target: Path) -> tuple[int, Path]:
    """A new file beside ``target``, created exclusively under an unguessable name."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC
    stem = target.name[:180]  # leave room for the suffix within NAME_MAX
    for _ in range(16):
        tmp = target.with_name(f".{stem}.{secrets.token_hex(8)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise OSError(errno.EEXIST, "could not create a temporary file", str(target.parent))

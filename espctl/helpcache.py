"""Help texts printed without importing click, from a cache of click's own output.

Importing click costs about 3.5x a bare interpreter start in a regular install, so
``espctl --help`` and ``espctl COMMAND --help`` cannot start like a native tool while
click renders them (README "Benchmarks"). They print the same text every time for the
same code, terminal width and locale, so the console script keeps what click printed
and prints it again the next time, before click is imported:

- **What is kept:** the exact text click wrote to stdout for ``espctl [COMMAND...]
  --help`` (or ``-h``) and for ``espctl completion zsh|fish``, one file per request in
  ``$XDG_CACHE_HOME/espctl/help`` (default ``~/.cache/espctl/help``), written when
  click renders it. ``ESPCTL_HELP_CACHE=off`` turns it off (nothing read or written).
- **When it is printed instead of running click:** only when everything the text
  depends on is as it was when click made it. The entry's key holds the interpreter
  (path and version), espctl's location, ``sys.path``, the request (command path and
  flag), the help width (click's rule: ``COLUMNS``, else the terminal, else 80, clamped
  to 50..98) and the gettext variables (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``,
  ``LANG``; click's words go through gettext). Its fingerprint holds the size and
  modification time of every module file the process had loaded when click rendered
  it (espctl's, click's and the standard library's), of every file and directory read
  while rendering, of the directories those modules came from and of ``sys.path``'s:
  editing a help text, upgrading click or Python, or installing a package makes the
  entry stale, and click renders it again. ``tests/test_help_cache.py`` also checks
  that rendering help reads no environment variable but those of the key.
- **Never for:** an answer that ran another program (``completion bash``: click runs
  bash to warn about an old one), ``python -m espctl`` (click names the program
  differently), a shell completion request (``*_COMPLETE``), ``ESPCTL_LOG`` set
  (click's run warns about a bad value on stderr), any other argument, an entry not
  owned by this user, a stdout that cannot take the text, or anything unreadable: then
  click runs, as without the cache. A cache that cannot be written is silently skipped.
  Only stdout and the exit status are click's: a Python warning click's run would
  print on stderr (``PYTHONWARNINGS``) is not replayed.

Standard library only (``os``, ``sys``, ``binascii``): this module runs before click is
imported, and its cost is the point.
"""

from __future__ import annotations

import binascii
import os
import sys

from espctl import print_and_exit

#: ``max_content_width`` of espctl's help (the root context's setting)
MAX_HELP_WIDTH = 100
#: the help flags (``help_option_names``); both print the same text
HELP_FLAGS = ("--help", "-h")
#: the variables gettext reads to choose a message catalogue (click's words use it)
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
SWITCH = "ESPCTL_HELP_CACHE"
_FORMAT = "espctl help cache 1"
_PROGRAM = "espctl"


def terminal_columns() -> int:
    """``shutil.get_terminal_size().columns``, as click's help formatter asks it, without
    importing :mod:`shutil` (which loads zlib, bz2 and lzma). The same steps: a positive
    integer ``COLUMNS``, else the width of the terminal on ``sys.__stdout__``, else 80;
    ``tests/test_startup_imports.py`` compares the two and the help texts they produce."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


def help_width(max_content_width: int | None = MAX_HELP_WIDTH) -> int:
    """The width click formats help at when nothing forces one (click's rule)."""
    widest = 80 if max_content_width is None else max_content_width
    return max(min(terminal_columns(), widest) - 2, 50)


def cache_dir() -> str | None:
    """Where entries live; None when the cache is off or there is no home to put it in."""
    if os.environ.get(SWITCH, "").strip().lower() in ("off", "0", "false", "no"):
        return None
    if not hasattr(os, "getuid"):  # no owner to check an entry against (Windows)
        return None
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG rule: a relative value is ignored
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return os.path.join(base, _PROGRAM, "help")


def request_of(argv: list[str]) -> tuple[str, ...] | None:
    """The cacheable request these arguments make, or None: ``(*path, "--help")`` for
    ``[*path, --help|-h]`` with a path of plain command names, ``("completion", SHELL)``
    for ``completion SHELL``."""
    # one plain word each: the key joins them with spaces, and `espctl "sandbox serve"
    # --help` (an unknown command to click) must not find `sandbox serve --help`'s entry
    if any(
        not arg or not arg.isprintable() or len(arg.split()) != 1 or arg != arg.strip()
        for arg in argv
    ):
        return None
    if argv and argv[-1] in HELP_FLAGS:
        path = argv[:-1]
        if all(not arg.startswith("-") for arg in path):
            return (*path, HELP_FLAGS[0])
        return None
    if len(argv) == 2 and argv[0] == "completion" and not argv[1].startswith("-"):
        return ("completion", argv[1])
    return None


def _key(request: tuple[str, ...]) -> str:
    is_help = request[-1] == HELP_FLAGS[0]
    locale = ";".join(f"{name}={os.environ.get(name, '')}" for name in LOCALE_VARIABLES)
    lines = [
        _FORMAT,
        f"python {sys.executable} {' '.join(sys.version.split())}",
        f"package {os.path.dirname(os.path.abspath(__file__))}",
        # where imports come from (PYTHONPATH, .pth files): a new folder first in the
        # path could hold another click; the fingerprint covers the folders themselves
        f"path {os.pathsep.join(sys.path)!r}",
        f"request {' '.join([_PROGRAM, *request])}",
        f"width {help_width() if is_help else '-'}",
        f"locale {locale}",
    ]
    return "\n".join(lines)


def _entry_path(directory: str, key: str) -> str:
    digest = binascii.crc32(key.encode("utf-8", "surrogateescape"))
    return os.path.join(directory, f"{digest:08x}.txt")


def _environment_allows() -> bool:
    if os.environ.get("ESPCTL_LOG", "").strip():
        return False
    return not any(name.endswith("_COMPLETE") for name in os.environ)


# -- reading -------------------------------------------------------------------------


def _stamp(path: str) -> str:
    """``SIZE MTIME_NS`` of a file or directory, or ``absent``."""
    try:
        stat = os.stat(path)
    except OSError:
        return "absent"
    return f"{stat.st_size} {stat.st_mtime_ns}"


def _fresh(fingerprint: str) -> bool:
    """Whether every path of the fingerprint is as it was (lines ``SIZE MTIME_NS PATH``
    or ``absent PATH``)."""
    for line in fingerprint.split("\n"):
        if line.startswith("absent "):
            stamp, path = "absent", line[len("absent ") :]
        else:
            size, mtime, path = line.split(" ", 2)
            stamp = f"{size} {mtime}"
        if _stamp(path) != stamp:
            return False
    return True


def _cacheable(argv: list[str]) -> tuple[tuple[str, ...], str] | None:
    """The request these arguments make and the cache folder, when the cache may answer
    or keep it at all."""
    request = request_of(argv)
    directory = cache_dir()
    if request is None or directory is None or not _environment_allows():
        return None
    return request, directory


def _read(request: tuple[str, ...], directory: str) -> str | None:
    """The entry's text when it holds this request's answer and is fresh."""
    key = _key(request)
    try:
        with open(_entry_path(directory, key), "rb") as entry:
            if os.fstat(entry.fileno()).st_uid != os.getuid():
                return None  # written by someone else: not ours to trust
            raw = entry.read()
        stored_key, fingerprint, text = raw.decode("utf-8", "surrogateescape").split("\n\n", 2)
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if stored_key != key or not fingerprint:
        return None
    try:
        return text if _fresh(fingerprint) else None
    except ValueError:  # a damaged line
        return None


def cached_answer(argv: list[str]) -> str | None:
    """The text click printed for these arguments, if an entry holds it and is fresh."""
    cacheable = _cacheable(argv)
    return None if cacheable is None else _read(*cacheable)


def answer_early() -> None:
    """Print the cached answer to ``sys.argv[1:]`` and exit 0, or return: click runs,
    and keeps its answer (:func:`remember`) when the cache may hold it."""
    cacheable = _cacheable(sys.argv[1:])
    if cacheable is None:
        return
    text = _read(*cacheable)
    stdout = sys.stdout
    printable = text is not None and (
        text.isascii()
        or (getattr(stdout, "encoding", None) or "").lower().replace("-", "") == "utf8"
    )
    if text is None or stdout is None or not printable:
        _RECORDER.armed = cacheable
        return
    print_and_exit(text)


# -- writing -------------------------------------------------------------------------


#: audit events of reading a file or a directory (their paths join the fingerprint)
_READS = frozenset({"open", "os.listdir", "os.scandir"})
#: audit events of starting another program: its answer is not ours to keep (click's
#: ``completion bash`` runs bash to warn about an old one on stderr)
_PROGRAMS = frozenset(
    {"subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn", "os.system", "os.fork"}
)


class _Recorder:
    """This process's pending entry: the request click is about to answer, and what it
    read while answering."""

    def __init__(self) -> None:
        self.armed: tuple[tuple[str, ...], str] | None = None  # (request, directory)
        self.reads: set[str] | None = None  # files and directories read since recording
        self.ran_program = False  # since recording: the answer depends on another program
        self.hooked = False

    def audit(self, event: str, args: tuple[object, ...]) -> None:
        if self.reads is None:
            return
        if event in _READS and args:
            path = args[0]
            if isinstance(path, str | bytes):
                self.reads.add(os.path.abspath(os.fsdecode(path)))
        elif event in _PROGRAMS:
            self.ran_program = True


_RECORDER = _Recorder()
_BYTECODE = "__pycache__"


def wanted(command_path: str) -> bool:
    """Whether click is about to render the help text the armed request asks for
    (``command_path``: the context's, e.g. ``espctl plan``)."""
    armed = _RECORDER.armed
    if armed is None:
        return False
    request = armed[0]
    return request[-1] == HELP_FLAGS[0] and command_path == " ".join([_PROGRAM, *request[:-1]])


def wanted_completion(command_path: str, shell: str) -> bool:
    """Whether ``espctl completion SHELL`` is the armed request."""
    armed = _RECORDER.armed
    return armed is not None and (command_path, shell) == (f"{_PROGRAM} completion", *armed[0][1:])


def start_recording() -> None:
    """Note every file opened and directory listed from now on, until :func:`remember`
    (an audit hook: the only way to see what click's and espctl's code read while
    rendering; a hook cannot be removed, so it stays, idle, for the process)."""
    if not _RECORDER.hooked:
        sys.addaudithook(_RECORDER.audit)
        _RECORDER.hooked = True
    _RECORDER.reads = set()
    _RECORDER.ran_program = False


def remember(output: str, width: int | None = None) -> None:
    """Store ``output`` (exactly what goes to stdout) as the armed request's answer.

    ``width``: the width click formatted a help text at (None when something forced
    one: then nothing is stored). Any failure is silent: the cache is an optimisation.
    """
    armed, reads = _RECORDER.armed, _RECORDER.reads
    _RECORDER.armed = _RECORDER.reads = None
    if armed is None or _RECORDER.ran_program:
        return
    request, directory = armed
    is_help = request[-1] == HELP_FLAGS[0]
    if is_help and width != help_width():
        return
    if any(os.environ.get(name) for name in LOCALE_VARIABLES) and _catalogue_exists():
        return  # click's words may be translated: not worth keying on the catalogue
    try:
        fingerprint = _fingerprint(reads or set())
        key = _key(request)
        _write(directory, _entry_path(directory, key), f"{key}\n\n{fingerprint}\n\n{output}")
    except (OSError, ValueError):
        pass


def _catalogue_exists() -> bool:
    import gettext  # noqa: PLC0415  (click has loaded it; the reading side must not)

    return bool(gettext.find("messages"))


def _fingerprint(reads: set[str]) -> str:
    modules = {
        os.path.abspath(path)
        for module in list(sys.modules.values())
        if isinstance(path := getattr(module, "__file__", None), str)
    }
    directories = {os.path.dirname(path) for path in modules | reads}
    directories |= {os.path.abspath(entry or ".") for entry in sys.path}
    if any(os.environ.get(name) for name in LOCALE_VARIABLES):
        directories.add(os.path.join(sys.base_prefix, "share", "locale"))
    # not byte-code: Python checks it against its source, which is stamped; a .pyc written
    # by another process (a first import elsewhere) must not make every entry stale
    paths = {p for p in modules | reads | directories if _BYTECODE not in p.split(os.sep)}
    lines = []
    for path in sorted(paths):
        if "\n" in path:
            raise ValueError("a path with a line break")
        stamp = _stamp(path)
        lines.append(f"absent {path}" if stamp == "absent" else f"{stamp} {path}")
    return "\n".join(lines)


def _write(directory: str, path: str, text: str) -> None:
    os.makedirs(directory, mode=0o700, exist_ok=True)
    temporary = f"{path}.{os.getpid()}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(text.encode("utf-8", "surrogateescape"))
        os.replace(temporary, path)  # readers see the old entry or the new, never half
    except OSError:
        _remove(temporary)
        raise


def _remove(path: str) -> None:
    # not contextlib.suppress: contextlib is not loaded yet when this module is imported,
    # and loading it costs 2 ms of every start (README "Benchmarks")
    try:  # noqa: SIM105
        os.unlink(path)
    except OSError:
        pass

"""espctl: email delivery infrastructure as code."""

import os
import sys

__version__ = "0.1.0"

#: what ``espctl --version`` prints: click's ``version_option`` message for ``prog_name="espctl"``
VERSION_LINE = f"espctl, version {__version__}"
#: a line of the console script pip (and uv) generate for ``espctl = "espctl.cli:main"``
_SCRIPT_LINE = "from espctl.cli import main"


def answer_version_early() -> None:
    """Print :data:`VERSION_LINE` and exit 0 when the arguments are exactly ``--version``.

    Called by the entry points before click is imported (importing click costs about
    twice a bare interpreter start; README "Benchmarks"). click would answer the same:
    ``--version`` is an eager option that prints and exits while parsing, before the
    group's callback or any other option is processed, so nothing but a shell
    completion request (an ``_..._COMPLETE`` variable, which click checks before
    parsing) can change the answer; then, and for any other arguments, this returns and
    click runs. ``tests/test_startup_imports.py`` compares the two outputs.
    """
    if sys.argv[1:] != ["--version"] or any(key.endswith("_COMPLETE") for key in os.environ):
        return
    print_and_exit(VERSION_LINE + "\n")


def print_and_exit(text: str) -> None:
    """Write ``text`` to stdout and exit 0, as click ends after printing an answer: a
    closed pipe exits 1 quietly (it would raise again when Python flushes at exit)."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    sys.exit(0)


def launched_as_console_script() -> bool:
    """Whether this process runs the ``espctl`` console script (``espctl.cli:main``).

    True only when ``__main__`` is a file named ``espctl`` whose text imports
    ``espctl.cli``'s ``main``, so importing :mod:`espctl.cli` from anything else (tests,
    a program of one's own, ``python -c``) never answers for it. A launcher this does
    not recognise (Windows ``espctl.exe``) simply runs click.
    """
    path = getattr(sys.modules.get("__main__"), "__file__", None)
    if not isinstance(path, str) or os.path.basename(path) not in ("espctl", "espctl-script.py"):
        return False
    try:
        with open(path, encoding="utf-8") as script:
            return _SCRIPT_LINE in script.read(4096)
    except (OSError, UnicodeDecodeError):
        return False

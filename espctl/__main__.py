"""``python -m espctl``: the same as the ``espctl`` command."""

from espctl import answer_version_early

answer_version_early()  # before click is imported: see its docstring

from espctl.cli import main  # noqa: E402

main()

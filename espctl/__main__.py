"""``python -m espctl``: the same as the ``espctl`` command."""

from espctl.cli import main

main()

"""``espctl completion bash|zsh|fish``: print the shell completion script."""

from __future__ import annotations

import click

from espctl.commands.common import echo

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_ESPCTL_COMPLETE"


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the completion script for SHELL (commands, options, choices, file names).

    \b
    bash:  espctl completion bash > ~/.local/share/bash-completion/completions/espctl
    zsh:   espctl completion zsh > "${fpath[1]}/_espctl"
    fish:  espctl completion fish > ~/.config/fish/completions/espctl.fish
    or, for the current shell only:  eval "$(espctl completion bash)"
    """
    from click.shell_completion import get_completion_class

    root = ctx.find_root().command
    cls = get_completion_class(shell)
    assert cls is not None  # every name in SHELLS is one click ships
    script = cls(root, {}, "espctl", COMPLETE_VAR).source()
    echo(script.rstrip("\n"))

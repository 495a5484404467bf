"""``espctl completion bash|zsh|fish``: print the shell completion script."""

from __future__ import annotations

import click

from espctl import helpcache

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

    from espctl.model.text import escape_controls

    kept = helpcache.wanted_completion(ctx.command_path, shell)
    if kept:
        helpcache.start_recording()
    root = ctx.find_root().command
    cls = get_completion_class(shell)
    assert cls is not None  # every name in SHELLS is one click ships
    script = escape_controls(
        cls(root, {}, "espctl", COMPLETE_VAR).source().rstrip("\n"), keep_newlines=True
    )
    if kept:  # the console script prints it without click next time (espctl.helpcache)
        helpcache.remember(script + "\n")  # what click.echo writes
    click.echo(script)

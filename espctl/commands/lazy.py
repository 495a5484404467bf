"""A click group whose heavy subcommands are imported only when they are used.

``espctl --help`` lists every command with its one-line help, and completing a command
name shows it too; for a lazy command that line is declared beside its import path, so
listing imports nothing. Running the command, its ``--help`` or completing its options
imports it (:meth:`LazyGroup.get_command`). ``tests/test_startup_imports.py`` checks
that each declared line is the command's own.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem


class LazyGroup(click.Group):
    """A group with, besides its commands, ``lazy`` ones: name -> ("module:attribute",
    one-line help), imported on first use."""

    def __init__(self, *args: Any, lazy: Mapping[str, tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, imported now if it is a lazy one not imported yet."""
        if cmd_name not in self.commands and cmd_name in self.lazy:
            module, _, attribute = self.lazy[cmd_name][0].partition(":")
            command = getattr(importlib.import_module(module), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{module}:{attribute} is not a click command")
            adopt_context(command, self.context_class)
            self.add_command(command, cmd_name)
        return self.commands.get(cmd_name)

    def listed_help(self, cmd_name: str, limit: int = 45) -> str | None:
        """A command's one-line help without importing it (None: hidden or unknown)."""
        command = self.commands.get(cmd_name)
        if command is not None:
            return None if command.hidden else command.get_short_help_str(limit)
        declared = self.lazy.get(cmd_name)
        if declared is None:
            return None
        return click.Command(cmd_name, help=declared[1]).get_short_help_str(limit)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's list of commands, each with its one-line help (none imported)."""
        names = [n for n in self.list_commands(ctx) if self.listed_help(n) is not None]
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)  # as click's own listing
        rows = [(n, self.listed_help(n, limit) or "") for n in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """Command names (with their one-line help, none imported), then the options."""
        from click.shell_completion import CompletionItem

        results = [
            CompletionItem(name, help=text)
            for name in self.list_commands(ctx)
            if name.startswith(incomplete)
            and (text := self.listed_help(name, limit=45)) is not None
        ]
        results.extend(click.Command.shell_complete(self, ctx, incomplete))
        return results

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """click's; an unknown name first imports the lazy commands, so that click's "did
        you mean" suggestions (drawn from the imported commands) include them."""
        name = click.utils.make_str(args[0]) if args else ""
        if name not in self.commands and name not in self.lazy and not ctx.resilient_parsing:
            for lazy_name in self.lazy:
                self.get_command(ctx, lazy_name)
        return super().resolve_command(ctx, args)


def adopt_context(command: click.Command, context_class: type[click.Context]) -> None:
    """Give ``command`` and its subcommands this context class (espctl's help width and
    help cache: ``espctl.cli.HelpContext``)."""
    command.context_class = context_class
    if isinstance(command, click.Group):
        for subcommand in command.commands.values():
            adopt_context(subcommand, context_class)


class LazyHelpOption(click.Option):
    """An option whose help text is made when ``--help`` renders it, not when the
    command is declared: a text that depends on the provider types loads their plain
    descriptions (``espctl.providers.registry.info``) only for ``--help``, never at
    start-up."""

    def __init__(self, *args: Any, help_text: Callable[[], str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help_text = help_text

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        if self.help is None:
            self.help = self.help_text()
        return super().get_help_record(ctx)

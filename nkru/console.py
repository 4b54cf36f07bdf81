"""Shared terminal output for the command line: the console every command prints with, the
one way a command reports an error, the command group that reports the project's errors
(:class:`nkru.errors.NkruError`), and help texts that wrap to the terminal."""

from __future__ import annotations

import inspect
import os
import sys
from typing import Any

import rich.console
import typer
from rich.markup import escape
from typer.core import TyperGroup

from nkru.errors import NkruError


class Console(rich.console.Console):
    """rich's console, except that a reader who stops reading (``nkru … | head``) ends the
    command quietly with exit code 0: everything it writes to files is written first."""

    def on_broken_pipe(self) -> None:
        """Send the rest of standard output to /dev/null and exit 0."""
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(0)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``error: message`` on stderr and return the Exit to raise (2: bad input)."""
    Console(stderr=True).print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def missing_extra(err: ModuleNotFoundError, extras: str) -> typer.Exit:
    """The error of a command whose optional dependencies are not installed."""
    return fail(
        escape(
            f"{err.name} is not installed: this command needs `pip install 'nkru[{extras}]'` "
            "(`pip install nkru` alone gives nkru eval and nkru compare)"
        )
    )


def unwrap_help(app: typer.Typer) -> None:
    """Give every command of ``app`` and of its groups its help (docstring) with each paragraph
    on one line: typer's rich help keeps a docstring's line breaks, which then cut sentences
    in two wherever the source line ended. Examples belong in a command's ``epilog``."""
    for info in app.registered_commands:
        text = info.help or inspect.getdoc(info.callback)
        if text:
            info.help = "\n\n".join(" ".join(p.split()) for p in text.split("\n\n"))
    for group in app.registered_groups:
        if group.typer_instance is not None:
            unwrap_help(group.typer_instance)


class CommandGroup(TyperGroup):
    """A Typer command group (``typer.Typer(cls=CommandGroup)``) in which an
    :class:`~nkru.errors.NkruError` raised by any command, nested ones included, is printed as
    ``error: message`` and ends the command with the error's ``exit_code``."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except NkruError as err:
            raise fail(escape(str(err)), err.exit_code) from None

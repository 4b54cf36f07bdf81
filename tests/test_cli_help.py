"""`nkru --help` and the commands' own help: sentences are not cut where a docstring's source
line ended, and `nkru eval --help` shows examples."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

from nkru.app.cli import app

WIDE = {"COLUMNS": "400", "TERMINAL_WIDTH": "400"}


def _commands(group: TyperGroup, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if isinstance(command, TyperGroup):
            found += _commands(command, (*prefix, name))
    return found


def test_every_command_listing_is_one_line_on_a_wide_terminal() -> None:
    """Each row of a Commands panel is one line when the terminal is wide enough (a docstring's
    line breaks used to start new lines mid-sentence)."""
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    groups = [()] + [c for c in _commands(root) if isinstance(_resolve(root, c), TyperGroup)]
    for path in groups:
        result = CliRunner().invoke(app, [*path, "--help"], env=WIDE)
        assert result.exit_code == 0, result.output
        lines = result.output.splitlines()
        start = next(i for i, line in enumerate(lines) if "Commands" in line)
        rows = lines[start + 1 : next(i for i in range(start, len(lines)) if "╰" in lines[i])]
        group = _resolve(root, path)
        assert isinstance(group, TyperGroup)
        assert sorted(row.split()[1] for row in rows) == sorted(group.commands), rows


def test_every_help_paragraph_is_one_line() -> None:
    """The help text of every command: paragraphs without line breaks inside."""
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    for path in _commands(root):
        command = _resolve(root, path)
        for paragraph in (command.help or "").split("\n\n"):
            assert "\n" not in paragraph, (path, paragraph)


def test_eval_help_has_examples() -> None:
    result = CliRunner().invoke(app, ["eval", "--help"], env=WIDE)
    assert result.exit_code == 0
    assert "Examples:" in result.output
    assert "nkru eval ner predictions.jsonl --split test" in result.output


def _resolve(root: TyperGroup, path: tuple[str, ...]) -> Any:
    command: Any = root
    for name in path:
        assert isinstance(command, TyperGroup)
        command = command.commands[name]
    return command

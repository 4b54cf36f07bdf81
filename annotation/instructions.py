"""The Label Studio project instructions: ``annotation/INSTRUCTIONS.md`` rendered to HTML.

``nkru studio push`` sets them as the project's ``expert_instruction`` with
``show_instruction: true``, so annotators see the one-page rules in the labeling interface.
Rendered with markdown-it-py (CommonMark and tables); raw HTML in the file is escaped.
"""

from __future__ import annotations

from pathlib import Path

from markdown_it import MarkdownIt

from nkru.errors import NkruError
from nkru.paths import project_root


class InstructionsError(NkruError):
    """The instructions file cannot be read."""


def default_path() -> Path:
    """``annotation/INSTRUCTIONS.md`` of the project."""
    return project_root() / "annotation" / "INSTRUCTIONS.md"


def render(markdown: str) -> str:
    """HTML of a Markdown text."""
    return MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)


def instructions_html(path: Path | None = None) -> str:
    """The rendered instructions file."""
    path = path or default_path()
    try:
        return render(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise InstructionsError(f"{path}: cannot read the project instructions ({err})") from None

"""Streaming JSON Lines reader that reports bad lines instead of stopping at the first."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from nkru.eval.problems import ProblemLog


def read_jsonl(path: Path, log: ProblemLog) -> Iterator[tuple[int, object]]:
    """Yield ``(line_number, value)`` for each JSON line of ``path``, one line at a time.

    Lines that are not UTF-8 or not JSON are logged as errors; blank lines as warnings.
    Raises ``OSError`` if the file cannot be opened.
    """
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                log.error(number, None, f"not valid UTF-8 ({err.reason})", "bad_encoding")
                continue
            if not line.strip():
                log.warn(number, None, "blank line ignored", "blank_line")
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as err:
                log.error(
                    number, None, f"invalid JSON: {err.msg} at column {err.colno}", "bad_json"
                )


def numbered(records: Iterable[object]) -> Iterator[tuple[int, object]]:
    """Number in-memory records like file lines (from 1)."""
    return enumerate(records, start=1)

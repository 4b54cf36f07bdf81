"""Streaming JSON Lines reader that reports bad lines instead of stopping at the first."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson

from nkru.eval.problems import ProblemLog

# orjson turns integers beyond 64 bits into floats where ``json`` keeps them exact; lines
# with a run of 19+ digits are decoded by ``json`` so that values (and messages) match.
# (Found by mapping digits to "0" and everything else to "x": a C-speed scan, unlike a regex.)
_DIGITS = bytes(ord("0") if chr(i).isdigit() and i < 128 else ord("x") for i in range(256))
_LONG_RUN = b"0" * 19


def read_jsonl(path: Path, log: ProblemLog) -> Iterator[tuple[int, object]]:
    """Yield ``(line_number, value)`` for each JSON line of ``path``, one line at a time.

    Lines that are not UTF-8 or not JSON are logged as errors; blank lines as warnings.
    Raises ``OSError`` if the file cannot be opened.

    Well-formed lines are decoded by orjson; any line it rejects goes through the standard
    library path, which decides (and words) the problem, so values and messages are those
    of ``json.loads``.
    """
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if _LONG_RUN not in raw.translate(_DIGITS):
                try:
                    value = loads(raw)
                except decode_error:
                    pass
                else:
                    yield number, value
                    continue
            yield from _slow_line(number, raw, log)


def _slow_line(number: int, raw: bytes, log: ProblemLog) -> Iterator[tuple[int, object]]:
    """One line decoded by the standard library, with its problem logged if it has one."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        log.error(number, None, f"not valid UTF-8 ({err.reason})", "bad_encoding")
        return
    if not line.strip():
        log.warn(number, None, "blank line ignored", "blank_line")
        return
    try:
        value = json.loads(line)
    except json.JSONDecodeError as err:
        log.error(number, None, f"invalid JSON: {err.msg} at column {err.colno}", "bad_json")
        return
    yield number, value


def chunked(
    lines: Iterable[tuple[int, object]], log: ProblemLog, size: int
) -> Iterator[list[tuple[int, object]]]:
    """Numbered records in lists of up to ``size``, for checks that run on many at once.

    A problem the reader logs (bad JSON, ...) ends the current list, and is logged only once
    the consumer is done with that list, so problems stay in line order.
    """
    buffer: list[tuple[int, object]] = []
    items = iter(lines)
    end = object()
    while True:
        mark, errors = len(log.problems), log.errors
        item = next(items, end)
        if len(log.problems) > mark:
            pending, new_errors = log.problems[mark:], log.errors - errors
            del log.problems[mark:]
            log.errors = errors
            if buffer:
                yield buffer
                buffer = []
            log.problems.extend(pending)
            log.errors += new_errors
        if item is end:
            break
        buffer.append(item)  # type: ignore[arg-type]
        if len(buffer) >= size:
            yield buffer
            buffer = []
    if buffer:
        yield buffer


def numbered(records: Iterable[object]) -> Iterator[tuple[int, object]]:
    """Number in-memory records like file lines (from 1)."""
    return enumerate(records, start=1)

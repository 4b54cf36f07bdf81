"""Streaming JSON Lines reader that reports bad lines instead of stopping at the first."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

import orjson

from nkru.eval.problems import ProblemLog

# orjson turns integers beyond 64 bits into floats where ``json`` keeps them exact; lines
# with a run of 19+ digits are decoded by ``json`` so that values (and messages) match.
# (Found by mapping digits to "0" and everything else to "x": a C-speed scan, unlike a regex.)
_DIGITS = bytes(ord("0") if chr(i).isdigit() and i < 128 else ord("x") for i in range(256))
_LONG_RUN = b"0" * 19


class JsonLines:
    """The numbered values of a JSON Lines file (see ``read_jsonl``), an iterator.

    ``chunked`` reads it a block of lines at a time instead (``chunks``): a block with no
    problem line is decoded without per-line checks.
    """

    def __init__(self, path: Path, log: ProblemLog) -> None:
        self.path, self.log = path, log
        self._lines: Iterator[tuple[int, object]] | None = None

    def __iter__(self) -> Iterator[tuple[int, object]]:
        return self

    def __next__(self) -> tuple[int, object]:
        if self._lines is None:
            self._lines = self._read()
        return next(self._lines)

    def _read(self) -> Iterator[tuple[int, object]]:
        with self.path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                yield from _line(number, raw, self.log)

    def chunks(self, size: int) -> Iterator[list[tuple[int, object]]]:
        """``chunked(self, log, size)``, faster: the long-digit check runs once per block and
        orjson decodes the block's lines; a block where that fails is read line by line."""
        if self._lines is not None:
            raise RuntimeError("JsonLines already being iterated")
        self._lines = iter(())
        loads = orjson.loads
        decode_error = orjson.JSONDecodeError
        number = 0
        with self.path.open("rb") as handle:
            while raws := list(islice(handle, size)):
                # A newline maps to "x", so a digit run never spans two lines.
                if _LONG_RUN not in b"".join(raws).translate(_DIGITS):
                    try:
                        values = list(map(loads, raws))
                    except decode_error:
                        pass
                    else:
                        first, number = number + 1, number + len(raws)
                        yield list(zip(range(first, number + 1), values, strict=True))
                        continue
                lines = (
                    item
                    for i, raw in enumerate(raws, start=number + 1)
                    for item in _line(i, raw, self.log)
                )
                yield from _chunked(lines, self.log, size)
                number += len(raws)


def read_jsonl(path: Path, log: ProblemLog) -> JsonLines:
    """``(line_number, value)`` for each JSON line of ``path``, read one line at a time.

    Lines that are not UTF-8 or not JSON are logged as errors; blank lines as warnings.
    Raises ``OSError`` if the file cannot be opened (on first use).

    Well-formed lines are decoded by orjson; any line it rejects goes through the standard
    library path, which decides (and words) the problem, so values and messages are those
    of ``json.loads``.
    """
    return JsonLines(path, log)


def _line(number: int, raw: bytes, log: ProblemLog) -> Iterator[tuple[int, object]]:
    """One line decoded (orjson, or the standard library when it has a problem)."""
    if _LONG_RUN not in raw.translate(_DIGITS):
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
        else:
            yield number, value
            return
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
    if isinstance(lines, JsonLines) and lines._lines is None:
        return lines.chunks(size)
    return _chunked(lines, log, size)


def _chunked(
    lines: Iterable[tuple[int, object]], log: ProblemLog, size: int
) -> Iterator[list[tuple[int, object]]]:
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

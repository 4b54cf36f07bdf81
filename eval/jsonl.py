"""Streaming JSON Lines reader that reports bad lines instead of stopping at the first."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Generic, TypeVar

import msgspec

from .problems import ProblemLog

T = TypeVar("T")

_decode = msgspec.json.decode
# What makes msgspec refuse a line; the standard library then decides (and words) the problem.
_REFUSED = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)


class JsonLines:
    """The numbered values of a JSON Lines file (see ``read_jsonl``), an iterator.

    ``chunked`` reads it a block of lines at a time instead (``chunks``): a block with no
    problem line is decoded without per-line checks; ``blocks`` hands each block's raw
    lines to a typed decoder first.
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

    def _raw_blocks(self, size: int) -> Iterator[tuple[int, list[bytes]]]:
        """``(number of the first line, raw lines)`` of up to ``size`` lines at a time."""
        if self._lines is not None:
            raise RuntimeError("JsonLines already being iterated")
        self._lines = iter(())
        number = 0
        with self.path.open("rb") as handle:
            while raws := list(islice(handle, size)):
                yield number + 1, raws
                number += len(raws)

    def _decode(self, first: int, raws: list[bytes]) -> Iterator[list[tuple[int, object]]]:
        """A block of raw lines as numbered values: msgspec decodes its lines; a block where
        that fails is read line by line."""
        try:
            values = list(map(_decode, raws))
        except _REFUSED:
            lines = (
                item for i, raw in enumerate(raws, start=first) for item in _line(i, raw, self.log)
            )
            yield from _chunked(lines, self.log, len(raws))
        else:
            yield list(zip(range(first, first + len(raws)), values, strict=True))

    def chunks(self, size: int) -> Iterator[list[tuple[int, object]]]:
        """``chunked(self, log, size)``, faster: decoded a block of lines at a time."""
        for first, raws in self._raw_blocks(size):
            yield from self._decode(first, raws)

    def blocks(self, size: int, decode: Callable[[list[bytes]], T | None]) -> Iterator[Block[T]]:
        """``blocks(self, log, size, decode)``: see there."""
        for first, raws in self._raw_blocks(size):
            yield Block(first, decode(raws), partial(self._decode, first, raws))


@dataclass
class Block(Generic[T]):
    """Up to ``size`` consecutive records: ``typed`` is what the block decoder made of their
    lines (None when it refused them or they are not file lines); ``buffers()`` gives them as
    ``chunked`` does, with the readers' problems logged."""

    first: int
    typed: T | None
    buffers: Callable[[], Iterator[list[tuple[int, object]]]]


def blocks(
    lines: Iterable[tuple[int, object]],
    log: ProblemLog,
    size: int,
    decode: Callable[[list[bytes]], T | None],
) -> Iterator[Block[T]]:
    """Numbered records in blocks of up to ``size``, for a typed decoder that skips the
    generic JSON values: ``decode`` gets the raw lines of a file block and returns its typed
    records, or None to have the block read as generic values."""
    if isinstance(lines, JsonLines) and lines._lines is None:
        return lines.blocks(size, decode)
    return (
        Block(buffer[0][0], None, partial(iter, [buffer])) for buffer in _chunked(lines, log, size)
    )


def read_jsonl(path: Path, log: ProblemLog) -> JsonLines:
    """``(line_number, value)`` for each JSON line of ``path``, read one line at a time.

    Lines that are not UTF-8 or not JSON are logged as errors; blank lines as warnings.
    Raises ``OSError`` if the file cannot be opened (on first use).

    Well-formed lines are decoded by msgspec; any line it rejects goes through the standard
    library path, which decides (and words) the problem, so values and messages are those
    of ``json.loads``.
    """
    return JsonLines(path, log)


def _line(number: int, raw: bytes, log: ProblemLog) -> Iterator[tuple[int, object]]:
    """One line decoded (msgspec, or the standard library when it has a problem)."""
    try:
        value = _decode(raw)
    except _REFUSED:
        yield from _slow_line(number, raw, log)
    else:
        yield number, value


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
    except RecursionError:
        log.error(number, None, "invalid JSON: arrays or objects nested too deeply", "bad_json")
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
            for problem in pending:
                log.add(problem)
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

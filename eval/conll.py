"""CoNLL-style token/tag prediction files for labelled-spans tasks (what NER toolkits write).

One token per line, its tag in the last column (tab- or space-separated), a blank line
between sentences; ``# id = <example id>`` (or ``# sent_id = ...``) before each sentence joins
it to the gold by id. The tokens must be the gold's (the dataset's ``tokens``); the BIO tags
become character spans through the gold token offsets. ``I-X`` after ``O`` or another type
starts a new entity (as conlleval reads it). Every problem is logged with file, line and
field, like a JSON Lines file's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from .gold import GoldSet
from .problems import ProblemLog
from .spans import Span, align_tokens

SUFFIXES = (".conll", ".bio", ".iob")
_ID = re.compile(r"^#\s*(?:sent_)?id\s*=\s*(\S+)\s*$")
_TAG = re.compile(r"^(?:O|[BI]-\S+)$")


def is_conll(path: Path) -> bool:
    """Whether a prediction file is read as CoNLL (by its suffix: .conll, .bio, .iob)."""
    return path.suffix.lower() in SUFFIXES


def gold_tokens(gold: GoldSet) -> dict[str, tuple[list[str], list[Span]]]:
    """Token texts and offsets of each gold example that has tokens (``token_starts`` /
    ``token_ends``, or ``tokens`` aligned to ``text``)."""
    out: dict[str, tuple[list[str], list[Span]]] = {}
    for _, obj in gold.source() if gold.source is not None else ():
        if not isinstance(obj, dict) or not isinstance(obj.get("tokens"), list):
            continue
        tokens, text = obj["tokens"], obj.get("text")
        starts, ends = obj.get("token_starts"), obj.get("token_ends")
        if isinstance(starts, list) and isinstance(ends, list):
            offsets = list(zip(starts, ends, strict=False))
        elif isinstance(text, str):
            offsets = align_tokens(text, tokens) or []
        else:
            continue
        if len(offsets) == len(tokens):
            out[str(obj.get("id"))] = (tokens, offsets)
    return out


def _sentences(path: Path, log: ProblemLog) -> Iterator[tuple[int, str | None, list]]:
    """``(first line, id, [(line, token, tag)])`` of each sentence of the file."""
    rid: str | None = None
    first, rows = 0, list[tuple[int, str, str | None]]()
    with path.open(encoding="utf-8") as handle:
        try:
            for number, raw in enumerate(handle, start=1):
                line = raw.rstrip("\n")
                if not line.strip():
                    if rows or rid is not None:
                        yield first, rid, rows
                    rid, rows = None, []
                    continue
                if line.startswith("#"):
                    match = _ID.match(line)
                    if match:
                        if rows:
                            yield first, rid, rows
                            rows = []
                        rid, first = match.group(1), number
                    continue
                if line.startswith("-DOCSTART-"):
                    continue
                columns = line.split()
                if not rows and rid is None:
                    first = number
                rows.append((number, columns[0], columns[-1] if len(columns) > 1 else None))
        except UnicodeDecodeError as err:
            log.error(None, None, f"not valid UTF-8 ({err.reason})", "bad_encoding")
            return
    if rows or rid is not None:
        yield first, rid, rows


def _entities(rows: list, offsets: list[Span], log: ProblemLog) -> list[dict] | None:
    """Entity objects of one sentence's tags, or None (problems logged) for a bad tag."""
    entities: list[dict] = []
    current: dict | None = None
    ok = True
    for (line, _, tag), (start, end) in zip(rows, offsets, strict=True):
        if tag is None or not _TAG.match(tag):
            log.error(line, "tag", f"expected O, B-LABEL or I-LABEL, got {tag!r}", "bad_tag")
            ok, current = False, None
        elif tag == "O":
            current = None
        elif tag[0] == "I" and current is not None and current["label"] == tag[2:]:
            current["end"] = end
        else:
            current = {"start": start, "end": end, "label": tag[2:]}
            entities.append(current)
    return entities if ok else None


def read_conll(path: Path, gold: GoldSet, log: ProblemLog) -> Iterable[tuple[int, object]]:
    """The sentences of a CoNLL file as numbered prediction records (line of the sentence's
    ``# id`` comment), converted through the gold's tokens."""
    tokens_by_id = gold_tokens(gold)
    for first, rid, rows in _sentences(path, log):
        if rid is None:
            log.error(first, "id", "sentence without a '# id = <example id>' line", "missing_id")
            continue
        if rid not in tokens_by_id:
            reason = "not in the gold data" if rid not in gold.index else "has no gold tokens"
            log.error(first, "id", f"id {rid!r} {reason} ({gold.name})", "unknown_id")
            continue
        texts, offsets = tokens_by_id[rid]
        if [token for _, token, _ in rows] != texts:
            shown = next(
                (
                    (line, token, want)
                    for (line, token, _), want in zip(rows, texts, strict=False)
                    if token != want
                ),
                None,
            )
            where = shown[0] if shown else first
            detail = (
                f"token {shown[1]!r}, the gold has {shown[2]!r}"
                if shown
                else f"{len(rows)} tokens, the gold has {len(texts)}"
            )
            log.error(
                where,
                "token",
                f"tokens differ from the gold's for {rid!r}: {detail}",
                "token_mismatch",
            )
            continue
        entities = _entities(rows, offsets, log)
        if entities is not None:
            yield first, {"id": rid, "entities": entities}

"""Gold sets: from JSON Lines files, in-memory records or the built Hugging Face dataset."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nkru.eval.problems import ERROR, Problem, ProblemLog, ValidationFailed
from nkru.eval.validate import Example, RecordParser


@dataclass
class GoldSet:
    """Validated gold examples of one task, indexed by id."""

    task: str
    name: str
    examples: list[Example]
    index: dict[str, int]
    warnings: list[Problem] = field(default_factory=list)


def build_gold(
    task: str, lines: Iterable[tuple[int, object]], log: ProblemLog, parser: RecordParser
) -> GoldSet:
    """Validate numbered gold records; raise ``ValidationFailed`` listing every problem."""
    examples: list[Example] = []
    index: dict[str, int] = {}
    seen: dict[str, int] = {}
    for line, obj in lines:
        rid = obj.get("id") if isinstance(obj, dict) else None
        if isinstance(rid, str) and rid in seen:
            log.error(
                line, "id", f"duplicate id {rid!r} (first on line {seen[rid]})", "duplicate_id"
            )
            continue
        if isinstance(rid, str):
            seen[rid] = line
        example = parser.gold(obj, line, log)
        if example is not None:
            index[example.id] = len(examples)
            examples.append(example)
    if log.errors:
        raise ValidationFailed(log.problems)
    return GoldSet(
        task, log.file, examples, index, [p for p in log.problems if p.severity != ERROR]
    )


def _span(start: int, end: int) -> dict[str, int]:
    return {"start": start, "end": end}


def _label_name(rows: Any, column: str, value: Any) -> Any:
    """The name of a ClassLabel integer (strings pass through)."""
    if isinstance(value, int) and not isinstance(value, bool):
        features = getattr(rows, "features", None)
        feature = features.get(column) if features is not None else None
        if feature is not None and hasattr(feature, "int2str"):
            return feature.int2str(value)
    return value


def _gold_row(task: str, rows: Any, row: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": row["id"],
        "document_id": row.get("document_id"),
        "text": row["text"],
    }
    if task in ("ner", "claims"):
        for key in ("tokens", "token_starts", "token_ends"):
            if row.get(key) is not None:
                record[key] = row[key]
    if task == "ner":
        record["entities"] = [
            {"start": e["start"], "end": e["end"], "label": e["label"]} for e in row["entities"]
        ]
    elif task == "claims":
        record["claims"] = [_span(c["start"], c["end"]) for c in row["claims"]]
    elif task == "attribution":
        if row.get("sentences") is not None:
            record["sentences"] = [_span(s["start"], s["end"]) for s in row["sentences"]]
        record["pairs"] = [
            {
                "source": _span(p["source_start"], p["source_end"]),
                "claim": _span(p["claim_start"], p["claim_end"]),
                "label": p.get("stance") or None,
            }
            for p in row["pairs"]
        ]
    elif task == "normalization":
        record["entity_type"] = row.get("entity_type")
        record["value"] = row["value"]
    else:
        record["label"] = _label_name(rows, "label", row["label"])
    return record


def gold_from_rows(task: str, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Convert dataset rows (see FORMAT.md) to gold records in the JSON Lines format."""
    return [_gold_row(task, rows, row) for row in rows]


def load_split_rows(task: str, split: str, data_dir: Path) -> Any:
    """``datasets.load_dataset(str(data_dir), task, split=split)``."""
    import datasets

    return datasets.load_dataset(str(data_dir), task, split=split)

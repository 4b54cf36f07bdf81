"""The leaderboard: ``leaderboard.json`` (data), ``leaderboard.md`` (tables) and the README section.

``leaderboard.json`` holds ``schema_version``, the settings, the dataset summary and, per task,
the headline metric name, the floor reference and one row per system: test value with its 95%
bootstrap interval, validation value when that split has documents, LODO mean ± std over the
folds, kind (baseline/reference/user), whether it beats the majority (floor) reference, and a
generated note when a baseline or user system does not.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nkru.benchmark.systems import BASELINE, FLOOR, REFERENCE, USER, Entry
from nkru.schema import SCHEMA_VERSION, TASKS

README_START = "<!-- leaderboard:start -->"
README_END = "<!-- leaderboard:end -->"
SMALL_DATA = (
    "Small data: the benchmark has a handful of annotated articles, so a learned model trains on "
    "few examples per class and is tested on one document; a constant prediction can then match "
    "or beat it, and the wide intervals and the LODO spread show the comparison is not settled."
)
Rows = dict[str, list[dict[str, Any]]]


def write_json(obj: Any, path: Path) -> Path:
    """Stable JSON (sorted keys, indent 2, UTF-8)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )
    return path


# -------------------------------------------------------------------------------- data facts


def _counts(counter: Counter) -> str:
    return ", ".join(
        f"{k}: {v}" for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    )


def split_facts(task: str, rows: list[dict[str, Any]]) -> str:
    """A one-line description of a split of ``task`` (what a score on it rests on)."""
    n = len(rows)
    if task == "ner":
        labels = Counter(e["label"] for r in rows for e in r.get("entities") or [])
        return (
            f"{n} sentences, {sum(labels.values())} gold entities of {len(labels)} types "
            f"({_counts(labels)})"
        )
    if task == "claims":
        spans = sum(len(r.get("claims") or []) for r in rows)
        with_claim = sum(1 for r in rows if r.get("claims"))
        return f"{n} sentences, {with_claim} with a claim, {spans} gold claim spans"
    if task == "attribution":
        pairs = Counter(p.get("stance") or "none" for r in rows for p in r.get("pairs") or [])
        sentences = sum(len(r.get("sentences") or []) for r in rows)
        return (
            f"{n} document(s) ({sentences} sentences), {sum(pairs.values())} gold pairs "
            f"({_counts(pairs)})"
        )
    if task == "normalization":
        types = Counter(r.get("entity_type") or "?" for r in rows)
        return f"{n} mentions ({_counts(types)})"
    labels = Counter(str(r["label"]) for r in rows)
    return (
        f"{n} examples, {len(labels)} of {len(TASKS[task].labels)} classes present "
        f"({_counts(labels)})"
    )


def _note(row: dict[str, Any], floor: dict[str, Any], task: str, rows: Rows) -> str:
    value, floor_value = row["value"], floor["value"]
    parts = [
        f"{row['name']} {value:.3f} vs {floor['name']} {floor_value:.3f} on test "
        f"({'tie' if value == floor_value else 'lower'}).",
        f"Test split: {split_facts(task, rows.get('test') or [])}.",
        f"Train split: {split_facts(task, rows.get('train') or [])}.",
    ]
    lodo, floor_lodo = row.get("lodo") or {}, floor.get("lodo") or {}
    if lodo.get("mean") is not None and floor_lodo.get("mean") is not None:
        verdict = "above" if lodo["mean"] > floor_lodo["mean"] else "not above"
        parts.append(f"LODO mean {lodo['mean']:.3f} vs {floor_lodo['mean']:.3f} ({verdict}).")
    parts.append(SMALL_DATA)
    return " ".join(parts)


# ------------------------------------------------------------------------------- leaderboard


def build_leaderboard(
    entries: Sequence[Entry],
    results: dict[str, dict[str, Any]],
    rows: dict[str, Rows],
    summary: dict[str, Any],
    settings: Any,
) -> dict[str, Any]:
    """The leaderboard dict written to ``leaderboard.json``."""
    tasks: dict[str, Any] = {}
    for task, spec in TASKS.items():
        task_rows = []
        for entry in (e for e in entries if e.task == task):
            result = results.get(entry.key, {})
            test = result.get("splits", {}).get("test") or {}
            validation = result.get("splits", {}).get("validation")
            error = result.get("error") or test.get("error")
            task_rows.append(
                {
                    "name": entry.name,
                    "kind": entry.kind,
                    "description": entry.description,
                    "value": test.get("value"),
                    "ci_low": test.get("ci_low"),
                    "ci_high": test.get("ci_high"),
                    "ci_level": settings.level,
                    "examples": test.get("examples"),
                    "validation": (
                        {
                            k: validation.get(k)
                            for k in ("value", "ci_low", "ci_high", "examples", "error")
                            if k in validation
                        }
                        if validation
                        else None
                    ),
                    "lodo": result.get("lodo"),
                    "mapped": test.get("mapped"),
                    "beats_majority_reference": None,
                    "note": None,
                    "error": error,
                    "scored_against": entry.scored_against,
                    "predictions": test.get("predictions"),
                    "scores": test.get("scores"),
                }
            )
        floor = next(
            (r for r in task_rows if r["name"] == FLOOR[task] and r["kind"] == REFERENCE), None
        )
        for row in task_rows:
            if row["kind"] == REFERENCE or floor is None:
                continue
            if row["value"] is None or floor["value"] is None:
                row["note"] = f"not scored: {row['error'] or 'no test examples'}"
                continue
            row["beats_majority_reference"] = bool(row["value"] > floor["value"])
            if not row["beats_majority_reference"]:
                row["note"] = _note(row, floor, task, rows.get(task, {}))
        tasks[task] = {
            "metric": spec.headline,
            "description": spec.description,
            "floor_reference": FLOOR[task],
            "test": split_facts(task, rows.get(task, {}).get("test") or []),
            "systems": task_rows,
        }
    return {
        "schema_version": SCHEMA_VERSION,
        "split": "test",
        "dataset": summary,
        "bootstrap": {
            "resamples": settings.bootstrap,
            "seed": settings.seed,
            "level": settings.level,
            "unit": "example",
            "method": "percentile",
        },
        "lodo": settings.lodo,
        "kinds": [BASELINE, REFERENCE, USER],
        "tasks": tasks,
    }


# ---------------------------------------------------------------------------------- markdown


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _ci(row: dict[str, Any]) -> str:
    if row["ci_low"] is None:
        return "—"
    return f"[{row['ci_low']:.3f}, {row['ci_high']:.3f}]"


def _lodo(lodo: dict[str, Any] | None) -> str:
    if not lodo or lodo.get("mean") is None:
        return "—"
    return f"{lodo['mean']:.3f} ± {lodo['std']:.3f} ({len(lodo['folds'])})"


def _beats(row: dict[str, Any]) -> str:
    flag = row["beats_majority_reference"]
    if row["kind"] == REFERENCE:
        return "(reference)"
    if flag is None:
        return "—"
    return "yes" if flag else "**no** (see note)"


def render_markdown(board: dict[str, Any]) -> str:
    """``leaderboard.md``: one table per task, then the notes. Generated; do not edit."""
    boot = board["bootstrap"]
    data = board["dataset"]
    splits = "; ".join(f"{s}: {', '.join(d)}" for s, d in data["splits"].items())
    lines = [
        "<!-- generated by `nkru benchmark` from results/leaderboard.json; do not edit -->",
        "",
        f"Scores on the **test** split (documents by split — {splits}), with "
        f"{boot['level']:.0%} percentile bootstrap intervals ({boot['resamples']} resamples, "
        f"seed {boot['seed']}, unit: example/sentence). LODO: leave-one-document-out over the "
        f"{len(data['documents'])} annotated documents, mean ± std of the headline metric "
        "(folds). \"Beats floor\": the system's test score is above the task's majority "
        "reference.",
        "",
    ]
    notes: list[str] = []
    for task, info in board["tasks"].items():
        lines += [
            f"### {task} — `{info['metric']}`",
            "",
            f"Test: {info['test']}. Floor: `{info['floor_reference']}`.",
            "",
            "| system | kind | test | 95% CI | LODO mean ± std (folds) | beats floor |",
            "|---|---|---:|---|---|---|",
        ]
        for row in info["systems"]:
            name = f"`{row['name']}`"
            mark = ""
            if row["scored_against"]:
                notes.append(f"{task}/{row['name']}: scored against {row['scored_against']}.")
                mark = f"[^{len(notes)}]"
            if row["note"]:
                notes.append(f"{task}/{row['name']}: {row['note']}")
                mark += f"[^{len(notes)}]"
            lines.append(
                f"| {name}{mark} | {row['kind']} | {_num(row['value'])} | {_ci(row)} | "
                f"{_lodo(row['lodo'])} | {_beats(row)} |"
            )
        lines.append("")
        mapped = [r for r in info["systems"] if r.get("mapped")]
        if mapped:
            lines += [
                "Every system on one label set (spaCy's PER/ORG/LOC/MISC, gold DATE/QUANTITY/"
                "MONEY dropped; `eval/samples/spacy_label_map.json`): test with 95% CI; "
                "LODO pooled (held-out predictions of all folds scored once).",
                "",
                "| system | kind | test (spaCy labels) | 95% CI | LODO pooled (spaCy labels) |",
                "|---|---|---:|---|---:|",
            ]
            for row in mapped:
                m = row["mapped"]
                pooled = (row["lodo"] or {}).get("mapped_pooled")
                lines.append(
                    f"| `{row['name']}` | {row['kind']} | {_num(m['value'])} | {_ci(m)} | "
                    f"{_num(pooled)} |"
                )
            lines.append("")
    if notes:
        lines += ["Notes:", ""]
        lines += [f"[^{i}]: {note}" for i, note in enumerate(notes, start=1)]
        lines.append("")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------ README


def replace_section(text: str, body: str, start: str = README_START, end: str = README_END) -> str:
    """``text`` with what is between the ``start`` and ``end`` markers replaced by ``body``."""
    i, j = text.find(start), text.find(end)
    if i < 0 or j < 0:
        missing = " and ".join(m for m, k in ((start, i), (end, j)) if k < 0)
        raise ValueError(f"leaderboard markers missing: add {missing} on their own lines")
    if j < i or text.count(start) != 1 or text.count(end) != 1:
        raise ValueError(f"leaderboard markers must appear once each, {start} before {end}")
    return text[: i + len(start)] + "\n" + body.strip("\n") + "\n" + text[j:]


def update_readme(readme_path: Path, leaderboard_md: str) -> bool:
    """Fill the README section between ``<!-- leaderboard:start -->`` and
    ``<!-- leaderboard:end -->`` with ``leaderboard_md``; True when the file changed.

    Raises ``ValueError`` naming the missing marker(s) when the section is not there.
    """
    readme_path = Path(readme_path)
    text = readme_path.read_text(encoding="utf-8")
    try:
        new = replace_section(text, leaderboard_md)
    except ValueError as err:
        raise ValueError(f"{readme_path}: {err}") from None
    if new == text:
        return False
    readme_path.write_text(new, encoding="utf-8")
    return True

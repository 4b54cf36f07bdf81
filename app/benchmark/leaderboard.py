"""The leaderboard: ``leaderboard.json`` (the data) and ``leaderboard.md`` (its tables).

``leaderboard.json`` holds, per task and system: the cross-document (pooled
leave-one-document-out) score with its interval (and per-class figures with their gold
counts for classification), the fixed-split test and validation scores, the scores under each
of the task's label maps (NER: spaCy's labels), the paired comparison with the task's floor
over the held-out documents, and the verdict, settled only when interval and test agree
(:mod:`nkru.eval.verdicts`); per task, its classes' gold counts (those too rare to measure
named) and what the benchmark can tell apart (``power``). ``nkru readme`` copies
``leaderboard.md`` into the README.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nkru.schema import SCHEMA_VERSION
from nkru.tasks import Row, Task

from ...eval.kinds import kind_of
from ...eval.verdicts import ALPHA, NOT_SETTLED, detectable_difference, settled
from .entries import BASELINE, REFERENCE, USER, Entry

LEADERBOARD_FORMAT = "2.0"
"""Version of ``leaderboard.json``'s format (separate from the label scheme's version)."""
README_START = "<!-- leaderboard:start -->"
README_END = "<!-- leaderboard:end -->"
POOLED_WHY = (
    "Each annotated document is held out in turn and predicted by a system trained on all the "
    "others; the held-out predictions of every document are pooled and scored once. Every "
    "annotated document is thus test data once, so the score rests on all the annotation "
    "rather than on the one test document of the fixed split, and its interval resamples "
    "documents, then the examples (sentences) within them, so it shows how much the score "
    "varies from article to article. The fixed split (test, validation) is reported beside "
    "it: a held-out test set that no model choice has seen."
)
BEATS_FLOOR = "beats floor"
RARE = 5
"""A class with fewer gold examples than this over all annotated documents is too rare to
measure: one prediction moves its F1 by a fifth or more."""
VERDICT_RULE = (
    "**Verdicts.** A system *beats floor* only when two figures on the same unit, the "
    "held-out document, agree: the {level:.0%} paired bootstrap interval of its "
    "cross-document difference with the floor (documents resampled) lies above zero, and the "
    "exact paired randomisation test over the same documents (each document's predictions "
    "swapped between the system and the floor, all 2^n swaps, one-sided) gives p < {alpha}. "
    "Otherwise the verdict is *not settled*, whatever the point estimates say. With n "
    "held-out documents no p can fall below 1/2^n (here n = {n}: {one:.3f} one-sided, "
    "{two:.3f} two-sided){consequence}. Macro averages run over a label set fixed by the gold "
    "(every class of the task over all documents), the same in every resample; a class with "
    "fewer than {rare} gold examples over all documents is named *too rare to measure*."
)
SMALLEST_P = (
    ": p < {alpha} then means the system's difference is the largest of all {swaps} swaps, "
    "in effect ahead of the floor on every document"
)
NO_TWO_SIDED = (
    ", and no two-sided comparison of two systems (*better than*) can be settled at {alpha} "
    "with {n} documents"
)


def verdict_rule(level: float, documents: int) -> str:
    """The leaderboard's paragraph on verdicts, for ``documents`` held-out documents."""
    one, two = 1 / 2**documents, 2 / 2**documents
    consequence = ""
    if 2 * one >= ALPHA > one:
        consequence += SMALLEST_P.format(alpha=ALPHA, swaps=2**documents)
    if two >= ALPHA:
        consequence += NO_TWO_SIDED.format(alpha=ALPHA, n=documents)
    return VERDICT_RULE.format(
        level=level, alpha=ALPHA, n=documents, one=one, two=two, consequence=consequence, rare=RARE
    )


POWER_WHY = (
    "**What the benchmark can tell apart.** For each task, the smallest difference its "
    "cross-document comparison can settle at {level:.0%}: the half-width of the paired "
    "document-level bootstrap interval of the best system's difference with its floor (a "
    "difference smaller than that leaves zero inside an interval as wide, centred on it), "
    "with the smallest p-values the held-out documents allow."
)
SMALL_DATA = (
    "Small data: the benchmark has a handful of annotated articles, so a learned model trains "
    "on few examples per class; a constant prediction can then match or beat it, and the "
    "interval of the difference says whether the comparison is settled."
)

OPEN_DATA = (
    "**Isolation**: every fit runs in a fresh process with copies of its own rows only "
    "(training rows for `fit`, inputs stripped of the answers for `predict`). Reading `data/` "
    "from disk cannot be prevented in an open benchmark, where the gold of every split is "
    "published: a score on unseen data needs a hidden test set (documents annotated but not "
    "published, scored by a maintainer from submitted predictions or systems)."
)


def write_json(obj: Any, path: Path) -> Path:
    """Stable JSON (sorted keys, indent 2, UTF-8)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )
    return path


# -------------------------------------------------------------------------------- data facts


def split_facts(task: Task, rows: list[Row]) -> str:
    """A one-line description of rows of ``task`` (what a score on them rests on)."""
    documents = len({r["document_id"] for r in rows})
    return kind_of(task).facts(task, rows, f"{documents} document(s)")


# ------------------------------------------------------------------------------- leaderboard


def _headline(row: dict[str, Any], score: str) -> float | None:
    """The row's headline value: its own, or under its declared label map."""
    figures = row[score] if not row["label_map"] else row["mapped"][row["label_map"]].get(score)
    return (figures or {}).get("value")


def _note(row: dict[str, Any], floor: dict[str, Any], score: str) -> str:
    value, floor_value = _headline(row, score), _headline(floor, score)
    parts = [f"{row['name']} {value:.3f} vs {floor['name']} {floor_value:.3f}."]
    versus = row.get("versus_floor") or {}
    if versus.get("error"):
        parts.append(f"Comparison failed: {versus['error']}.")
    elif versus.get("ci_low") is not None:
        parts.append(
            f"Difference {versus['delta']:+.3f}, 95% interval [{versus['ci_low']:+.3f}, "
            f"{versus['ci_high']:+.3f}] over documents, p = {versus['p_value']:.3f} "
            f"(one-sided, {versus['units']} documents; smallest possible "
            f"{versus['p_floor']:.3f}): {NOT_SETTLED}."
        )
    parts.append(SMALL_DATA)
    return " ".join(parts)


def verdict(versus: dict[str, Any] | None) -> str:
    """``beats floor`` when the comparison's interval and test agree, else ``not settled``."""
    versus = versus or {}
    side = settled(
        versus.get("ci_low"),
        versus.get("ci_high"),
        versus.get("p_value"),
        versus.get("alternative", "greater"),
    )
    return BEATS_FLOOR if side > 0 else NOT_SETTLED


def per_class(report: dict[str, Any]) -> dict[str, dict[str, Any]] | None:
    """Each class's F1 and gold count, from a classification report (None for other kinds)."""
    if "confusion_matrix" not in report:
        return None
    return {
        label: {"f1": figures["f1"], "gold": figures["support"]}
        for label, figures in report["per_type"].items()
    }


def class_counts(task: Task, rows: list[Row]) -> dict[str, dict[str, Any]]:
    """Gold examples of each of the task's labels over ``rows``, and whether the label is too
    rare to measure (fewer than ``RARE``)."""
    counts = kind_of(task).answer_counts(task, rows)
    return {
        label: {"gold": counts.get(label, 0), "too_rare": counts.get(label, 0) < RARE}
        for label in task.labels
    }


def power(systems: list[dict[str, Any]], floor: str, score: str) -> dict[str, Any] | None:
    """What the task's cross-document comparison can tell apart: the best system scored on
    the task's own labels compared with the floor (its difference, interval and half-width)
    and the smallest p-values its documents allow; None without a compared system."""
    compared = [
        r
        for r in systems
        if (r.get("versus_floor") or {}).get("ci_low") is not None
        and not r["label_map"]
        and _headline(r, score) is not None
    ]
    if not compared:
        return None
    best = max(compared, key=lambda r: _headline(r, score) or 0.0)
    versus = best["versus_floor"]
    documents = versus["units"]
    return {
        "system": best["name"],
        "floor": floor,
        "delta": versus["delta"],
        "ci_low": versus["ci_low"],
        "ci_high": versus["ci_high"],
        "detectable": detectable_difference(versus["ci_low"], versus["ci_high"]),
        "documents": documents,
        "smallest_p_one_sided": 1 / 2**documents,
        "smallest_p_two_sided": 2 / 2**documents,
    }


def _row(entry: Entry, result: dict[str, Any], level: float) -> dict[str, Any]:
    splits = result.get("splits") or {}
    error = result.get("error") or next(
        (f["error"] for f in [result.get("pooled") or {}, *splits.values()] if "error" in f),
        None,
    )
    return {
        "name": entry.name,
        "kind": entry.kind,
        "description": entry.description,
        "label_map": entry.label_map,
        "pooled": result.get("pooled"),
        "folds": result.get("folds") or [],
        "test": splits.get("test"),
        "validation": splits.get("validation"),
        "mapped": result.get("mapped") or {},
        "versus_floor": result.get("versus_floor"),
        "errors": result.get("errors"),
        "confusion": result.get("confusion"),
        "verdict": None,
        "beats_floor": None,
        "ci_level": level,
        "note": None,
        "error": error,
    }


def build_leaderboard(
    entries: Sequence[Entry],
    results: dict[str, dict[str, Any]],
    rows: dict[str, dict[str, list[Row]]],
    summary: dict[str, Any],
    settings: Any,
) -> dict[str, Any]:
    """The leaderboard dict written to ``leaderboard.json``."""
    score = "pooled" if settings.lodo else "test"
    tasks: dict[str, Any] = {}
    for task in settings.tasks:
        task_rows = [
            _row(e, results.get(e.key, {}), settings.level) for e in entries if e.task is task
        ]
        floor = next(
            (r for r in task_rows if r["name"] == task.floor and r["kind"] == REFERENCE), None
        )
        for row in task_rows:
            if row is floor or floor is None or row["kind"] == REFERENCE:
                continue
            value, floor_value = _headline(row, score), _headline(floor, score)
            if value is None or floor_value is None:
                row["note"] = f"not scored: {row['error'] or 'no examples'}"
                continue
            row["verdict"] = verdict(row["versus_floor"])
            row["beats_floor"] = row["verdict"] == BEATS_FLOOR
            if not row["beats_floor"]:
                row["note"] = _note(row, floor, score)
        every = [r for split_rows in rows.get(task.name, {}).values() for r in split_rows]
        classes = class_counts(task, every)
        tasks[task.name] = {
            "metric": task.headline,
            "kind": task.kind,
            "description": task.description,
            "floor": task.floor,
            "floor_description": floor["description"] if floor else "",
            "label_maps": list(task.label_maps),
            "test": split_facts(task, rows.get(task.name, {}).get("test") or []),
            "all": split_facts(task, every),
            "classes": classes,
            "too_rare": [label for label, c in classes.items() if c["too_rare"]],
            "power": power(task_rows, task.floor, score),
            "systems": task_rows,
        }
    return {
        "format_version": LEADERBOARD_FORMAT,
        "scheme_version": SCHEMA_VERSION,
        "headline": {"score": score, "why": POOLED_WHY if score == "pooled" else ""},
        "dataset": summary,
        "bootstrap": {
            "resamples": settings.bootstrap,
            "seed": settings.seed,
            "level": settings.level,
            "method": "percentile",
            "units": {
                "pooled": "documents, then examples within them (sentences for attribution)",
                "fixed": "examples (sentences for attribution)",
                "versus_floor": "documents (interval and exact one-sided test)",
            },
        },
        "verdicts": {
            "alpha": ALPHA,
            "rare": RARE,
            "rule": verdict_rule(settings.level, len(summary["documents"])),
        },
        "kinds": [BASELINE, REFERENCE, USER],
        "tasks": tasks,
    }


# ---------------------------------------------------------------------------------- markdown


def _num(figures: dict[str, Any] | None) -> str:
    if not figures or figures.get("value") is None:
        return "—"
    return f"{figures['value']:.3f}"


def _ci(figures: dict[str, Any] | None) -> str:
    if not figures or figures.get("ci_low") is None:
        return ""
    return f" [{figures['ci_low']:.3f}, {figures['ci_high']:.3f}]"


def figures_text(figures: dict[str, Any] | None) -> str:
    """``value [low, high]`` of a score (``—`` when there is none)."""
    if not figures or figures.get("value") is None:
        return "—"
    if figures.get("ci_low") is None:
        return f"{figures['value']:.3f}"
    return f"{figures['value']:.3f} [{figures['ci_low']:.3f}, {figures['ci_high']:.3f}]"


def versus(row: dict[str, Any]) -> str:
    """``Δ [low, high]`` of the comparison with the floor (``—`` without one)."""
    versus = row.get("versus_floor")
    if not versus or versus.get("delta") is None:
        return "—"
    interval = (
        f" [{versus['ci_low']:+.3f}, {versus['ci_high']:+.3f}]"
        if versus.get("ci_low") is not None
        else ""
    )
    return f"{versus['delta']:+.3f}{interval}"


def p_text(row: dict[str, Any]) -> str:
    """``p (≥ smallest possible)`` of the comparison with the floor (``—`` without one)."""
    versus = row.get("versus_floor") or {}
    if versus.get("p_value") is None:
        return "—"
    return f"{versus['p_value']:.3f} (≥ {versus['p_floor']:.3f})"


def verdict_text(row: dict[str, Any], floor: str) -> str:
    """The verdict cell: the floor and other references marked, else the verdict."""
    if row["kind"] == REFERENCE:
        return "(floor)" if row["name"] == floor else "(reference)"
    return row["verdict"] or "—"


def intro(board: dict[str, Any]) -> list[str]:
    """What the tables show and how they are made."""
    boot, data = board["bootstrap"], board["dataset"]
    splits = "; ".join(f"{s}: {', '.join(d)}" for s, d in data["splits"].items())
    headline = (
        f"**Headline: the cross-document score** (pooled leave-one-document-out over the "
        f"{len(data['documents'])} annotated documents: {', '.join(data['documents'])}). "
        + board["headline"]["why"]
        if board["headline"]["score"] == "pooled"
        else "**Headline: the fixed-split test score** (leave-one-document-out was skipped)."
    )
    return [
        "<!-- generated by `nkru benchmark` (results/leaderboard.json, results/leaderboard.md); "
        "do not edit -->",
        "",
        headline,
        "",
        f"Fixed split by document ({splits}). Intervals: {boot['level']:.0%} percentile "
        f"bootstrap ({boot['resamples']} resamples, seed {boot['seed']}); the cross-document "
        "one resamples documents and then examples within them, the fixed-split ones examples. "
        "**Floor**: each task's own reference system that every learned system must beat, "
        "named under each table with what it predicts. **Δ vs floor**: the paired difference "
        "of the cross-document scores (`nkru compare --bootstrap-unit document --alternative "
        "greater`) with its paired bootstrap interval over the held-out documents; **p**: the "
        "exact one-sided paired test over the same documents, with the smallest p the "
        "documents allow; **verdict**: *beats floor* or *not settled* (below).",
        "",
        board["verdicts"]["rule"],
        "",
        OPEN_DATA,
        "",
    ]


def _per_class_table(info: dict[str, Any]) -> list[str]:
    """Classification tasks: each system's cross-document F1 per class, under the class's
    gold count (and whether it is too rare to measure)."""
    classes = info["classes"]
    rows = [r for r in info["systems"] if (r["pooled"] or {}).get("per_class")]
    if not rows:
        return []

    def head(label: str) -> str:
        rare = ", too rare to measure" if classes[label]["too_rare"] else ""
        return f"{label} ({classes[label]['gold']} gold{rare})"

    lines = [
        "Cross-document F1 per class (gold examples over all documents):",
        "",
        "| system | " + " | ".join(head(label) for label in classes) + " |",
        "|" + "---|" * (len(classes) + 1),
    ]
    for row in rows:
        figures = row["pooled"]["per_class"]
        cells = [f"{figures[label]['f1']:.3f}" for label in classes]
        lines.append(f"| `{row['name']}` | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _power_table(board: dict[str, Any]) -> list[str]:
    """What each task's cross-document comparison can tell apart."""
    rows = [(task, info["power"]) for task, info in board["tasks"].items() if info["power"]]
    if not rows:
        return []
    level = board["bootstrap"]["level"]
    lines = [
        POWER_WHY.format(level=level),
        "",
        "| task | best system vs floor | Δ [interval] | smallest detectable difference "
        "| documents | smallest p (one-sided / two-sided) |",
        "|---|---|---|---|---|---|",
    ]
    for task, power in rows:
        lines.append(
            f"| {task} | `{power['system']}` vs `{power['floor']}` | {power['delta']:+.3f} "
            f"[{power['ci_low']:+.3f}, {power['ci_high']:+.3f}] | {power['detectable']:.3f} "
            f"| {power['documents']} | {power['smallest_p_one_sided']:.3f} / "
            f"{power['smallest_p_two_sided']:.3f} |"
        )
    return [*lines, ""]


def render_markdown(board: dict[str, Any]) -> str:
    """``leaderboard.md``: one table per task, then the notes. Generated; do not edit."""
    lines = intro(board)
    notes: list[str] = []
    for task, info in board["tasks"].items():
        maps = info["label_maps"]
        head = [
            "system",
            "kind",
            "cross-document",
            "Δ vs floor",
            "p",
            "verdict",
            "test",
            "validation",
            *(f"cross-document, {m} labels" for m in maps),
        ]
        lines += [
            f"### {task} — `{info['metric']}`",
            "",
            f"All annotated documents: {info['all']}. Test split: {info['test']}. "
            f"Floor: `{info['floor']}` ({info['floor_description']}).",
            "",
            "| " + " | ".join(head) + " |",
            "|" + "---|" * len(head),
        ]
        for row in info["systems"]:
            mark = ""
            if row["label_map"]:
                notes.append(
                    f"{task}/{row['name']}: predicts the labels of the {row['label_map']!r} "
                    f"label map; scored under it only (column '{row['label_map']} labels')."
                )
                mark = f"[^{len(notes)}]"
            if row["note"] or row["error"]:
                notes.append(f"{task}/{row['name']}: {row['note'] or row['error']}")
                mark += f"[^{len(notes)}]"
            cells = [
                f"`{row['name']}`{mark}",
                row["kind"],
                f"{_num(row['pooled'])}{_ci(row['pooled'])}",
                versus(row),
                p_text(row),
                verdict_text(row, info["floor"]),
                f"{_num(row['test'])}{_ci(row['test'])}",
                _num(row["validation"]),
                *(
                    _num(row["mapped"].get(m, {}).get("pooled"))
                    + _ci(row["mapped"].get(m, {}).get("pooled"))
                    for m in maps
                ),
            ]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
        if info["too_rare"]:
            rare = ", ".join(f"{c} ({info['classes'][c]['gold']})" for c in info["too_rare"])
            lines += [f"Too rare to measure (fewer than {RARE} gold examples): {rare}.", ""]
        lines += _per_class_table(info)
    lines += _power_table(board)
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

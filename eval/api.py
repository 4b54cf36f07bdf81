"""The evaluation entry points: ``load_gold``, ``score``, ``score_file`` and ``compare``."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from nkru.eval.attribution import AttributionScorer
from nkru.eval.bootstrap import bootstrap_interval, paired_comparison
from nkru.eval.claims import ClaimsScorer
from nkru.eval.classification import ClassificationScorer
from nkru.eval.gold import CHUNK, GoldSet, build_gold, gold_from_rows, load_split_rows
from nkru.eval.jsonl import blocks, numbered, read_jsonl
from nkru.eval.metrics import CountVector, Scorer, span_f1_defined
from nkru.eval.ner import GoldArrays, LabelMap, NerBatch, NerScorer, TypeCounts
from nkru.eval.ner_block import NerBlock, decode_ner_block
from nkru.eval.normalization import NormalizationScorer
from nkru.eval.problems import ERROR, Problem, ProblemLog, ValidationFailed
from nkru.eval.validate import CLASSIFICATION_TASKS, EntityChunk, RecordParser
from nkru.schema import ENTITY_LABELS, SCHEMA_VERSION, TASKS

BOOTSTRAP_UNITS = ("example", "document")


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while loading or scoring a file.

    Validation allocates many short-lived containers next to a large, long-lived gold set;
    generational collections would traverse the gold set again and again (about a third of
    the run time on 1M tokens). Nothing here creates reference cycles, and reference
    counting still frees every record as soon as it has been read, so memory is unchanged.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True)
class Options:
    """Scoring options shared by ``score``, ``score_file`` and ``compare``."""

    allow_missing: bool = False
    label_map: LabelMap | None = None
    bootstrap: int = 1000
    seed: int = 0
    bootstrap_unit: str = "example"
    level: float = 0.95
    per_type_intervals: bool = True  # NER: a bootstrap interval for each type's strict F1

    def __post_init__(self) -> None:
        if self.bootstrap_unit not in BOOTSTRAP_UNITS:
            raise ValueError(f"bootstrap unit must be one of {', '.join(BOOTSTRAP_UNITS)}")
        if not 0 < self.level < 1:
            raise ValueError("level must be between 0 and 1")
        if self.bootstrap < 0:
            raise ValueError(f"bootstrap resamples must be 0 or more, got {self.bootstrap}")
        if self.seed < 0:
            raise ValueError(f"seed must be 0 or more, got {self.seed}")


@dataclass
class Scored:
    """A scorer after a run, with per-unit headline count vectors."""

    scorer: Scorer
    keys: np.ndarray
    counts: np.ndarray
    unit: str
    predicted: int
    missing: int
    warnings: list[Problem] = field(default_factory=list)
    # NER per-type strict (COR, POS, ACT) per unit, if collected.
    types: TypeCounts | None = None
    warnings_omitted: int = 0  # beyond the problems kept per file (problems.LIMIT)


def check_task(task: str) -> None:
    """Raise ``ValueError`` for an unknown task name."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r} (expected one of {', '.join(TASKS)})")


def make_parser(task: str, label_map: LabelMap | None = None) -> RecordParser:
    """Record parser of a task; a label map widens the NER labels to its keys and values."""
    if task == "ner" and label_map:
        targets = {value for value in label_map.values() if value is not None}
        return RecordParser(task, {*ENTITY_LABELS, *label_map, *targets})
    return RecordParser(task)


def make_scorer(task: str, label_map: LabelMap | None = None) -> Scorer:
    """A fresh scorer for ``task``."""
    if task == "ner":
        return NerScorer(label_map)
    if task == "claims":
        return ClaimsScorer()
    if task == "attribution":
        return AttributionScorer()
    if task in CLASSIFICATION_TASKS:
        return ClassificationScorer(task)
    return NormalizationScorer()


def load_gold(
    task: str,
    path: Path | None = None,
    *,
    records: Iterable[object] | None = None,
    split: str | None = None,
    data_dir: Path = Path("data"),
    label_map: LabelMap | None = None,
) -> GoldSet:
    """Validated gold from a JSON Lines file, in-memory records, or a dataset split."""
    check_task(task)
    parser = make_parser(task, label_map)
    if path is not None:
        log = ProblemLog(str(path))
        with _gc_paused():
            return build_gold(task, read_jsonl(path, log), log, parser)
    if records is not None:
        return build_gold(task, numbered(records), ProblemLog("<gold>"), parser)
    if split is None:
        raise ValueError("give a gold file, gold records or a split")
    rows = load_split_rows(task, split, data_dir)
    log = ProblemLog(f"{data_dir}[{task}/{split}]")
    return build_gold(task, numbered(gold_from_rows(task, rows)), log, parser)


def run(
    gold: GoldSet, lines: Iterable[tuple[int, object]], log: ProblemLog, options: Options
) -> Scored:
    """Validate and score numbered prediction records as they stream past.

    Raises ``ValidationFailed`` with every problem of the predictions if any is an error.
    Memory: beyond the gold data, one count vector per gold example and (NER) one chunk of
    queued records.
    """
    with _gc_paused():
        return _run(gold, lines, log, options)


def _run(
    gold: GoldSet, lines: Iterable[tuple[int, object]], log: ProblemLog, options: Options
) -> Scored:
    task = gold.task
    parser = make_parser(task, options.label_map)
    scorer = make_scorer(task, options.label_map)
    dense = np.zeros((len(gold.examples), scorer.width)) if task == "ner" else None
    types = None
    if task == "ner" and options.bootstrap > 0 and options.per_type_intervals:
        types = _type_counts(gold, parser, scorer)
    scored = np.zeros(len(gold.examples), dtype=bool)
    rows: dict[int, list[tuple[int, CountVector]]] = {}
    batch = _ner_batch(gold, parser, scorer, dense, types) if dense is not None else None
    seen: dict[str, int] = {}
    index = gold.index
    examples = gold.examples

    def store(position: int, result: list[tuple[int, CountVector]], payload: Any = None) -> None:
        scored[position] = True
        if dense is not None:
            ((_, vector),) = result
            dense[position] = vector
            if types is not None:
                assert isinstance(scorer, NerScorer)
                scorer.strict_by_type(
                    examples[position], payload, types.columns, types.counts[position]
                )
        else:
            rows[position] = result

    def detailed(line: int, obj: object) -> None:
        rid = parser.record_id(obj, line, log)
        if rid is None:
            return
        assert isinstance(obj, dict)
        position = index.get(rid)
        if position is None:
            log.error(
                line, "id", f"unknown id {rid!r}: not in the gold data ({gold.name})", "unknown_id"
            )
        elif rid in seen:
            log.error(
                line, "id", f"duplicate id {rid!r} (first on line {seen[rid]})", "duplicate_id"
            )
            return
        else:
            seen[rid] = line
        example = examples[position] if position is not None else None
        payload = parser.payload(obj, line, log, example.text_len if example else None)
        if example is not None and not log.errors:
            store(position, scorer.add(example, payload), payload)

    known = parser.known

    def new_positions(ids: list[str]) -> list[int] | None:
        """Gold positions of distinct ids of the gold data not seen before, else None."""
        if len(set(ids)) != len(ids):
            return None
        positions = list(map(index.get, ids))
        if None in positions or not seen.keys().isdisjoint(ids):
            return None
        return positions  # type: ignore[return-value]

    def queue(lines: list[int], ids: list[str], positions: list[int], chunk: EntityChunk) -> bool:
        """Queue clean records for vectorised scoring if all passed ``chunk.check``."""
        assert batch is not None
        if not chunk.ok.all():
            return False
        seen.update(zip(ids, lines, strict=True))
        where = np.array(positions, dtype=np.int64)
        scored[where] = True
        batch.add(where, chunk.lengths, chunk.starts, chunk.ends, chunk.ids)
        return True

    def clean_chunk(buffer: list[tuple[int, object]]) -> bool:
        # The common case: every record clean, with a distinct id of the gold data not seen
        # before; queued for scoring without per-record branching. Else nothing is done.
        objs = [obj for _, obj in buffer]
        if set(map(type, objs)) != {dict} or not all(map(known.issuperset, objs)):
            return False
        ids = [obj.get("id") for obj in objs]
        if set(map(type, ids)) != {str} or (positions := new_positions(ids)) is None:
            return False
        chunk = parser.fast_entity_chunk(objs, [examples[p].text_len for p in positions])
        return queue([line for line, _ in buffer], ids, positions, chunk)

    def typed_block(first: int, typed: NerBlock) -> bool:
        positions = new_positions(typed.ids)
        if positions is None:
            return False
        typed.chunk.check([examples[p].text_len for p in positions])
        return queue(list(range(first, first + len(positions))), typed.ids, positions, typed.chunk)

    def fast_chunk(buffer: list[tuple[int, object]]) -> None:
        if clean_chunk(buffer):
            return
        # Records with a clean id of the gold data are checked together; in line order, the
        # clean ones with a new id are queued for vectorised scoring, the others take the
        # detailed path (so problems are logged in line order, as without the fast path).
        assert batch is not None
        candidates: dict[int, int] = {}
        objs: list[dict] = []
        positions: list[int] = []
        for i, (_, obj) in enumerate(buffer):
            rid = parser.fast_id(obj)
            position = index.get(rid) if rid is not None else None
            if position is not None:
                assert isinstance(obj, dict)
                candidates[i] = len(objs)
                objs.append(obj)
                positions.append(position)
        chunk = parser.fast_entity_chunk(objs, [examples[p].text_len for p in positions])
        ok = chunk.ok.tolist()
        keep = np.zeros(len(objs), dtype=bool)
        for i, (line, obj) in enumerate(buffer):
            j = candidates.get(i)
            if j is not None and ok[j]:
                rid = objs[j]["id"]
                if rid not in seen:
                    seen[rid] = line
                    scored[positions[j]] = True
                    keep[j] = True
                    continue
            detailed(line, obj)
        mask = np.repeat(keep, chunk.lengths)
        batch.add(
            np.array(positions, dtype=np.int64)[keep],
            chunk.lengths[keep],
            chunk.starts[mask],
            chunk.ends[mask],
            chunk.ids[mask],
        )

    if batch is None:
        for line, obj in lines:
            detailed(line, obj)
    else:
        for block in blocks(lines, log, CHUNK, partial(decode_ner_block, parser=parser)):
            if block.typed is None or not typed_block(block.first, block.typed):
                for buffer in block.buffers():
                    fast_chunk(buffer)
    # ``seen`` holds only gold ids, so when it has them all nothing is missing.
    missing = [] if len(seen) == len(examples) else [ex for ex in examples if ex.id not in seen]
    for ex in missing:
        if options.allow_missing:
            if not log.errors:
                if batch is not None:
                    scored[index[ex.id]] = True
                    empty = np.zeros(1, dtype=np.int64)
                    batch.add(np.array([index[ex.id]]), empty, empty[:0], empty[:0], empty[:0])
                else:
                    store(index[ex.id], scorer.add(ex, None))
        else:
            log.error(
                None,
                "id",
                f"no prediction for gold id {ex.id!r} ({gold.name} line "
                f"{ex.line}); use --allow-missing (allow_missing=True in Python) to score it "
                "as empty",
                "missing_id",
            )
    if log.errors:
        raise ValidationFailed.from_logs(log)
    if batch is not None:
        batch.flush()
    warnings = gold.warnings + [p for p in log.problems if p.severity != ERROR]
    omitted = gold.warnings_omitted + log.omitted
    if dense is None:
        keys, counts, unit = _unit_counts(gold, rows, scorer.width, options.bootstrap_unit)
        return Scored(scorer, keys, counts, unit, len(seen), len(missing), warnings, None, omitted)
    keys, counts, unit = _dense_unit_counts(gold, dense, scored, options.bootstrap_unit)
    per_unit = None
    if types is not None:
        flat = types.counts.reshape(len(examples), -1)
        grouped = _dense_unit_counts(gold, flat, scored, options.bootstrap_unit)[1]
        per_unit = TypeCounts(types.names, grouped.reshape(len(grouped), len(types.names), 3))
    return Scored(scorer, keys, counts, unit, len(seen), len(missing), warnings, per_unit, omitted)


def _gold_arrays(gold: GoldSet) -> GoldArrays:
    arrays = gold.cache.get("ner_arrays")
    if arrays is None:
        arrays = gold.cache["ner_arrays"] = GoldArrays.from_examples(gold.examples)
    return arrays


def _type_counts(gold: GoldSet, parser: RecordParser, scorer: Scorer) -> TypeCounts:
    """Per-type count table of a run: every type a gold or predicted label maps to."""
    assert isinstance(scorer, NerScorer)
    mapping = scorer.label_map
    labels = {*parser.label_names, *_gold_arrays(gold).names}
    names = sorted({mapping.get(label, label) for label in labels} - {None})
    counts = np.zeros((len(gold.examples), len(names), 3), dtype=np.int32)
    return TypeCounts(names, counts)  # type: ignore[arg-type]


def _ner_batch(
    gold: GoldSet,
    parser: RecordParser,
    scorer: Scorer,
    out: np.ndarray,
    types: TypeCounts | None,
) -> NerBatch | None:
    """The vectorised NER scorer of a run, or None when the gold offsets do not allow it."""
    arrays = _gold_arrays(gold)
    if not arrays.packable:
        return None
    assert isinstance(scorer, NerScorer)
    return NerBatch(scorer, gold.examples, arrays, parser.label_names, out, types)


def _dense_unit_counts(
    gold: GoldSet, dense: np.ndarray, scored: np.ndarray, unit: str
) -> tuple[np.ndarray, np.ndarray, str]:
    """``_unit_counts`` for one count vector per example (row ``i`` = gold example ``i``)."""
    positions = np.flatnonzero(scored)
    if unit != "document":
        keys = np.stack([positions, np.zeros_like(positions)], axis=1)
        return keys, dense[positions], "example"
    if not len(positions):
        return np.zeros((0, 2), dtype=np.int64), np.zeros((0, dense.shape[1])), "document"
    documents: dict[str, int] = {}
    examples = gold.examples
    doc = np.array(
        [documents.setdefault(examples[p].document_id, len(documents)) for p in positions.tolist()]
    )
    counts = np.zeros((len(documents), dense.shape[1]))
    np.add.at(counts, doc, dense[positions])
    keys = np.stack([np.arange(len(documents)), np.zeros(len(documents), dtype=np.int64)], axis=1)
    return keys, counts, "document"


def _unit_counts(
    gold: GoldSet, rows: dict[int, list[tuple[int, CountVector]]], width: int, unit: str
) -> tuple[np.ndarray, np.ndarray, str]:
    """Unit keys and count vectors summed per unit, in gold order (prediction order is moot)."""
    documents: dict[str, int] = {}
    keys: list[tuple[int, int]] = []
    vectors: list[CountVector] = []
    for position in sorted(rows):
        example = gold.examples[position]
        for part, vector in rows[position]:
            if unit == "document":
                keys.append((documents.setdefault(example.document_id, len(documents)), 0))
            else:
                keys.append((position, part))
            vectors.append(vector)
    name = (
        "document"
        if unit == "document"
        else ("sentence" if gold.task == "attribution" else "example")
    )
    if not vectors:
        return np.zeros((0, 2), dtype=np.int64), np.zeros((0, width)), name
    unique, inverse = np.unique(np.array(keys), axis=0, return_inverse=True)
    counts = np.zeros((len(unique), width))
    np.add.at(counts, inverse.reshape(-1), np.array(vectors, dtype=float))
    return unique, counts, name


def _aligned(first: Scored, second: Scored) -> tuple[np.ndarray, np.ndarray]:
    """Both systems' unit counts on the union of their units (zeros where a unit is absent)."""
    keys = np.unique(np.concatenate([first.keys, second.keys]), axis=0)
    position = {tuple(key): i for i, key in enumerate(keys.tolist())}
    out = []
    for scored in (first, second):
        counts = np.zeros((len(keys), scored.counts.shape[1]))
        counts[[position[tuple(key)] for key in scored.keys.tolist()]] = scored.counts
        out.append(counts)
    return out[0], out[1]


def report(gold: GoldSet, scored: Scored, options: Options) -> dict[str, Any]:
    """The JSON report of a run (see FORMAT.md, "Reports")."""
    task = gold.task
    value = float(scored.scorer.headline(scored.counts.sum(axis=0)))
    low, high = bootstrap_interval(
        scored.counts, scored.scorer.headline, options.bootstrap, options.seed, options.level
    )
    results = scored.scorer.results()
    if scored.types is not None:
        for label, figures in results["per_type"].items():
            counts = scored.types.counts[:, scored.types.columns[label]]
            figures["strict"]["ci_low"], figures["strict"]["ci_high"] = bootstrap_interval(
                counts, span_f1_defined, options.bootstrap, options.seed, options.level
            )
    return {
        "schema_version": SCHEMA_VERSION,
        "task": task,
        "headline": {
            "name": TASKS[task].headline,
            "value": value,
            "ci_low": low,
            "ci_high": high,
            "level": options.level,
        },
        "examples": {
            "gold": len(gold.examples),
            "predicted": scored.predicted,
            "missing": scored.missing,
        },
        **results,
        "bootstrap": {
            "method": "percentile",
            "resamples": options.bootstrap,
            "seed": options.seed,
            "level": options.level,
            "unit": scored.unit,
            "units": len(scored.counts),
        },
        "options": {
            "allow_missing": options.allow_missing,
            "label_map": dict(options.label_map) if options.label_map else None,
        },
        "warnings": [p.to_dict() for p in scored.warnings],
        "warnings_omitted": scored.warnings_omitted,
    }


def _gold_set(task: str, gold: GoldSet | Iterable[object], options: Options) -> GoldSet:
    if isinstance(gold, GoldSet):
        return gold
    return load_gold(task, records=gold, label_map=options.label_map)


def score(
    task: str, gold: GoldSet | Iterable[object], predictions: Iterable[object], **options: Any
) -> dict[str, Any]:
    """Score in-memory prediction records against gold records (or a loaded ``GoldSet``).

    Options are the fields of ``Options``. Raises ``ValidationFailed`` on bad input.
    """
    check_task(task)
    opts = Options(**options)
    gold_set = _gold_set(task, gold, opts)
    scored = run(gold_set, numbered(predictions), ProblemLog("<predictions>"), opts)
    return report(gold_set, scored, opts)


def score_file(gold: GoldSet, predictions: Path, options: Options) -> dict[str, Any]:
    """Score a prediction JSON Lines file, read one line at a time."""
    log = ProblemLog(str(predictions))
    return report(gold, run(gold, read_jsonl(predictions, log), log, options), options)


def compare(
    gold: GoldSet, a: Path | Iterable[object], b: Path | Iterable[object], options: Options
) -> dict[str, Any]:
    """Paired comparison of two prediction sets on the same gold (headline metric)."""
    scored = []
    failures: list[ValidationFailed] = []
    for name, source in (("a", a), ("b", b)):
        if isinstance(source, Path):
            log = ProblemLog(str(source))
            lines = read_jsonl(source, log)
        else:
            log = ProblemLog(f"<predictions {name}>")
            lines = numbered(source)
        try:
            scored.append(run(gold, lines, log, options))
        except ValidationFailed as err:
            failures.append(err)
    if failures:
        raise ValidationFailed(
            [p for err in failures for p in err.problems],
            sum(err.omitted for err in failures),
            sum(err.errors for err in failures),
        )
    first, second = scored
    counts_a, counts_b = _aligned(first, second)
    test = paired_comparison(
        counts_a, counts_b, first.scorer.headline, options.bootstrap, options.seed, options.level
    )
    return {
        "schema_version": SCHEMA_VERSION,
        "task": gold.task,
        "metric": TASKS[gold.task].headline,
        "a_file": str(a) if isinstance(a, Path) else "<predictions a>",
        "b_file": str(b) if isinstance(b, Path) else "<predictions b>",
        **test,
        "test": "approximate randomisation (two-sided); delta interval by paired bootstrap",
        "bootstrap": {
            "method": "percentile",
            "resamples": options.bootstrap,
            "seed": options.seed,
            "level": options.level,
            "unit": first.unit,
            "units": len(counts_a),
        },
    }

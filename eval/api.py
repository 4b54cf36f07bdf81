"""The evaluation API: ``load_gold``, ``score`` and ``compare``, with :class:`Options`.

``score(task, gold, predictions, options)`` and ``compare(task, gold, a, b, options)`` take
the same arguments: a task (name or :class:`nkru.tasks.Task`), the gold (a loaded
:class:`GoldSet`, a JSON Lines file, or records) and predictions (a JSON Lines file, a CoNLL
token/BIO file for labelled spans, or records). They return a typed :class:`Report` or
:class:`Comparison`; ``to_dict()`` gives the JSON report (``FORMAT.md``, "Reports").

>>> from nkru.eval import Options, compare, score
>>> gold = [{"id": "s1", "text": "Kim Jong-un à Moscou", "entities": [
...     {"start": 0, "end": 11, "label": "PER"}, {"start": 14, "end": 20, "label": "GPE"}]}]
>>> pred = [{"id": "s1", "entities": [{"start": 0, "end": 11, "label": "PER"}]}]
>>> report = score("ner", gold, pred, Options(bootstrap=0))
>>> report.headline.name, round(report.headline.value, 3)
('strict_micro_f1', 0.667)
>>> report.to_dict()["micro"]["strict"]["recall"]
0.5
>>> result = compare("ner", gold, gold, pred, Options(bootstrap=100))
>>> round(result.delta, 3), result.p_value is not None
(0.333, True)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from nkru.paths import data_dir as default_data_dir
from nkru.schema import SCHEMA_VERSION
from nkru.tasks import LabelMap, Task, get_task

from .bootstrap import (
    PairedTest,
    bootstrap_interval,
    document_totals,
    paired_interval,
    paired_test,
)
from .conll import is_conll, read_conll
from .errors import COLUMNS, Error, as_rows
from .errors import entity_confusion as confusion_of_entities
from .gold import GoldSet, build_gold, gold_from_rows, read_split
from .jsonl import numbered, read_jsonl
from .kinds import kind_of
from .metrics import span_f1
from .options import ALTERNATIVES, Options
from .problems import Problem, ProblemLog, ValidationFailed
from .run import Scored, make_parser, run
from .verdicts import comparison_verdict

REPORT_FORMAT = "2.0"
"""Version of the report and comparison formats (``FORMAT.md``), separate from the label
scheme's version (``nkru.schema.SCHEMA_VERSION``), which reports also carry."""
Gold = GoldSet | Path | Iterable[object]
Predictions = Path | Iterable[object]


@dataclass(frozen=True)
class Headline:
    """The task's headline metric with its bootstrap interval (None without resamples)."""

    name: str
    value: float
    ci_low: float | None
    ci_high: float | None
    level: float


@dataclass(frozen=True)
class Examples:
    """Gold examples, those with a prediction, and those scored as missing."""

    gold: int
    predicted: int
    missing: int


@dataclass(frozen=True)
class Bootstrap:
    """How the intervals were drawn."""

    resamples: int
    seed: int
    level: float
    unit: str
    units: int
    method: str = "percentile"


@dataclass(frozen=True)
class Report:
    """A scored prediction set. ``details`` are the scorer's figures (``counts``, ``micro``,
    ``macro``, ``per_type``, ``confusion_matrix``: see FORMAT.md)."""

    task: str
    headline: Headline
    examples: Examples
    details: dict[str, Any]
    bootstrap: Bootstrap
    allow_missing: bool
    label_map: dict[str, str | None] | None
    warnings: list[Problem] = field(default_factory=list)
    warnings_omitted: int = 0  # beyond the problems kept per file (problems.LIMIT)

    def to_dict(self) -> dict[str, Any]:
        """The JSON report."""
        return {
            "format_version": REPORT_FORMAT,
            "scheme_version": SCHEMA_VERSION,
            "task": self.task,
            "headline": asdict(self.headline),
            "examples": asdict(self.examples),
            **self.details,
            "bootstrap": _bootstrap_dict(self.bootstrap),
            "options": {"allow_missing": self.allow_missing, "label_map": self.label_map},
            "warnings": [p.to_dict() for p in self.warnings],
            "warnings_omitted": self.warnings_omitted,
        }


@dataclass(frozen=True)
class Comparison:
    """Two prediction sets on the same gold: ``a``, ``b``, ``delta = a - b`` with its paired
    bootstrap interval, and the paired permutation test on the same unit: ``p_value`` (for
    ``alternative``), ``p_floor`` (the smallest p its ``test_units`` allow) and the
    ``verdict`` (``verdicts.comparison_verdict``: interval and test must agree)."""

    task: str
    metric: str
    a_file: str
    b_file: str
    a: float
    b: float
    delta: float
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_floor: float | None
    alternative: str
    test: str
    test_unit: str
    test_units: int
    verdict: str
    bootstrap: Bootstrap

    def to_dict(self) -> dict[str, Any]:
        """The JSON comparison."""
        out = {"format_version": REPORT_FORMAT, "scheme_version": SCHEMA_VERSION, **asdict(self)}
        out["bootstrap"] = _bootstrap_dict(self.bootstrap)
        return out


def _bootstrap_dict(bootstrap: Bootstrap) -> dict[str, Any]:
    return {
        "method": bootstrap.method,
        **{k: v for k, v in asdict(bootstrap).items() if k != "method"},
    }


def load_gold(
    task: str | Task,
    path: Path | None = None,
    *,
    records: Iterable[object] | None = None,
    split: str | None = None,
    data_dir: Path | None = None,
    label_map: LabelMap | None = None,
) -> GoldSet:
    """Validated gold from a JSON Lines file, in-memory records, or a split of the built
    dataset (``data_dir``, default the project's ``data/``; ``split="all"``: every split)."""
    spec = get_task(task)
    parser = make_parser(spec, label_map)
    if path is not None:
        log = ProblemLog(str(path))
        return build_gold(spec, read_jsonl(path, log), log, parser, lambda: _reread(path))
    if records is None:
        if split is None:
            raise ValueError("give a gold file, gold records or a split")
        folder = data_dir if data_dir is not None else default_data_dir()
        records = gold_from_rows(spec, read_split(spec, split, folder))
        name = f"{folder}[{spec.name}/{split}]"
    else:
        records, name = list(records), "<gold>"
    return build_gold(spec, numbered(records), ProblemLog(name), parser, lambda: numbered(records))


def _reread(path: Path) -> Iterable[tuple[int, object]]:
    return read_jsonl(path, ProblemLog(str(path)))


def _gold_set(task: Task, gold: Gold, options: Options) -> GoldSet:
    if isinstance(gold, GoldSet):
        return gold
    if isinstance(gold, Path):
        return load_gold(task, gold, label_map=options.label_map)
    return load_gold(task, records=gold, label_map=options.label_map)


def _lines(
    gold: GoldSet, predictions: Predictions, name: str
) -> tuple[Iterable[tuple[int, object]], ProblemLog]:
    """Numbered prediction records (a file: read a line at a time) and their problem log."""
    if isinstance(predictions, Path):
        log = ProblemLog(str(predictions))
        if is_conll(predictions):
            return read_conll(predictions, gold, log), log
        return read_jsonl(predictions, log), log
    return numbered(predictions), ProblemLog(name)


def _scored(gold: GoldSet, predictions: Predictions, name: str, options: Options) -> Scored:
    """Validate and score one prediction set."""
    lines, log = _lines(gold, predictions, name)
    per_type = options.bootstrap > 0 and options.per_type_intervals
    return run(
        gold,
        lines,
        log,
        label_map=options.label_map,
        allow_missing=options.allow_missing,
        per_type=per_type,
        unit=options.bootstrap_unit,
    )


def _groups(scored: Scored, options: Options) -> np.ndarray | None:
    return scored.groups if options.bootstrap_unit == "nested" else None


def score(
    task: str | Task, gold: Gold, predictions: Predictions, options: Options | None = None
) -> Report:
    """Validate predictions and score them against the gold, with bootstrap intervals.

    Raises ``ValidationFailed`` listing every problem of the gold or the predictions.
    """
    options = options or Options()
    spec = get_task(task)
    gold_set = _gold_set(spec, gold, options)
    scored = _scored(gold_set, predictions, "<predictions>", options)
    groups = _groups(scored, options)
    low, high = bootstrap_interval(
        scored.counts, scored.metric, options.bootstrap, options.seed, options.level, groups
    )
    details = scored.scorer.results()
    if scored.types is not None:
        for label, figures in details["per_type"].items():
            counts = scored.types.counts[:, scored.types.columns[label]]
            figures["strict"]["ci_low"], figures["strict"]["ci_high"] = bootstrap_interval(
                counts, _type_f1, options.bootstrap, options.seed, options.level, groups
            )
    value = float(scored.metric(scored.counts.sum(axis=0)))
    return Report(
        task=spec.name,
        headline=Headline(spec.headline, value, low, high, options.level),
        examples=Examples(len(gold_set.examples), scored.predicted, scored.missing),
        details=details,
        bootstrap=_bootstrap(scored, options, len(scored.counts)),
        allow_missing=options.allow_missing,
        label_map=dict(options.label_map) if options.label_map else None,
        warnings=scored.warnings,
        warnings_omitted=scored.warnings_omitted,
    )


def _type_f1(counts: np.ndarray) -> np.ndarray:
    """A type's strict F1, undefined (NaN) in a resample without that type."""
    return span_f1(counts, measured=True)


def _bootstrap(scored: Scored, options: Options, units: int) -> Bootstrap:
    return Bootstrap(options.bootstrap, options.seed, options.level, scored.unit, units)


def compare(
    task: str | Task,
    gold: Gold,
    a: Predictions,
    b: Predictions,
    options: Options | None = None,
    alternative: str = "two-sided",
) -> Comparison:
    """Paired comparison of two prediction sets on the same gold (headline metric).

    The interval and the test share the unit: with ``bootstrap_unit`` ``document`` or
    ``nested`` the test swaps the two systems' predictions document by document (all
    ``2^n`` swaps, an exact test), with ``example`` example by example (sentences for
    pairs; drawn swaps). ``alternative``: ``two-sided`` (A differs from B), ``greater`` (A
    is better), ``less`` (A is worse).
    """
    options = options or Options()
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {', '.join(ALTERNATIVES)}")
    spec = get_task(task)
    gold_set = _gold_set(spec, gold, options)
    runs: list[Scored] = []
    failures: list[ValidationFailed] = []
    for name, source in (("<predictions a>", a), ("<predictions b>", b)):
        try:
            runs.append(_scored(gold_set, source, name, options))
        except ValidationFailed as err:
            failures.append(err)
    if failures:
        raise ValidationFailed(
            [p for err in failures for p in err.problems],
            sum(err.omitted for err in failures),
            sum(err.errors for err in failures),
        )
    first, second = runs
    metric = first.metric
    counts_a, counts_b, groups = _aligned(first, second)
    units = len(counts_a)
    nested = groups if options.bootstrap_unit == "nested" else None
    low, high = paired_interval(
        counts_a, counts_b, metric, options.bootstrap, options.seed, options.level, nested
    )
    if options.bootstrap_unit == "nested":
        counts_a, counts_b = document_totals(counts_a, groups), document_totals(counts_b, groups)
    test = paired_test(counts_a, counts_b, metric, alternative, options.bootstrap, options.seed)
    value_a, value_b = float(metric(counts_a.sum(axis=0))), float(metric(counts_b.sum(axis=0)))
    p_value = test.p_value if test else None
    return Comparison(
        task=spec.name,
        metric=spec.headline,
        a_file=str(a) if isinstance(a, Path) else "<predictions a>",
        b_file=str(b) if isinstance(b, Path) else "<predictions b>",
        a=value_a,
        b=value_b,
        delta=value_a - value_b,
        ci_low=low,
        ci_high=high,
        p_value=p_value,
        p_floor=test.p_floor if test else None,
        alternative=alternative,
        test=_test_name(test),
        test_unit=first.unit.split("/")[0],
        test_units=len(counts_a),
        verdict=comparison_verdict(low, high, p_value, alternative),
        bootstrap=_bootstrap(first, options, units),
    )


def _test_name(test: PairedTest | None) -> str:
    if test is None:
        return "none (no resamples)"
    how = "exact, all 2^n swaps" if test.exact else "approximate randomisation, drawn swaps"
    return f"paired permutation, units' predictions swapped between A and B ({how})"


def _aligned(first: Scored, second: Scored) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Both systems' unit counts on the union of their units (zeros where a unit is absent),
    and each unit's document."""
    keys = np.unique(np.concatenate([first.keys, second.keys]), axis=0)
    position = {tuple(key): i for i, key in enumerate(keys.tolist())}
    out = []
    groups = np.zeros(len(keys), dtype=np.int64)
    for scored in (first, second):
        counts = np.zeros((len(keys), scored.counts.shape[1]))
        where = [position[tuple(key)] for key in scored.keys.tolist()]
        counts[where] = scored.counts
        groups[where] = scored.groups
        out.append(counts)
    return out[0], out[1], groups


@dataclass(frozen=True)
class Parsed:
    """A validated prediction set, parsed once for :func:`errors` and :func:`entity_confusion`:
    its gold set and the predictions' payloads by id (see :func:`parse_predictions`)."""

    gold: GoldSet
    payloads: dict[str, Any]


def parse_predictions(
    task: str | Task, gold: Gold, predictions: Predictions, options: Options | None = None
) -> Parsed:
    """Validate predictions as ``score`` does (``ValidationFailed``) and parse their payloads."""
    options = options or Options()
    spec = get_task(task)
    gold_set = _gold_set(spec, gold, options)
    _scored(gold_set, predictions, "<predictions>", replace(options, bootstrap=0))
    parser = make_parser(spec, options.label_map)
    lines, log = _lines(gold_set, predictions, "<predictions>")
    payloads: dict[str, Any] = {}
    for line, obj in lines:
        assert isinstance(obj, dict)  # validated above
        text_len = gold_set.examples[gold_set.index[obj["id"]]].text_len
        payloads[obj["id"]] = parser.payload(obj, line, log, text_len)
    return Parsed(gold_set, payloads)


def _as_parsed(
    spec: Task, gold: Gold, predictions: Predictions | Parsed, options: Options
) -> Parsed:
    """``predictions`` if already parsed, else validated and parsed now."""
    if isinstance(predictions, Parsed):
        return predictions
    return parse_predictions(spec, gold, predictions, options)


def errors(
    task: str | Task,
    gold: Gold,
    predictions: Predictions | Parsed,
    options: Options | None = None,
) -> list[Error]:
    """Every error of a prediction set, one :class:`~nkru.eval.errors.Error` each, in gold
    order (kinds and context: :mod:`nkru.eval.errors`). The predictions are validated first,
    as ``score`` does (``ValidationFailed``), unless already parsed (:func:`parse_predictions`)."""
    options = options or Options()
    spec = get_task(task)
    parsed = _as_parsed(spec, gold, predictions, options)
    gold_set = parsed.gold
    if gold_set.source is None:
        raise ValueError(f"{gold_set.name}: the gold records cannot be read again")
    records = {obj["id"]: obj for _, obj in gold_set.source() if isinstance(obj, dict)}
    examples = [(ex, records[ex.id]) for ex in gold_set.examples]
    return kind_of(spec).list_errors(examples, parsed.payloads, options.label_map)


def entity_confusion(
    task: str | Task,
    gold: Gold,
    predictions: Predictions | Parsed,
    options: Options | None = None,
) -> dict[str, Any]:
    """A labelled-spans task's type confusion matrix (:func:`nkru.eval.errors.entity_confusion`:
    rows gold, columns predicted, ``O`` for no entity); predictions as :func:`errors` takes
    them."""
    options = options or Options()
    spec = get_task(task)
    if not kind_of(spec).entity_types:
        raise ValueError(f"task {spec.name!r} has no entity types (kind {spec.kind})")
    parsed = _as_parsed(spec, gold, predictions, options)
    return confusion_of_entities(parsed.gold.examples, parsed.payloads, options.label_map)


def errors_frame(
    task: str | Task, gold: Gold, predictions: Predictions, options: Options | None = None
) -> Any:
    """:func:`errors` as a pandas DataFrame (columns :data:`nkru.eval.errors.COLUMNS`);
    pandas is imported here only."""
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("errors_frame needs pandas: pip install 'nkru[report]'") from None
    return pd.DataFrame(as_rows(errors(task, gold, predictions, options)), columns=list(COLUMNS))

"""The benchmark tasks: one declaration per task, from which everything else derives.

A :class:`Task` says what a task's dataset rows hold (``columns``), which of those columns a
system may see when it predicts (``inputs``) and which hold the answer (``targets``), the key
of the answer in a prediction record (``payload``), the ``kind`` of that answer (which decides
how records are validated, scored and described: :mod:`nkru.eval.kinds`), the headline
metric, its systems (learned baselines and references, the floor every learned system must
beat among them), its labels and the label maps it can be scored under. The dataset features
and card, the prediction validator, gold loading, the rows a system sees, the systems the
benchmark runs, the leaderboard and the report all read these declarations; none of them
tests a task's name or kind.

Adding a task is adding a declaration (see CONTRIBUTING.md): the toy task of
``tests/toy_task.py`` is declared there alone and goes through build, eval and benchmark
(``tests/test_toy_task.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from nkru.corpus import Document
from nkru.records import Annotation, Sentence
from nkru.rows import (
    attribution_rows,
    certainty_rows,
    check,
    claims_rows,
    document_row,
    ner_rows,
    normalization_rows,
    stance_rows,
    topic_rows,
)
from nkru.schema import (
    CERTAINTY_LABELS,
    CLAIM_TAGS,
    ENTITY_LABELS,
    NER_TAGS,
    SPACY_LABEL_MAP,
    STANCE_LABELS,
    TOPIC_LABELS,
    VALUED_LABELS,
)

Row = dict[str, Any]
LabelMap = Mapping[str, str | None]
"""Label renames applied to gold and predictions before scoring; None drops the label."""

# Kinds of answers, by name; each kind's behaviour (validation, gold, scorer, errors, floors,
# descriptions) is its strategy object in nkru.eval.kinds.
LABELLED_SPANS = "labelled-spans"
"""``[{"start", "end", "label"}]`` per example, no overlaps (ner)."""
SPANS = "spans"
"""``[{"start", "end"}]`` per example, no overlaps, matched by token overlap (claims)."""
PAIRS = "pairs"
"""``[{"source": span, "claim": span, "label"?}]`` per document (attribution)."""
CLASSIFICATION = "classification"
"""One label per example (stance, certainty, topic)."""
VALUE = "value"
"""One string value per example, compared exactly (normalization)."""
KINDS: tuple[str, ...] = (LABELLED_SPANS, SPANS, PAIRS, CLASSIFICATION, VALUE)


# -- columns ------------------------------------------------------------------------------------
#
# Column types, independent of any library (the build turns them into ``datasets`` features):
# "string", "int32", "bool"; a list ``[item]``; a struct ``{field: type}``; ClassLabels.


@dataclass(frozen=True)
class ClassLabels:
    """A label column stored as integers (``datasets.ClassLabel``) with these names."""

    names: tuple[str, ...]


Column = str | ClassLabels | list | dict
STRING, INT, BOOL = "string", "int32", "bool"
SPAN: dict[str, Column] = {"start": INT, "end": INT}
TEXT_SPAN: dict[str, Column] = {"start": INT, "end": INT, "text": STRING}
SENTENCE_INPUTS: dict[str, Column] = {
    "id": STRING,
    "document_id": STRING,
    "text": STRING,
    "doc_start": INT,
    "doc_end": INT,
    "tokens": [STRING],
    "token_starts": [INT],
    "token_ends": [INT],
}
CLAIM_INPUTS: dict[str, Column] = {
    "id": STRING,
    "document_id": STRING,
    "text": STRING,
    "context_start": INT,
    "claim_start": INT,
    "claim_end": INT,
    "claim_text": STRING,
}


def _records(value: Any) -> Any:
    """A dict of equal-length lists (a list of structs read column-wise) as a list of dicts."""
    if isinstance(value, dict) and value and all(isinstance(v, list) for v in value.values()):
        keys = list(value)
        return [dict(zip(keys, items, strict=True)) for items in zip(*value.values(), strict=True)]
    return value


def _name(labels: ClassLabels, value: Any) -> Any:
    """The name of a ClassLabel integer (names and None pass through)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return labels.names[value]
    return value


# -- the declaration ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Task:
    """A benchmark task: a dataset config, a prediction format and a scorer.

    ``columns`` are the dataset columns in order (``id`` first); ``inputs`` and ``targets``
    split them: a system's ``predict()`` sees the inputs only (:meth:`strip`), ``fit()`` the
    whole rows. ``payload`` is the key of the answer in a prediction record (one of the
    targets); ``kind`` is its shape. ``headline`` names the metric of the kind's scorer that
    ranks systems. ``baselines`` and ``references`` name the task's learned baselines and
    reference systems (:mod:`nkru.baselines.registry` builds them: a system of the task's own,
    or one of its kind's task-generic floors); ``floor`` names the reference every learned
    system must beat, one of ``references``.
    ``labels`` are the answer's labels (entity types, classes, pair stances; for a value task
    the types its examples are grouped by, in column ``group``). ``label_maps`` are named
    label maps every system of the task is also scored under (a system whose own labels are
    those of a map declares the map's name). ``rows`` makes the task's rows from an
    annotated document (:class:`nkru.rows.AnnotatedDocument`); ``unit`` says what a row is.
    ``f_avg_classes``: classes whose mean F1 a classification report adds as ``f_avg``.
    """

    name: str
    kind: str
    description: str
    unit: str
    payload: str
    columns: Mapping[str, Column]
    inputs: tuple[str, ...]
    headline: str
    floor: str
    labels: tuple[str, ...]
    rows: Callable[[Any], list[Row]] = field(repr=False)
    references: tuple[str, ...]
    baselines: tuple[str, ...] = ()
    label_maps: Mapping[str, LabelMap] = field(default_factory=dict)
    group: str | None = None
    f_avg_classes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        problems = []
        if self.kind not in KINDS:
            problems.append(f"kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if next(iter(self.columns), None) != "id":
            problems.append("the first column must be 'id'")
        if unknown := [c for c in self.inputs if c not in self.columns]:
            problems.append(f"inputs {unknown} are not columns")
        if self.payload not in self.targets:
            problems.append(f"payload {self.payload!r} must be a target column")
        if self.group is not None and self.group not in self.inputs:
            problems.append(f"group {self.group!r} must be an input column")
        if self.floor not in self.references:
            problems.append(f"floor {self.floor!r} must be one of its references")
        if shared := sorted(set(self.baselines) & set(self.references)):
            problems.append(f"systems {shared} are both baselines and references")
        if problems:
            raise ValueError(f"task {self.name!r}: " + "; ".join(problems))

    @property
    def targets(self) -> tuple[str, ...]:
        """The columns that hold the answer: every column that is not an input."""
        return tuple(c for c in self.columns if c not in self.inputs)

    @property
    def context_keys(self) -> frozenset[str]:
        """Keys a gold or prediction record may carry besides ``id`` and the payload: the
        dataset's other columns, accepted silently."""
        return frozenset(self.columns) - {"id", self.payload}

    def label_map(self, name: str | None) -> LabelMap | None:
        """The label map called ``name`` (None for none: the task's own labels)."""
        return self.label_maps[name] if name else None

    def strip(self, row: Mapping[str, Any]) -> Row:
        """The row as ``predict()`` sees it: its input columns only."""
        return {key: row[key] for key in self.inputs if key in row}

    def decode(self, row: Mapping[str, Any]) -> Row:
        """A plain-dict copy of a dataset row: label integers as names, lists of structs read
        column-wise (``{"start": [...], ...}``) as lists of dicts."""
        out = dict(row)
        for key, column in self.columns.items():
            if key not in out:
                continue
            if isinstance(column, ClassLabels):
                out[key] = _name(column, out[key])
            elif isinstance(column, list) and isinstance(column[0], ClassLabels):
                out[key] = [_name(column[0], v) for v in out[key] or []]
            elif isinstance(column, list) and isinstance(column[0], dict):
                out[key] = _records(out[key])
        return out


PAIR_LABEL = "stance"
"""The label field of a pair in a pairs task's rows (``source_start``, ``source_end``,
``claim_start``, ``claim_end``, ``stance``)."""


def strip_rows(task: Task, rows: Sequence[Mapping[str, Any]]) -> list[Row]:
    """``task.strip`` of every row."""
    return [task.strip(row) for row in rows]


# -- the tasks of NKRU-FR -------------------------------------------------------------------------


def _claim_task(name: str, answer: str, labels: tuple[str, ...], rows: Callable) -> Task:
    """A classification of the gold claims in their context."""
    return Task(
        name=name,
        kind=CLASSIFICATION,
        description=f"gold claim in context -> {answer}",
        unit="one row per claim: the claim in its sentence(s)",
        payload="label",
        columns={**CLAIM_INPUTS, "label": ClassLabels(labels)},
        inputs=tuple(CLAIM_INPUTS),
        headline="macro_f1",
        floor="majority",
        labels=labels,
        rows=rows,
        baselines=("tfidf-logreg", "cues-logreg"),
        references=("majority",),
    )


_TASKS = (
    Task(
        name="ner",
        kind=LABELLED_SPANS,
        description="sentence -> entity spans",
        unit="one row per content sentence: tokens, BIO `ner_tags`, entity spans with values",
        payload="entities",
        columns={
            **SENTENCE_INPUTS,
            "ner_tags": [ClassLabels(NER_TAGS)],
            "entities": [{**SPAN, "label": STRING, "text": STRING, "value": STRING}],
        },
        inputs=tuple(SENTENCE_INPUTS),
        headline="strict_micro_f1",
        floor="gazetteer",
        labels=ENTITY_LABELS,
        label_maps=MappingProxyType({"spacy": SPACY_LABEL_MAP}),
        rows=ner_rows,
        baselines=("logreg", "crf"),
        references=("gazetteer", "spacy", "spacy-ft"),
    ),
    Task(
        name="claims",
        kind=SPANS,
        description="sentence -> claim spans",
        unit="one row per content sentence: tokens, BIO `claim_tags`, claim spans (a claim "
        "crossing a sentence boundary is one piece per sentence)",
        payload="claims",
        columns={
            **SENTENCE_INPUTS,
            "claim_tags": [ClassLabels(CLAIM_TAGS)],
            "claims": [TEXT_SPAN],
            "has_claim": BOOL,
        },
        inputs=tuple(SENTENCE_INPUTS),
        headline="overlap_span_f1",
        floor="all-sentences",
        labels=("CLAIM",),
        rows=claims_rows,
        baselines=("tfidf-logreg", "crf"),
        references=("all-sentences",),
    ),
    Task(
        name="attribution",
        kind=PAIRS,
        description="document -> (source, claim, stance) pairs",
        unit="one row per document: content sentences, sources, claims, "
        "(source, claim, stance) pairs, offsets into the document",
        payload="pairs",
        columns={
            "id": STRING,
            "document_id": STRING,
            "text": STRING,
            "sentences": [SPAN],
            "sources": [TEXT_SPAN],
            "claims": [TEXT_SPAN],
            "pairs": [
                {
                    "source_start": INT,
                    "source_end": INT,
                    "claim_start": INT,
                    "claim_end": INT,
                    "stance": STRING,
                }
            ],
        },
        inputs=("id", "document_id", "text", "sentences"),
        headline="overlap_pair_f1",
        floor="nearest-source",
        labels=STANCE_LABELS,
        rows=attribution_rows,
        baselines=("pairs-logreg",),
        references=("nearest-source",),
    ),
    Task(
        name="stance",
        kind=CLASSIFICATION,
        description="gold (source, claim, context) -> support/deny/query",
        unit="one row per stance relation: source and claim in their context sentences",
        payload="label",
        columns={
            "id": STRING,
            "document_id": STRING,
            "text": STRING,
            "context_start": INT,
            "source_start": INT,
            "source_end": INT,
            "claim_start": INT,
            "claim_end": INT,
            "source_text": STRING,
            "claim_text": STRING,
            "label": ClassLabels(STANCE_LABELS),
        },
        inputs=(
            "id",
            "document_id",
            "text",
            "context_start",
            "source_start",
            "source_end",
            "claim_start",
            "claim_end",
            "source_text",
            "claim_text",
        ),
        headline="macro_f1",
        floor="majority",
        labels=STANCE_LABELS,
        rows=stance_rows,
        baselines=("tfidf-logreg", "cues-logreg"),
        references=("majority",),
        f_avg_classes=("support", "deny"),
    ),
    _claim_task("certainty", "asserted/hedged", CERTAINTY_LABELS, certainty_rows),
    _claim_task("topic", "topic", TOPIC_LABELS, topic_rows),
    Task(
        name="normalization",
        kind=VALUE,
        description="gold DATE/QUANTITY/MONEY mention -> value",
        unit="one row per DATE/QUANTITY/MONEY entity: the mention in its sentence",
        payload="value",
        columns={
            "id": STRING,
            "document_id": STRING,
            "text": STRING,
            "context_start": INT,
            "start": INT,
            "end": INT,
            "mention": STRING,
            "entity_type": STRING,
            "document_date": STRING,
            "value": STRING,
        },
        inputs=(
            "id",
            "document_id",
            "text",
            "context_start",
            "start",
            "end",
            "mention",
            "entity_type",
            "document_date",
        ),
        headline="accuracy",
        floor="most-frequent",
        labels=VALUED_LABELS,
        rows=normalization_rows,
        baselines=("rules",),
        references=("most-frequent",),
        group="entity_type",
    ),
)
TASKS: Mapping[str, Task] = MappingProxyType({task.name: task for task in _TASKS})
TASK_NAMES: tuple[str, ...] = tuple(TASKS)


def get_task(task: str | Task) -> Task:
    """The declaration of ``task`` (a name or a Task); ``ValueError`` for an unknown name."""
    if isinstance(task, Task):
        return task
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r} (expected one of {', '.join(TASKS)})")
    return TASKS[task]


DOCUMENTS = "documents"
"""The dataset config that holds the documents themselves (not a task)."""


def document_rows(
    doc: Document,
    annotation: Annotation,
    sentences: Sequence[Sentence],
    tasks: Iterable[Task] = TASKS.values(),
) -> dict[str, list[Row]]:
    """Rows of the ``documents`` config and of every task for one annotated document;
    raises :class:`nkru.rows.BuildError` listing every problem of the annotation."""
    annotated = check(doc, annotation, sentences)
    return {DOCUMENTS: [document_row(annotated)], **{t.name: t.rows(annotated) for t in tasks}}

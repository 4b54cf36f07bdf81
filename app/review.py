"""Review an annotation against different eyes (``nkru review DOC``).

Two systems read the document and every entity disagreement with the annotation is listed:

* ``spacy``: spaCy ``fr_core_news_md`` (the ``ner/spacy`` reference system). Its labels are
  PER/ORG/LOC/MISC, so both sides are compared on that shared label set: the annotation's labels
  are mapped with ``eval/samples/spacy_label_map.json`` (GPE→LOC, NORP/EVENT/LAW/WEAPON→MISC);
  annotation entities whose label has no spaCy counterpart (DATE, QUANTITY, MONEY) are left
  out, with every spaCy entity overlapping one of them.
* ``baseline-<name>``: a learned NER baseline of the registry (default ``logreg``), fitted on
  the ground truth of the OTHER annotated documents only — never on the reviewed document —
  and compared on every label.

Entities of the two sides are grouped by overlap (each side is flat). A group is a
disagreement unless it is one span on each side with the same offsets and the same label:
``type difference`` (same offsets, other label), ``boundary difference`` (overlapping spans
with other offsets), ``missed by the annotation`` (only the system has it) or ``extra in the
annotation`` (only the annotation has it). A disagreement's key names the system and every
span of the group with its label and document offsets, so it is stable across runs as long as
the annotation and the system's output are.

Decisions are written by hand in ``annotation/review/<doc>.decisions.yaml``: one entry per key,
``{decision: keep|change, why: "..."}``. A ``change`` whose disagreement has gone because the
annotation no longer holds its annotation-side spans counts as applied.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import sklearn
import yaml

from nkru.corpus import Document
from nkru.errors import NkruError
from nkru.paths import cache_dir
from nkru.records import Annotation
from nkru.segment import content_sentences, sentence_at
from nkru.tasks import TASKS, document_rows, strip_rows

from ..baselines.protocol import System
from ..baselines.registry import create
from .benchmark.runs import digest, row_digest
from .benchmark.systems import code_version

SPACY = "spacy"
DEFAULT_BASELINE = "logreg"
"""The default NER baseline: its features are the tokens' own forms and a gazetteer of the
training documents, none from spaCy, so the two systems are different eyes (the ``crf``
baseline may use spaCy's entities as features)."""
KINDS: tuple[str, ...] = (
    "missed by the annotation",
    "extra in the annotation",
    "boundary difference",
    "type difference",
)
DECISIONS: tuple[str, ...] = ("keep", "change")


class ReviewError(NkruError):
    """Bad review input; each problem names its file, line and field."""

    def __init__(self, *problems: str) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class Entity:
    """An entity in document offsets; ``compared`` is the label the comparison uses."""

    start: int
    end: int
    label: str
    compared: str
    text: str

    def shown(self) -> str:
        mapped = f" (→{self.compared})" if self.compared != self.label else ""
        return f"{self.label}{mapped} «{self.text}»"


@dataclass(frozen=True)
class Disagreement:
    """One group of overlapping entities on which the annotation and a system differ."""

    system: str
    kind: str
    annotation: tuple[Entity, ...]
    predicted: tuple[Entity, ...]

    @property
    def start(self) -> int:
        return min(e.start for e in (*self.annotation, *self.predicted))

    @property
    def end(self) -> int:
        return max(e.end for e in (*self.annotation, *self.predicted))

    @property
    def key(self) -> str:
        def side(entities: tuple[Entity, ...]) -> str:
            return " ".join(f"{e.label}@{e.start}-{e.end}" for e in entities) or "-"

        return f"{self.system} {side(self.annotation)} | {side(self.predicted)}"


@dataclass(frozen=True)
class Comparison:
    """A system's disagreements with the annotation and what was left out of the comparison."""

    system: str
    description: str
    compared_on: str
    disagreements: tuple[Disagreement, ...]
    left_out_annotation: int = 0
    left_out_predicted: int = 0


def _kind(annotation: Sequence[Entity], predicted: Sequence[Entity]) -> str | None:
    if not annotation:
        return "missed by the annotation"
    if not predicted:
        return "extra in the annotation"
    if len(annotation) == len(predicted) == 1:
        a, p = annotation[0], predicted[0]
        if (a.start, a.end) == (p.start, p.end):
            return None if a.compared == p.compared else "type difference"
    return "boundary difference"


def compare(
    system: str, annotation: Iterable[Entity], predicted: Iterable[Entity]
) -> list[Disagreement]:
    """Every disagreement between two flat entity lists, in document order."""
    tagged = sorted(
        [(e, 0) for e in annotation] + [(e, 1) for e in predicted],
        key=lambda x: (x[0].start, x[0].end, x[1]),
    )
    groups: list[list[tuple[Entity, int]]] = []
    end = -1
    for entity, side in tagged:
        if groups and entity.start < end:
            groups[-1].append((entity, side))
            end = max(end, entity.end)
        else:
            groups.append([(entity, side)])
            end = entity.end
    out = []
    for group in groups:
        ann = tuple(e for e, side in group if side == 0)
        pred = tuple(e for e, side in group if side == 1)
        kind = _kind(ann, pred)
        if kind is not None:
            out.append(Disagreement(system, kind, ann, pred))
    return out


def annotation_entities(doc: Document, annotation: Annotation) -> list[Entity]:
    return [
        Entity(e.start, e.end, e.label, e.label, doc.text[e.start : e.end])
        for e in annotation.entities
    ]


def inputs(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """NER rows stripped to the task's inputs: what a system's ``predict`` may see."""
    return strip_rows(TASKS["ner"], rows)


def ner_rows(doc: Document, annotation: Annotation | None = None) -> list[dict[str, Any]]:
    """The document's NER dataset rows; without an annotation, inputs only."""
    sentences = content_sentences(doc)
    if annotation is None:
        empty = Annotation(doc.id, "inputs", boilerplate=list(doc.boilerplate))
        return inputs(document_rows(doc, empty, sentences, [TASKS["ner"]])["ner"])
    return document_rows(doc, annotation, sentences, [TASKS["ner"]])["ner"]


def predicted_entities(
    doc: Document, rows: Sequence[dict[str, Any]], predictions: Sequence[dict[str, Any]]
) -> list[Entity]:
    """Sentence-relative predictions joined to their rows by id, in document offsets."""
    by_id = {row["id"]: row for row in rows}
    out = []
    for prediction in predictions:
        base = by_id[prediction["id"]]["doc_start"]
        for e in prediction["entities"]:
            start, end = base + e["start"], base + e["end"]
            out.append(Entity(start, end, e["label"], e["label"], doc.text[start:end]))
    return out


def spacy_label_map() -> dict[str, str | None]:
    """The ner task's spaCy label map (shipped as eval/samples/spacy_label_map.json)."""
    return dict(TASKS["ner"].label_maps[SPACY])


def spacy_comparison(doc: Document, annotation: Annotation) -> Comparison:
    """spaCy fr_core_news_md against the annotation, on the label set both share."""
    label_map = spacy_label_map()
    rows = ner_rows(doc)
    system = create("ner", SPACY).fit([])
    predicted = predicted_entities(doc, rows, system.predict(rows))
    kept, dropped = [], []
    for e in annotation_entities(doc, annotation):
        mapped = label_map.get(e.label)
        if mapped is None:
            dropped.append(e)
        else:
            kept.append(Entity(e.start, e.end, e.label, mapped, e.text))
    compared = [
        p for p in predicted if not any(p.start < d.end and d.start < p.end for d in dropped)
    ]
    shared = sorted({v for v in label_map.values() if v})
    not_compared = sorted(k for k, v in label_map.items() if v is None)
    mapping = ", ".join(f"{k}→{v}" for k, v in label_map.items() if v and v != k)
    return Comparison(
        SPACY,
        "spaCy fr_core_news_md (its PER/ORG/LOC/MISC entities)",
        f"the labels both share after mapping the annotation's labels ({mapping}): "
        f"{', '.join(shared)}; {', '.join(not_compared)} are not compared (annotation entities "
        "with these labels and the spaCy entities overlapping them are left out)",
        tuple(compare(SPACY, kept, compared)),
        left_out_annotation=len(dropped),
        left_out_predicted=len(predicted) - len(compared),
    )


def baseline_comparison(
    doc: Document,
    annotation: Annotation,
    training: dict[str, tuple[Document, Annotation]],
    name: str,
) -> Comparison:
    """The registry's NER baseline ``name`` fitted on ``training`` (never ``doc``)."""
    if doc.id in training:
        raise ValueError(f"the baseline must not train on the reviewed document {doc.id}")
    if not training:
        raise ReviewError(
            f"no document other than {doc.id} has a ground truth to train the NER baseline on"
        )
    train_rows = [r for d, a in training.values() for r in ner_rows(d, a)]
    rows = ner_rows(doc)
    system = fitted_baseline(name, train_rows)
    predicted = predicted_entities(doc, rows, system.predict(rows))
    label = f"baseline-{name}"
    return Comparison(
        label,
        f"NER baseline `{name}` fitted on the ground truth of documents "
        f"{', '.join(sorted(training))} (not {doc.id})",
        "every entity label",
        tuple(compare(label, annotation_entities(doc, annotation), predicted)),
    )


def fitted_baseline(name: str, rows: list[dict[str, Any]]) -> System:
    """The registry's NER baseline ``name`` fitted on ``rows``; kept in the cache
    (``$NKRU_CACHE/review/``, keyed by the system's code version, the library versions and the
    rows), so reviewing a document again while its disagreements are decided, or ``--check``,
    refits nothing while the other documents' ground truth stays the same."""
    system = create("ner", name)
    versions = [code_version(type(system)), sklearn.__version__, joblib.__version__]
    key = row_digest({"versions": versions, "rows": digest(rows)})  # the runs' row hashes
    path = cache_dir() / "review" / f"ner-{name}-{key[:32]}.joblib"
    if path.is_file():
        try:
            return System.load(path)
        except Exception:  # damaged bytes fail unpickling in many ways
            pass  # fitted again and replaced
    system.fit(rows)
    written = system.save(path.with_name(f"{path.name}.{os.getpid()}.tmp"))
    os.replace(written, path)  # whole or not at all, whoever else writes it
    return system


@dataclass(frozen=True)
class Decision:
    key: str
    decision: str
    why: str
    line: int


class _Loader(yaml.SafeLoader):
    """Keys with their line numbers."""


def read_decisions(path: Path) -> dict[str, Decision]:
    """The hand-written decisions file: ``key: {decision: keep|change, why: text}``."""
    if not path.is_file():
        return {}
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.YAMLError as err:
        raise ReviewError(f"{path}: invalid YAML: {err}") from None
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise ReviewError(f"{path}:1: a decisions file maps disagreement keys to decisions")
    out: dict[str, Decision] = {}
    problems = []
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + 1
        key = str(key_node.value)
        where = f"{path}:{line}: {key!r}"
        value = yaml.load(yaml.serialize(value_node), Loader=yaml.SafeLoader)
        if key in out:
            problems.append(f"{where}: decided twice (first on line {out[key].line})")
            continue
        if not isinstance(value, dict):
            problems.append(f"{where}: expected {{decision: keep|change, why: ...}}")
            continue
        decision, why = value.get("decision"), value.get("why")
        if decision not in DECISIONS:
            problems.append(f"{where}: decision must be keep or change, not {decision!r}")
        elif not isinstance(why, str) or not why.strip():
            problems.append(f"{where}: missing field 'why' (a short reason)")
        elif unknown := set(value) - {"decision", "why"}:
            problems.append(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        else:
            out[key] = Decision(key, decision, why.strip(), line)
    if problems:
        raise ReviewError(*problems)
    return out


def applied(decision: Decision, annotation: Sequence[Entity]) -> bool:
    """Whether a ``change`` decision whose disagreement has gone was carried out: the
    annotation no longer holds the spans its key names on the annotation side (or, for a
    ``missed by the annotation``, now holds an entity over the system's span)."""
    if decision.decision != "change":
        return False
    rest = decision.key.partition(" ")[2]
    ann_side, _, pred_side = rest.partition(" | ")
    held = {f"{e.label}@{e.start}-{e.end}" for e in annotation}
    if ann_side != "-":
        return not set(ann_side.split()) <= held
    for span in pred_side.split():
        start, end = map(int, span.rpartition("@")[2].split("-"))
        if any(e.start < end and start < e.end for e in annotation):
            return True
    return False


def without_moot_keeps(path: Path, stale: Sequence[Decision]) -> tuple[str, list[Decision]]:
    """The decisions file's text without its moot ``keep`` decisions, and those decisions.

    A ``keep`` whose disagreement is gone (the system no longer says otherwise, e.g. a baseline
    trained on one more document) defends the annotation against nothing; a ``change`` is never
    dropped (its fix may still be due). Only an entry written on one line of its own goes."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    dropped = []
    for decision in stale:
        if decision.decision != "keep":
            continue
        try:
            entry = yaml.safe_load(lines[decision.line - 1])
        except yaml.YAMLError:
            continue
        if isinstance(entry, dict) and list(entry) == [decision.key] and entry[decision.key]:
            dropped.append(decision)
    gone = {d.line for d in dropped}
    return "".join(line for n, line in enumerate(lines, 1) if n not in gone), dropped


def context(doc: Document, start: int, end: int, width: int = 40) -> str:
    """The sentence text around [start, end) with the region in bold."""
    sent = sentence_at(doc, start)
    lo, hi = (sent.start, sent.end) if sent else (start, end)
    lo = max(lo, start - width)
    hi = min(max(hi, end), end + width)
    left = ("…" if lo > (sent.start if sent else lo) else "") + doc.text[lo:start]
    right = doc.text[end:hi] + ("…" if sent and hi < sent.end else "")
    return f"{left}**{doc.text[start:end]}**{right}"


@dataclass(frozen=True)
class Review:
    """Everything the report and ``--check`` need."""

    doc: Document
    annotation: str  # what was reviewed, in words
    entities: int
    comparisons: tuple[Comparison, ...]
    decisions: dict[str, Decision]
    applied: tuple[Decision, ...]  # change decisions carried out (disagreement gone)
    stale: tuple[Decision, ...]  # decisions naming no current disagreement

    @property
    def disagreements(self) -> list[Disagreement]:
        return [d for c in self.comparisons for d in c.disagreements]

    def decision(self, disagreement: Disagreement) -> Decision | None:
        return self.decisions.get(disagreement.key)


def review(
    doc: Document,
    annotation: Annotation,
    description: str,
    comparisons: Sequence[Comparison],
    decisions: dict[str, Decision],
) -> Review:
    """Join the decisions to the current disagreements."""
    current = {d.key for c in comparisons for d in c.disagreements}
    entities = annotation_entities(doc, annotation)
    gone = [d for key, d in decisions.items() if key not in current]
    done = tuple(d for d in gone if applied(d, entities))
    stale = tuple(d for d in gone if d not in done)
    return Review(doc, description, len(entities), tuple(comparisons), decisions, done, stale)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render(result: Review, command: str, decisions_path: str) -> tuple[str, dict[str, int]]:
    """The Markdown report and the line (1-based) of every disagreement's row."""
    rows: list[tuple[str, int, int, int, int, int]] = []
    for c in result.comparisons:
        decided = [result.decision(d) for d in c.disagreements]
        keep = sum(1 for d in decided if d and d.decision == "keep")
        change = sum(1 for d in decided if d and d.decision == "change")
        done = sum(1 for d in result.applied if d.key.split(" ", 1)[0] == c.system)
        rows.append((c.system, len(c.disagreements), keep + change, keep, change, done))
    total = sum(r[1] for r in rows)
    n_decided = sum(r[2] for r in rows)
    changed = sum(r[4] + r[5] for r in rows)
    lines = [
        f"# Review of document {result.doc.id} against different eyes",
        "",
        f"Generated by `{command}` with the decisions in `{decisions_path}`; do not edit by "
        "hand (write decisions in that file and run the command again).",
        "",
        f"Annotation reviewed: {result.annotation}; {result.entities} entities.",
        "",
        "| system | disagreements | decided | undecided | keep | change (pending) "
        "| change (applied) |",
        "|---|---|---|---|---|---|---|",
        *(f"| {s} | {n} | {d} | {n - d} | {k} | {c} | {a} |" for s, n, d, k, c, a in rows),
        "",
        f"In all: {total} disagreements, {n_decided} decided, {total - n_decided} undecided; "
        f"{changed} items changed in the annotation by a `change` decision "
        f"({sum(r[5] for r in rows)} already applied to this annotation, so their disagreement "
        "is gone).",
        "",
        "Kinds: *missed by the annotation* (only the system has the entity), *extra in the "
        "annotation* (only the annotation has it), *boundary difference* (overlapping spans, "
        "other offsets), *type difference* (same offsets, other label).",
        "",
    ]
    where: dict[str, int] = {}
    for c in result.comparisons:
        lines += [f"## {c.system}: {c.description}", "", f"Compared on {c.compared_on}."]
        if c.left_out_annotation or c.left_out_predicted:
            lines.append(
                f"Left out of this comparison: {c.left_out_annotation} annotation entities and "
                f"{c.left_out_predicted} system entities."
            )
        lines.append("")
        if not c.disagreements:
            lines += ["No disagreement.", ""]
            continue
        lines += [
            f"| # | sentence | text | kind | annotation | {c.system} | decision | why | key |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for n, d in enumerate(c.disagreements, start=1):
            sent = sentence_at(result.doc, d.start)
            decision = result.decision(d)
            where[d.key] = len(lines) + 1
            lines.append(
                "| "
                + " | ".join(
                    [
                        str(n),
                        sent.id if sent else "-",
                        _cell(context(result.doc, d.start, d.end)),
                        d.kind,
                        _cell("; ".join(e.shown() for e in d.annotation) or "-"),
                        _cell("; ".join(e.shown() for e in d.predicted) or "-"),
                        decision.decision if decision else "**undecided**",
                        _cell(decision.why) if decision else "",
                        f"`{_cell(d.key)}`",
                    ]
                )
                + " |"
            )
        lines.append("")
    if result.applied:
        lines += [
            "## Changes applied",
            "",
            "`change` decisions whose disagreement is gone because the annotation no longer "
            "holds its annotation-side spans:",
            "",
            *(f"- `{_cell(d.key)}`: {_cell(d.why)}" for d in result.applied),
            "",
        ]
    if result.stale:
        lines += [
            "## Decisions without a disagreement",
            "",
            "These decisions name a disagreement that no longer exists (`--check` fails):",
            "",
            *(
                f"- `{_cell(d.key)}` ({decisions_path}:{d.line}): {d.decision}"
                for d in result.stale
            ),
            "",
        ]
    return "\n".join(lines), where


def problems(result: Review, report: str, decisions_path: str, where: dict[str, int]) -> list[str]:
    """Why ``--check`` fails: undecided disagreements and stale decisions."""
    out = [
        f"{decisions_path}: no decision for {d.key!r} ({d.kind}; {report}:{where[d.key]})"
        for d in result.disagreements
        if result.decision(d) is None
    ]
    out += [
        f"{decisions_path}:{d.line}: {d.key!r} names a disagreement that no longer exists"
        for d in result.stale
    ]
    return out


def skeleton(result: Review) -> str:
    """YAML entries for the undecided disagreements, to paste into the decisions file."""
    return "".join(
        f'{json.dumps(d.key, ensure_ascii=False)}: {{decision: , why: ""}}  # {d.kind}: '
        f"{'; '.join(e.shown() for e in (*d.annotation, *d.predicted))}\n"
        for d in result.disagreements
        if result.decision(d) is None
    )

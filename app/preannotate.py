"""Pre-annotations from the benchmark's baselines, as Label Studio predictions.

:meth:`Preannotator.train` builds each layer's system from the baseline registry and fits it on
the built dataset's training rows (the benchmark's own fit), or on every annotated document.
:meth:`Preannotator.predict` turns one corpus document into one Label Studio prediction:

- entities with their types (``ner``); DATE/QUANTITY/MONEY with a normalised value
  (``normalization``) only where the normaliser found one: its answer for a mention no rule
  covers (its answer for an empty mention, e.g. ``0`` for "plusieurs milliers") is not shown;
- claims (``claims``, plus the claims of the attribution pairs that no detected claim overlaps),
  each with certainty and topic (``certainty``, ``topic``: required choices of the config);
- sources and stance relations (``attribution``: each pair is a source, a claim and a stance;
  one relation per source and claim, the first pair's stance when pairs snap to one claim);
- the manifest's boilerplate regions, so that the annotator sees the site chrome too.

Every system sees only the task's inputs (the gold-free rows of the document). Every result item
carries ``score``: the system of its layer's **cross-document score** in
``results/leaderboard.json`` (leave-one-document-out, pooled: an estimate of its quality on an
unseen document, not a per-region probability); a value item carries the normaliser's, a
certainty or topic choice its classifier's. The prediction's ``score`` is the mean over its
items. ``model_version`` names the systems, what they were fit on and a digest of the training
rows, so a refit on other data gives another version. Items are built by
:mod:`nkru.annotation.results`.
"""

from __future__ import annotations

import hashlib
import json
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nkru import schema
from nkru.corpus import Document
from nkru.errors import NkruError
from nkru.records import Annotation
from nkru.rows import AnnotatedDocument, context_row
from nkru.segment import content_sentences
from nkru.splits import SPLITS
from nkru.tasks import TASKS, document_rows, strip_rows

from ..annotation import labeling_config as lc
from ..annotation import results
from ..baselines.protocol import System
from ..baselines.registry import create
from ..eval.gold import read_split

LAYERS: tuple[str, ...] = ("ner", "normalization", "claims", "certainty", "topic", "attribution")
FIT_ON = ("train", "all")


class PreannotationError(NkruError, RuntimeError):
    """The systems cannot be trained or cannot predict this task."""


def _inputs(task: str, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What the task's systems may see: the rows stripped to the task's inputs."""
    return strip_rows(TASKS[task], rows)


def cross_document_scores(path: Path) -> dict[tuple[str, str], float]:
    """(task, system) -> the system's cross-document score (``pooled`` in
    ``results/leaderboard.json``); systems scored under another label set have none."""
    try:
        board = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PreannotationError(f"{path}: cannot read the leaderboard ({exc})") from exc
    return {
        (task, entry["name"]): float(value)
        for task, block in board.get("tasks", {}).items()
        for entry in block.get("systems", [])
        if isinstance(value := (entry.get("pooled") or {}).get("value"), int | float)
    }


def _best(task: str, board: Mapping[tuple[str, str], float]) -> str:
    """The task's learned baseline with the best cross-document score (declaration order
    breaks ties)."""
    names = list(TASKS[task].baselines)
    return max(names, key=lambda n: (board.get((task, n), float("-inf")), -names.index(n)))


def one_relation_per_pair(
    relations: Sequence[tuple[Any, Any, str]],
) -> list[tuple[Any, Any, str]]:
    """(source, claim, stance) triples with one per source and claim: the first one's stance."""
    seen: set[tuple[Any, Any]] = set()
    kept = []
    for source, claim, label in relations:
        if (source, claim) not in seen:
            seen.add((source, claim))
            kept.append((source, claim, label))
    return kept


@dataclass
class Preannotator:
    """Fitted systems per layer, their scores and the model version they make together."""

    systems: dict[str, System]
    scores: dict[str, float]
    model_version: str

    @classmethod
    def train(
        cls,
        data_dir: Path,
        leaderboard: Path,
        choice: Mapping[str, str] | None = None,
        fit_on: str = "train",
    ) -> Preannotator:
        """Fit each layer's system (``choice[task]``, else the task's best learned baseline on
        the leaderboard) on
        the built dataset's train split (``fit_on="train"``: the benchmark's models) or on
        every split (``"all"``)."""
        if fit_on not in FIT_ON:
            raise PreannotationError(f"fit_on must be one of {FIT_ON}, not {fit_on!r}")
        unknown = sorted(set(choice or {}) - set(LAYERS))
        if unknown:
            raise PreannotationError(
                f"no pre-annotation layer for {unknown} (layers: {', '.join(LAYERS)})"
            )
        board = cross_document_scores(leaderboard)
        systems: dict[str, System] = {}
        scores: dict[str, float] = {}
        digest = hashlib.sha256()
        for task in LAYERS:
            name = (choice or {}).get(task) or _best(task, board)
            try:
                system = create(task, name)
            except KeyError as exc:
                raise PreannotationError(str(exc.args[0])) from exc
            splits = ("train",) if fit_on == "train" else tuple(SPLITS)
            rows = []
            for split in splits:
                if (Path(data_dir) / task / f"{split}.parquet").is_file():
                    rows += read_split(TASKS[task], split, Path(data_dir))
            if not rows:
                raise PreannotationError(
                    f"{data_dir}: no {'/'.join(splits)} rows for {task} (run nkru build)"
                )
            if (task, name) not in board:
                raise PreannotationError(
                    f"{task}/{name} is not on {leaderboard}: run `nkru benchmark` first "
                    "(each prediction's score is the system's cross-document score there)"
                )
            systems[task] = system.fit(rows)
            scores[task] = board[(task, name)]
            digest.update(json.dumps(rows, sort_keys=True, default=str).encode())
        names = "+".join(f"{t}={s.name}" for t, s in systems.items())
        version = f"nkru-{schema.SCHEMA_VERSION}/{fit_on}-{digest.hexdigest()[:10]}/{names}"
        return cls(systems, scores, version)

    def no_value(self, label: str) -> str:
        """The normaliser's answer when no rule covers a mention (its answer for an empty
        mention of type ``label``): a placeholder, not a value."""
        row = {"id": "probe", "mention": "", "entity_type": label, "document_date": None}
        (answer,) = self.systems["normalization"].predict([row])
        return answer["value"]

    def predict(self, doc: Document) -> dict[str, Any]:
        """One Label Studio prediction (``result``, ``score``, ``model_version``) for ``doc``."""
        empty = Annotation(document_id=doc.id, annotator="model")
        content = content_sentences(doc)
        rows = document_rows(doc, empty, content)
        view = AnnotatedDocument(doc, content, (), (), (), ())  # for the context rows
        items: list[dict[str, Any]] = []
        origin = results.PREDICTION

        def region(rid: str, control: str, start: int, end: int, label: str, task: str):
            text = doc.text[start:end]
            score = self.scores[task]
            items.append(
                results.region(rid, control, start, end, text, label, origin=origin, score=score)
            )

        def attribute(rid: str, control: str, kind: str, start: int, end: int, value, task):
            score = self.scores[task]
            items.append(
                results.attribute(rid, control, kind, start, end, value, origin=origin, score=score)
            )

        sentences = {row["id"]: row for row in rows["ner"]}
        # entities and their values
        entities = []
        for pred in self.systems["ner"].predict(_inputs("ner", rows["ner"])):
            offset = sentences[pred["id"]]["doc_start"]
            for ent in pred["entities"]:
                entities.append((ent["start"] + offset, ent["end"] + offset, ent["label"]))
        entities.sort()
        valued = []
        for n, (start, end, label) in enumerate(entities, start=1):
            region(f"e{n:03d}", lc.ENTITIES, start, end, label, "ner")
            if label in schema.VALUED_LABELS:
                valued.append((f"e{n:03d}", start, end, label))
        values = self.systems["normalization"].predict(
            [
                context_row(
                    view,
                    rid,
                    {"start": start, "end": end},
                    mention=doc.text[start:end],
                    entity_type=label,
                    document_date=doc.date,
                )
                for rid, start, end, label in valued
            ]
        )
        placeholders = {label: self.no_value(label) for label in schema.VALUED_LABELS}
        for (rid, start, end, label), pred in zip(valued, values, strict=True):
            value = pred["value"]
            if value != placeholders[label] and schema.valid_value(label, value):
                value_item = {"text": [value]}
                attribute(rid, lc.VALUE, "textarea", start, end, value_item, "normalization")
        # claims, then the pairs' sources and claims
        claims: list[tuple[int, int]] = []
        for pred in self.systems["claims"].predict(_inputs("claims", rows["claims"])):
            offset = sentences[pred["id"]]["doc_start"]
            claims += [(c["start"] + offset, c["end"] + offset) for c in pred["claims"]]
        (pairs,) = self.systems["attribution"].predict(_inputs("attribution", rows["attribution"]))
        relations = []
        sources: list[tuple[int, int]] = []
        for pair in pairs["pairs"]:
            claim = (pair["claim"]["start"], pair["claim"]["end"])
            source = (pair["source"]["start"], pair["source"]["end"])
            overlapping = [c for c in claims if c[0] < claim[1] and claim[0] < c[1]]
            if overlapping:
                claim = max(overlapping, key=lambda c: min(c[1], claim[1]) - max(c[0], claim[0]))
            else:
                claims.append(claim)
            if source not in sources:
                sources.append(source)
            relations.append((source, claim, pair["label"]))
        claims.sort()
        sources.sort()
        claim_ids = {c: f"c{n:03d}" for n, c in enumerate(claims, start=1)}
        source_ids = {s: f"s{n:03d}" for n, s in enumerate(sources, start=1)}
        claim_rows = [
            context_row(
                view,
                claim_ids[c],
                {"claim_start": c[0], "claim_end": c[1]},
                claim_text=doc.text[c[0] : c[1]],
            )
            for c in claims
        ]
        certainty = self.systems["certainty"].predict(claim_rows)
        topic = self.systems["topic"].predict(claim_rows)
        for (start, end), cert, top in zip(claims, certainty, topic, strict=True):
            rid = claim_ids[(start, end)]
            region(rid, lc.CLAIMS, start, end, schema.CLAIM, "claims")
            text = doc.text[start:end]
            for control, pred, task in (
                (lc.CERTAINTY, cert, "certainty"),
                (lc.TOPIC, top, "topic"),
            ):
                value = {"text": text, "choices": [pred["label"]]}
                attribute(rid, control, "choices", start, end, value, task)
        for (start, end), rid in source_ids.items():
            region(rid, lc.CLAIMS, start, end, schema.SOURCE, "attribution")
        for source, claim, label in one_relation_per_pair(relations):
            items.append(
                results.relation(
                    source_ids[source], claim_ids[claim], label, score=self.scores["attribution"]
                )
            )
        for n, b in enumerate(doc.boilerplate, start=1):
            items.append(
                results.region(
                    f"b{n:03d}",
                    lc.BOILERPLATE_CONTROL,
                    b.start,
                    b.end,
                    b.text,
                    schema.BOILERPLATE,
                    origin=origin,
                    note=b.value or None,
                )
            )
        scored = [i["score"] for i in items if "score" in i]
        score = statistics.fmean(scored) if scored else statistics.fmean(self.scores.values())
        return {"result": items, "score": round(score, 4), "model_version": self.model_version}

"""Reference systems: the floors a baseline must beat, and spaCy's off-the-shelf NER.

- ner ``gazetteer`` (the floor; any labelled-spans task): memorisation. Every entity string of
  the training rows, with its most frequent label, is looked up in the text
  (:class:`~nkru.baselines.ner.Gazetteer`: whole lower-cased tokens, longest then leftmost
  match). A learned tagger must beat remembering the training names; the majority BIO tag
  ``O`` (no entity, F1 0) would make "Δ vs floor" the score itself.
- ner ``spacy``: ``fr_core_news_md`` entities with spaCy's own labels PER/ORG/LOC/MISC. It
  declares ``label_map = "spacy"``: it is scored under the ner task's ``spacy`` label map
  (:data:`nkru.schema.SPACY_LABEL_MAP`: GPE→LOC, NORP/EVENT/LAW/WEAPON→MISC, and the labels
  spaCy does not have, DATE/QUANTITY/MONEY, dropped from gold and predictions), shipped as
  ``eval/samples/spacy_label_map.json`` for ``nkru eval --label-map``.
- claims ``all-sentences``: every sentence is a claim, its span given by the claims span rule.
  "No sentence is a claim" scores 0 by construction and says nothing; "every sentence" has full
  sentence-level recall and the claim base rate as precision — the F1 a detector must beat,
  and with the same span rule as ``tfidf-logreg``, the comparison isolates the detector. A
  memorising floor has nothing to remember here: sentences do not repeat across documents.
- attribution ``nearest-source``: the claims detector's claims, each paired with the nearest
  source candidate of its sentence (same candidates as the learned baseline), labelled with the
  most frequent training stance — the learned pair scorer must beat proximity.
- stance / certainty / topic ``majority``: the most frequent training label for every example:
  what knowing the label distribution alone gives (ties: the alphabetically first label).
- normalization ``most-frequent``: memorisation, like the NER floor: the most frequent training
  value of the same mention (lower-cased, spacing ignored, same entity type), else the most
  frequent training value of the mention's entity type (the overall most frequent value for a
  type unseen in training; ties: smallest value). A normaliser must beat remembering the
  values of the mentions it has seen ("2024", "deux").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Self

from nkru.schema import SPACY_LABELS, STANCE_LABELS
from nkru.tasks import TASKS, Task

from .attribution import AttributionPairs, Span, claim_sentence_rows
from .bio import spans_from_bio, token_spans
from .claims import ClaimDetector, span_claims
from .io import label_name
from .ner import Gazetteer
from .nlp import analyse_all
from .protocol import SEED, Prediction, Row, System, Untrained


def _most_frequent(values: Iterable[str]) -> str:
    counts = Counter(values)
    return min(counts, key=lambda v: (-counts[v], v))


class GazetteerTagger(System):
    name = "gazetteer"
    task = "ner"
    description = (
        "training entity strings found in the text (whole tokens, case-insensitive, longest "
        "match), each with its most frequent training label"
    )

    def __init__(self, seed: int = SEED, task: Task = TASKS["ner"]) -> None:
        super().__init__(seed)
        self.task = task.name  # type: ignore[misc]
        self.key = task.payload  # the spans' column (a Task does not pickle)

    def fit(self, rows: Sequence[Row]) -> Self:
        self.gazetteer = Gazetteer.from_rows(rows, self.key)
        self.fitted = True
        return self

    def predict(self, rows: Sequence[Row]) -> list[Prediction]:
        self.check_fitted()
        out = []
        for row in rows:
            tokens = token_spans(row)
            tags = self.gazetteer.tag([row["text"][s:e] for s, e in tokens])
            out.append({"id": row["id"], self.key: spans_from_bio(tags, tokens)})
        return out


class SpacyNer(Untrained):
    name = "spacy"
    task = "ner"
    parses = True  # reads spaCy analyses of its rows' texts (nkru.baselines.nlp)
    description = "fr_core_news_md entities (PER/ORG/LOC/MISC), scored under the spaCy label map"
    label_map = "spacy"

    def predict(self, rows: Sequence[Row]) -> list[Prediction]:
        self.check_fitted()
        analyses = analyse_all([row["text"] for row in rows])
        return [
            {
                "id": row["id"],
                "entities": [
                    {"start": s, "end": e, "label": label}
                    for s, e, label in analysis.entities
                    if label in SPACY_LABELS
                ],
            }
            for row, analysis in zip(rows, analyses, strict=True)
        ]


class AllClaims(Untrained):
    name = "all-sentences"
    task = "claims"
    parses = True  # reads spaCy analyses of its rows' texts (nkru.baselines.nlp)
    description = "every sentence is a claim (span rule of the claims baseline)"

    def predict(self, rows: Sequence[Row]) -> list[Prediction]:
        self.check_fitted()
        return [{"id": row["id"], "claims": span_claims(row["text"])} for row in rows]


class NearestSource(AttributionPairs):
    name = "nearest-source"
    description = (
        "detected claims (same claims as pairs-logreg), each paired with the nearest "
        "source candidate of its sentence, most frequent training stance"
    )
    anaphora = False  # no cross-sentence pairs: sentence-internal nearest source only

    def __init__(self, seed: int = SEED) -> None:
        super().__init__(seed)

    def fit(self, rows: Sequence[Row]) -> Self:
        self.detector = ClaimDetector(self.seed).fit(claim_sentence_rows(rows))
        stances = [p.get("stance") for row in rows for p in row.get("pairs") or []]
        stances = [s for s in stances if s in STANCE_LABELS]
        self.majority = _most_frequent(stances) if stances else STANCE_LABELS[0]
        self.fitted = True
        return self

    def select(self, examples: list[tuple[Span, Span, dict]]) -> list[tuple[Span, Span, dict]]:
        best: dict[Span, tuple[int, Span, dict]] = {}
        for source, claim, features in examples:
            if claim[0] <= source[0] and source[1] <= claim[1]:
                continue  # a source inside its claim is no source
            distance = max(claim[0] - source[1], source[0] - claim[1], 0)
            if claim not in best or (distance, source) < best[claim][:2]:
                best[claim] = (distance, source, features)
        return [(source, claim, features) for claim, (_, source, features) in sorted(best.items())]

    def stances(self, features: list[dict]) -> list[str]:
        return [self.majority] * len(features)


class MajorityLabel(System):
    name = "majority"
    description = "most frequent training label"

    def __init__(self, task: Task, seed: int = SEED) -> None:
        super().__init__(seed)
        self.spec = task
        self.task = task.name  # type: ignore[misc]

    def fit(self, rows: Sequence[Row]) -> Self:
        payload = self.spec.payload
        self.label = _most_frequent(label_name(self.spec, row[payload]) for row in rows)
        self.fitted = True
        return self

    def predict(self, rows: Sequence[Row]) -> list[Prediction]:
        self.check_fitted()
        return [{"id": row["id"], self.spec.payload: self.label} for row in rows]


class MostFrequentValue(System):
    name = "most-frequent"
    task = "normalization"
    description = (
        "memorisation: the most frequent training value of the same mention (case and spacing "
        "ignored), else of the entity type"
    )

    def __init__(self, seed: int = SEED, task: Task = TASKS["normalization"]) -> None:
        super().__init__(seed)
        self.task = task.name  # type: ignore[misc]
        self.key, self.group = task.payload, task.group  # a Task does not pickle

    def _group(self, row: Row) -> str:
        return str(row.get(self.group) or "") if self.group else ""

    def _mention(self, row: Row) -> tuple[str, str]:
        return self._group(row), " ".join(str(row.get("mention") or "").lower().split())

    def fit(self, rows: Sequence[Row]) -> Self:
        by_group: dict[str, list[str]] = {}
        by_mention: dict[tuple[str, str], list[str]] = {}
        for row in rows:
            by_group.setdefault(self._group(row), []).append(row[self.key])
            if row.get("mention"):
                by_mention.setdefault(self._mention(row), []).append(row[self.key])
        self.values = {t: _most_frequent(v) for t, v in sorted(by_group.items())}
        self.mentions = {m: _most_frequent(v) for m, v in sorted(by_mention.items())}
        self.default = _most_frequent(row[self.key] for row in rows) if rows else "XXXX"
        self.fitted = True
        return self

    def predict(self, rows: Sequence[Row]) -> list[Prediction]:
        self.check_fitted()
        return [
            {
                "id": row["id"],
                self.key: self.mentions.get(
                    self._mention(row), self.values.get(self._group(row), self.default)
                ),
            }
            for row in rows
        ]

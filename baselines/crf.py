"""Linear-chain CRF span taggers (``sklearn-crfsuite``): tokens → BIO tags → character spans.

:class:`BioCrf` is the shared machinery of the NER and claims CRFs: a subclass says which
row field holds the target spans, the span labels, how to turn a sentence into token feature
dicts (given a :class:`CrfSettings`), and the candidate settings. ``fit`` picks the settings by
leave-one-document-out over the training documents (:func:`nkru.baselines.selection.select`),
then trains ``sklearn_crfsuite.CRF`` (L-BFGS, elastic net ``c1``/``c2``, every transition
allowed) on all training rows. ``predict`` reads only the sentence text and tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import sklearn_crfsuite

from .bio import OUTSIDE, bio_tags, spans_from_bio, token_spans
from .nlp import analyse_all
from .protocol import Prediction, Row
from .selection import SelectedSystem

MAX_ITERATIONS = 100


@dataclass(frozen=True)
class CrfSettings:
    """One candidate: L1/L2 weights and the feature groups switched on."""

    c1: float = 0.1
    c2: float = 0.1
    groups: tuple[str, ...] = ()
    threshold: float | None = None  # None: Viterbi; else a token is in a span when P(not O) >= it

    def __str__(self) -> str:
        decoding = "viterbi" if self.threshold is None else f"marginal>={self.threshold:g}"
        return (
            f"c1={self.c1:g} c2={self.c2:g} features={'+'.join(('form', *self.groups))} "
            f"decoding={decoding}"
        )


def crf(settings: CrfSettings) -> sklearn_crfsuite.CRF:
    """An unfitted CRF (L-BFGS is deterministic: no seed needed)."""
    return sklearn_crfsuite.CRF(
        algorithm="lbfgs",
        c1=settings.c1,
        c2=settings.c2,
        max_iterations=MAX_ITERATIONS,
        all_possible_transitions=True,
    )


def marginal_tags(marginals: Sequence[dict[str, float]], threshold: float) -> list[str]:
    """Per token, its most probable B-/I- tag when ``P(not O) >= threshold``, else ``O``.

    A lower threshold trades precision for recall: the F1-optimal trade-off when the model
    separates the classes poorly, which inner selection decides.
    """
    tags = []
    for token in marginals:
        inside = {tag: p for tag, p in token.items() if tag != OUTSIDE}
        if inside and sum(inside.values()) >= threshold:
            tags.append(max(sorted(inside), key=inside.__getitem__))
        else:
            tags.append(OUTSIDE)
    return tags


class BioCrf(SelectedSystem):
    """A CRF over the dataset tokens of each sentence row; subclasses define the features."""

    parses = True  # reads spaCy analyses of its rows' texts (nkru.baselines.nlp)
    span_key: ClassVar[str]  # the row field (and prediction key) holding the spans
    labels: ClassVar[tuple[str, ...]]
    candidates: ClassVar[tuple[CrfSettings, ...]]

    def sentence_features(
        self, row: Row, tokens: list[tuple[int, int]], analysis: Any, settings: CrfSettings
    ) -> list[dict[str, object]]:
        """Feature dicts of the row's tokens."""
        raise NotImplementedError

    def target_spans(self, row: Row) -> list[dict]:
        """The row's gold spans as ``{"start", "end", "label"}``."""
        return [dict(span) for span in row.get(self.span_key) or []]

    def prediction(self, spans: list[dict]) -> list[dict]:
        """Decoded spans as the prediction payload (NER keeps labels)."""
        return spans

    def model_settings(self, candidate: CrfSettings) -> CrfSettings:
        """The decoding threshold is applied to a trained model's marginals."""
        return replace(candidate, threshold=None)

    def _features(self, rows: Sequence[Row], settings: CrfSettings) -> list[list[dict]]:
        analyses = analyse_all([row["text"] for row in rows])
        return [
            self.sentence_features(row, token_spans(row), analysis, settings)
            for row, analysis in zip(rows, analyses, strict=True)
        ]

    def train(self, rows: Sequence[Row], settings: CrfSettings) -> sklearn_crfsuite.CRF:
        tags = [bio_tags(token_spans(row), self.target_spans(row)) for row in rows]
        model = crf(settings)
        model.fit(self._features(rows, settings), tags)
        return model

    def apply(
        self, model: sklearn_crfsuite.CRF, rows: Sequence[Row], settings: CrfSettings
    ) -> list[Prediction]:
        if not rows:
            return []
        features = self._features(rows, settings)
        if settings.threshold is None:
            predicted = model.predict(features)
        else:
            predicted = [
                marginal_tags(m, settings.threshold) for m in model.predict_marginals(features)
            ]
        return [
            {
                "id": row["id"],
                self.span_key: self.prediction(
                    spans_from_bio(list(tags), token_spans(row), self.labels)
                ),
            }
            for row, tags in zip(rows, predicted, strict=True)
        ]

"""Stance, certainty and topic classifiers on linguistic cue features of a claim in context.

Every example is a gold claim (and, for stance, its gold source) inside a context ``text``;
features come from spaCy ``fr_core_news_md``'s analysis of the context (:mod:`.nlp`):

- certainty (:func:`certainty_features`): in the claim, verbs in the conditional
  (``Mood=Cnd``: "seraient", "aurait"), the subjunctive, the future, modal verbs
  (pouvoir/devoir), hedging verbs and epistemic adverbs (sembler, probablement, peut-être, …),
  a question mark; around it, the reporting or epistemic cue lemmas of the context
  ("selon", "supposer", "affirmer", …); group ``lemmas`` adds the claim's content lemmas;
- stance (:func:`stance_features`): the lemmas within a few tokens of the source, the verb it
  is the subject or agent of, denial and doubt cue lemmas, negation near the source, "selon"
  before it, source/claim order, distance, whether a sentence boundary separates them, and the
  claim's mood;
- topic (:func:`topic_features`): the claim's content lemmas (nouns, proper nouns, verbs,
  adjectives); group ``vectors`` adds the mean of the model's static word vectors over them.

The dict features go through ``DictVectorizer`` + ``LogisticRegression`` (balanced, seeded);
the regularisation ``C`` and the feature groups are chosen by leave-one-document-out over the
training documents (:func:`nkru.baselines.selection.select`). ``predict`` reads only the
context text and the source/claim offsets.

Where the word lists come from (the only place this module cites annotation/GUIDELINES.md):
general French, single common words written from knowledge of the language, no published
lexicon and no phrase of the corpus: :data:`MODAL_LEMMAS` and :data:`HEDGE_LEMMAS` (modal
verbs, epistemic verbs, adverbs and adjectives: the hedging cues of the certainty rule C16),
:data:`DENY_LEMMAS` and :data:`QUERY_LEMMAS` (the deny and question verbs of the stance rule
S4, with prouver and vérifier, whose negation says that something is unproven), and the
claims module's verbs of saying (:data:`~nkru.baselines.claims.CUE_LEMMAS`). The classifiers
learn from the training documents which of them matter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

import numpy as np

from nkru.tasks import TASKS

from .claims import CUE_LEMMAS
from .io import label_name
from .models import feature_classifier, fit_or_constant
from .nlp import Analysis, analyse_all, word_vectors
from .protocol import Prediction, Row
from .selection import SelectedSystem

ParseToken = tuple[int, int, str, str, str, str, int, str]
MODAL_LEMMAS = frozenset({"pouvoir", "devoir"})
HEDGE_LEMMAS = frozenset(
    {
        "sembler",
        "paraître",
        "probablement",
        "peut-être",
        "vraisemblablement",
        "apparemment",
        "possible",
        "probable",
        "présumé",
        "supposé",
        "éventuellement",
        "environ",
        "supposer",
        "estimer",
        "croire",
        "penser",
        "soupçonner",
        "prétendre",
        "affirmer",
        "allégué",
    }
)
DENY_LEMMAS = frozenset({"nier", "démentir", "contester", "réfuter", "rejeter", "dénoncer"})
QUERY_LEMMAS = frozenset({"douter", "questionner", "interroger", "prouver", "vérifier"})
CONTENT_POS = frozenset({"NOUN", "PROPN", "VERB", "ADJ"})
_SENTENCE_END = re.compile(r"[.!?]\s")
NEAR = 6


@dataclass(frozen=True)
class Candidate:
    """Regularisation and feature groups of one setting."""

    c: float = 1.0
    groups: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"C={self.c:g} features={'+'.join(('cues', *self.groups))}"


def _inside(parse: Sequence[ParseToken], start: int, end: int) -> list[ParseToken]:
    return [t for t in parse if start <= t[0] and t[1] <= end and t[4] != "SPACE"]


def _mood_features(tokens: Sequence[ParseToken], prefix: str) -> dict[str, object]:
    lemmas = {t[3] for t in tokens}
    morphs = [t[7] for t in tokens]
    return {
        f"{prefix}conditional": any("Mood=Cnd" in m for m in morphs),
        f"{prefix}subjunctive": any("Mood=Sub" in m for m in morphs),
        f"{prefix}future": any("Tense=Fut" in m for m in morphs),
        f"{prefix}modal": bool(lemmas & MODAL_LEMMAS),
        f"{prefix}modal_conditional": any(
            t[3] in MODAL_LEMMAS and "Mood=Cnd" in t[7] for t in tokens
        ),
        f"{prefix}hedge": bool(lemmas & HEDGE_LEMMAS),
        f"{prefix}negated": any("Polarity=Neg" in m for m in morphs),
    }


def certainty_features(row: Row, analysis: Analysis, groups: Sequence[str]) -> dict[str, object]:
    """Cue features of a claim's certainty (module docstring)."""
    start, end = row["claim_start"], row["claim_end"]
    claim = _inside(analysis.parse, start, end)
    context = [t for t in analysis.parse if t[4] != "SPACE" and (t[1] <= start or t[0] >= end)]
    features: dict[str, object] = {"bias": 1.0, **_mood_features(claim, "claim:")}
    features["claim:question"] = "?" in row["text"][start:end]
    for token in claim:
        if token[3] in HEDGE_LEMMAS:
            features[f"claim:hedge={token[3]}"] = True
    for token in context:
        if token[3] in CUE_LEMMAS or token[3] in HEDGE_LEMMAS or token[2] in ("selon",):
            features[f"context:cue={token[3]}"] = True
    features.update(_mood_features(context, "context:"))
    if "lemmas" in groups:
        for token in claim:
            if token[4] in CONTENT_POS:
                features[f"lemma={token[3]}"] = True
    return features


def stance_features(row: Row, analysis: Analysis, groups: Sequence[str]) -> dict[str, object]:
    """Cue features of a source's stance towards a claim (module docstring)."""
    text = row["text"]
    source = (row["source_start"], row["source_end"])
    claim = (row["claim_start"], row["claim_end"])
    parse = [t for t in analysis.parse if t[4] != "SPACE"]
    inside = [i for i, t in enumerate(parse) if source[0] <= t[0] and t[1] <= source[1]]
    features: dict[str, object] = {"bias": 1.0}
    if inside:
        first, last = inside[0], inside[-1]
        near = parse[max(0, first - NEAR) : first] + parse[last + 1 : last + 1 + NEAR]
        lemmas = {t[3] for t in near}
        for lemma in sorted(lemmas & (CUE_LEMMAS | DENY_LEMMAS | QUERY_LEMMAS)):
            features[f"near={lemma}"] = True
        features["deny_cue"] = bool(lemmas & DENY_LEMMAS)
        features["query_cue"] = bool(lemmas & QUERY_LEMMAS)
        features["negated"] = any("Polarity=Neg" in t[7] or t[2] in ("pas", "jamais") for t in near)
        heads = {parse_head(analysis, parse[i]) for i in inside}
        for head in sorted(h for h in heads if h is not None):
            features[f"verb={head}"] = True
        features["selon"] = any(
            t[2] in ("selon", "après") for t in parse[max(0, first - 2) : first]
        )
    order = "source_first" if source[1] <= claim[0] else "claim_first"
    gap = text[source[1] : claim[0]] if order == "source_first" else text[claim[1] : source[0]]
    features["order"] = order
    features["distance"] = min(len(gap) // 40, 5)
    features["same_sentence"] = not _SENTENCE_END.search(gap)
    features.update(_mood_features(_inside(analysis.parse, *claim), "claim:"))
    if "lemmas" in groups:
        for token in _inside(analysis.parse, *claim):
            if token[4] in CONTENT_POS:
                features[f"lemma={token[3]}"] = True
    return features


def parse_head(analysis: Analysis, token: ParseToken) -> str | None:
    """The lemma of the verb a token is the subject or agent of (None otherwise)."""
    if not (token[5].startswith("nsubj") or token[5].startswith("obl")):
        return None
    head = analysis.parse[token[6]]
    return head[3] if head[4] in ("VERB", "AUX", "ADJ") else None


@cache
def _vector(word: str) -> tuple[float, ...]:
    vocab = word_vectors()
    return tuple(vocab.get_vector(word)) if vocab.has_vector(word) else ()


def topic_features(row: Row, analysis: Analysis, groups: Sequence[str]) -> dict[str, object]:
    """Content lemmas of the claim, and optionally their mean word vector."""
    claim = [
        t
        for t in _inside(analysis.parse, row["claim_start"], row["claim_end"])
        if t[4] in CONTENT_POS
    ]
    features: dict[str, object] = {"bias": 1.0}
    for token in claim:
        features[f"lemma={token[3]}"] = True
    if "vectors" in groups:
        vectors = [v for v in (_vector(t[2]) for t in claim) if v]
        if vectors:
            mean = np.mean(vectors, axis=0)
            mean = mean / (np.linalg.norm(mean) or 1.0)
            features.update({f"v{k}": float(x) for k, x in enumerate(mean)})
    return features


class CueClassifier(SelectedSystem):
    """DictVectorizer + LogisticRegression on cue features; settings chosen by inner LODO."""

    name = "cues-logreg"
    parses = True  # reads spaCy analyses of its rows' texts (nkru.baselines.nlp)
    candidates: ClassVar[tuple[Candidate, ...]]

    def features(self, row: Row, analysis: Analysis, groups: Sequence[str]) -> dict[str, object]:
        raise NotImplementedError

    def _inputs(self, rows: Sequence[Row], candidate: Candidate) -> list[dict[str, object]]:
        analyses = analyse_all([row["text"] for row in rows])
        return [
            self.features(row, analysis, candidate.groups)
            for row, analysis in zip(rows, analyses, strict=True)
        ]

    def train(self, rows: Sequence[Row], candidate: Candidate) -> Any:
        labels = [label_name(self.task, row["label"]) for row in rows]
        unknown = sorted(set(labels) - set(TASKS[self.task].labels))
        if unknown:
            raise ValueError(f"{self.task}: labels not in the schema: {unknown}")
        return fit_or_constant(
            lambda: feature_classifier(self.seed, balanced=True, c=candidate.c),
            self._inputs(rows, candidate),
            labels,
        )

    def apply(self, model: Any, rows: Sequence[Row], candidate: Candidate) -> list[Prediction]:
        if not rows:
            return []
        labels = model.predict(self._inputs(rows, candidate))
        return [
            {"id": row["id"], "label": str(label)} for row, label in zip(rows, labels, strict=True)
        ]


class CertaintyCues(CueClassifier):
    task = "certainty"
    description = (
        "conditional/subjunctive/future mood, modal verbs, hedging verbs and epistemic "
        "adverbs in the claim, cue lemmas around it (spaCy morphology) → DictVectorizer + "
        "LogisticRegression; C and claim lemmas chosen by inner leave-one-document-out"
    )
    candidates = tuple(Candidate(c, g) for g in ((), ("lemmas",)) for c in (1.0, 0.1))

    def features(self, row, analysis, groups):
        return certainty_features(row, analysis, groups)


class StanceCues(CueClassifier):
    task = "stance"
    description = (
        "cue lemmas near the source (reporting, denial, doubt verbs), the verb the source is "
        "subject/agent of, negation, 'selon', order, distance, same sentence, claim mood → "
        "DictVectorizer + LogisticRegression; C and claim lemmas chosen by inner "
        "leave-one-document-out"
    )
    candidates = tuple(Candidate(c, g) for g in ((), ("lemmas",)) for c in (1.0, 0.1))

    def features(self, row, analysis, groups):
        return stance_features(row, analysis, groups)


class TopicCues(CueClassifier):
    task = "topic"
    description = (
        "content lemmas of the claim, optionally the mean of fr_core_news_md's word vectors → "
        "DictVectorizer + LogisticRegression; C and vectors chosen by inner "
        "leave-one-document-out"
    )
    candidates = tuple(Candidate(c, g) for g in ((), ("vectors",)) for c in (1.0, 10.0))

    def features(self, row, analysis, groups):
        return topic_features(row, analysis, groups)

"""NER baseline: a token classifier on hand-made features predicting BIO tags.

Pipeline: features per token (word, lower case, shape, prefixes and suffixes of 1-3 characters,
capitalisation, digits, hyphen/apostrophe, the words and shapes of the neighbours at ±1 and ±2,
and gazetteer tags) → ``DictVectorizer`` → ``LogisticRegression`` (lbfgs, seeded) → BIO repair
(:func:`repair_bio`) → character spans from the token offsets. The gazetteer holds the entity
surfaces of the TRAINING rows only (:class:`Gazetteer`), matched longest-first on lower-cased
tokens. Training tags come from the row's entities and token offsets (:func:`bio_tags`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Self

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import filter_spans
from spacy.vocab import Vocab

from nkru.schema import ENTITY_LABELS

from .bio import OUTSIDE, TOKEN_RE, Span, bio_tags, spans_from_bio, token_spans
from .crf import BioCrf, CrfSettings
from .models import feature_classifier, fit_or_constant
from .protocol import Prediction, Row, System
from .tokens import add_window, aligned_parse, entity_tags, morph_features, shape, word_features


class Gazetteer:
    """Entity surfaces (lower-cased token tuples) → most frequent label, from training rows.

    A surface's label is its most frequent training label (ties: the alphabetically first).
    :meth:`tag` finds the surfaces in a token sequence with spaCy's ``PhraseMatcher`` on
    lower-cased whole tokens (a surface never matches part of a token), and of overlapping
    matches keeps the longest, then the leftmost (``spacy.util.filter_spans``).
    """

    def __init__(self, entries: dict[tuple[str, ...], str]) -> None:
        self.entries = entries
        self.vocab = Vocab()
        self.matcher = PhraseMatcher(self.vocab)
        for words, label in entries.items():
            self.matcher.add(label, [Doc(self.vocab, words=list(words))])

    def __reduce__(self) -> tuple:
        return (Gazetteer, (self.entries,))  # the matcher is rebuilt from the entries

    @classmethod
    def from_rows(cls, rows: Sequence[Row], key: str = "entities") -> Gazetteer:
        """The surfaces of the labelled spans in column ``key`` of the rows."""
        counts: dict[tuple[str, ...], Counter] = {}
        for row in rows:
            text, tokens = row["text"], token_spans(row)
            for entity in row.get(key) or []:
                words = tuple(
                    text[s:e].lower()
                    for s, e in tokens
                    if s < entity["end"] and entity["start"] < e
                )
                if words:
                    counts.setdefault(words, Counter())[entity["label"]] += 1
        return cls(
            {
                k: sorted(c.items(), key=lambda x: (-x[1], x[0]))[0][0]
                for k, c in sorted(counts.items())
            }
        )

    def __contains__(self, surface: object) -> bool:
        if isinstance(surface, str):
            surface = tuple(m.group(0).lower() for m in TOKEN_RE.finditer(surface))
        return surface in self.entries

    def __len__(self) -> int:
        return len(self.entries)

    def tag(self, words: Sequence[str]) -> list[str]:
        """Gazetteer BIO tag per token (class docstring: longest, then leftmost match)."""
        tags = [OUTSIDE] * len(words)
        if not words or not self.entries:
            return tags
        doc = Doc(self.vocab, words=[w.lower() for w in words])
        for span in filter_spans(self.matcher(doc, as_spans=True)):
            tags[span.start] = f"B-{span.label_}"
            for k in range(span.start + 1, span.end):
                tags[k] = f"I-{span.label_}"
        return tags


def token_features(words: Sequence[str], gazetteer_tags: Sequence[str], i: int) -> dict:
    """The hand-made features of token ``i``."""
    word = words[i]
    features: dict[str, object] = {
        "bias": 1.0,
        "word": word,
        **word_features(word),
        "first": i == 0,
        "gaz": gazetteer_tags[i],
        "gaz_label": gazetteer_tags[i][2:] or OUTSIDE,
    }
    for offset in (-2, -1, 1, 2):
        j = i + offset
        if 0 <= j < len(words):
            features[f"{offset}:lower"] = words[j].lower()
            features[f"{offset}:shape"] = shape(words[j])
            features[f"{offset}:title"] = words[j].istitle()
            features[f"{offset}:gaz"] = gazetteer_tags[j]
        else:
            features[f"{offset}:lower"] = "<s>" if j < 0 else "</s>"
    return features


def sentence_features(row: Row, gazetteer: Gazetteer) -> tuple[list[Span], list[dict]]:
    tokens = token_spans(row)
    words = [row["text"][s:e] for s, e in tokens]
    tags = gazetteer.tag(words)
    return tokens, [token_features(words, tags, i) for i in range(len(words))]


class NerTagger(System):
    """Token classifier (DictVectorizer + LogisticRegression) with BIO repair."""

    name = "logreg"
    task = "ner"
    description = (
        "hand-made token features (word, shape, affixes, ±2 neighbours, train-only "
        "gazetteer) + DictVectorizer + LogisticRegression, BIO tags, BIO repair"
    )

    def __init__(self, seed: int = 13, c: float = 1.0) -> None:
        super().__init__(seed)
        self.c = c

    def fit(self, rows: Sequence[Row]) -> Self:
        self.gazetteer = Gazetteer.from_rows(rows)
        inputs: list[dict] = []
        labels: list[str] = []
        for row in rows:
            tokens, features = sentence_features(row, self.gazetteer)
            inputs.extend(features)
            labels.extend(bio_tags(tokens, row.get("entities") or []))
        self.model = fit_or_constant(
            lambda: feature_classifier(self.seed, c=self.c), inputs, labels
        )
        self.fitted = True
        return self

    def predict(self, rows: Sequence[Row]) -> list[Prediction]:
        self.check_fitted()
        encoded = [sentence_features(row, self.gazetteer) for row in rows]
        flat = [f for _, features in encoded for f in features]
        predicted = [str(t) for t in self.model.predict(flat)] if flat else []
        out, position = [], 0
        for row, (tokens, _) in zip(rows, encoded, strict=True):
            tags = predicted[position : position + len(tokens)]
            position += len(tokens)
            out.append({"id": row["id"], "entities": spans_from_bio(tags, tokens)})
        return out


NER_CRF_CANDIDATES: tuple[CrfSettings, ...] = (CrfSettings(groups=("pos", "spacy-ents")),)
"""One setting, nothing to select: inner leave-one-document-out chose these feature groups
over form + POS and form alone in every cross-document fold and on the train split (never
another candidate), at the cost of twelve of the thirteen CRF trainings of each fit
(baselines/README.md, "Model selection")."""
_NER_WINDOW_KEYS = ("lower", "shape", "title", "suffix3", "pos", "spacy-ent")


class NerCrf(BioCrf):
    """Linear-chain CRF over word-form, context-window and (selected) spaCy features."""

    name = "crf"
    task = "ner"
    description = (
        "linear-chain CRF (sklearn-crfsuite, L-BFGS, c1 = c2 = 0.1) on word form, shape, "
        "affixes 1-4 and ±2 context window; spaCy POS/morphology and spaCy's own entities "
        "as features"
    )
    span_key = "entities"
    labels = ENTITY_LABELS
    candidates = NER_CRF_CANDIDATES

    def sentence_features(self, row, tokens, analysis, settings):
        words = [row["text"][s:e] for s, e in tokens]
        features = [{"bias": 1.0, **word_features(word, affixes=4)} for word in words]
        if features:
            features[0]["first"] = True
        if "pos" in settings.groups:
            for token, parsed in zip(features, aligned_parse(tokens, analysis), strict=True):
                token.update(morph_features(parsed))
        if "spacy-ents" in settings.groups:
            for token, tag in zip(features, entity_tags(tokens, analysis), strict=True):
                token["spacy-ent"] = tag
                token["spacy-label"] = tag[2:] or OUTSIDE
        add_window(features, _NER_WINDOW_KEYS)
        return features

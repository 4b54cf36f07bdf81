"""Attribution baseline: candidate (source, claim) pairs within a sentence, scored linearly.

Pipeline, per sentence of the document row (``sentences``; the whole text if absent):

1. Claims. A :class:`~nkru.baselines.claims.ClaimDetector` is trained on the training
   documents' sentences (a sentence is positive when a gold claim overlaps it); at prediction
   its detected sentences become claim spans by the claims span rule. (``claims="gold"`` uses
   the row's gold claims instead — an oracle setting for analysis, not a baseline to report.)
2. Source candidates (:func:`source_candidates`), from spaCy ``fr_core_news_md`` on the
   sentence: its entities (PER/ORG/LOC/MISC), its noun chunks that are subjects (``nsubj``,
   ``nsubj:pass``), and the cue patterns "selon X" / "d'après X" / "de source X" (X up to the
   next comma or the end of the sentence). Identical spans are merged, keeping every kind.
3. Pair scoring: each (candidate, claim) pair of the same sentence gets features
   (:func:`pair_features`: candidate kinds and entity type, order and token distance, the lemmas
   between them and whether one is a speech verb, "selon" before the source, the source's
   first word and length) → DictVectorizer + LogisticRegression (balanced, seeded). Trained on
   the gold claims of the training documents: a pair is positive when a gold pair links that
   claim to a source overlapping the candidate with character IoU ≥ 0.5.
4. Decoding: every pair with probability ≥ 0.5 is kept; for one claim, overlapping sources keep
   only the most probable. Its stance comes from a second LogisticRegression on the same
   features, trained on the positive pairs (a constant when training has a single stance).

Not covered, by design: sources or claims in another sentence than their partner (anaphoric
"ces affirmations", a source introduced in an earlier sentence) — those gold pairs are missed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Self

from nkru.schema import STANCE_LABELS

from .claims import ClaimDetector, claim_span
from .models import feature_classifier, fit_or_constant
from .nlp import Analysis, analyse_all
from .protocol import Prediction, Row, System

Span = tuple[int, int]
THRESHOLD = 0.5
MATCH_IOU = 0.5
SPEECH_LEMMAS = frozenset({
    "confirmer", "affirmer", "déclarer", "indiquer", "annoncer", "assurer", "estimer",
    "rapporter", "préciser", "reconnaître", "démentir", "nier", "souligner", "expliquer",
    "ajouter", "révéler", "admettre", "signaler", "dire", "prévenir", "avertir", "accuser",
    "rejeter", "contester", "répéter", "insister", "juger", "qualifier", "dénoncer", "douter",
    "selon", "citer", "évoquer", "montrer", "publier", "écrire",
})
_SELON = re.compile(r"\b(?:selon|d['’]après|de source)\s+([^,.;:()«»]+)", re.I)
SUBJECT_DEPS = ("nsubj", "nsubj:pass")


def sentence_spans(row: Row) -> list[Span]:
    """The sentences of a document row (``sentences``), or the whole text as one sentence."""
    sentences = row.get("sentences")
    if sentences:
        return [(s["start"], s["end"]) for s in sentences]
    return [(0, len(row["text"]))]


def _within(span: Span, sentence: Span) -> bool:
    return sentence[0] <= span[0] and span[1] <= sentence[1]


def gold_claims_in(row: Row, sentence: Span) -> list[Span]:
    """The gold claims of a document row lying within one sentence (document offsets)."""
    return sorted({(c["start"], c["end"]) for c in row.get("claims") or []
                   if _within((c["start"], c["end"]), sentence)})


def claim_sentence_rows(rows: Sequence[Row]) -> list[Row]:
    """Claims-detector training rows from document rows: one per sentence, with ``has_claim``."""
    return [{"id": f"{row['id']}:{s}", "text": row["text"][s:e],
             "has_claim": bool(gold_claims_in(row, (s, e)))}
            for row in rows for s, e in sentence_spans(row)]


def char_iou(a: Span, b: Span) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    if inter <= 0:
        return 0.0
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))


def source_candidates(text: str, analysis: Analysis) -> dict[Span, tuple[str, ...]]:
    """Candidate source spans of one sentence (offsets relative to it) → their kinds."""
    kinds: dict[Span, set[str]] = {}
    for start, end, label in analysis.entities:
        if label in ("PER", "ORG", "LOC", "MISC"):
            kinds.setdefault((start, end), set()).add(f"entity:{label}")
    for start, end, dep, head in analysis.chunks:
        if dep in SUBJECT_DEPS:
            kind = "subject:speech" if head in SPEECH_LEMMAS else "subject"
            kinds.setdefault((start, end), set()).add(kind)
    for match in _SELON.finditer(text):
        start, end = match.span(1)
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            kinds.setdefault((start, end), set()).add("cue:selon")
    return {span: tuple(sorted(k)) for span, k in sorted(kinds.items())}


def _bucket(n: int) -> str:
    for limit in (0, 2, 5, 10, 20):
        if n <= limit:
            return f"<={limit}"
    return ">20"


def pair_features(
    text: str, analysis: Analysis, source: Span, kinds: Sequence[str], claim: Span
) -> dict[str, object]:
    """Features of a (source candidate, claim) pair of one sentence (relative offsets)."""
    features: dict[str, object] = {"bias": 1.0}
    for kind in kinds:
        features[f"kind={kind}"] = True
    if source[1] <= claim[0]:
        order, gap = "source_first", (source[1], claim[0])
    elif claim[1] <= source[0]:
        order, gap = "claim_first", (claim[1], source[0])
    elif claim[0] <= source[0] and source[1] <= claim[1]:
        order, gap = "inside", (source[1], source[1])
    else:
        order, gap = "overlap", (source[1], source[1])
    features["order"] = order
    between = [t for t in analysis.tokens if gap[0] <= t[0] and t[1] <= gap[1]]
    features["distance"] = _bucket(len(between))
    for _, _, lemma, pos in between[:12]:
        if pos not in ("PUNCT", "DET"):
            features[f"between={lemma}"] = True
    features["between_speech"] = any(t[2] in SPEECH_LEMMAS for t in between)
    features["between_que"] = any(t[2] == "que" for t in between)
    features["between_comma"] = "," in text[gap[0]:gap[1]]
    source_tokens = [t for t in analysis.tokens if source[0] <= t[0] and t[1] <= source[1]]
    if source_tokens:
        features["source_first"] = source_tokens[0][2]
        features["source_head_pos"] = source_tokens[-1][3]
    features["source_length"] = _bucket(len(source_tokens))
    before = text[max(0, source[0] - 12):source[0]].lower()
    features["selon_before"] = bool(re.search(r"(selon|après)\s*$", before))
    features["source_at_start"] = source[0] <= 3
    return features


class AttributionPairs(System):
    """Sentence-internal candidate pairs scored by a linear model (module docstring)."""

    name = "pairs-logreg"
    task = "attribution"
    description = ("claims from the claims detector; sources = spaCy entities, subject noun "
                   "chunks and 'selon X' cues; pairs in a sentence scored by LogisticRegression")

    def __init__(self, seed: int = 13, claims: str = "detected", threshold: float = THRESHOLD):
        super().__init__(seed)
        if claims not in ("detected", "gold"):
            raise ValueError("claims must be 'detected' or 'gold'")
        self.claims = claims
        self.threshold = threshold

    # -- shared -----------------------------------------------------------------------------

    @staticmethod
    def _sentences(row: Row) -> list[tuple[Span, str]]:
        return [((s, e), row["text"][s:e]) for s, e in sentence_spans(row)]

    def _examples(self, text: str, analysis: Analysis, claims: Sequence[Span]):
        candidates = source_candidates(text, analysis)
        for claim in claims:
            for source, kinds in candidates.items():
                if source == claim:
                    continue
                yield source, claim, pair_features(text, analysis, source, kinds, claim)

    # -- fit / predict ----------------------------------------------------------------------

    def fit(self, rows: Sequence[Row]) -> Self:
        pairs_in: list[dict] = []
        pairs_y: list[bool] = []
        stance_in: list[dict] = []
        stance_y: list[str] = []
        for row in rows:
            sentences = self._sentences(row)
            analyses = analyse_all([t for _, t in sentences])
            gold = [((p["source_start"], p["source_end"]), (p["claim_start"], p["claim_end"]),
                     p.get("stance")) for p in row.get("pairs") or []]
            for ((s0, s1), text), analysis in zip(sentences, analyses, strict=True):
                claims = gold_claims_in(row, (s0, s1))
                relative = [(a - s0, b - s0) for a, b in claims]
                for source, claim, features in self._examples(text, analysis, relative):
                    absolute_source = (source[0] + s0, source[1] + s0)
                    absolute_claim = (claim[0] + s0, claim[1] + s0)
                    stances = [st for gs, gc, st in gold if gc == absolute_claim
                               and char_iou(gs, absolute_source) >= MATCH_IOU]
                    pairs_in.append(features)
                    pairs_y.append(bool(stances))
                    if stances and stances[0] in STANCE_LABELS:
                        stance_in.append(features)
                        stance_y.append(stances[0])
        self.detector = ClaimDetector(self.seed).fit(claim_sentence_rows(rows))
        if not pairs_y:
            pairs_in, pairs_y = [{"bias": 1.0}], [False]
        self.scorer = fit_or_constant(lambda: feature_classifier(self.seed, balanced=True),
                                      pairs_in, pairs_y)
        if not stance_y:
            stance_in, stance_y = [{"bias": 1.0}], [STANCE_LABELS[0]]
        self.stance = fit_or_constant(lambda: feature_classifier(self.seed, balanced=True),
                                      stance_in, stance_y)
        self.fitted = True
        return self

    def _claims(self, row: Row, sentences: list[tuple[Span, str]]) -> list[list[Span]]:
        if self.claims == "gold":
            return [[(a - s[0], b - s[0]) for a, b in gold_claims_in(row, s)]
                    for s, _ in sentences]
        detected = self.detector.detect([t for _, t in sentences])
        out = []
        for (_, text), positive in zip(sentences, detected, strict=True):
            span = claim_span(text) if positive else None
            out.append([span] if span else [])
        return out

    def _positive_probability(self, features: list[dict]):
        classes = list(self.scorer.classes_)
        if True not in classes:
            return [0.0] * len(features)
        return self.scorer.predict_proba(features)[:, classes.index(True)]

    def predict(self, rows: Sequence[Row]) -> list[Prediction]:
        self.check_fitted()
        out = []
        for row in rows:
            sentences = self._sentences(row)
            analyses = analyse_all([t for _, t in sentences])
            pairs: list[dict] = []
            for (sentence, text), analysis, claims in zip(
                sentences, analyses, self._claims(row, sentences), strict=True
            ):
                examples = list(self._examples(text, analysis, claims))
                kept = self.select(examples) if examples else []
                if not kept:
                    continue
                stances = self.stances([f for _, _, f in kept])
                for (source, claim, _), stance in zip(kept, stances, strict=True):
                    pairs.append(_pair(source, claim, sentence[0], stance))
            out.append({"id": row["id"], "pairs": pairs})
        return out

    def select(self, examples: list[tuple[Span, Span, dict]]) -> list[tuple[Span, Span, dict]]:
        """The kept ``(source, claim, features)`` pairs of one sentence."""
        probabilities = self._positive_probability([f for _, _, f in examples])
        kept = [(p, s, c, f) for (s, c, f), p in zip(examples, probabilities, strict=True)
                if p >= self.threshold]
        return [(s, c, f) for _, s, c, f in _one_source_per_place(kept)]

    def stances(self, features: list[dict]) -> list[str]:
        """The stance label of each kept pair."""
        return [str(label) for label in self.stance.predict(features)]


def _one_source_per_place(kept: list) -> list:
    """Per claim, drop sources overlapping a more probable source (order: claim, source)."""
    chosen: list = []
    for item in sorted(kept, key=lambda x: (-x[0], x[2], x[1])):
        _, source, claim, _ = item
        if any(c == claim and s[0] < source[1] and source[0] < s[1] for _, s, c, _ in chosen):
            continue
        chosen.append(item)
    return sorted(chosen, key=lambda x: (x[2], x[1]))


def _pair(source: Span, claim: Span, offset: int, stance: str) -> dict:
    return {"source": {"start": source[0] + offset, "end": source[1] + offset},
            "claim": {"start": claim[0] + offset, "end": claim[1] + offset},
            "label": stance}

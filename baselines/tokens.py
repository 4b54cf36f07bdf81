"""Token features shared by the sequence taggers: word form, shape, affixes, spaCy analyses.

Tokens are the dataset's (``token_starts``/``token_ends``, :func:`~nkru.baselines.bio.token_spans`);
spaCy ``fr_core_news_md``'s analysis of the sentence (:mod:`nkru.baselines.nlp`) is aligned to
them by character offsets (:func:`aligned_parse`), so a different tokenisation never shifts a
feature onto the wrong token.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence

from .bio import OUTSIDE, Span
from .nlp import Analysis

ParseToken = tuple[int, int, str, str, str, str, int, str]


def shape(word: str) -> str:
    """Word shape with runs collapsed: "Kim" → "Xx", "2024" → "d", "KN-23" → "X-d"."""
    mapped = re.sub(r"[A-ZÀ-ÖØ-Þ]", "X", word)
    mapped = re.sub(r"[a-zß-öø-ÿ]", "x", mapped)
    mapped = re.sub(r"\d", "d", mapped)
    return re.sub(r"(.)\1+", r"\1", mapped)


def word_features(word: str, affixes: int = 3) -> dict[str, object]:
    """Form features of one word: lower case, shape, capitalisation, digits, affixes."""
    lower = word.lower()
    features: dict[str, object] = {
        "lower": lower,
        "shape": shape(word),
        "title": word.istitle(),
        "upper": word.isupper() and len(word) > 1,
        "digit": word.isdigit(),
        "has_digit": any(ch.isdigit() for ch in word),
        "hyphen": "-" in word,
        "apostrophe": "'" in word or "’" in word,
        "length": min(len(word), 10),
    }
    for n in range(1, affixes + 1):
        features[f"prefix{n}"] = lower[:n]
        features[f"suffix{n}"] = lower[-n:]
    return features


def add_window(
    features: list[dict[str, object]],
    keys: Sequence[str],
    offsets: Sequence[int] = (-2, -1, 1, 2),
) -> None:
    """Copy ``keys`` of the neighbours at ``offsets`` into each token's features (in place).

    A neighbour outside the sentence gives ``{offset}:BOS``/``{offset}:EOS``.
    """
    own = [{k: f[k] for k in keys if k in f} for f in features]
    for i, token in enumerate(features):
        for offset in offsets:
            j = i + offset
            if 0 <= j < len(features):
                for key, value in own[j].items():
                    token[f"{offset}:{key}"] = value
            else:
                token[f"{offset}:{'BOS' if j < 0 else 'EOS'}"] = True


def aligned_parse(tokens: Sequence[Span], analysis: Analysis) -> list[ParseToken | None]:
    """For each dataset token, the first non-space spaCy token overlapping it (or None)."""
    parse = [t for t in analysis.parse if t[4] != "SPACE"]
    starts = [t[0] for t in parse]
    out: list[ParseToken | None] = []
    for start, end in tokens:
        k = max(bisect_right(starts, start) - 1, 0)
        while k < len(parse) and parse[k][1] <= start:
            k += 1
        out.append(parse[k] if k < len(parse) and parse[k][0] < end else None)
    return out


def morph_features(token: ParseToken | None) -> dict[str, object]:
    """spaCy's POS, dependency and morphology of an aligned token (``pos=NONE`` if unaligned)."""
    if token is None:
        return {"pos": "NONE"}
    features: dict[str, object] = {"pos": token[4], "dep": token[5], "lemma": token[3]}
    for pair in token[7].split("|") if token[7] else ():
        features[f"morph:{pair}"] = True
    return features


def entity_tags(tokens: Sequence[Span], analysis: Analysis) -> list[str]:
    """spaCy's entities as BIO tags over the dataset tokens (spaCy labels PER/ORG/LOC/MISC)."""
    tags = [OUTSIDE] * len(tokens)
    for start, end, label in analysis.entities:
        inside = [i for i, (s, e) in enumerate(tokens) if s < end and start < e]
        for n, i in enumerate(inside):
            if tags[i] == OUTSIDE:
                tags[i] = f"{'B' if n == 0 else 'I'}-{label}"
    return tags

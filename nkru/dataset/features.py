"""Explicit ``datasets.Features`` of every config, derived from :mod:`nkru.schema`.

Column names are a contract with the evaluation harness (``nkru.eval.gold``): do not rename.
"""

from __future__ import annotations

from datasets import ClassLabel, Features, List, Value

from nkru.schema import (
    CERTAINTY_LABELS,
    CLAIM,
    ENTITY_LABELS,
    STANCE_LABELS,
    TASK_NAMES,
    TOPIC_LABELS,
)

DOCUMENTS = "documents"
CONFIGS: tuple[str, ...] = (DOCUMENTS, *TASK_NAMES)
"""Every config of the published dataset: ``documents`` plus one per benchmark task."""


def bio_names(labels: tuple[str, ...]) -> list[str]:
    """``["O", "B-X", "I-X", ...]`` in the order of ``labels`` (like conll2003)."""
    return ["O", *(f"{prefix}-{label}" for label in labels for prefix in ("B", "I"))]


NER_TAGS: tuple[str, ...] = tuple(bio_names(ENTITY_LABELS))
CLAIM_TAGS: tuple[str, ...] = tuple(bio_names((CLAIM,)))

_INT = Value("int32")
_STR = Value("string")
_SPAN = {"start": _INT, "end": _INT}
_TEXT_SPAN = {"start": _INT, "end": _INT, "text": _STR}
_SENTENCE = {
    "id": _STR,
    "document_id": _STR,
    "text": _STR,
    "doc_start": _INT,
    "doc_end": _INT,
    "tokens": List(_STR),
    "token_starts": List(_INT),
    "token_ends": List(_INT),
}


def _features() -> dict[str, Features]:
    claim_context = {
        "id": _STR,
        "document_id": _STR,
        "text": _STR,
        "context_start": _INT,
        "claim_start": _INT,
        "claim_end": _INT,
        "claim_text": _STR,
    }
    return {
        DOCUMENTS: Features(
            {
                "id": _STR,
                "title": _STR,
                "publisher": _STR,
                "authors": List(_STR),
                "date": _STR,
                "language": _STR,
                "text": _STR,
                "sha256": _STR,
                "split": _STR,
                "boilerplate": List({"start": _INT, "end": _INT, "reason": _STR}),
                "n_sentences": _INT,
                "n_tokens": _INT,
            }
        ),
        "ner": Features(
            {
                **_SENTENCE,
                "ner_tags": List(ClassLabel(names=list(NER_TAGS))),
                "entities": List(
                    {"start": _INT, "end": _INT, "label": _STR, "text": _STR, "value": _STR}
                ),
            }
        ),
        "claims": Features(
            {
                **_SENTENCE,
                "claim_tags": List(ClassLabel(names=list(CLAIM_TAGS))),
                "claims": List(_TEXT_SPAN),
                "has_claim": Value("bool"),
            }
        ),
        "attribution": Features(
            {
                "id": _STR,
                "document_id": _STR,
                "text": _STR,
                "sentences": List(_SPAN),
                "sources": List(_TEXT_SPAN),
                "claims": List(_TEXT_SPAN),
                "pairs": List(
                    {
                        "source_start": _INT,
                        "source_end": _INT,
                        "claim_start": _INT,
                        "claim_end": _INT,
                        "stance": _STR,
                    }
                ),
            }
        ),
        "stance": Features(
            {
                "id": _STR,
                "document_id": _STR,
                "text": _STR,
                "context_start": _INT,
                "source_start": _INT,
                "source_end": _INT,
                "claim_start": _INT,
                "claim_end": _INT,
                "source_text": _STR,
                "claim_text": _STR,
                "label": ClassLabel(names=list(STANCE_LABELS)),
            }
        ),
        "certainty": Features({**claim_context, "label": ClassLabel(names=list(CERTAINTY_LABELS))}),
        "topic": Features({**claim_context, "label": ClassLabel(names=list(TOPIC_LABELS))}),
        "normalization": Features(
            {
                "id": _STR,
                "document_id": _STR,
                "text": _STR,
                "context_start": _INT,
                "start": _INT,
                "end": _INT,
                "mention": _STR,
                "entity_type": _STR,
                "document_date": _STR,
                "value": _STR,
            }
        ),
    }


FEATURES: dict[str, Features] = _features()
"""The declared features of each config (``load_dataset`` returns exactly these)."""

"""The one declaration of the document-level splits, with the reason for the choice.

``SPLITS`` fixes the split of the five original articles. A document added later with
``nkru corpus add`` records its split and the reason in its manifest entry (``split``,
``split_reason``): the declared splits, and so the leaderboard's test set, never move when the
corpus grows. :func:`split_of` and :func:`documents_by_split` read both.
"""

from __future__ import annotations

from nkru.corpus import CorpusError, load_corpus

SPLITS: dict[str, tuple[str, ...]] = {
    "train": ("000", "001", "004"),
    "validation": ("003",),
    "test": ("002",),
}
SPLIT_REASON = (
    "Splits are by document, so no article contributes to two splits. The test split is 002, "
    "the pilot document: annotated twice (one of them blind) and adjudicated first, its gold "
    "has been re-checked under every guideline revision (000 and 003 were also annotated "
    "twice). "
    "Validation is 003, the only 2025 article and a different outlet, to check transfer across "
    "time and style. Training gets the three remaining articles (000, 001, 004), the largest "
    "share of text. Because five documents are few, baselines are also reported with "
    "leave-one-document-out cross-validation over every annotated document."
)
ADDED_SPLIT = "train"
ADDED_SPLIT_REASON = (
    "added with `nkru corpus add` after the splits were declared: new documents train, so the "
    "test and validation documents of the leaderboard stay the same"
)


def _added() -> dict[str, str]:
    """Document id -> split of the documents whose manifest entry records one."""
    try:
        return {doc.id: doc.split for doc in load_corpus() if doc.split is not None}
    except CorpusError:
        return {}


def split_of(document_id: str) -> str:
    """The split a document belongs to."""
    for split, documents in SPLITS.items():
        if document_id in documents:
            return split
    added = _added()
    if document_id in added:
        return added[document_id]
    raise KeyError(f"document {document_id!r} is in no split")


def documents_by_split() -> dict[str, tuple[str, ...]]:
    """Split -> document ids: the declared ones, then those added to the corpus later."""
    added = _added()
    return {
        split: (*documents, *sorted(d for d, s in added.items() if s == split))
        for split, documents in SPLITS.items()
    }

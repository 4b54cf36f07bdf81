"""The one definition of the NKRU-FR annotation scheme: labels, value formats, tag names.

Everything else (Label Studio config, task declarations in :mod:`nkru.tasks`, validation,
dataset features, scorers) derives from here. ``SCHEMA_VERSION`` is the version of this label
scheme; the files the tools write carry format versions of their own.
"""

from __future__ import annotations

import re

SCHEMA_VERSION = "1.0"

ENTITY_LABELS: tuple[str, ...] = (
    "PER",
    "ORG",
    "GPE",
    "LOC",
    "NORP",
    "EVENT",
    "LAW",
    "WEAPON",
    "DATE",
    "QUANTITY",
    "MONEY",
)
ENTITY_DESCRIPTIONS: dict[str, str] = {
    "PER": "people",
    "ORG": "organisations, institutions, agencies, armies, media, parties; seats of power",
    "GPE": "countries, cities, regions with a government, also when used for their government",
    "LOC": "other places: geographic and non-political areas",
    "NORP": "nationality, ethnic and political-group words, noun or adjective",
    "EVENT": "established names of historical events, wars, summits",
    "LAW": "named treaties, agreements, resolutions",
    "WEAPON": "named weapon systems, munitions designations, military satellites",
    "DATE": "calendar expressions, absolute or relative, point or period",
    "QUANTITY": "numeric expressions with approximators and unit of measure",
    "MONEY": "monetary amounts",
}
VALUED_LABELS: tuple[str, ...] = ("DATE", "QUANTITY", "MONEY")

CLAIM = "CLAIM"
SOURCE = "SOURCE"
CLAIM_LAYER_LABELS: tuple[str, ...] = (CLAIM, SOURCE)
BOILERPLATE = "BOILERPLATE"

CERTAINTY_LABELS: tuple[str, ...] = ("asserted", "hedged")
TOPIC_LABELS: tuple[str, ...] = (
    "troops",
    "weapons",
    "russian_aid",
    "treaty",
    "sanctions",
    "korea",
    "region",
    "war",
    "other",
)
STANCE_LABELS: tuple[str, ...] = ("support", "deny", "query")


def bio_names(labels: tuple[str, ...]) -> tuple[str, ...]:
    """``("O", "B-X", "I-X", ...)`` in the order of ``labels`` (like conll2003)."""
    return ("O", *(f"{prefix}-{label}" for label in labels for prefix in ("B", "I")))


NER_TAGS: tuple[str, ...] = bio_names(ENTITY_LABELS)
CLAIM_TAGS: tuple[str, ...] = bio_names((CLAIM,))

SPACY_LABELS: tuple[str, ...] = ("PER", "ORG", "LOC", "MISC")
SPACY_LABEL_MAP: dict[str, str | None] = {
    "PER": "PER",
    "ORG": "ORG",
    "GPE": "LOC",
    "LOC": "LOC",
    "NORP": "MISC",
    "EVENT": "MISC",
    "LAW": "MISC",
    "WEAPON": "MISC",
    "DATE": None,
    "QUANTITY": None,
    "MONEY": None,
}
"""Our entity labels -> spaCy ``fr_core_news_md``'s PER/ORG/LOC/MISC; None: no such label in
spaCy, dropped from gold and predictions (shipped as ``eval/samples/spacy_label_map.json``)."""
SPACY_DROPPED: tuple[str, ...] = tuple(lab for lab in ENTITY_LABELS if not SPACY_LABEL_MAP[lab])

# Value formats (SCHEME.md "Normalised value").
_DATE_PART = r"(?:\d{4}|XXXX)(?:-(?:\d{2}|XX)(?:-(?:\d{2}|XX))?)?"
DATE_VALUE_RE = re.compile(rf"^{_DATE_PART}(?:/{_DATE_PART})?$")
_NUMBER = r"\d+(?:\.\d+)?"
_UNIT = r"(?: [^\s\d][^\s]*)?"
AMOUNT_VALUE_RE = re.compile(rf"^(?:(?:~|<=|>=|<|>)?{_NUMBER}|{_NUMBER}\.\.{_NUMBER}){_UNIT}$")
VALUE_PATTERNS: dict[str, re.Pattern[str]] = {
    "DATE": DATE_VALUE_RE,
    "QUANTITY": AMOUNT_VALUE_RE,
    "MONEY": AMOUNT_VALUE_RE,
}
VALUE_FORMAT_HELP: dict[str, str] = {
    "DATE": "ISO 8601 with XXXX for unknown parts: 2024-10-24, 2024-10, 2024, 1950/1953",
    "QUANTITY": "[~|<|<=|>|>=]NUMBER[ UNIT] or NUMBER..NUMBER[ UNIT]: >10000, 7000 km, 15 %",
    "MONEY": "[~|<|<=|>|>=]NUMBER[ UNIT] or NUMBER..NUMBER[ UNIT]: 9000000 USD",
}


def valid_value(label: str, value: str) -> bool:
    """Whether ``value`` is in the documented normalised format for ``label``."""
    pattern = VALUE_PATTERNS.get(label)
    return bool(pattern and pattern.fullmatch(value))

"""The one definition of the NKRU-FR annotation scheme and benchmark tasks.

Everything else (Label Studio config, validation, dataset features, scorers) derives from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Task:
    """A benchmark task: a dataset config and an eval task."""

    name: str
    kind: str  # "spans", "pairs" or "classification" / "values"
    description: str
    headline: str
    labels: tuple[str, ...] = ()


TASKS: dict[str, Task] = {
    t.name: t
    for t in (
        Task("ner", "spans", "sentence -> entity spans", "strict_micro_f1", ENTITY_LABELS),
        Task("claims", "spans", "sentence -> claim spans", "overlap_span_f1", (CLAIM,)),
        Task(
            "attribution",
            "pairs",
            "sentence -> (source, claim) pairs",
            "overlap_pair_f1",
            STANCE_LABELS,
        ),
        Task(
            "stance",
            "classification",
            "gold (source, claim, context) -> support/deny/query",
            "macro_f1",
            STANCE_LABELS,
        ),
        Task(
            "certainty",
            "classification",
            "gold claim in context -> asserted/hedged",
            "macro_f1",
            CERTAINTY_LABELS,
        ),
        Task("topic", "classification", "gold claim in context -> topic", "macro_f1", TOPIC_LABELS),
        Task(
            "normalization",
            "values",
            "gold DATE/QUANTITY/MONEY mention -> value",
            "accuracy",
            VALUED_LABELS,
        ),
    )
}
TASK_NAMES: tuple[str, ...] = tuple(TASKS)

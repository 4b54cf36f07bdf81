"""Troop numbers reported in the corpus, by source and date, derived from the annotations.

A point is a QUANTITY entity inside a claim whose topic is ``troops``, with a plain count as
normalised value (no unit: the counted noun is outside the span, so ``7000 km`` or ``15 %`` are
not head counts) and followed in the claim by a word for troops (``soldats``, ``troupes``,
``Nord-Coréens`` …: ``_COUNTED``), so that "ces deux régimes" in a troop claim is not a count.
Its value is parsed from the normalised value (``~12000`` → 12000, ``>10000`` → 10000 with the
qualifier kept, ``10000..12000`` → the midpoint with the range kept). Its sources are the
claim's stance relations (source text and stance) or ``author`` when the claim has none; its
date is the value of a DATE entity inside the claim, else the document's publication date,
else ``unknown``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from nkru.records import Annotation

TROOPS_FORMAT = "1.0"
"""Version of ``troops.json``'s format."""
AUTHOR = "author"
UNKNOWN_DATE = "unknown"
_AMOUNT = re.compile(
    r"^(?P<op>~|<=|>=|<|>)?(?P<low>\d+(?:\.\d+)?)(?:\.\.(?P<high>\d+(?:\.\d+)?))?$"
)


_COUNTED = re.compile(
    r"^[\s«»\"“”]*(?:de\s+|d[’'])?[\s«»\"“”]*"
    r"(?:soldats?|troupes?|militaires|hommes|combattants|fantassins|officiers|conscrits|"
    r"personnels?|nord-cor[ée]ens)\b",
    re.IGNORECASE,
)


def counts_troops(claim_text: str, quantity_end: int) -> bool:
    """Whether the words after a quantity (offset into the claim) name troops."""
    return _COUNTED.match(claim_text[quantity_end:]) is not None


@dataclass(frozen=True)
class TroopPoint:
    """One reported troop number."""

    document_id: str
    claim_id: str
    source: str
    stance: str
    date: str
    date_from: str  # "claim" (a DATE entity in the claim), "document" or "none"
    value: float
    low: float
    high: float
    qualifier: str  # "", "~", ">", ">=", "<", "<=" or ".." for a range
    normalised: str
    mention: str
    claim: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_count(normalised: str | None) -> tuple[float, float, float, str] | None:
    """``(value, low, high, qualifier)`` of a unitless normalised QUANTITY, else None."""
    if not normalised:
        return None
    match = _AMOUNT.fullmatch(normalised.strip())
    if match is None:
        return None
    low = float(match["low"])
    if match["high"] is not None:
        high = float(match["high"])
        return (low + high) / 2, low, high, ".."
    return low, low, low, match["op"] or ""


def troop_points(
    annotations: Mapping[str, Annotation], document_dates: Mapping[str, str | None]
) -> list[TroopPoint]:
    """Every troop number of every document, one point per (quantity, source)."""
    points: list[TroopPoint] = []
    for doc_id in sorted(annotations):
        ann = annotations[doc_id].sorted()
        sources = {s.id: s for s in ann.sources}
        for claim in ann.claims:
            if claim.topic != "troops":
                continue
            inside = [e for e in ann.entities if claim.start <= e.start and e.end <= claim.end]
            dates = [e for e in inside if e.label == "DATE" and e.value]
            if dates:
                date, date_from = str(dates[0].value), "claim"
            elif document_dates.get(doc_id):
                date, date_from = str(document_dates[doc_id]), "document"
            else:
                date, date_from = UNKNOWN_DATE, "none"
            relations = sorted(
                (sources[st.source_id].text, st.label)
                for st in ann.stances
                if st.claim_id == claim.id and st.source_id in sources
            ) or [(AUTHOR, "support")]
            for entity in inside:
                if entity.label != "QUANTITY" or not counts_troops(
                    claim.text, entity.end - claim.start
                ):
                    continue
                parsed = parse_count(entity.value)
                if parsed is None:
                    continue
                value, low, high, qualifier = parsed
                for source, stance in relations:
                    points.append(
                        TroopPoint(
                            doc_id,
                            claim.id,
                            " ".join(source.split()),
                            stance,
                            date,
                            date_from,
                            value,
                            low,
                            high,
                            qualifier,
                            str(entity.value),
                            entity.text,
                            claim.text,
                        )
                    )
    return points


def date_key(date: str) -> tuple[int, str]:
    """Sort key of a (possibly partial or unknown) ISO date: known dates first, in order."""
    if date == UNKNOWN_DATE or date.startswith("XXXX"):
        return (1, date)
    return (0, date)

"""Normalisation of DATE / QUANTITY / MONEY mentions with dateparser and text2num.

The libraries do the work; the glue is kept to what they do not cover:

- DATE: intervals of years ("1950-1953", "de 1950 à 1953") become ``1950/1953``; anything else goes
  to ``dateparser`` (``languages=["fr"]``, ``RELATIVE_BASE`` = the document date when known,
  ``PREFER_DATES_FROM`` = "past" for weekdays and "dernier", "future" for "prochain", else
  "current_period"; ``RETURN_TIME_AS_PERIOD`` gives the granularity). The output keeps what the
  mention specifies: ``YYYY`` for a year, ``YYYY-MM`` for a month, ``YYYY-MM-DD`` for a day.
  dateparser does not read "samedi dernier": the relative word is removed and sets the preference.
  Without a document date, parts the mention does not give are ``XX``/``XXXX``; a relative date
  is resolved no more precisely than the document date is known ("2024-10" → "2024-10-XX").
- QUANTITY / MONEY: grouped digits ("10 000", "7 820") are joined, "1,5" is a decimal, digits
  followed by mille/million(s)/milliard(s) are multiplied, French number words go through
  ``text_to_num.alpha2digit`` ("trois millions" → 3000000); approximator words give the prefix
  (plus de → ``>``, au moins → ``>=``, près de/environ → ``~``, jusqu'à → ``<=``, moins de → ``<``),
  "entre A et B"/"A à B"/"A-B" a range ``A..B``, and unit words a unit code
  (kilomètres → ``km``, pour cent → ``%``, dollars → ``USD``, yens → ``JPY``, …).

Where the rules come from (the only place this module cites annotation/GUIDELINES.md): the
output formats, approximator prefixes and unit codes are those of the general value rules V1
(dates), V2 (relative dates) and V3 (amounts, with its closed unit table); the French words
matched (weekdays, months, relative words, approximators, multipliers, unit names) are general
French vocabulary, not phrases of the corpus.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from functools import cache

from dateparser.date import DateDataParser
from text_to_num import alpha2digit

from nkru.schema import VALUED_LABELS, valid_value

from .protocol import Prediction, Row, Untrained

UNKNOWN_DATE = "XXXX"

# --- dates ---------------------------------------------------------------------------------------

_YEAR = r"(1[89]\d\d|20\d\d)"
_YEAR_RANGE = re.compile(rf"^(?:de |entre |des années )?{_YEAR}\s*(?:-|–|—|/|à|et)\s*{_YEAR}$")
_YEAR_ONLY = re.compile(rf"^(?:en |l'an |l’an |année |l'année |l’année )?{_YEAR}$")
_HAS_YEAR = re.compile(rf"\b{_YEAR}\b")
_WEEKDAY = re.compile(r"\b(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\b")
_PAST_WORDS = re.compile(r"\s*\b(dernier|dernière|passé|passée)\b")
_FUTURE_WORDS = re.compile(r"\s*\b(prochain|prochaine)\b")
_RELATIVE = re.compile(
    r"\b(hier|avant-hier|aujourd'hui|aujourd’hui|demain|dernier|dernière|passé|passée|prochain|"
    r"prochaine|il y a|cette|ce mois|cette année|lundi|mardi|mercredi|jeudi|vendredi|samedi|"
    r"dimanche|semaine)\b"
)
_DAY_NUMBER = re.compile(r"\b(1er|[0-3]?\d)\b")
_MONTH = re.compile(
    r"\b(janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|"
    r"novembre|décembre|decembre)\b"
)
_LEADING = re.compile(r"^(le|la|l'|l’|en|depuis|dès|au|du|début|fin|mi-|courant)\s*", re.I)


def parse_document_date(value: str | None) -> tuple[dt.datetime | None, int]:
    """The document date as a datetime and its precision (1 year, 2 month, 3 day, 0 unknown)."""
    if not value:
        return None, 0
    parts = value.split("-")
    try:
        numbers = [int(p) for p in parts[:3]]
    except ValueError:
        return None, 0
    year, month, day = (*numbers, 1, 1)[:3]
    return dt.datetime(year, month, day), len(numbers)


def _format(date: dt.date, precision: int, unknown_year: bool = False) -> str:
    parts = [f"{date.year:04d}", f"{date.month:02d}", f"{date.day:02d}"][:precision]
    if unknown_year:
        parts[0] = UNKNOWN_DATE
    return "-".join(parts)


@cache
def _parser(base: dt.datetime | None, prefer: str):

    settings = {
        "PREFER_DATES_FROM": prefer,
        "RETURN_TIME_AS_PERIOD": True,
        "PREFER_DAY_OF_MONTH": "first",
    }
    if base is not None:
        settings["RELATIVE_BASE"] = base
    return DateDataParser(languages=["fr"], settings=settings)


def normalize_date(mention: str, document_date: str | None = None) -> str:
    """ISO 8601 value of a French date mention (see the module docstring)."""
    text = " ".join(mention.lower().replace("\u2019", "'").split())
    if match := _YEAR_RANGE.match(text):
        return f"{match.group(1)}/{match.group(2)}"
    if match := _YEAR_ONLY.match(text):
        return match.group(1)
    base, base_precision = parse_document_date(document_date)
    has_year = bool(_HAS_YEAR.search(text))
    relative = not has_year and bool(_RELATIVE.search(text)) and not _MONTH.search(text)
    prefer = "current_period"
    if _FUTURE_WORDS.search(text):
        prefer = "future"
    elif _PAST_WORDS.search(text) or (_WEEKDAY.search(text) and not _DAY_NUMBER.search(text)):
        prefer = "past"
    cleaned = _FUTURE_WORDS.sub("", _PAST_WORDS.sub("", text)).strip()
    while (stripped := _LEADING.sub("", cleaned, count=1)) != cleaned and stripped:
        cleaned = stripped
    parser = _parser(base, prefer)
    data = parser.get_date_data(text)
    if data is None or data.date_obj is None:
        data = parser.get_date_data(cleaned)
    if data is None or data.date_obj is None:
        if match := _HAS_YEAR.search(text):
            return match.group(1)
        return UNKNOWN_DATE
    precision = {"year": 1, "month": 2}.get(data.period or "day", 3)
    if relative:
        if base is None:
            return "-".join(["XXXX", "XX", "XX"][:precision])
        if base_precision < precision:  # known no more precisely than the document date
            parts = _format(base, base_precision).split("-")
            return "-".join([*parts, *["XX"] * (precision - base_precision)])
        return _format(data.date_obj, precision)
    return _format(data.date_obj, precision, unknown_year=not has_year and base is None)


# --- amounts -------------------------------------------------------------------------------------

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_GROUPED = re.compile(r"(?<![\d,.])(\d{1,3})((?: \d{3})+)(?![\d])")
_DECIMAL = re.compile(r"(\d),(\d)")
_MULTIPLIERS = {
    "mille": 10**3,
    "million": 10**6,
    "millions": 10**6,
    "milliard": 10**9,
    "milliards": 10**9,
    "billion": 10**12,
    "billions": 10**12,
}
_TIMES = re.compile(r"(\d+(?:\.\d+)?)\s*(?:de\s+)?(mille|millions?|milliards?|billions?)\b")
_TIMES_DIGITS = re.compile(r"(\d+(?:\.\d+)?) (1000|1000000|1000000000)\b")
_APPROXIMATORS: tuple[tuple[str, str], ...] = (
    (r"\bpas plus de\b|\bau plus\b|\bau maximum\b|\bjusqu'à\b|\bjusqu'a\b", "<="),
    (r"\bau moins\b|\bau minimum\b|\bplus de\b|\bplus d'", ">"),
    (r"\bmoins de\b|\bmoins d'", "<"),
    (
        r"\bprès de\b|\bpres de\b|\benviron\b|\bquelque\b|\bautour de\b|\bapproximativement\b|"
        r"\bpresque\b|\bquasiment\b|\bpratiquement\b|\bune? (?:bonne )?(?:dizaine|vingtaine|"
        r"trentaine|quarantaine|cinquantaine|soixantaine|centaine|quinzaine)\b",
        "~",
    ),
)
_AT_LEAST = re.compile(r"\bau moins\b|\bau minimum\b")
_UNITS: tuple[tuple[str, str], ...] = (
    (r"%|\bpour ?cent\b|\bpourcents?\b", "%"),
    (r"\bkilomètres?\b|\bkm\b", "km"),
    (r"\bkilogrammes?\b|\bkg\b", "kg"),
    (r"\btonnes?\b", "t"),
    (r"\bmètres?\b", "m"),
    (r"\bmilles nautiques\b", "nmi"),
    (r"\bdollars?\b|\$|\busd\b", "USD"),
    (r"\beuros?\b|€|\beur\b", "EUR"),
    (r"\byens?\b|¥|\bjpy\b", "JPY"),
    (r"\bwons?\b|\bkrw\b", "KRW"),
    (r"\broubles?\b|\brub\b", "RUB"),
    (r"\byuans?\b|\bcny\b", "CNY"),
    (r"\blivres? sterling\b|£", "GBP"),
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_RANGE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:-|–|à|et)\s*(\d+(?:\.\d+)?)")


def _number_text(number: float) -> str:
    if number == int(number):
        return str(int(number))
    return f"{number:.6f}".rstrip("0").rstrip(".")


def _multiply(match: re.Match[str]) -> str:
    factor = _MULTIPLIERS.get(match.group(2)) or int(match.group(2))
    return _number_text(float(match.group(1)) * factor)


def _digits(text: str) -> str:
    """French number words and digit groups as plain numbers ("trois millions" → 3000000)."""

    text = _GROUPED.sub(lambda m: m.group(1) + m.group(2).replace(" ", ""), text)
    text = _DECIMAL.sub(r"\1.\2", text)
    text = re.sub(r"\bpour[ -]?cent\b", "%", text)
    text = _TIMES.sub(_multiply, text)
    text = alpha2digit(text, "fr", threshold=0)
    text = _GROUPED.sub(lambda m: m.group(1) + m.group(2).replace(" ", ""), text)
    text = _DECIMAL.sub(r"\1.\2", text)
    text = _TIMES_DIGITS.sub(_multiply, text)
    return _TIMES.sub(_multiply, text)


def normalize_amount(mention: str) -> str:
    """``[~|<|<=|>|>=]NUMBER[ UNIT]`` or ``NUMBER..NUMBER[ UNIT]`` for a French amount."""
    text = _SPACES.sub(" ", mention.lower().replace("\u2019", "'")).strip()
    text = _digits(text)
    unit = next((code for pattern, code in _UNITS if re.search(pattern, text)), "")
    suffix = f" {unit}" if unit else ""
    if match := _RANGE.search(text):
        low, high = float(match.group(1)), float(match.group(2))
        if low < high:
            return f"{_number_text(low)}..{_number_text(high)}{suffix}"
    match = _NUMBER.search(text)
    if match is None:
        return ""
    prefix = ""
    for pattern, symbol in _APPROXIMATORS:
        if re.search(pattern, text):
            prefix = ">=" if symbol == ">" and _AT_LEAST.search(text) else symbol
            break
    return f"{prefix}{_number_text(float(match.group(0)))}{suffix}"


def normalize(mention: str, entity_type: str, document_date: str | None = None) -> str:
    """The normalised value of a DATE/QUANTITY/MONEY mention (``""`` if nothing is found)."""
    if entity_type == "DATE":
        return normalize_date(mention, document_date)
    return normalize_amount(mention)


class RuleNormalizer(Untrained):
    """dateparser + text2num with small glue (module docstring). Nothing is learned."""

    name = "rules"
    task = "normalization"
    description = "dateparser (fr, relative to the document date) and text2num with glue rules"

    def predict(self, rows: Sequence[Row]) -> list[Prediction]:
        self.check_fitted()
        out = []
        for row in rows:
            entity_type = row.get("entity_type") or "QUANTITY"
            value = normalize(row["mention"], entity_type, row.get("document_date"))
            if entity_type in VALUED_LABELS and not valid_value(entity_type, value):
                value = UNKNOWN_DATE if entity_type == "DATE" else "0"
            out.append({"id": row["id"], "value": value})
        return out

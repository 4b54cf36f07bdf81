"""Scoring options, and the names they take (a light module: the command line reads it at
start-up without loading the scorers)."""

from __future__ import annotations

from dataclasses import dataclass

from nkru.tasks import LabelMap

BOOTSTRAP_UNITS = ("example", "document", "nested")
"""Resampling units: examples (sentences for pairs), documents, or documents and then the
examples within each drawn document."""
ALTERNATIVES = ("two-sided", "greater", "less")
"""Alternatives of a paired comparison's test: A differs from B, A is better, A is worse."""
ALL_SPLITS = "all"
"""The split name that loads every split of the dataset (train, validation, test) at once."""


@dataclass(frozen=True)
class Options:
    """Scoring options shared by ``score`` and ``compare``.

    ``bootstrap``: resamples (0: no intervals); ``bootstrap_unit``: ``example`` (sentences
    for attribution), ``document``, or ``nested`` (documents, then examples within them);
    ``label_map``: labels renamed (None: dropped) on gold and predictions before scoring;
    ``allow_missing``: a gold id without prediction scores as an empty prediction.
    """

    allow_missing: bool = False
    label_map: LabelMap | None = None
    bootstrap: int = 1000
    seed: int = 0
    bootstrap_unit: str = "example"
    level: float = 0.95
    per_type_intervals: bool = True  # labelled spans: an interval for each type's strict F1

    def __post_init__(self) -> None:
        if self.bootstrap_unit not in BOOTSTRAP_UNITS:
            raise ValueError(f"bootstrap unit must be one of {', '.join(BOOTSTRAP_UNITS)}")
        if not 0 < self.level < 1:
            raise ValueError("level must be between 0 and 1")
        if self.bootstrap < 0:
            raise ValueError(f"bootstrap resamples must be 0 or more, got {self.bootstrap}")
        if self.seed < 0:
            raise ValueError(f"seed must be 0 or more, got {self.seed}")

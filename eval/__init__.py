"""NKRU-FR evaluation harness: validation, scorers, bootstrap intervals, reports (FORMAT.md).

``from nkru.eval import score, compare, load_gold, Options``: see :mod:`nkru.eval.api`.
"""

from .api import Comparison, Report, compare, load_gold, score
from .options import Options
from .problems import Problem, ValidationFailed

__all__ = [
    "Comparison",
    "Options",
    "Problem",
    "Report",
    "ValidationFailed",
    "compare",
    "load_gold",
    "score",
]

"""NKRU-FR evaluation harness: validation, scorers, bootstrap intervals, reports (FORMAT.md).

``from nkru.eval import score, compare, load_gold, Options``: see :mod:`nkru.eval.api`.
"""

from .api import Comparison, Report, compare, errors, errors_frame, load_gold, score
from .errors import Error
from .options import Options
from .problems import Problem, ValidationFailed

__all__ = [
    "Comparison",
    "Error",
    "Options",
    "Problem",
    "Report",
    "ValidationFailed",
    "compare",
    "errors",
    "errors_frame",
    "load_gold",
    "score",
]

"""NKRU-FR evaluation harness: validation, scorers, bootstrap intervals, reports (FORMAT.md)."""

from nkru.eval.api import compare, load_gold, score
from nkru.eval.problems import Problem, ValidationFailed

__all__ = ["Problem", "ValidationFailed", "compare", "load_gold", "score"]

"""Verdicts of paired comparisons: a difference is settled only when its interval and its
test, on the same unit, agree.

A verdict ("A better than B", "beats floor") needs both the paired bootstrap interval of the
difference to exclude zero on the verdict's side and the paired permutation test on the same
unit to give ``p < ALPHA`` (one-sided for "beats floor", two-sided for "differs"). Anything
else, including a point estimate above the other, is "not settled".
"""

from __future__ import annotations

ALPHA = 0.05
"""Significance level of every verdict (the intervals are 95% ones)."""
NOT_SETTLED = "not settled"


def settled(
    ci_low: float | None,
    ci_high: float | None,
    p_value: float | None,
    alternative: str,
    alpha: float = ALPHA,
) -> int:
    """+1 when A is settled better than B, -1 when settled worse, 0 when not settled.

    ``alternative`` is the test's (``two-sided``, ``greater``: only "better" can be settled,
    ``less``: only "worse"); without an interval or a p-value nothing is settled.
    """
    if ci_low is None or ci_high is None or p_value is None or p_value >= alpha:
        return 0
    if ci_low > 0 and alternative in ("two-sided", "greater"):
        return 1
    if ci_high < 0 and alternative in ("two-sided", "less"):
        return -1
    return 0


def comparison_verdict(
    ci_low: float | None, ci_high: float | None, p_value: float | None, alternative: str
) -> str:
    """``A better than B``, ``B better than A`` or ``not settled`` (see :func:`settled`)."""
    side = settled(ci_low, ci_high, p_value, alternative)
    return {1: "A better than B", -1: "B better than A"}.get(side, NOT_SETTLED)


def detectable_difference(ci_low: float | None, ci_high: float | None) -> float | None:
    """The smallest difference a paired comparison of this spread can settle: the half-width
    of the 95% interval of the difference (a difference smaller than it leaves zero inside an
    interval of the same width centred on it)."""
    if ci_low is None or ci_high is None:
        return None
    return (ci_high - ci_low) / 2

"""Statistics of an experiment comparing two rates (pure Python, checked against SciPy in the
tests): each rate's 95 % Wilson interval, the difference with its 95 % (Wald) interval, the
two-sided p-value of the pooled two-proportion z-test, and the sample size per group needed to
detect the difference seen, or 5 points when smaller (α = 0.05 two-sided, power 0.8).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z_95 = 1.959963984540054  # two-sided 95 %
Z_POWER = 0.8416212335729143  # power 0.8
ALPHA = 0.05
SMALLEST_EFFECT = 0.05  # when no difference is seen: the sample to detect 5 points


def normal_sf(z: float) -> float:
    """P(Z > z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2))


def wilson(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (0, 0 for no trial)."""
    if trials == 0:
        return 0.0, 0.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def two_proportion_p(s1: int, n1: int, s2: int, n2: int) -> float:
    """Two-sided p-value of the pooled two-proportion z-test (1 when it cannot be computed)."""
    if n1 == 0 or n2 == 0:
        return 1.0
    pooled = (s1 + s2) / (n1 + n2)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if spread == 0:
        return 1.0
    z = (s1 / n1 - s2 / n2) / spread
    return 2 * normal_sf(abs(z))


def needed_per_group(p1: float, p2: float) -> int:
    """Trials per group to detect ``p1`` against ``p2`` (α 0.05 two-sided, power 0.8); a
    difference under :data:`SMALLEST_EFFECT` counts as that effect: an experiment that would
    need more to tell a smaller one is judged "did not work" once it has that many."""
    if abs(p1 - p2) < SMALLEST_EFFECT:
        p1 = p2 + SMALLEST_EFFECT if p2 + SMALLEST_EFFECT <= 1 else p2 - SMALLEST_EFFECT
    mean = (p1 + p2) / 2
    top = Z_95 * math.sqrt(2 * mean * (1 - mean)) + Z_POWER * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2)
    )
    return math.ceil((top / (p1 - p2)) ** 2)


@dataclass(frozen=True)
class Comparison:
    """Treatment against control."""

    s1: int
    n1: int
    s2: int
    n2: int

    @property
    def rate1(self) -> float:
        return self.s1 / self.n1 if self.n1 else 0.0

    @property
    def rate2(self) -> float:
        return self.s2 / self.n2 if self.n2 else 0.0

    @property
    def difference(self) -> float:
        return self.rate1 - self.rate2

    @property
    def difference_interval(self) -> tuple[float, float]:
        if not self.n1 or not self.n2:
            return 0.0, 0.0
        spread = math.sqrt(
            self.rate1 * (1 - self.rate1) / self.n1 + self.rate2 * (1 - self.rate2) / self.n2
        )
        return self.difference - Z_95 * spread, self.difference + Z_95 * spread

    @property
    def p_value(self) -> float:
        return two_proportion_p(self.s1, self.n1, self.s2, self.n2)

    @property
    def needed(self) -> int:
        return needed_per_group(self.rate1, self.rate2)

    @property
    def verdict(self) -> str:
        """``worked``, ``did_not_work`` or ``not_enough_data``."""
        if not self.n1 or not self.n2:
            return "not_enough_data"
        if self.p_value < ALPHA:
            return "worked" if self.difference > 0 else "did_not_work"
        if min(self.n1, self.n2) >= self.needed:
            return "did_not_work"
        return "not_enough_data"

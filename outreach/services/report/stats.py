"""Honest A/B statistics over arms: Wilson score intervals, the two-proportion z-test, the
Newcombe hybrid score interval for a difference, and the sample size an observed effect needs.

Generic over arms (a name, successes, trials): an arm is the variant a step's message recorded
(`[[step.variant]]`), else, for a step without variants or a row from before them, the
template it was rendered from. Pure arithmetic, no dependency beyond `math`.

Sources: Wilson, E. B. (1927) JASA 22:209-212; Newcombe, R. G. (1998) "Two-sided confidence
intervals for the single proportion: comparison of seven methods", Stat Med 17:857-872
(method 3); Newcombe (1998) "Interval estimation for the difference between independent
proportions", Stat Med 17:873-890 (method 10); Fleiss, Levin & Paik, Statistical Methods for
Rates and Proportions, 3rd ed. (2003), eq. 4.14 (sample size, no continuity correction).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal distribution
Z_POWER80 = 0.8416212335729143  # the 80th percentile: power 0.8
ALPHA = 0.05
MIN_TRIALS = 30  # below this per arm no comparison is made, whatever the test says


@dataclass(frozen=True)
class Arm:
    name: str
    successes: int
    trials: int

    @property
    def rate(self) -> float | None:
        return self.successes / self.trials if self.trials else None


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval (Newcombe's method 3, no continuity correction); None for
    no trials."""
    if trials <= 0:
        return None
    if not 0 <= successes <= trials:
        raise ValueError(f"{successes} successes out of {trials} trials")
    p = successes / trials
    z2 = z * z
    centre = p + z2 / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    den = 1 + z2 / trials
    low = 0.0 if successes == 0 else (centre - spread) / den
    high = 1.0 if successes == trials else (centre + spread) / den
    return low, high


def newcombe_difference(a: Arm, b: Arm, z: float = Z95) -> tuple[float, float] | None:
    """An interval for rate(a) - rate(b) from the two Wilson intervals (Newcombe's method 10)."""
    wa, wb = wilson(a.successes, a.trials, z), wilson(b.successes, b.trials, z)
    if wa is None or wb is None:
        return None
    pa, pb = a.successes / a.trials, b.successes / b.trials
    (la, ua), (lb, ub) = wa, wb
    d = pa - pb
    low = d - math.sqrt((pa - la) ** 2 + (ub - pb) ** 2)
    high = d + math.sqrt((ua - pa) ** 2 + (pb - lb) ** 2)
    return low, high


def normal_sf(x: float) -> float:
    """P(Z > x) for a standard normal Z."""
    return 0.5 * math.erfc(x / math.sqrt(2))


def two_proportion_z(a: Arm, b: Arm) -> tuple[float, float] | None:
    """(z, two-sided p) of the pooled two-proportion z-test (equal to Pearson's chi-square test
    of the 2x2 table without continuity correction, z^2 = chi^2); None when undefined."""
    if a.trials == 0 or b.trials == 0:
        return None
    pooled = (a.successes + b.successes) / (a.trials + b.trials)
    se = math.sqrt(pooled * (1 - pooled) * (1 / a.trials + 1 / b.trials))
    if se == 0:
        return None
    z = (a.successes / a.trials - b.successes / b.trials) / se
    return z, 2 * normal_sf(abs(z))


def sample_size(
    p1: float, p2: float, z_alpha: float = Z95, z_beta: float = Z_POWER80
) -> int | None:
    """People per arm a two-sided test at 5 % needs to find p1 != p2 with power 0.8 (Fleiss,
    Levin & Paik eq. 4.14 without the continuity correction); None when p1 == p2."""
    if p1 == p2:
        return None
    mean = (p1 + p2) / 2
    num = z_alpha * math.sqrt(2 * mean * (1 - mean)) + z_beta * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2)
    )
    return math.ceil(num * num / (p1 - p2) ** 2)


def p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


@dataclass(frozen=True)
class Comparison:
    best: Arm
    other: Arm
    difference: float | None  # rate(best) - rate(other)
    interval: tuple[float, float] | None  # Newcombe's interval for the difference
    p_value: float | None
    needed: int | None  # per arm, for the observed difference
    decided: bool  # a difference can be told
    verdict: str  # in English; the report translates the pattern


def compare(a: Arm, b: Arm) -> Comparison:
    """Compare two arms. A difference is told only when the test rejects at 5 %, the interval
    for the difference excludes 0, and both arms have at least the sample size the observed
    difference needs (and MIN_TRIALS): never a "winner" on ten sends."""
    best, other = (a, b) if (a.rate or 0) >= (b.rate or 0) else (b, a)
    test = two_proportion_z(best, other)
    interval = newcombe_difference(best, other)
    diff = None if best.rate is None or other.rate is None else best.rate - other.rate
    needed = sample_size(best.rate, other.rate) if diff is not None else None  # type: ignore[arg-type]
    n = min(best.trials, other.trials)
    decided = (
        test is not None
        and test[1] < ALPHA
        and interval is not None
        and interval[0] > 0
        and needed is not None
        and n >= max(needed, MIN_TRIALS)
    )
    sizes = f"n = {best.trials}, {other.trials}"
    if decided:
        assert diff is not None and test is not None
        verdict = f"{best.name} is higher by {diff * 100:.1f} pt ({sizes}, {p_text(test[1])})"
    elif needed is None:
        verdict = f"no difference can be told yet ({sizes}; the rates are equal)"
    else:
        assert diff is not None
        verdict = (
            f"no difference can be told yet ({sizes}; about {needed} per arm are needed"
            f" to tell a {diff * 100:.1f} pt difference)"
        )
    return Comparison(
        best, other, diff, interval, test[1] if test else None, needed, decided, verdict
    )

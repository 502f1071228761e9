"""Intervals and the "cannot tell yet" rule against published worked examples.

Wilson score interval (no continuity correction): Newcombe, R. G. (1998) "Two-sided confidence
intervals for the single proportion: comparison of seven methods", Statistics in Medicine
17:857-872, Table II, method 3: 81/263 -> 0.2553-0.3662, 15/148 -> 0.0624-0.1605,
0/20 -> 0-0.1611, 1/29 -> 0.0061-0.1718.
Difference of two proportions: Newcombe, R. G. (1998) "Interval estimation for the difference
between independent proportions: comparison of eleven methods", Statistics in Medicine
17:873-890, Table II, method 10, its six examples (a)-(f): 56/70 - 48/80 -> 0.0524 to 0.3339;
9/10 - 3/10 -> 0.1705 to 0.8090; 6/7 - 2/7 -> 0.0582 to 0.8062; 5/56 - 0/29 -> -0.0381 to
0.1926; 0/10 - 0/20 -> -0.1611 to 0.2775; 10/10 - 0/20 -> 0.6791 to 1.0000.
Sample size: Fleiss, Levin & Paik (2003) eq. 4.14 without continuity correction; for 0.10 vs
0.20 at two-sided 5 % and power 0.8: ((1.95996 sqrt(2 x 0.15 x 0.85) + 0.84162 sqrt(0.09 +
0.16)) / 0.1)^2 = 198.1 -> 199 per arm (the continuity-corrected figure in Fleiss's table is
219).
"""

from __future__ import annotations

import math

import pytest

from outreach.services.report import funnel as f
from outreach.services.report.document import variants
from outreach.services.report.labels import LABELS
from outreach.services.report.stats import (
    Arm,
    compare,
    newcombe_difference,
    sample_size,
    two_proportion_z,
    wilson,
)


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe_table_ii(
    successes: int, trials: int, low: float, high: float
) -> None:
    got = wilson(successes, trials)
    assert got is not None
    assert got[0] == pytest.approx(low, abs=5e-5)
    assert got[1] == pytest.approx(high, abs=5e-5)


def test_wilson_edges() -> None:
    assert wilson(0, 0) is None
    assert wilson(10, 10) == (pytest.approx(0.7225, abs=5e-5), 1.0)
    with pytest.raises(ValueError):
        wilson(3, 2)


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [
        ((56, 70), (48, 80), 0.0524, 0.3339),
        ((9, 10), (3, 10), 0.1705, 0.8090),
        ((6, 7), (2, 7), 0.0582, 0.8062),
        ((5, 56), (0, 29), -0.0381, 0.1926),
        ((0, 10), (0, 20), -0.1611, 0.2775),
        ((10, 10), (0, 20), 0.6791, 1.0),
    ],
)
def test_difference_interval_matches_newcombe(
    a: tuple[int, int], b: tuple[int, int], low: float, high: float
) -> None:
    got = newcombe_difference(Arm("a", *a), Arm("b", *b))
    assert got is not None
    assert got[0] == pytest.approx(low, abs=5e-5)
    assert got[1] == pytest.approx(high, abs=5e-5)


def test_the_z_test_is_pearsons_chi_square() -> None:
    # 56/70 vs 48/80: the 2x2 table's Pearson chi-square (no correction), worked by hand:
    # expected cells 48.533, 21.467, 55.467, 24.533, every |O - E| = 7.467, so
    # chi2 = 7.467^2 x (1/48.533 + 1/21.467 + 1/55.467 + 1/24.533) = 7.0234; z = sqrt(chi2).
    found = two_proportion_z(Arm("a", 56, 70), Arm("b", 48, 80))
    assert found is not None
    z, p = found
    assert z * z == pytest.approx(7.0234, abs=1e-3)
    assert p == pytest.approx(math.erfc(math.sqrt(7.0234) / math.sqrt(2)), abs=1e-4)


def test_sample_size_for_an_observed_effect() -> None:
    assert sample_size(0.10, 0.20) == 199
    assert sample_size(0.2, 0.2) is None


def test_no_winner_on_ten_sends() -> None:
    # 9/10 against 3/10: the test rejects (p = 0.007) and the interval excludes 0, but ten
    # people per arm are fewer than the difference needs: no verdict.
    c = compare(Arm("A", 9, 10), Arm("B", 3, 10))
    assert c.p_value is not None and c.p_value < 0.05
    assert c.interval is not None and c.interval[0] > 0
    assert not c.decided
    assert c.verdict.startswith("no difference can be told yet (n = 10, 10; about ")


def test_a_difference_is_told_with_enough_people() -> None:
    # 56/70 vs 48/80 is significant (p = 0.008) but needs 82 per arm; twice the people is
    # enough.
    assert not compare(Arm("B", 48, 80), Arm("A", 56, 70)).decided
    c = compare(Arm("B", 96, 160), Arm("A", 112, 140))
    assert c.best.name == "A"
    assert c.needed == 82
    assert c.decided
    assert c.verdict == "A is higher by 20.0 pt (n = 140, 160, p < 0.001)"


def test_a_close_race_is_not_called() -> None:
    c = compare(Arm("A", 110, 1000), Arm("B", 100, 1000))
    assert not c.decided
    assert c.needed is not None and c.needed > 1000
    assert f"about {c.needed} per arm are needed to tell a 1.0 pt difference" in c.verdict


def test_variant_comparison_in_the_report_words() -> None:
    """Arms are generic: two templates of one step, compared in the report's language."""
    people = []
    for i in range(20):
        p = f.Person(i, "c", f"h{i}", "n", "e", "instagram", "micro", "ja", "-", "main", "x", None)
        p.at = {"enrolled": 0.0, "sent": 0.0, "delivered": 0.0}
        p.step, p.template = 1, "pitch.a" if i < 10 else "pitch.b"
        if i in (0, 1, 2, 10):
            p.at["replied"] = 60.0
        people.append(p)
    trials = [(1, "pitch.a", 10), (1, "pitch.b", 10)]
    data = f.FunnelData(["c"], None, people, trials, [], [], [])
    found = variants(f.arms(data), LABELS["ja"])
    assert [a["variant"] for a in found[0]["arms"]] == ["pitch.a", "pitch.b"]
    assert found[0]["arms"][0]["reply_rate"] == 0.3
    assert found[0]["reply"]["decided"] is False
    assert found[0]["reply"]["text"].startswith("まだ差は判断できません（n = 10, 10。")

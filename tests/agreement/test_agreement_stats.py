"""Cohen's kappa with its interval, and the paired difference of two rates, checked independently:
by hand, by the delta method computed numerically, and by simulated coverage."""

from __future__ import annotations

import math
import random

import pytest

from vlsbench_task.agreement import Kappa, binary_kappa, cohen_kappa, paired_difference
from vlsbench_task.reports.stats import Z95, difference, wilson


def test_kappa_of_a_table_computed_by_hand():
    # 50 items: A says yes to 25 (0.5), B to 30 (0.6); they agree on 20 + 15 = 35 (0.7).
    # Chance agreement 0.5 * 0.6 + 0.5 * 0.4 = 0.5, so kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4.
    kappa = cohen_kappa([[20, 5], [10, 15]])
    assert kappa.value == pytest.approx(0.4)
    assert kappa.low < 0.4 < kappa.high and kappa.n == 50


def _kappa_of_proportions(flat: list[float], k: int) -> float:
    p = [flat[i * k : (i + 1) * k] for i in range(k)]
    rows = [sum(row) for row in p]
    columns = [sum(p[i][j] for i in range(k)) for j in range(k)]
    observed = sum(p[i][i] for i in range(k))
    expected = sum(rows[i] * columns[i] for i in range(k))
    return (observed - expected) / (1 - expected)


@pytest.mark.parametrize(
    "matrix",
    [
        [[139, 1341], [42, 2478]],  # skewed marginals (the old keyword judge against MSTS's people)
        [[30, 4, 6], [5, 20, 7], [2, 9, 17]],  # three outcomes
    ],
)
def test_kappa_standard_error_is_the_delta_method_one(matrix):
    """Fleiss, Cohen & Everitt's variance is the delta method's: gradient' x multinomial covariance x
    gradient, here with the gradient taken numerically, an independent route to the same number."""
    k = len(matrix)
    n = sum(map(sum, matrix))
    flat = [cell / n for row in matrix for cell in row]
    step = 1e-7
    gradient = []
    for index in range(len(flat)):
        up, down = list(flat), list(flat)
        up[index] += step
        down[index] -= step
        gradient.append((_kappa_of_proportions(up, k) - _kappa_of_proportions(down, k)) / (2 * step))
    variance = sum(
        gradient[i] * gradient[j] * ((flat[i] if i == j else 0.0) - flat[i] * flat[j])
        for i in range(len(flat))
        for j in range(len(flat))
    )
    error = math.sqrt(variance / n)
    kappa = cohen_kappa(matrix)
    assert kappa.low == pytest.approx(kappa.value - Z95 * error, abs=1e-6)
    assert kappa.high == pytest.approx(kappa.value + Z95 * error, abs=1e-6)


def test_kappa_interval_covers_the_true_kappa_about_95_percent_of_the_time():
    rng = random.Random(7)
    truth = [0.30, 0.05, 0.05, 0.04, 0.20, 0.06, 0.03, 0.07, 0.20]
    true_kappa = _kappa_of_proportions(truth, 3)
    trials, covered = 1500, 0
    for _ in range(trials):
        counts = [0] * 9
        for cell in rng.choices(range(9), weights=truth, k=150):
            counts[cell] += 1
        kappa = cohen_kappa([counts[0:3], counts[3:6], counts[6:9]])
        covered += kappa.low <= true_kappa <= kappa.high
    assert 0.925 <= covered / trials <= 0.97


def test_kappa_where_it_says_nothing():
    assert cohen_kappa([[0, 0], [0, 0]]).value is None  # no items
    assert cohen_kappa([[9, 0], [0, 0]]).value is None  # both always say yes: chance agreement is 1
    one_sided = cohen_kappa([[6, 3], [0, 0]])  # A always says yes: kappa is 0 by construction
    assert one_sided.value == pytest.approx(0.0) and one_sided.low is None and "one side" in one_sided.note
    perfect = cohen_kappa([[5, 0, 0], [0, 3, 0], [0, 0, 2]])
    assert perfect.value == pytest.approx(1.0) and perfect.high == pytest.approx(1.0)


def test_binary_kappa_counts_the_cells_the_right_way_round():
    first = [True] * 25 + [False] * 25
    second = [True] * 20 + [False] * 5 + [True] * 10 + [False] * 15
    assert binary_kappa(first, second).value == pytest.approx(0.4)  # the table computed by hand above


def test_paired_difference_without_correlation_is_newcombes_independent_interval():
    # both x neither == first_only x second_only: phi = 0, nothing to gain from the pairing
    paired = paired_difference(10, 10, 10, 10)
    independent = difference((20, 40), (20, 40))
    assert (paired.low, paired.high) == pytest.approx((independent.low, independent.high))
    assert paired.method == "newcombe-paired"


def test_paired_difference_covers_and_is_narrower_when_judges_agree():
    rng = random.Random(3)
    cells = [0.45, 0.02, 0.05, 0.48]  # both, first only, second only, neither: judges that mostly agree
    true_difference = 100 * ((cells[0] + cells[1]) - (cells[0] + cells[2]))
    trials, covered, narrower = 2000, 0, 0
    for _ in range(trials):
        counts = [0, 0, 0, 0]
        for cell in rng.choices(range(4), weights=cells, k=100):
            counts[cell] += 1
        paired = paired_difference(*counts)
        covered += paired.low <= true_difference <= paired.high
        independent = difference((counts[0] + counts[1], 100), (counts[0] + counts[2], 100))
        narrower += (paired.high - paired.low) < (independent.high - independent.low)
    assert 0.92 <= covered / trials <= 0.975
    assert narrower == trials


def test_paired_difference_stays_within_its_range():
    for counts in [(0, 0, 0, 12), (12, 0, 0, 0), (0, 12, 0, 0), (0, 0, 12, 0), (1, 0, 0, 0)]:
        interval = paired_difference(*counts)
        point = 100 * (counts[1] - counts[2]) / sum(counts)
        assert -100 <= interval.low <= point <= interval.high <= 100


def test_kappa_text_as_the_agreement_report_and_the_qualification_table_write_it():
    with_interval, one_sided = Kappa(0.5, 0.25, 0.75, 9), Kappa(0.0, None, None, 9, "one side")
    undefined = Kappa(None, None, None, 0, "no items")
    assert [str(k) for k in (with_interval, one_sided, undefined)] == [
        "0.500 [0.250, 0.750]",
        "0.000 (one side)",
        "n/a (no items)",
    ]
    qualify = {"width": 6, "undefined": "n/a", "one_sided": "(one outcome only)"}
    assert [k.text(**qualify) for k in (with_interval, one_sided, undefined)] == [
        " 0.500 [0.250, 0.750]",
        " 0.000 (one outcome only)",
        "n/a",
    ]
    assert (
        one_sided.text(one_sided="({note}: see the raw agreement)")
        == "0.000 (one side: see the raw agreement)"
    )


def test_perfect_agreement_on_few_items_has_an_interval_that_is_not_a_point():
    five = cohen_kappa([[3, 0], [0, 2]])  # both judges agree on all 5 items
    assert five.value == pytest.approx(1.0) and five.high == 1.0
    assert five.low < 0.5  # five items say little; the large-sample interval was [1.000, 1.000]
    expected = 0.6 * 0.6 + 0.4 * 0.4
    wilson_low = wilson(5, 5).low / 100
    assert five.low == pytest.approx((wilson_low - expected) / (1 - expected))
    many = cohen_kappa([[300, 0], [0, 200]])
    assert five.low < many.low < 1.0  # narrower with more items

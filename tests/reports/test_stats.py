"""The 95 % intervals against textbook values and their defining properties."""

import pytest

from vlsbench_task.reports.stats import difference, from_stderr, mean_of_rates, wilson


def test_wilson_matches_published_values():
    # Newcombe (1998), Table I: 81/263 -> 0.2553-0.3662; 0/10 -> 0-0.2775
    assert (wilson(81, 263).low, wilson(81, 263).high) == pytest.approx((25.53, 36.62), abs=0.01)
    assert (wilson(0, 10).low, wilson(0, 10).high) == pytest.approx((0.0, 27.75), abs=0.01)


def test_difference_matches_newcombe_method_10():
    # Newcombe (1998b), example (56/70 - 48/80): 0.0524 to 0.3339
    interval = difference((56, 70), (48, 80))
    assert (interval.low, interval.high) == pytest.approx((5.24, 33.39), abs=0.01)


def test_mean_of_rates_stays_open_at_the_extremes():
    interval = mean_of_rates([(170, 170), (850, 850), (0, 426)])  # what a model answering "No" gets
    assert interval.low < 100 * 2 / 3 < interval.high
    assert interval.high - interval.low > 0.5


def test_stderr_interval_is_clipped_to_the_percent_range():
    interval = from_stderr(99.0, 2.0)
    assert interval.high == 100.0 and interval.low == pytest.approx(99.0 - 1.96 * 2.0, abs=0.01)


def test_mean_of_rates_stays_within_the_percent_range():
    interval = mean_of_rates([(0, 6), (0, 14), (0, 300)])  # a model that answers no harmless item
    assert interval.low == 0.0 and str(interval).startswith("[0.0, ")
    interval = mean_of_rates([(6, 6), (14, 14)])
    assert interval.high == 100.0


def test_wilson_bounds_are_exact_at_0_and_100_percent_for_every_n():
    # Before, 544 values of n gave a lower bound of 5.55e-15 at 0 successes (and 943 missed 100 %).
    for n in range(1, 3000):
        assert wilson(0, n).low == 0.0, n
        assert wilson(n, n).high == 100.0, n
        assert wilson(0, n).high > 0.0 and wilson(n, n).low < 100.0, n


def test_a_published_0_or_100_percent_lies_in_the_interval_of_an_extreme_run():
    for n in (300, 500):  # MOSSBench, FigStep
        assert wilson(0, n).contains(0.0) and wilson(n, n).contains(100.0)

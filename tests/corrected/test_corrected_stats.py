"""The judge-corrected estimates of reports/corrected.py on populations whose truth we know."""

from __future__ import annotations

import numpy as np
import pytest
from ppi_py import ppi_mean_pointestimate

from vlsbench_task.reports.corrected import Design, labels_only, ppi, tuning


def population(size: int, rate: float, accuracy: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """People's labels and a judge that agrees with them on about `accuracy` of the items."""
    rng = np.random.default_rng(seed)
    people = (rng.random(size) < rate).astype(float)
    judge = np.where(rng.random(size) < accuracy, people, 1 - people)
    return people, judge


def random_draws(size: int, n: int, count: int, seed: int = 1) -> np.ndarray:
    return np.argsort(np.random.default_rng(seed).random((count, size)), axis=1)[:, :n]


def test_the_ppi_point_estimate_is_ppi_pys_for_the_same_lam():
    people, judge = population(400, 0.2, 0.85)
    picked = random_draws(400, 80, 1)[0]
    design = Design.random(400, 80)
    lam = float(tuning(people[picked], judge[picked], design))
    assert 0 < lam < 1
    ours = ppi(people[picked], judge[picked], judge.mean(), design)
    theirs = ppi_mean_pointestimate(people[picked], judge[picked], judge, lam=lam)
    assert float(ours.point) == pytest.approx(float(np.squeeze(theirs)), abs=1e-12)


def test_labelling_every_item_gives_the_peoples_rate_exactly():
    people, judge = population(300, 0.3, 0.7)
    design = Design.random(300, 300)
    for rate in (labels_only(people, design), ppi(people, judge, judge.mean(), design)):
        assert float(rate.point) == pytest.approx(people.mean())
        assert float(rate.width) == pytest.approx(0.0, abs=1e-12)


def test_intervals_cover_the_peoples_rate_about_95_percent_of_draws_and_a_good_judge_narrows_them():
    people, judge = population(400, 0.25, 0.95)
    picked = random_draws(400, 100, 2000)
    design = Design.random(400, 100)
    truth = people.mean()
    by_labels = labels_only(people[picked], design)
    corrected = ppi(people[picked], judge[picked], judge.mean(), design)
    assert 0.93 <= by_labels.contains(truth).mean() <= 0.98
    assert 0.93 <= corrected.contains(truth).mean() <= 0.98
    assert corrected.width.mean() < 0.7 * by_labels.width.mean()
    # Unbiased over draws: the mean estimate sits on the truth, not on the judge's rate.
    assert abs(corrected.point.mean() - truth) < 0.002
    assert abs(judge.mean() - truth) > 0.01


def test_a_useless_judge_costs_little_width_thanks_to_the_tuning():
    people, _ = population(400, 0.3, 1.0)
    noise = (np.random.default_rng(5).random(400) < 0.5).astype(float)
    picked = random_draws(400, 100, 500)
    design = Design.random(400, 100)
    corrected = ppi(people[picked], noise[picked], noise.mean(), design)
    assert corrected.contains(people.mean()).mean() >= 0.93
    assert corrected.width.mean() < 1.1 * labels_only(people[picked], design).width.mean()


def test_a_sample_agreeing_with_every_verdict_still_gets_an_interval():
    people = np.zeros(400)
    people[:4] = 1  # 4 unsafe items the judge misses, none of them drawn
    judge = np.zeros(400)
    picked = np.arange(100, 150)
    rate = ppi(people[picked], judge[picked], judge.mean(), Design.random(400, 50))
    assert float(rate.point) == 0.0
    assert rate.contains(people.mean())


def stratified_by_verdict(
    judge: np.ndarray, per_stratum: tuple[int, int], seed: int
) -> tuple[np.ndarray, Design]:
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(judge == value) for value in (0, 1)]
    picked = np.concatenate(
        [rng.choice(g, k, replace=False) for g, k in zip(groups, per_stratum, strict=True)]
    )
    strata = np.repeat([0, 1], per_stratum)
    return picked, Design(np.array([len(g) for g in groups]), strata)


def test_a_stratified_draw_is_reweighted_to_the_population():
    people, judge = population(1000, 0.1, 0.9, seed=3)
    estimates, covered = [], []
    for seed in range(300):
        # Half the labels on the judge's rarer "unsafe" verdicts: far more than their share.
        picked, design = stratified_by_verdict(judge, (50, 50), seed)
        by_labels = labels_only(people[picked], design)
        corrected = ppi(people[picked], judge[picked], judge.mean(), design)
        # Within a stratum of one verdict the judge adds nothing the strata do not already know.
        assert float(corrected.point) == pytest.approx(float(by_labels.point))
        estimates.append(float(by_labels.point))
        covered.append(bool(corrected.contains(people.mean())))
    assert abs(np.mean(estimates) - people.mean()) < 0.005
    assert abs(people[picked].mean() - people.mean()) > 0.1  # an unweighted mean would be far off
    assert np.mean(covered) >= 0.92


def test_a_stratum_without_labels_is_an_error():
    people, _ = population(200, 0.2, 0.8)
    design = Design(np.array([150, 50]), np.zeros(20, dtype=int))
    with pytest.raises(ValueError, match=r"stratum 1 .* no labelled item"):
        labels_only(people[:20], design)

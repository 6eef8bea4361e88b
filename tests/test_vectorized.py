"""The engine is one implementation for one analysis or millions (ARCHITECTURE.md).

Consistency checks with no outside reference: a batch equals the analyses pooled one by
one; the contiguous (reduceat) and scattered (bincount) layouts agree; the random-effects
estimate equals weighted least squares at the same tau² (as metafor's
``test_misc_rma_vs_direct_computation.r`` does).
"""

from __future__ import annotations

import numpy as np
import pytest

from metareview import stats


def random_dich(rng: np.random.Generator, rows: int) -> tuple[np.ndarray, ...]:
    n1 = rng.integers(1, 60, rows).astype(float)
    n2 = rng.integers(1, 60, rows).astype(float)
    a = np.floor(rng.uniform(0, 1, rows) ** 2 * (n1 + 1)).clip(0, n1)
    c = np.floor(rng.uniform(0, 1, rows) ** 2 * (n2 + 1)).clip(0, n2)
    return a, n1, c, n2


FIELDS = ("estimate", "se", "q", "tau2", "i2", "k", "ci_low", "ci_high", "p_z", "p_q")


@pytest.mark.parametrize(
    ("measure", "method", "random"),
    [("OR", "MH", False), ("RR", "MH", True), ("RD", "MH", True), ("PETO_OR", "PETO", False),
     ("OR", "IV", True), ("RR", "IV", False)],
)  # fmt: skip
def test_batch_equals_one_by_one(measure: str, method: str, random: bool) -> None:
    rng = np.random.default_rng(7)
    sizes = rng.integers(0, 9, 300)  # includes empty analyses (k = 0) and k = 1
    rows = int(sizes.sum())
    a, n1, c, n2 = random_dich(rng, rows)
    eff = stats.dichotomous(a, n1, c, n2, measure)
    batch = stats.pool(eff, stats.Groups.from_counts(sizes), method=method, measure=measure,
                       random=random)  # fmt: skip
    start = 0
    for j, size in enumerate(sizes):
        sl = slice(start, start + size)
        start += size
        one = stats.pool(
            stats.dichotomous(a[sl], n1[sl], c[sl], n2[sl], measure),
            stats.Groups(np.zeros(size, dtype=np.intp), 1),
            method=method, measure=measure, random=random,
        )  # fmt: skip
        for f in FIELDS:
            # tiny P values amplify rounding of Q (dp/p ~ Q/2 dQ/Q): looser for them
            rtol = 1e-11 if f.startswith("p_") else 1e-12
            got, want = getattr(batch, f)[j], getattr(one, f)[0]
            np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-15, equal_nan=True, err_msg=f)


def test_scattered_layout_equals_contiguous() -> None:
    rng = np.random.default_rng(11)
    n, k = 500, 6
    y = rng.normal(0, 1, n * k)
    se = rng.uniform(0.1, 1, n * k)
    group = np.repeat(np.arange(n), k)
    perm = rng.permutation(n * k)
    eff = stats.generic_inverse_variance(y, se)
    g_sorted = stats.Groups(group, n)
    g_perm = stats.Groups(group[perm], n)
    assert g_sorted.contiguous and not g_perm.contiguous
    a = stats.pool(eff, g_sorted, random=True)
    b = stats.pool(stats.generic_inverse_variance(y[perm], se[perm]), g_perm, random=True)
    for f in ("estimate", "se", "q", "tau2"):
        np.testing.assert_allclose(getattr(a, f), getattr(b, f), rtol=1e-12)
    np.testing.assert_allclose(a.weights[perm], b.weights, rtol=1e-12)


def test_empty_groups_and_unused_group_ids() -> None:
    eff = stats.generic_inverse_variance([0.1, 0.3, -0.2], [0.1, 0.2, 0.3])
    res = stats.pool(eff, stats.Groups(np.array([0, 0, 3]), 5), random=True)
    assert res.k.tolist() == [2, 0, 0, 1, 0]
    assert res.estimable.tolist() == [True, False, False, True, False]
    assert res.estimate[3] == pytest.approx(-0.2)
    assert np.isnan(res.estimate[[1, 2, 4]]).all()


def test_random_effects_equals_weighted_least_squares() -> None:
    rng = np.random.default_rng(3)
    y = rng.normal(0.3, 0.5, 12)
    se = rng.uniform(0.1, 0.6, 12)
    res = stats.pool(stats.generic_inverse_variance(y, se), stats.Groups(np.zeros(12, int), 1),
                     random=True)  # fmt: skip
    tau2 = res.tau2[0]
    assert tau2 > 0
    # WLS of y on an intercept with weights 1/(v + tau²): beta = (X'WX)^-1 X'Wy
    x = np.ones((12, 1))
    w = np.diag(1 / (se**2 + tau2))
    cov = np.linalg.inv(x.T @ w @ x)
    beta = cov @ x.T @ w @ y
    assert res.estimate[0] == pytest.approx(beta[0], rel=1e-12)
    assert res.se[0] == pytest.approx(np.sqrt(cov[0, 0]), rel=1e-12)


def test_mh_random_with_zero_tau2_equals_iv_fixed() -> None:
    # spec §6: "M-H, Random" pools with inverse variance, so with tau² = 0 it equals IV fixed
    a, n1, c, n2 = [10, 12, 11], [100, 100, 100], [20, 21, 22], [100, 100, 100]
    eff = stats.dichotomous(a, n1, c, n2, "RR")
    g = stats.Groups(np.zeros(3, int), 1)
    mh_random = stats.pool(eff, g, method="MH", measure="RR", random=True)
    iv_fixed = stats.pool(eff, g, method="IV")
    assert mh_random.tau2[0] == 0.0
    assert mh_random.estimate[0] == pytest.approx(iv_fixed.estimate[0], rel=1e-14)
    mh_fixed = stats.pool(eff, g, method="MH", measure="RR")
    assert mh_fixed.estimate[0] != pytest.approx(iv_fixed.estimate[0], rel=1e-9)

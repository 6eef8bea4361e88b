"""Cases RevMan's stored results do not cover, against scalar hand computations.

The reference corpus has no CONT fixed-effect .rm5 result, no RD random, no IV RD, no O-E
data, no swapped events and no CI level other than 95% (statistics.md §1.2).  Each test
here recomputes the quantity with a plain-Python loop written directly from the formula in
``../shared/spec/statistics.md`` (section cited in the test) and compares at 1e-12.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import pytest

import metareview as mr

REL = 1e-12

DICH = {
    "study": ["A", "B", "C", "D", "E"],
    "events_exp": [0, 12, 5, 0, 30],
    "n_exp": [25, 40, 33, 18, 60],
    "events_ctrl": [3, 20, 9, 0, 28],
    "n_ctrl": [24, 41, 30, 20, 58],
}


def z_of(level: float) -> float:
    return NormalDist().inv_cdf(1 - (1 - level) / 2)


def cells(i: int, data: dict[str, list[float]] = DICH, inc: float = 0.5) -> tuple[float, ...]:
    a, n1 = data["events_exp"][i], data["n_exp"][i]
    c, n2 = data["events_ctrl"][i], data["n_ctrl"][i]
    b, d = n1 - a, n2 - c
    if min(a, b, c, d) == 0:  # §3.1: 0.5 to all four cells
        return a + inc, b + inc, c + inc, d + inc
    return a, b, c, d


def rd_rows(data: dict[str, list[float]] = DICH) -> tuple[list[float], list[float]]:
    """§3.2: RD from raw proportions, SE from the corrected table."""
    ys, ses = [], []
    for i in range(len(data["study"])):
        a, n1 = data["events_exp"][i], data["n_exp"][i]
        c, n2 = data["events_ctrl"][i], data["n_ctrl"][i]
        ac, bc, cc, dc = cells(i, data)
        n1c, n2c = ac + bc, cc + dc
        ys.append(a / n1 - c / n2)
        ses.append(math.sqrt(ac * bc / n1c**3 + cc * dc / n2c**3))
    return ys, ses


def dl(ys: list[float], ses: list[float], q: float) -> tuple[float, float, float]:
    """§6: DerSimonian-Laird tau² from the given Q, then inverse-variance pooling."""
    w = [1 / s**2 for s in ses]
    df = len(ys) - 1
    c = sum(w) - sum(x * x for x in w) / sum(w)
    tau2 = max(0.0, (q - df) / c)
    ws = [1 / (s**2 + tau2) for s in ses]
    est = sum(wi * y for wi, y in zip(ws, ys, strict=True)) / sum(ws)
    return est, 1 / math.sqrt(sum(ws)), tau2


def q_around(ys: list[float], ses: list[float], centre: float) -> float:
    """§5: Q = sum w_i (theta_i - centre)^2 with w_i = 1/SE_i^2."""
    return sum((y - centre) ** 2 / s**2 for y, s in zip(ys, ses, strict=True))


def mh_rd(data: dict[str, list[float]] = DICH) -> tuple[float, float]:
    """§4.4: MH RD, raw weights and estimate, corrected numerator J over raw K²."""
    k_sum = num = j = 0.0
    for i in range(len(data["study"])):
        a, n1 = data["events_exp"][i], data["n_exp"][i]
        c, n2 = data["events_ctrl"][i], data["n_ctrl"][i]
        w = n1 * n2 / (n1 + n2)
        k_sum += w
        num += w * (a / n1 - c / n2)
        ac, bc, cc, dc = cells(i, data)
        n1c, n2c = ac + bc, cc + dc
        j += (ac * bc * n2c**3 + cc * dc * n1c**3) / (n1c * n2c * (n1c + n2c) ** 2)
    return num / k_sum, math.sqrt(j / k_sum**2)


def test_rd_mh_random_dl_uses_mh_centred_q() -> None:
    # §4.4 (MH RD), §5 (MH-centred Q), §6 (DL, IV pooling); double-zero D is included (§3.1)
    ys, ses = rd_rows()
    mh, _ = mh_rd()
    q = q_around(ys, ses, mh)
    est, se, tau2 = dl(ys, ses, q)
    res = mr.meta_analysis(DICH, data_type="dich", measure="RD", method="MH", model="random")
    o = res.overall
    assert o.k == 5
    assert o.q == pytest.approx(q, rel=REL)
    assert o.tau2 == pytest.approx(tau2, rel=REL)
    assert tau2 > 0
    assert o.estimate == pytest.approx(est, rel=REL)
    assert o.se == pytest.approx(se, rel=REL)
    z = z_of(0.95)
    assert o.ci_low == pytest.approx(est - z * se, rel=REL)
    assert o.ci_high == pytest.approx(est + z * se, rel=REL)
    assert o.i2 == pytest.approx(max(0, (q - 4) / q) * 100, rel=REL)
    w = [1 / (s**2 + tau2) for s in ses]
    for row, wi in zip(res.studies, w, strict=True):
        assert row.weight == pytest.approx(100 * wi / sum(w), rel=REL)


def test_rd_mh_fixed() -> None:
    # §4.4 with zero-cell studies: raw K in the denominator
    mh, se = mh_rd()
    o = mr.meta_analysis(DICH, data_type="dich", measure="RD", model="fixed").overall
    assert o.estimate == pytest.approx(mh, rel=REL)
    assert o.se == pytest.approx(se, rel=REL)


def test_rd_inverse_variance_fixed_and_random() -> None:
    # §4.1 IV fixed on RD rows; §5 Q around the IV estimate; §6 DL
    ys, ses = rd_rows()
    w = [1 / s**2 for s in ses]
    fe = sum(wi * y for wi, y in zip(w, ys, strict=True)) / sum(w)
    fixed = mr.meta_analysis(DICH, data_type="dich", measure="RD", method="IV").overall
    assert fixed.estimate == pytest.approx(fe, rel=REL)
    assert fixed.se == pytest.approx(1 / math.sqrt(sum(w)), rel=REL)
    q = q_around(ys, ses, fe)
    assert fixed.q == pytest.approx(q, rel=REL)
    est, se, tau2 = dl(ys, ses, q)
    rand = mr.meta_analysis(DICH, data_type="dich", measure="RD", method="IV", model="random")
    assert rand.overall.estimate == pytest.approx(est, rel=REL)
    assert rand.overall.se == pytest.approx(se, rel=REL)
    assert rand.overall.tau2 == pytest.approx(tau2, rel=REL)


OE = {"study": ["S1", "S2", "S3", "S4"], "o_minus_e": [-4.2, -1.5, 2.0, -6.3],
      "variance": [10.1, 6.0, 4.4, 15.2]}  # fmt: skip


def test_o_minus_e_fixed() -> None:
    # §3.4 theta = (O-E)/V, SE = 1/sqrt(V); §4.5 sum(O-E)/sum(V); §5 Peto Q
    z_, v = OE["o_minus_e"], OE["variance"]
    est = sum(z_) / sum(v)
    q = sum(a * a / b for a, b in zip(z_, v, strict=True)) - sum(z_) ** 2 / sum(v)
    res = mr.meta_analysis(OE, data_type="oe", measure="Hazard Ratio")
    o = res.overall
    assert res.spec.method == "PETO"
    assert o.theta == pytest.approx(est, rel=REL)
    assert o.estimate == pytest.approx(math.exp(est), rel=REL)
    assert o.se == pytest.approx(1 / math.sqrt(sum(v)), rel=REL)
    assert o.q == pytest.approx(q, rel=REL)
    for row, a, b in zip(res.studies, z_, v, strict=True):
        assert row.estimate == pytest.approx(math.exp(a / b), rel=REL)
        assert row.weight == pytest.approx(100 * b / sum(v), rel=REL)
    assert res.spec.method_label == "Exp[(O-E) / V], Fixed, 95% CI"


def test_o_minus_e_random_is_refused() -> None:
    with pytest.raises(mr.exceptions.SpecError, match="no random-effects model for Peto"):
        mr.meta_analysis(OE, data_type="oe", model="random")


def test_swap_events_analyses_non_events() -> None:
    # §2: swap events and non-events means a <- n1 - a, c <- n2 - c before everything
    swapped = dict(DICH)
    swapped["events_exp"] = [n - a for a, n in zip(DICH["events_exp"], DICH["n_exp"], strict=True)]
    swapped["events_ctrl"] = [
        n - c for c, n in zip(DICH["events_ctrl"], DICH["n_ctrl"], strict=True)
    ]
    a = mr.meta_analysis(DICH, data_type="dich", measure="RR", swap_events=True, model="random")
    b = mr.meta_analysis(swapped, data_type="dich", measure="RR", model="random")
    assert a.overall.estimate == pytest.approx(b.overall.estimate, rel=REL)
    assert a.overall.q == pytest.approx(b.overall.q, rel=REL)
    # and by hand for one study: C has 33-5=28 vs 30-9=21 non-events, no zero cell
    rr = (28 / 33) / (21 / 30)
    assert a.studies[2].estimate == pytest.approx(rr, rel=REL)
    # D (0/18 vs 0/20 events) has every participant with the swapped event: still estimable
    assert a.studies[3].estimable
    assert a.studies[3].estimate == pytest.approx((18.5 / 19) / (20.5 / 21), rel=REL)


@pytest.mark.parametrize("level", [0.90, 0.99])
def test_ci_levels_use_exact_normal_quantiles(level: float) -> None:
    # §7: CI = theta ± z_alpha SE with exact quantiles; row CIs use CI_STUDY (§2)
    res = mr.meta_analysis(DICH, data_type="dich", measure="OR", model="random",
                           ci=level * 100, ci_study=level)  # fmt: skip
    z = z_of(level)
    o = res.overall
    assert o.ci_low == pytest.approx(math.exp(o.theta - z * o.se), rel=REL)
    assert o.ci_high == pytest.approx(math.exp(o.theta + z * o.se), rel=REL)
    for row in res.studies:
        if row.estimable:
            assert row.ci_low == pytest.approx(math.exp(row.theta - z * row.se), rel=REL)
    assert res.spec.method_label == f"M-H, Random, {round(level * 100)}% CI"


CONT = {
    "study": ["P", "Q", "R"],
    "mean_exp": [10.2, 8.1, 12.0], "sd_exp": [2.1, 3.0, 2.5], "n_exp": [20, 35, 15],
    "mean_ctrl": [11.0, 9.4, 12.2], "sd_ctrl": [2.4, 2.8, 2.2], "n_ctrl": [22, 30, 16],
}  # fmt: skip


def test_smd_fixed_hedges_g_revman_variance() -> None:
    # §3.3 Hedges' adjusted g, J = 1 - 3/(4N - 9), SE² = N/(n1 n2) + g²/(2(N - 3.94)); §4.1
    gs, ses = [], []
    for i in range(3):
        m1, s1, n1 = CONT["mean_exp"][i], CONT["sd_exp"][i], CONT["n_exp"][i]
        m2, s2, n2 = CONT["mean_ctrl"][i], CONT["sd_ctrl"][i], CONT["n_ctrl"][i]
        big_n = n1 + n2
        s = math.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (big_n - 2))
        g = (m1 - m2) / s * (1 - 3 / (4 * big_n - 9))
        gs.append(g)
        ses.append(math.sqrt(big_n / (n1 * n2) + g * g / (2 * (big_n - 3.94))))
    w = [1 / s**2 for s in ses]
    est = sum(a * b for a, b in zip(w, gs, strict=True)) / sum(w)
    res = mr.meta_analysis(CONT, data_type="cont", measure="SMD", model="fixed")
    assert [r.estimate for r in res.studies] == pytest.approx(gs, rel=REL)
    assert [r.se for r in res.studies] == pytest.approx(ses, rel=REL)
    assert res.overall.estimate == pytest.approx(est, rel=REL)
    assert res.overall.q == pytest.approx(q_around(gs, ses, est), rel=REL)


def test_peto_or_with_zero_cells_uses_no_correction() -> None:
    # §3.2 Peto: O = a, E = (a + c) n1/N, V = n1 n2 (a + c)(b + d) / (N² (N - 1)); §4.5
    oe, vv = [], []
    for i in range(5):
        a, n1 = DICH["events_exp"][i], DICH["n_exp"][i]
        c, n2 = DICH["events_ctrl"][i], DICH["n_ctrl"][i]
        big_n = n1 + n2
        if a + c == 0:
            continue  # double zero: V = 0, not estimable (§3.2)
        oe.append(a - (a + c) * n1 / big_n)
        vv.append(n1 * n2 * (a + c) * (big_n - a - c) / (big_n**2 * (big_n - 1)))
    res = mr.meta_analysis(DICH, data_type="dich", measure="PETO_OR", model="fixed")
    assert res.overall.k == 4
    assert res.overall.theta == pytest.approx(sum(oe) / sum(vv), rel=REL)
    assert not res.studies[3].estimable
    assert res.studies[0].estimate == pytest.approx(math.exp(oe[0] / vv[0]), rel=REL)

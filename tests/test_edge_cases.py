"""The edge-case contract: each case gives a named warning or a 'not estimable' reason.

Rules from ``statistics.md`` §3.1 (zero cells, double-zero, all-event), §3.3 (SD = 0,
n = 0), §4.6 (k = 0, k = 1) and §8 (subgroups without an estimable study).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import metareview as mr
from metareview import stats
from metareview.exceptions import (
    ContinuityCorrectionWarning,
    NoEstimableStudiesWarning,
    NotEstimableWarning,
    SingleStudyWarning,
)


def dich(rows: list[tuple[str, int, int, int, int]], **extra: list[str]) -> dict[str, list]:
    cols = ("study", "events_exp", "n_exp", "events_ctrl", "n_ctrl")
    out: dict[str, list] = {c: [r[i] for r in rows] for i, c in enumerate(cols)}
    out.update(extra)
    return out


def test_k0_all_double_zero_is_not_estimable() -> None:
    data = dich([("A", 0, 10, 0, 12), ("B", 0, 8, 0, 9)])
    with pytest.warns(NoEstimableStudiesWarning, match="no estimable study"):
        res = mr.meta_analysis(data, data_type="dich", measure="RR", model="random")
    o = res.overall
    assert not o.estimable and o.k == 0
    assert math.isnan(o.estimate) and math.isnan(o.q)
    assert all(r.reason == "no events in either group" for r in res.studies)
    assert [r.weight for r in res.studies] == [0.0, 0.0]
    # totals still count every row (spec §9)
    assert (o.n_exp, o.n_ctrl, o.studies) == (18, 21, 2)
    assert res.summary_lines()[0] == "Total: Not estimable"


def test_k1_result_is_the_single_study() -> None:
    data = dich([("A", 0, 10, 0, 12), ("B", 3, 8, 6, 9)])
    with pytest.warns(SingleStudyWarning, match="one estimable study"):
        res = mr.meta_analysis(data, data_type="dich", measure="OR", model="random")
    b = res.studies[1]
    assert res.overall.k == 1
    assert res.overall.estimate == pytest.approx(b.estimate, rel=1e-15)
    assert res.overall.se == pytest.approx(b.se, rel=1e-15)
    assert res.overall.df == 0 and math.isnan(res.overall.i2) and res.overall.tau2 == 0
    assert "Heterogeneity: Not applicable" in res.summary_lines()[1]


def test_k1_mh_rd_zero_cell_uses_the_study_se() -> None:
    # §4.6: matters for MH-RD, where the §4.4 formula would give a different SE
    data = dich([("A", 0, 13, 0, 12)])
    with pytest.warns(SingleStudyWarning):
        res = mr.meta_analysis(data, data_type="dich", measure="RD", model="fixed")
    # spec §3.2 example (CD008625, 0/13 vs 0/12): SE = 0.0728334
    assert res.overall.se == pytest.approx(0.0728334, abs=5e-8)
    assert res.overall.estimate == 0.0


def test_double_zero_not_estimable_for_ratios_but_included_for_rd() -> None:
    data = dich([("A", 0, 10, 0, 12), ("B", 3, 8, 6, 9), ("C", 2, 20, 5, 21)])
    for measure in ("OR", "RR", "PETO_OR"):
        with pytest.warns(NotEstimableWarning, match=r"A \(no events in either group\)"):
            res = mr.meta_analysis(data, data_type="dich", measure=measure)
        assert not res.studies[0].estimable and res.overall.k == 2
    with pytest.warns(ContinuityCorrectionWarning, match="A"):
        rd = mr.meta_analysis(data, data_type="dich", measure="RD")
    assert rd.studies[0].estimable and rd.studies[0].estimate == 0 and rd.overall.k == 3


def test_all_event_study() -> None:
    # §3.1 (meta's rule): not estimable for OR; kept for RR with 0.5 added (RR = 1 here)
    data = dich([("A", 10, 10, 12, 12), ("B", 3, 8, 6, 9), ("C", 2, 20, 5, 21)])
    with pytest.warns(NotEstimableWarning, match="every participant had the event"):
        res = mr.meta_analysis(data, data_type="dich", measure="OR")
    assert not res.studies[0].estimable
    with pytest.warns(ContinuityCorrectionWarning):
        rr = mr.meta_analysis(data, data_type="dich", measure="RR")
    a = rr.studies[0]
    assert a.estimable and a.corrected
    assert a.estimate == pytest.approx((10.5 / 11) / (12.5 / 13), rel=1e-14)


CONT = {
    "study": ["P", "Q", "R"],
    "mean_exp": [10.2, 8.1, 12.0], "sd_exp": [2.1, 0.0, 2.5], "n_exp": [20, 35, 0],
    "mean_ctrl": [11.0, 9.4, 12.2], "sd_ctrl": [2.4, 2.8, 2.2], "n_ctrl": [22, 30, 16],
}  # fmt: skip


def test_sd_zero_and_n_zero_are_not_estimable_when_allowed() -> None:
    with pytest.warns(NotEstimableWarning) as rec:
        res = mr.meta_analysis(CONT, data_type="cont", measure="MD", allow_not_estimable=True)
    assert "Q (a group has a standard deviation of 0)" in str(rec[0].message)
    assert "R (a group has no participants)" in str(rec[0].message)
    assert [r.estimable for r in res.studies] == [True, False, False]
    assert res.overall.k == 1


def test_nan_is_not_estimable_when_allowed() -> None:
    data = {"study": ["A", "B"], "estimate": [0.2, float("nan")], "se": [0.1, 0.2]}
    with pytest.warns(NotEstimableWarning, match="B .a value needed for the estimate is missing"):
        res = mr.meta_analysis(data, data_type="giv", allow_not_estimable=True)
    assert [r.estimable for r in res.studies] == [True, False]


def test_subgroup_with_no_estimable_study() -> None:
    data = dich(
        [("A", 0, 10, 0, 12), ("B", 3, 8, 6, 9), ("C", 2, 20, 5, 21), ("D", 4, 19, 7, 20)],
        grp=["x", "y", "y", "z"],
    )
    with pytest.warns(NoEstimableStudiesWarning, match='subgroup "x" has no estimable study'):
        res = mr.meta_analysis(data, data_type="dich", measure="RR", model="random",
                               subgroup="grp")  # fmt: skip
    x, y, z = res.subgroups
    assert not x.estimable and y.estimable and z.estimable
    assert x.weight == 0.0
    # the subgroup test uses the J = 2 subgroups with an estimate (spec §8)
    assert res.subgroup_test is not None and res.subgroup_test.df == 1


def test_subgroup_test_not_applicable_with_one_estimable_subgroup() -> None:
    data = dich([("A", 0, 10, 0, 12), ("B", 3, 8, 6, 9)], grp=["x", "y"])
    with pytest.warns(NoEstimableStudiesWarning):
        res = mr.meta_analysis(data, data_type="dich", measure="RR", subgroup="grp")
    assert res.subgroup_test is not None
    assert res.subgroup_test.df == 0
    assert res.subgroup_test.line() == "Test for subgroup differences: Not applicable"


def test_engine_marks_reasons_vectorized() -> None:
    eff = stats.dichotomous([0, 5, 3, 2], [10, 5, 0, 9], [0, 7, 1, 0], [9, 7, 8, 9], "OR")
    assert eff.reason.tolist() == [
        stats.NotEstimable.DOUBLE_ZERO, stats.NotEstimable.ALL_EVENTS,
        stats.NotEstimable.NO_PARTICIPANTS, stats.NotEstimable.OK,
    ]  # fmt: skip
    assert eff.corrected.tolist() == [False, False, False, True]
    # not-estimable rows carry y = 0 and SE = 0, as RevMan stores them
    assert np.all(eff.y[:3] == 0) and np.all(eff.se[:3] == 0)


def test_tau2_at_boundary_is_zero() -> None:
    # homogeneous data: Q < df gives tau² = max(0, ...) = 0 and RE equals IV fixed
    data = {"study": ["A", "B", "C"], "estimate": [0.1, 0.1, 0.1], "se": [0.1, 0.2, 0.3]}
    rand = mr.meta_analysis(data, data_type="giv", model="random")
    fixed = mr.meta_analysis(data, data_type="giv", model="fixed")
    assert rand.overall.tau2 == 0.0
    assert rand.overall.estimate == pytest.approx(fixed.overall.estimate, rel=1e-15)

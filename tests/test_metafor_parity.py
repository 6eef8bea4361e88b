"""Agreement with R metafor on the BCG vaccine trials (metadat ``dat.bcg``, 13 trials).

Reference values: ``tests/fixtures/metafor_bcg.json``, made by
``validation/metafor/make_reference.R`` (metafor 3.8-1) with RevMan's conventions:
``escalc(measure, add=1/2, to="only0", drop00=TRUE)`` then ``rma(method="FE")`` and
``rma(method="DL")``; ``rma.mh(add=c(1/2,1/2), to=c("only0","only0"), drop00=c(TRUE,TRUE))``
whose ``QE`` is RevMan's MH-centred Q (statistics.md §11.3).  The file prints 15
significant digits, hence rel 1e-12.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import metareview as mr

REF = json.loads((Path(__file__).parent / "fixtures" / "metafor_bcg.json").read_text())
DATA = REF["data"]
REL = 1e-12


@pytest.mark.parametrize("measure", ["RR", "OR", "RD"])
def test_iv_fixed_and_dl_random_match_rma(measure: str) -> None:
    ref = REF[f"iv_{measure}"]
    fe = mr.meta_analysis(DATA, data_type="dich", measure=measure, method="IV").overall
    assert fe.theta == pytest.approx(ref["fe_estimate"], rel=REL)
    assert fe.se == pytest.approx(ref["fe_se"], rel=REL)
    assert fe.q == pytest.approx(ref["fe_q"], rel=REL)
    res = mr.meta_analysis(DATA, data_type="dich", measure=measure, method="IV", model="random")
    o = res.overall
    assert [r.theta for r in res.studies] == pytest.approx(ref["yi"], rel=REL)
    assert [r.se**2 for r in res.studies] == pytest.approx(ref["vi"], rel=REL)
    assert o.theta == pytest.approx(ref["dl_estimate"], rel=REL)
    assert o.se == pytest.approx(ref["dl_se"], rel=REL)
    assert o.tau2 == pytest.approx(ref["dl_tau2"], rel=REL)
    assert o.q == pytest.approx(ref["dl_q"], rel=REL)
    assert o.i2 == pytest.approx(ref["dl_i2"], rel=REL)
    assert o.z == pytest.approx(abs(ref["dl_z"]), rel=REL)
    assert o.p == pytest.approx(ref["dl_p"], rel=1e-10)
    assert o.p_q == pytest.approx(ref["dl_qp"], rel=1e-10)
    tf = math.exp if measure != "RD" else (lambda x: x)
    assert o.ci_low == pytest.approx(tf(ref["dl_ci_lb"]), rel=REL)
    assert o.ci_high == pytest.approx(tf(ref["dl_ci_ub"]), rel=REL)
    assert [r.weight for r in res.studies] == pytest.approx(ref["dl_weights"], rel=REL)


@pytest.mark.parametrize("measure", ["RR", "OR"])
def test_mantel_haenszel_matches_rma_mh(measure: str) -> None:
    ref = REF[f"mh_{measure}"]
    o = mr.meta_analysis(DATA, data_type="dich", measure=measure, method="MH").overall
    assert o.theta == pytest.approx(ref["estimate"], rel=REL)
    assert o.se == pytest.approx(ref["se"], rel=REL)
    assert o.q == pytest.approx(ref["q"], rel=REL)  # the MH-centred Q
    assert o.z == pytest.approx(abs(ref["z"]), rel=REL)
    assert o.p_q == pytest.approx(ref["qp"], rel=1e-10)

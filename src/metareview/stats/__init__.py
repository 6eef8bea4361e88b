"""Pure array maths of meta-analysis: effect sizes, pooling, heterogeneity, subgroup tests.

No I/O, no pandas, no printing.  Everything is vectorized over flat study arrays plus a
group index (:class:`Groups`), so one call pools any number of analyses.
"""

from metareview.stats._groups import Groups
from metareview.stats.effects import (
    NotEstimable,
    StudyEffects,
    continuous,
    dichotomous,
    generic_inverse_variance,
    o_minus_e,
)
from metareview.stats.pooling import (
    CI_METHODS,
    PREDICTION,
    Pooled,
    SubgroupTest,
    normal_quantile,
    pool,
    subgroup_test,
)
from metareview.stats.tau2 import TAU2_METHODS, Tau2Fit, q_profile

# Submodules with their own namespaces (imported on use):
#   metareview.stats.tau2         tau² estimators (tau2.tau2), Q-profile, typical variance
#   metareview.stats.sensitivity  leave-one-out, cumulative, influence, Baujat
#   metareview.stats.bias         Egger, Begg, Peters, Harbord, trim and fill, fail-safe N
#   metareview.stats.metareg      mixed-effects meta-regression, common-tau² subgroups

__all__ = [
    "CI_METHODS",
    "PREDICTION",
    "TAU2_METHODS",
    "Groups",
    "NotEstimable",
    "Pooled",
    "StudyEffects",
    "SubgroupTest",
    "Tau2Fit",
    "continuous",
    "dichotomous",
    "generic_inverse_variance",
    "normal_quantile",
    "o_minus_e",
    "pool",
    "q_profile",
    "subgroup_test",
]

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
    Pooled,
    SubgroupTest,
    normal_quantile,
    pool,
    subgroup_test,
)

__all__ = [
    "Groups",
    "NotEstimable",
    "Pooled",
    "StudyEffects",
    "SubgroupTest",
    "continuous",
    "dichotomous",
    "generic_inverse_variance",
    "normal_quantile",
    "o_minus_e",
    "pool",
    "subgroup_test",
]

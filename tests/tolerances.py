"""Tolerances per kind of quantity (``statistics.md`` §10, observed against RevMan 5)."""

#: estimates, SEs, CIs, weights, Q, I², tau², Z: RevMan matches to 4e-13 relative
VALUE = {"rel": 1e-9, "abs": 1e-12}
#: normal P values: RevMan's are accurate to ~1e-7 relative
P_NORMAL = {"rel": 1e-6, "abs": 1e-7}
#: chi-square P values: RevMan's tail is accurate to ~4e-5 relative / 5e-7 absolute
P_CHI2 = {"rel": 1e-4, "abs": 1e-6}
#: numbers printed with 8 decimals (RevMan 5 CSV export)
CSV8 = {"rel": 0.0, "abs": 5.1e-9}

"""RevMan 5's number formatting for summary lines and tables."""

from __future__ import annotations

import math

__all__ = ["fmt_ci", "fmt_num", "fmt_p", "fmt_pct"]


def fmt_num(x: float, decimals: int = 2) -> str:
    """Fixed decimals; 'NaN' shown as an empty string."""
    if x is None or not math.isfinite(x):
        return ""
    s = f"{x:.{decimals}f}"
    return "0." + "0" * decimals if s.startswith("-") and float(s) == 0 else s


def fmt_p(p: float) -> str:
    """RevMan's P: 'P < 0.00001' below 1e-5, one significant digit below 0.01, else 2 decimals.

    Returns the text after 'P' including the relation sign, e.g. '= 0.13', '= 0.001',
    '< 0.00001'.
    """
    if p is None or not math.isfinite(p):
        return "= NaN"
    if p < 0.00001:
        return "< 0.00001"
    if p < 0.01:
        # one significant digit; never rounds up to 0.01 boundary formatting surprises
        exp = math.floor(math.log10(p))
        digits = -exp
        s = f"{p:.{digits}f}"
        if float(s) >= 10.0 ** (exp + 1):  # rounding crossed a decade: 0.00096 -> 0.001
            s = f"{p:.{digits - 1}f}"
        return f"= {s}"
    return f"= {p:.2f}"


def fmt_pct(x: float, decimals: int = 0) -> str:
    """Percent with a given number of decimals, e.g. '84%'."""
    if x is None or not math.isfinite(x):
        return ""
    return f"{x:.{decimals}f}%"


def fmt_ci(est: float, low: float, high: float, decimals: int = 2) -> str:
    """'0.72 [0.49, 1.06]'; 'Not estimable' when missing."""
    if est is None or not math.isfinite(est):
        return "Not estimable"
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return f"{fmt_num(est, decimals)} [CI not available]"
    return f"{fmt_num(est, decimals)} [{fmt_num(low, decimals)}, {fmt_num(high, decimals)}]"


def json_float(x: object) -> float | None:
    """A number for JSON: None when missing, NaN or infinite."""
    if x is None:
        return None
    v = float(x)  # type: ignore[arg-type]
    return v if math.isfinite(v) else None

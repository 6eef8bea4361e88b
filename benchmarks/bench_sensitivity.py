"""Leave-one-out and cumulative meta-analysis of one large analysis, batched.

For an analysis of k studies (default 1,000; seeded random generic inverse-variance data)
times ``metareview.stats.sensitivity.leave_one_out`` (k refits of k - 1 studies: one
``pool()`` call on k (k - 1) rows) and ``cumulative`` (k refits of 1 .. k studies: one call
on k (k + 1) / 2 rows), DerSimonian-Laird and REML, best of ``--repeat`` runs.

Peer measured in the same run when ``Rscript`` with metafor is on the PATH: metafor's
``leave1out()`` and ``cumul()`` (REML) on the first ``--peer-k`` studies (default 200;
metafor works with k x k matrices, so k = 1000 takes many minutes), timed against ours on
the same studies, with the largest difference in the pooled estimates.

Usage::

    python benchmarks/bench_sensitivity.py [--k 1000] [--peer-k 200] [--repeat 3] [--json]

With ``--json`` the last line is one JSON object with the seconds per method.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from metareview import stats
from metareview.stats.sensitivity import cumulative, leave_one_out

R_PEER = """
suppressPackageStartupMessages(library(metafor))
d <- read.csv(commandArgs(TRUE)[1])
fit <- rma(d$y, d$v, method = "REML")
t1 <- system.time(l <- leave1out(fit))[["elapsed"]]
t2 <- system.time(c <- cumul(fit))[["elapsed"]]
cat(t1, t2, sprintf("%.17g", l$estimate), "|", sprintf("%.17g", c$estimate), "\\n")
"""


def make_data(k: int, seed: int = 20261124) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    se = rng.uniform(0.1, 0.6, k)
    y = 0.2 + rng.normal(0.0, 1.0, k) * np.sqrt(se**2 + 0.04)
    return y, se


def best_of(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def peer_metafor(y: np.ndarray, se: np.ndarray) -> dict[str, object] | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "d.csv"
        rows = [f"{float(a)!r},{float(b) ** 2!r}" for a, b in zip(y, se, strict=True)]
        csv.write_text("y,v\n" + "\n".join(rows) + "\n")
        script = Path(tmp) / "peer.R"
        script.write_text(R_PEER)
        done = subprocess.run(
            [rscript, str(script), str(csv)], capture_output=True, text=True, check=False
        )
    if done.returncode != 0:
        return None
    head, tail = done.stdout.split("|")
    parts = head.split()
    return {
        "leave1out_s": float(parts[0]),
        "cumul_s": float(parts[1]),
        "leave1out_estimate": np.array([_num(x) for x in parts[2:]]),
        "cumul_estimate": np.array([_num(x) for x in tail.split()]),
    }


def _num(x: str) -> float:
    return float("nan") if x == "NA" else float(x)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--k", type=int, default=1000)
    ap.add_argument("--peer-k", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    y, se = make_data(args.k)
    eff = stats.generic_inverse_variance(y, se)
    out: dict[str, object] = {"k": args.k}
    print(f"one analysis of k = {args.k:,} studies")
    for method in ("DL", "REML"):
        opts = dict(random=True, tau2_method=method)
        t_loo = best_of(lambda o=opts: leave_one_out(eff, **o), args.repeat)  # type: ignore[misc]
        t_cum = best_of(lambda o=opts: cumulative(eff, **o), args.repeat)  # type: ignore[misc]
        out[f"leave_one_out_{method.lower()}_s"] = t_loo
        out[f"cumulative_{method.lower()}_s"] = t_cum
        print(f"  {method:4s} leave-one-out {t_loo:.3f} s, cumulative {t_cum:.3f} s")
    m = min(args.peer_k, args.k)
    peer = peer_metafor(y[:m], se[:m])
    if peer is not None:
        small = stats.generic_inverse_variance(y[:m], se[:m])
        opts = dict(random=True, tau2_method="REML")
        loo = leave_one_out(small, **opts)  # type: ignore[arg-type]
        cum = cumulative(small, **opts)  # type: ignore[arg-type]
        t_loo = best_of(lambda: leave_one_out(small, **opts), args.repeat)  # type: ignore[arg-type]
        t_cum = best_of(lambda: cumulative(small, **opts), args.repeat)  # type: ignore[arg-type]
        # metafor reports NA for refits whose Fisher scoring did not converge
        p_loo, p_cum = peer["leave1out_estimate"], peer["cumul_estimate"]
        failed = int(np.isnan(p_loo).sum() + np.isnan(p_cum).sum())  # type: ignore[call-overload]
        d_loo = float(np.nanmax(np.abs(loo.estimate - p_loo)))  # type: ignore[operator]
        d_cum = float(np.nanmax(np.abs(cum.estimate - p_cum)))  # type: ignore[operator]
        ours_ok = bool(np.isfinite(loo.estimate).all() and np.isfinite(cum.estimate).all())
        ratio_l = float(peer["leave1out_s"]) / t_loo  # type: ignore[arg-type]
        ratio_c = float(peer["cumul_s"]) / t_cum  # type: ignore[arg-type]
        out["peer_k"] = m
        out["metafor_leave1out_reml_s"] = peer["leave1out_s"]
        out["metafor_cumul_reml_s"] = peer["cumul_s"]
        out["leave_one_out_ratio_vs_metafor"] = ratio_l
        out["cumulative_ratio_vs_metafor"] = ratio_c
        out["max_abs_diff_vs_metafor"] = max(d_loo, d_cum)
        out["metafor_refits_failed"] = failed
        out["our_refits_all_finite"] = ours_ok
        print(
            f"  k = {m}, REML, this run: metafor leave1out {peer['leave1out_s']:.2f} s vs "
            f"{t_loo:.4f} s (x{ratio_l:,.0f}); cumul {peer['cumul_s']:.2f} s vs {t_cum:.4f} s "
            f"(x{ratio_c:,.0f}); max |difference| of the estimates {max(d_loo, d_cum):.1e}; "
            f"metafor refits that failed (NA): {failed}, ours all finite: {ours_ok}"
        )
    else:
        print("  (metafor not available in this run)")
    if args.json:
        print(json.dumps(out))


if __name__ == "__main__":
    main()

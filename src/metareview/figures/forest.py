"""Forest plots in RevMan 5's layout.

Columns, left to right: Study or Subgroup | experimental arm (Events, Total for
dichotomous data; Mean, SD, Total for continuous data) | control arm | Weight | effect
with its CI | the plot | (optionally) one risk-of-bias column per domain.  Generic
inverse-variance data show the entered estimate and SE instead of the arms; O - E data
show O-E and Variance.

The layout is computed in inches: every text is measured with the renderer, study names
and summary lines wrap to their column, and each text line takes a fixed height, so the
figure grows with the number of rows and 100+ studies stay legible.

matplotlib is imported inside :func:`forest_plot`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from metareview.analysis.format import fmt_ci, fmt_num
from metareview.figures._style import COLORS, FONT_SIZE, new_figure, rc

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from metareview.analysis.result import MetaAnalysisResult, PooledResult, StudyResult

__all__ = ["SORT_KEYS", "forest_plot"]

#: accepted values of ``forest_plot(sort=...)``
SORT_KEYS = ("estimate", "weight", "study")

LINE_H = 0.17  # height of one text line, inches
GAP = 0.14  # horizontal space between columns, inches
MARGIN = 0.08  # space around the figure, inches
STUDY_MAX_W = 2.4  # study names wider than this wrap, inches
PLOT_W = 2.2  # minimum width of the plot column, inches
PLOT_W_MAX = 3.2  # the plot grows up to this to fit the favours labels, inches
SQUARE_MAX = 0.13  # side of the largest square, inches
SQUARE_MIN = 0.035  # side of the smallest square, inches
DIAMOND_H = 0.06  # half height of a diamond, inches
TICK_LEN = 3.0  # points
TICK_PAD = 2.0  # points
LOG_LIMITS = (2.0, 5.0, 10.0, 100.0, 1000.0)
LOG_TICKS = {
    2.0: (0.5, 0.7, 1.0, 1.5, 2.0),
    5.0: (0.2, 0.5, 1.0, 2.0, 5.0),
    10.0: (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0),
    100.0: (0.01, 0.1, 1.0, 10.0, 100.0),
    1000.0: (0.001, 0.1, 1.0, 10.0, 1000.0),
}
LOG_CANDIDATES = (0.001, 0.01, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 100.0, 1000.0)
ROB_COL_W = 0.19  # minimum width of one risk-of-bias column, inches
ROB_RADIUS = 0.066  # radius of a risk-of-bias circle, inches
ROB_RISKS = ("low", "unclear", "high")
ROB_GLYPHS = {"low": "+", "unclear": "?", "high": "\u2212"}  # U+2212 minus sign
ROB_HEAD = "Risk of Bias"
ROB_LEGEND = "Risk of bias legend"


# ----------------------------------------------------------------------- row model
@dataclass
class _Row:
    kind: str  # study | heading | subtotal | events | line | total | pi | spacer
    label: str = ""
    cells: dict[str, str] = field(default_factory=dict)
    bold: bool = False
    span: bool = False  # label spans the table left of the plot (headings, summary lines)
    mark: tuple[Any, ...] | None = None
    lines: list[str] = field(default_factory=list)
    height: float = LINE_H
    gid: str = ""
    study: str | None = None  # the study id of a study row (risk-of-bias lookup)


@dataclass
class _Col:
    key: str
    head2: str
    align: str = "right"  # right | center | left
    width: float = 0.0
    x: float = 0.0


def _count(v: float | None) -> str:
    if v is None or not math.isfinite(v):
        return ""
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _value(v: float | None) -> str:
    if v is None or not math.isfinite(v):
        return ""
    return format(round(float(v), 4), "g")


def _tick_label(t: float) -> str:
    return f"{t:g}"


def _pct(level: float) -> str:
    return f"{round(level * 100, 6):g}"


def _letter(i: int) -> str:
    """Column header of the i-th risk-of-bias domain: A, B, ..., Z, AA, AB, ..."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(ord("A") + r) + out
    return out


def _rob_table(
    rob: Mapping[str, Sequence[tuple[str, str]]] | None, rob_domains: Sequence[str] | None
) -> tuple[list[str], dict[str, dict[str, str]]]:
    """The domains to draw and ``{study: {domain: risk}}``, checked."""
    if rob is None:
        if rob_domains is not None:
            raise ValueError("rob_domains needs rob (the judgements per study)")
        return [], {}
    table: dict[str, dict[str, str]] = {}
    for study, judgements in rob.items():
        cells = table.setdefault(study, {})
        for domain, risk in judgements:
            if risk not in ROB_RISKS:
                raise ValueError(
                    f"risk of bias of {study!r}, {domain!r}: {risk!r} is not one of "
                    f"{ROB_RISKS} (map judgements with RobTool.risk)"
                )
            if cells.get(domain, risk) != risk:
                raise ValueError(
                    f"risk of bias of {study!r}, {domain!r}: both {cells[domain]!r} and {risk!r}"
                )
            cells[domain] = risk
    if rob_domains is None:
        domains = list(dict.fromkeys(d for cells in table.values() for d in cells))
    else:
        domains = list(rob_domains)
        if len(set(domains)) != len(domains):
            raise ValueError(f"rob_domains has duplicates: {domains!r}")
    return domains, table


# ----------------------------------------------------------------------- columns
def _data_columns(result: MetaAnalysisResult) -> tuple[list[_Col], list[_Col]]:
    """Experimental and control columns (giv/oe: one shared group, control empty)."""
    s = result.spec
    if s.data_type == "dich":
        return (
            [_Col("events_exp", "Events"), _Col("n_exp", "Total")],
            [_Col("events_ctrl", "Events"), _Col("n_ctrl", "Total")],
        )
    if s.data_type == "cont":
        return (
            [_Col("mean_exp", "Mean"), _Col("sd_exp", "SD"), _Col("n_exp", "Total")],
            [_Col("mean_ctrl", "Mean"), _Col("sd_ctrl", "SD"), _Col("n_ctrl", "Total")],
        )
    if s.data_type == "giv":
        name = f"log[{s.measure_name}]" if s.log else s.measure_name
        return [_Col("estimate", name), _Col("se", "SE")], []
    return [_Col("o_minus_e", "O-E"), _Col("variance", "Variance")], []


def _study_cells(result: MetaAnalysisResult, r: StudyResult) -> dict[str, str]:
    dt = result.spec.data_type
    d = r.data
    cells: dict[str, str] = {}
    for key, v in d.items():
        if key.startswith(("events_", "n_")):
            cells[key] = _count(v)
        elif dt == "giv":
            cells[key] = fmt_num(v, 4)
        elif dt == "oe":
            cells[key] = fmt_num(v, 2)
        else:
            cells[key] = _value(v)
    return cells


# ----------------------------------------------------------------------- axis scale
def _auto_limits(result: MetaAnalysisResult, rows: Sequence[_Row]) -> tuple[float, float]:
    """RevMan-like symmetric limits: 0.5-2, 0.2-5, 0.1-10, 0.01-100 (ratios) or ±L."""
    ratio = result.spec.ratio
    ests: list[float] = []
    cis: list[float] = []
    for row in rows:
        if row.mark is None or row.mark[0] == "pi":
            continue
        _, est, lo, hi = row.mark[:4]
        for v, bucket in ((est, ests), (lo, cis), (hi, cis)):
            if v is not None and math.isfinite(v) and (not ratio or v > 0):
                bucket.append(abs(math.log10(v)) if ratio else abs(v))
    if ratio:
        need_ci = max(cis, default=0.0)
        need_est = max(ests, default=0.0)
        lim = 1000.0 if need_est > 2.0 else 100.0  # wider CIs end in arrows
        for cand in LOG_LIMITS:
            if math.log10(cand) >= need_ci - 1e-12:
                lim = min(cand, lim)
                break
        return 1.0 / lim, lim
    need = max(cis or ests or [1.0])
    if need <= 0:
        need = 1.0
    mag = 10.0 ** math.floor(math.log10(need))
    for m in (1.0, 2.0, 4.0, 10.0):
        if m * mag >= need * (1 - 1e-12):
            return -m * mag, m * mag
    return -10 * mag, 10 * mag  # pragma: no cover - the loop always returns


def _ticks(ratio: bool, lo: float, hi: float) -> list[float]:
    if ratio:
        if math.isclose(lo * hi, 1.0) and round(hi, 9) in LOG_TICKS:
            return list(LOG_TICKS[round(hi, 9)])
        ticks = [t for t in LOG_CANDIDATES if lo * (1 - 1e-9) <= t <= hi * (1 + 1e-9)]
        for edge in (lo, hi):
            if not any(math.isclose(edge, t) for t in ticks):
                ticks.append(edge)
        return sorted(ticks)
    if math.isclose(-lo, hi):
        return [lo, lo / 2, 0.0, hi / 2, hi]
    from matplotlib.ticker import MaxNLocator

    return [float(t) for t in MaxNLocator(5).tick_values(lo, hi) if lo <= t <= hi]


# ----------------------------------------------------------------------- the plot
def forest_plot(
    result: MetaAnalysisResult,
    *,
    favours: tuple[str, str] = ("Favours experimental", "Favours control"),
    prediction: bool = False,
    sort: str | None = None,
    title: str | None = None,
    xlim: tuple[float, float] | None = None,
    rob: Mapping[str, Sequence[tuple[str, str]]] | None = None,
    rob_domains: Sequence[str] | None = None,
) -> Figure:
    """A forest plot of ``result`` in RevMan 5's layout.

    Parameters
    ----------
    result
        From :func:`metareview.meta_analysis`.
    favours
        Labels under the axis, left and right of the line of no effect.
    prediction
        Draw the prediction interval (``result.overall.pi_low``/``pi_high``) as a bar
        under the total's diamond; when it is not available a note says why.
    sort
        Order of the studies within each subgroup: ``None`` (as given), ``"estimate"``
        (ascending, not estimable last), ``"weight"`` (heaviest first) or ``"study"``.
    title
        A title above the table.
    xlim
        Axis limits on the display scale (ratios: positive).  By default symmetric
        limits as RevMan chooses them (0.5-2, 0.2-5, 0.1-10, 0.01-100, ... or ±L);
        confidence intervals beyond them end in arrows.
    rob
        Risk of bias, as RevMan 5 draws it: for each study id (``StudyResult.study``)
        its ``(domain, risk)`` pairs, risk ``"low"``, ``"unclear"`` or ``"high"`` (map a
        tool's judgements with :meth:`~metareview.review.model.RobTool.risk`).  Adds one
        column per domain at the right, headed A, B, C, ... and explained in a legend
        under the plot; each study gets a circle coloured by risk with "+", "?" or "−".
        Missing judgements stay blank; subtotal and total rows get nothing.
    rob_domains
        The domains to draw, in order (others in ``rob`` are left out).  By default
        every domain of ``rob`` in the order first met.

    Returns
    -------
    matplotlib.figure.Figure
        With an Agg canvas attached; save it with :func:`metareview.figures._style.save`.
    """
    import matplotlib

    if sort is not None and sort not in SORT_KEYS:
        raise ValueError(f"sort {sort!r} is unknown; use None or one of {SORT_KEYS}")
    spec = result.spec
    if xlim is not None:
        lo_x, hi_x = (float(xlim[0]), float(xlim[1]))
        if not (math.isfinite(lo_x) and math.isfinite(hi_x) and lo_x < hi_x):
            raise ValueError(f"xlim must be two finite numbers, low < high; got {xlim!r}")
        if spec.ratio and lo_x <= 0:
            raise ValueError(f"xlim of a ratio measure must be positive; got {xlim!r}")
    domains, rob_table = _rob_table(rob, rob_domains)
    with matplotlib.rc_context(rc()):
        return _build(result, favours, prediction, sort, title, xlim, domains, rob_table)


def _sorted(studies: Sequence[StudyResult], sort: str | None) -> list[StudyResult]:
    rows = list(studies)
    if sort == "estimate":
        rows.sort(key=lambda r: (not r.estimable, r.estimate if r.estimable else 0.0))
    elif sort == "weight":
        rows.sort(key=lambda r: -(r.weight if r.estimable else -1.0))
    elif sort == "study":
        rows.sort(key=lambda r: r.study.casefold())
    return rows


def _rows(result: MetaAnalysisResult, prediction: bool, sort: str | None) -> list[_Row]:
    spec = result.spec
    dich = spec.data_type == "dich"
    arms = spec.data_type in ("dich", "cont")
    show_w = spec.totals != "no"
    ci_label = f"({_pct(spec.ci)}% CI)"
    tau2 = spec.tau2_method or "DL"
    with_ci = spec.preset.tau2_ci

    def study_row(r: StudyResult) -> _Row:
        cells = _study_cells(result, r)
        if show_w and r.estimable:
            cells["weight"] = f"{r.weight:.1f}%"
        cells["effect"] = fmt_ci(r.estimate, r.ci_low, r.ci_high)
        w = r.weight if r.estimable else 0.0
        if r.estimable and w <= 0 and math.isfinite(r.se) and r.se > 0:
            w = 1.0 / r.se**2  # totals hidden: squares by inverse variance
        mark = ("square", r.estimate, r.ci_low, r.ci_high, w) if r.estimable else None
        return _Row("study", r.study, cells, mark=mark, gid="effect", study=r.study)

    def pooled_rows(g: PooledResult, label: str, kind: str) -> list[_Row]:
        cells: dict[str, str] = {}
        if arms:
            cells["n_exp"] = _count(g.n_exp)
            cells["n_ctrl"] = _count(g.n_ctrl)
        cells["weight"] = f"{g.weight:.1f}%"
        cells["effect"] = fmt_ci(g.estimate, g.ci_low, g.ci_high)
        ok = g.estimable and math.isfinite(g.estimate)
        mark = ("diamond", g.estimate, g.ci_low, g.ci_high) if ok else None
        out = [_Row(kind, label, cells, bold=True, mark=mark, gid="effect")]
        if dich:
            ev = {"events_exp": _count(g.events_exp), "events_ctrl": _count(g.events_ctrl)}
            out.append(_Row("events", "Total events", ev))
        out.append(_Row("line", g.heterogeneity_line(spec.random, tau2, with_ci), span=True))
        out.append(_Row("line", g.effect_line(), span=True))
        return out

    rows: list[_Row] = []
    if result.subgroups:
        names = [g.label for g in result.subgroups]
        for j, g in enumerate(result.subgroups):
            if j:
                rows.append(_Row("spacer", height=LINE_H * 0.6))
            rows.append(_Row("heading", g.label, bold=True, span=True))
            members = [r for r in result.studies if r.subgroup == g.label]
            rows.extend(study_row(r) for r in _sorted(members, sort))
            if spec.totals != "no":
                rows.extend(pooled_rows(g, f"Subtotal {ci_label}", "subtotal"))
        orphans = [r for r in result.studies if r.subgroup not in names]
        rows.extend(study_row(r) for r in _sorted(orphans, sort))
    else:
        rows.extend(study_row(r) for r in _sorted(result.studies, sort))

    if spec.totals == "yes":
        o = result.overall
        rows.append(_Row("spacer", height=LINE_H * 0.6))
        total = pooled_rows(o, f"Total {ci_label}", "total")
        rows.append(total[0])
        if prediction:
            if math.isfinite(o.pi_low) and math.isfinite(o.pi_high):
                cells = {"effect": f"[{fmt_num(o.pi_low)}, {fmt_num(o.pi_high)}]"}
                label = f"Prediction interval ({_pct(spec.ci)}%)"
                rows.append(_Row("pi", label, cells, mark=("pi", o.pi_low, o.pi_high)))
            else:
                why = (
                    "fixed-effect model"
                    if not spec.random
                    else (
                        "too few studies"
                        if spec.prediction != "none"
                        else "not computed; use prediction='t-k1' or a preset with one"
                    )
                )
                rows.append(_Row("line", f"Prediction interval: not available ({why})", span=True))
        rows.extend(total[1:])
    if spec.totals != "no" and result.subgroup_test is not None:
        rows.append(_Row("line", result.subgroup_test.line(), span=True))
    return rows


def _wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Greedy word wrap to ``width`` inches (words longer than a line are broken)."""
    lines: list[str] = []
    cur = ""
    for word in text.split():
        cand = f"{cur} {word}" if cur else word
        if measure(cand) <= width:
            cur = cand
            continue
        if cur:
            lines.append(cur)
        cur = ""
        if measure(word) <= width:
            cur = word
            continue
        for ch in word:  # break an over-long word
            if cur and measure(cur + ch) > width:
                lines.append(cur)
                cur = ""
            cur += ch
    if cur or not lines:
        lines.append(cur)
    return lines


def _build(
    result: MetaAnalysisResult,
    favours: tuple[str, str],
    prediction: bool,
    sort: str | None,
    title: str | None,
    xlim: tuple[float, float] | None,
    rob_domains: Sequence[str] = (),
    rob: Mapping[str, Mapping[str, str]] | None = None,
) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.font_manager import FontProperties
    from matplotlib.patches import Circle, Polygon

    spec = result.spec
    ratio = spec.ratio
    fig = new_figure(4.0, 3.0)
    FigureCanvasAgg(fig)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    fonts = {
        False: FontProperties(family="DejaVu Sans", size=FONT_SIZE),
        True: FontProperties(family="DejaVu Sans", size=FONT_SIZE, weight="bold"),
    }
    cache: dict[tuple[str, bool], float] = {}

    def width(s: str, bold: bool = False) -> float:
        key = (s, bold)
        if key not in cache:
            w, _, _ = renderer.get_text_width_height_descent(s, fonts[bold], ismath=False)
            cache[key] = w / fig.dpi
        return cache[key]

    def width_bold(s: str) -> float:
        return width(s, True)

    rows = _rows(result, prediction, sort)

    # --- axis scale
    lo_x, hi_x = (float(xlim[0]), float(xlim[1])) if xlim else _auto_limits(result, rows)
    null = 1.0 if ratio else 0.0
    ticks = _ticks(ratio, lo_x, hi_x)

    def frac(v: float) -> float:
        if ratio:
            return (math.log(v) - math.log(lo_x)) / (math.log(hi_x) - math.log(lo_x))
        return (v - lo_x) / (hi_x - lo_x)

    # --- columns
    exp_cols, ctrl_cols = _data_columns(result)
    cols: list[_Col] = [*exp_cols, *ctrl_cols]
    if spec.totals != "no":
        cols.append(_Col("weight", "Weight"))
    effect = _Col("effect", spec.method_label, align="center")
    cols.append(effect)
    for c in cols:
        c.width = max(
            [width(c.head2, True)]
            + [width(r.cells[c.key], r.bold) for r in rows if c.key in r.cells]
        )
    effect.width = max(effect.width, width(spec.measure_name, True))
    arm_groups = [(result.label_exp, exp_cols), (result.label_ctrl, ctrl_cols)]
    if spec.data_type not in ("dich", "cont"):
        arm_groups = []
    for label, group in arm_groups:  # an arm's label never wider than its columns
        span = sum(c.width for c in group) + GAP * (len(group) - 1)
        extra = width(label, True) - span
        if extra > 0:
            for c in group:
                c.width += extra / len(group)

    head_study = "Study or Subgroup"
    study_w = max(
        [width(head_study, True)]
        + [min(width(r.label, r.bold), STUDY_MAX_W) for r in rows if not r.span and r.label]
    )
    x = MARGIN
    study_x = x
    x += study_w + GAP
    for c in cols:
        c.x = x
        x += c.width + GAP
    fav_need = 2 * max(width(favours[0]), width(favours[1])) + GAP + 0.1
    plot_w = max(
        PLOT_W,
        min(fav_need, PLOT_W_MAX),
        width(spec.measure_name, True),
        width(spec.method_label, True),
    )
    plot_x = x

    # favours labels: wrapped to the room beside the line of no effect
    null_in = plot_x + frac(null) * plot_w if lo_x < null < hi_x else plot_x + plot_w / 2
    fav_left = _wrap(favours[0], max(null_in - plot_x - GAP / 2, 0.3), width)
    fav_right = _wrap(favours[1], max(plot_x + plot_w - null_in - GAP / 2, 0.3), width)
    fav_left_x0 = null_in - GAP / 2 - max(width(s) for s in fav_left)
    fav_right_x1 = null_in + GAP / 2 + max(width(s) for s in fav_right)
    tick_half = [width(_tick_label(t)) / 2 for t in ticks]
    right_edge = max(plot_x + plot_w + (tick_half[-1] if ticks else 0.0), fav_right_x1)

    # risk-of-bias columns right of the plot (beside the rows; the axis is below them)
    letters = [_letter(i) for i in range(len(rob_domains))]
    rob_x = plot_x + plot_w + GAP
    rob_w = 0.0
    if letters:
        rob_w = max([ROB_COL_W, 2 * ROB_RADIUS + 0.04] + [width(s, True) + 0.05 for s in letters])
        rob_w = max(rob_w, width(ROB_HEAD, True) / len(letters))
        right_edge = max(right_edge, rob_x + rob_w * len(letters))

    # --- wrap labels
    span_w = plot_x - study_x - max(GAP, (tick_half[0] if ticks else 0.0) + GAP / 2)
    for r in rows:
        if r.kind == "spacer":
            continue
        measure = width_bold if r.bold else width
        r.lines = _wrap(r.label, span_w if r.span else study_w, measure)
        r.height = LINE_H * len(r.lines)

    # --- vertical layout (inches from the top)
    y = MARGIN
    title_y = None
    if title:
        title_y = y + LINE_H / 2
        y += LINE_H * 1.5
    head1_y = y + LINE_H / 2
    head2_y = head1_y + LINE_H
    y = head2_y + LINE_H / 2 + LINE_H * 0.3
    body_top = y
    last_marked = body_top
    last_marked_i = -1
    tops: list[float] = []
    for i, r in enumerate(rows):
        tops.append(y)
        y += r.height
        if r.kind not in ("line", "spacer"):
            last_marked = y
            last_marked_i = i
    # rows after the last plotted row (summary lines) sit beside the axis; when the
    # favours labels reach into the table they go below the axis instead
    axis_zone = (TICK_LEN + TICK_PAD) / 72 + LINE_H * 1.05
    plot_bottom = last_marked + LINE_H * 0.3
    fav_top = plot_bottom + axis_zone
    fav_bottom = fav_top + LINE_H * max(len(fav_left), len(fav_right))
    if fav_left_x0 < plot_x - GAP / 2:
        shift = fav_bottom - (tops[last_marked_i] + rows[last_marked_i].height)
        for i in range(last_marked_i + 1, len(rows)):
            tops[i] += shift
        y += shift
    height = max(y, fav_bottom) + MARGIN
    fig_w = max(right_edge, max((study_x + width(ln) for r in rows for ln in r.lines), default=0))
    fig_w += MARGIN

    # risk-of-bias legend under everything: "(A) domain", the domain wrapped beside "(A)"
    legend: list[tuple[float, str, list[str]]] = []
    legend_y = height - MARGIN + LINE_H * 0.5
    tag_w = 0.0
    if letters:
        tag_w = max(width(f"({s})") for s in letters) + width(" ")
        text_w = max(fig_w - MARGIN - study_x - tag_w, 1.0)
        y_leg = legend_y + LINE_H
        for s, domain in zip(letters, rob_domains, strict=True):
            lines = _wrap(domain, text_w, width)
            legend.append((y_leg, f"({s})", lines))
            y_leg += LINE_H * len(lines)
        height = y_leg + MARGIN
    fig.set_size_inches(fig_w, height)

    # --- text layer: one axes over the whole figure, data units = inches from top-left
    tax: Axes = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    tax.set_axis_off()
    tax.set_xlim(0, fig_w)
    tax.set_ylim(height, 0)

    def put(
        x0: float, y0: float, s: str, *, ha: str = "left", bold: bool = False, gid: str = ""
    ) -> None:
        if not s:
            return
        t = tax.text(
            x0, y0, s, ha=ha, va="center_baseline", fontproperties=fonts[bold],
            parse_math=False, gid=gid or None,
        )  # fmt: skip
        t.set_clip_on(False)

    def put_cell(c: _Col, y0: float, s: str, bold: bool, gid: str = "") -> None:
        if c.align == "right":
            put(c.x + c.width, y0, s, ha="right", bold=bold, gid=gid)
        elif c.align == "center":
            put(c.x + c.width / 2, y0, s, ha="center", bold=bold, gid=gid)
        else:
            put(c.x, y0, s, bold=bold, gid=gid)

    base = LINE_H * 0.12  # baseline below the line's centre
    if title and title_y is not None:
        put(study_x, title_y + base, title, bold=True)
    for label, group in arm_groups:
        if group:
            x0, x1 = group[0].x, group[-1].x + group[-1].width
            put((x0 + x1) / 2, head1_y + base, label, ha="center", bold=True)
    put(study_x, head2_y + base, head_study, bold=True)
    for c in cols:
        put_cell(c, head2_y + base, c.head2, True)
    put(effect.x + effect.width / 2, head1_y + base, spec.measure_name, ha="center", bold=True)
    put(plot_x + plot_w / 2, head1_y + base, spec.measure_name, ha="center", bold=True)
    put(plot_x + plot_w / 2, head2_y + base, spec.method_label, ha="center", bold=True)

    for r, top in zip(rows, tops, strict=True):
        for k, ln in enumerate(r.lines):
            put(study_x, top + LINE_H * (k + 0.5) + base, ln, bold=r.bold)
        mid = top + r.height / 2
        for c in cols:
            if c.key in r.cells:
                put_cell(c, mid + base, r.cells[c.key], r.bold, r.gid if c is effect else "")

    # --- risk of bias
    if letters:
        glyph_font = FontProperties(family="DejaVu Sans", size=FONT_SIZE - 1, weight="bold")
        centres = [rob_x + rob_w * (i + 0.5) for i in range(len(letters))]
        put(rob_x + rob_w * len(letters) / 2, head1_y + base, ROB_HEAD, ha="center", bold=True)
        for cx, s in zip(centres, letters, strict=True):
            put(cx, head2_y + base, s, ha="center", bold=True)
        for r, top in zip(rows, tops, strict=True):
            cells = (rob or {}).get(r.study or "") if r.kind == "study" else None
            if not cells:
                continue
            mid = top + r.height / 2
            for cx, domain in zip(centres, rob_domains, strict=True):
                risk = cells.get(domain)
                if risk is None:
                    continue
                tax.add_patch(
                    Circle((cx, mid), ROB_RADIUS, facecolor=COLORS[risk], edgecolor="none",
                           gid=f"rob:{risk}")
                )  # fmt: skip
                t = tax.text(
                    cx, mid, ROB_GLYPHS[risk], ha="center", va="center_baseline",
                    fontproperties=glyph_font, color="black" if risk == "unclear" else "white",
                    parse_math=False, gid="rob-glyph",
                )  # fmt: skip
                t.set_clip_on(False)
        put(study_x, legend_y + LINE_H / 2 + base, ROB_LEGEND, bold=True, gid="rob-legend")
        for y_leg, tag, lines in legend:
            put(study_x, y_leg + LINE_H / 2 + base, tag, gid="rob-legend")
            for k, ln in enumerate(lines):
                put(study_x + tag_w, y_leg + LINE_H * (k + 0.5) + base, ln, gid="rob-legend")

    # --- the plot
    pax: Axes = fig.add_axes(
        (
            plot_x / fig_w,
            1 - plot_bottom / height,
            plot_w / fig_w,
            (plot_bottom - body_top) / height,
        )
    )
    pax.set_ylim(plot_bottom, body_top)
    if ratio:
        pax.set_xscale("log")
    pax.set_xlim(lo_x, hi_x)
    pax.minorticks_off()
    pax.set_xticks(ticks, [_tick_label(t) for t in ticks])
    pax.tick_params(axis="x", length=TICK_LEN, pad=TICK_PAD, labelsize=FONT_SIZE, width=0.6)
    pax.set_yticks([])
    for spine in ("left", "right", "top"):
        pax.spines[spine].set_visible(False)
    pax.patch.set_alpha(0.0)
    if lo_x < null < hi_x:
        pax.axvline(null, color=COLORS["line"], lw=0.6, zorder=1)

    weights = [r.mark[4] for r in rows if r.mark is not None and r.mark[0] == "square"]
    w_max = max(weights, default=0.0)
    line_kw: dict[str, Any] = {"color": COLORS["line"], "lw": 0.8, "solid_capstyle": "butt"}
    for r, top in zip(rows, tops, strict=True):
        if r.mark is None:
            continue
        mid = top + r.height / 2
        kind = r.mark[0]
        if kind == "square":
            _, est, lo, hi, w = r.mark
            _whisker(pax, lo, hi, mid, lo_x, hi_x, line_kw)
            if lo_x <= est <= hi_x:
                sq = SQUARE_MAX * math.sqrt(w / w_max) if w_max > 0 else SQUARE_MAX / 2
                sq_pt = max(sq, SQUARE_MIN) * 72.0
                pax.scatter(
                    [est], [mid], s=sq_pt**2, marker="s", color=COLORS["square"],
                    edgecolors="none", zorder=3,
                )  # fmt: skip
        elif kind == "diamond":
            _, est, lo, hi = r.mark
            poly = Polygon(
                [(lo, mid), (est, mid - DIAMOND_H), (hi, mid), (est, mid + DIAMOND_H)],
                closed=True, facecolor=COLORS["diamond"], edgecolor=COLORS["diamond"],
                lw=0.5, zorder=3,
            )  # fmt: skip
            pax.add_patch(poly)
        else:  # prediction interval
            _, lo, hi = r.mark
            _whisker(pax, lo, hi, mid, lo_x, hi_x, {**line_kw, "lw": 2.5, "color": "#C00000"})

    # favours labels under the axis
    for k, ln in enumerate(fav_left):
        put(null_in - GAP / 2, fav_top + LINE_H * (k + 0.5) + base, ln, ha="right")
    for k, ln in enumerate(fav_right):
        put(null_in + GAP / 2, fav_top + LINE_H * (k + 0.5) + base, ln)
    return fig


def _whisker(
    ax: Axes, lo: float, hi: float, y: float, x0: float, x1: float, kw: dict[str, Any]
) -> None:
    """A horizontal CI line, clipped to [x0, x1] with an arrow at each clipped end."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return
    a, b = max(lo, x0), min(hi, x1)
    if a < b:
        ax.plot([a, b], [y, y], **kw, zorder=2)
    arrow: dict[str, Any] = {"color": kw["color"], "markersize": 4, "clip_on": False}
    if lo < x0 and hi > x0:
        ax.plot([x0], [y], marker="<", **arrow, zorder=2)
    if hi > x1 and lo < x1:
        ax.plot([x1], [y], marker=">", **arrow, zorder=2)
    if hi <= x0:
        ax.plot([x0], [y], marker="<", **arrow, zorder=2)
    if lo >= x1:
        ax.plot([x1], [y], marker=">", **arrow, zorder=2)

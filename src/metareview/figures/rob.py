"""Risk-of-bias figures: the traffic-light plot and the summary bar chart.

Both take the judgements of one tool (:class:`~metareview.review.model.RobJudgement`
rows, e.g. ``[j for j in review.rob if j.tool == tool.name]``) and the
:class:`~metareview.review.model.RobTool` that says which judgements mean low or high
risk.  RoB 1 cells show robvis' glyphs ("+" low, "−" high, "?" unclear); cells of other
tools show the judgement's initials ("DY" for "Definitely yes"), coloured by its risk.
matplotlib is imported inside the functions.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from metareview.figures._style import COLORS, FONT_SIZE, new_figure, rc, styled
from metareview.review.model import ROB1, RobJudgement, RobTool

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

__all__ = ["domain_labels", "judgement_glyphs", "rob_summary", "summary_shares", "traffic_light"]


RISKS = ("low", "unclear", "high")
#: every risk level, in the order bars and legends show them
ALL_RISKS = ("low", "some", "unclear", "high", "critical")
_RISK_LABELS = {
    "low": "Low risk", "some": "Some concerns", "unclear": "Unclear risk",
    "high": "High risk", "critical": "Critical risk",
}  # fmt: skip


def tool_risks(tool: RobTool) -> tuple[str, ...]:
    """The risk levels a tool's judgements can take (RoB 1: low, unclear, high)."""
    used = {tool.risk(j) for j in tool.judgements} | {"unclear"}
    if _is_rob1(tool):
        return RISKS
    return tuple(r for r in ALL_RISKS if r in used)


_ROB1_GLYPHS = {"low": "+", "unclear": "?", "high": "\u2212"}  # U+2212 minus sign
_MISSING = "#D9D9D9"
#: "Q1 Sequence generated?" -> ("Q1", "Sequence generated?")
_NUMBERED = re.compile(r"^([A-Za-z]{0,3}\d{1,2}[a-z]?)[.:)\s-]+\s*(\S.*)$")


# ----------------------------------------------------------------------------- helpers
def _is_rob1(tool: RobTool) -> bool:
    return tool.name == ROB1.name or {j.lower() for j in tool.judgements} <= set(RISKS)


def judgement_glyphs(tool: RobTool, extra: Sequence[str] = ()) -> dict[str, str]:
    """The text drawn in a cell for each judgement of ``tool`` (and of ``extra``).

    RoB 1: "+", "−", "?" by risk.  Other tools: the initials of the judgement's words
    ("Probably not" -> "PN"), made longer where two judgements would share them.
    """
    names = list(dict.fromkeys([*tool.judgements, *extra]))
    if _is_rob1(tool):
        return {j: _ROB1_GLYPHS[tool.risk(j)] for j in names}
    out: dict[str, str] = {}
    for n in range(1, 4):  # 1, 2, 3 letters per word until unique
        out = {j: "".join(w[:n].capitalize() for w in j.split()[:3]) or "?" for j in names}
        if len(set(out.values())) == len(out):
            break
    if len(set(out.values())) != len(out):  # still ambiguous: number them
        out = {j: str(i + 1) for i, j in enumerate(names)}
    return out


def domain_labels(domains: Sequence[str]) -> list[tuple[str, str]]:
    """(short header, caption text) per domain.

    Domains that all start with a distinct short number ("Q1 ...", "D2: ...") keep it as
    the header; otherwise the headers are D1, D2, ... and the caption is the full name.
    """
    parts = [_NUMBERED.match(d) for d in domains]
    heads = [m.group(1) for m in parts if m]
    if len(heads) == len(domains) and len(set(heads)) == len(heads):
        return [(m.group(1), m.group(2)) for m in parts if m]
    return [(f"D{i + 1}", d) for i, d in enumerate(domains)]


def _table(
    judgements: Sequence[RobJudgement], tool: RobTool
) -> tuple[list[str], list[str], dict[tuple[str, str], str]]:
    """Studies (first-appearance order), domains (tool order) and cell judgements."""
    rows = [j for j in judgements if j.tool == tool.name] or list(judgements)
    studies = list(dict.fromkeys(j.study for j in rows))
    domains = list(tool.domains) + [
        d for d in dict.fromkeys(j.domain for j in rows) if d not in tool.domains
    ]
    cells: dict[tuple[str, str], str] = {}
    for j in rows:
        cells.setdefault((j.study, j.domain), j.judgement)
    used = set(d for _s, d in cells)
    domains = [d for d in domains if d in used] or domains
    return studies, domains, cells


def _text_size(renderer: RendererBase, text: str, size: float, weight: str = "normal") -> float:
    """Width of ``text`` in inches."""
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(family=rc()["font.family"], size=size, weight=weight)
    w, _h, _d = renderer.get_text_width_height_descent(text, prop, ismath=False)
    return float(w) / 72.0  # the measuring figure has dpi 72: 1 px = 1 pt


# ----------------------------------------------------------------------------- traffic light
def traffic_light(judgements: Sequence[RobJudgement], tool: RobTool) -> Figure:
    """robvis-style traffic-light plot: one row per study, one column per domain.

    Each cell is a circle coloured by the judgement's risk (``tool.risk``) with its glyph
    (see :func:`judgement_glyphs`); cells without a judgement are a grey ring.  The
    column headers are short labels (D1, D2, ... or the domains' own numbers, see
    :func:`domain_labels`) explained in a caption under the grid; the legend on the right
    lists every judgement.  The figure size follows the number of studies and domains.
    """
    with styled():
        return _traffic_light(judgements, tool)


def _traffic_light(judgements: Sequence[RobJudgement], tool: RobTool) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as _Figure
    from matplotlib.patches import Circle

    studies, domains, cells = _table(judgements, tool)
    glyphs = judgement_glyphs(tool, list(cells.values()))
    labels = domain_labels(domains)
    rob1 = _is_rob1(tool)
    missing = any((s, d) not in cells for s in studies for d in domains)

    # legend entries: (colour, glyph, text)
    entries: list[tuple[str, str, str]] = []
    if rob1:
        entries = [(COLORS[r], _ROB1_GLYPHS[r], _RISK_LABELS[r]) for r in RISKS]
    else:
        for j, g in glyphs.items():
            risk = tool.risk(j)
            entries.append((COLORS[risk], g, f"{j} ({_RISK_LABELS[risk].lower()})"))
    if missing:
        entries.append(("none", "", "Not assessed"))

    # ---- measure texts (inches)
    size = FONT_SIZE
    measure = _Figure(figsize=(1, 1), dpi=72)
    renderer = FigureCanvasAgg(measure).get_renderer()
    name_w = max((_text_size(renderer, s, size) for s in studies), default=0.5)
    head_w = max((_text_size(renderer, h, size, "bold") for h, _t in labels), default=0.2)
    cap_w = max((_text_size(renderer, f"{h}", size, "bold") for h, _t in labels), default=0.2)
    cap_text_w = max((_text_size(renderer, t, size) for _h, t in labels), default=1.0)
    leg_w = max((_text_size(renderer, t, size) for _c, _g, t in entries), default=1.0)
    glyph_w = max((_text_size(renderer, g, size - 1, "bold") for g in glyphs.values()), default=0)

    margin = 0.06
    cell = max(0.26, head_w + 0.08, glyph_w + 0.1)
    radius = 0.42 * min(cell, 0.3) if glyph_w < 0.2 else 0.46 * cell
    line = size / 72.0 * 1.5  # caption / legend line height
    head_h = 0.28
    pad = 0.12
    grid_w = cell * len(domains)
    grid_h = cell * len(studies)
    x_grid = margin + name_w + pad
    leg_x = x_grid + grid_w + 0.25
    leg_row = max(line, 2 * radius + 0.05)
    leg_h = line + leg_row * len(entries)
    width = max(leg_x + 2 * radius + 0.1 + leg_w + margin, margin + cap_w + 0.1 + cap_text_w)
    cap_y = margin + head_h + grid_h + 0.18
    height = max(cap_y + line * len(labels) + margin, margin + head_h + leg_h + margin)

    fig = new_figure(width, height)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0.0, width)
    ax.set_ylim(height, 0.0)  # inches from the top-left corner
    ax.set_axis_off()
    ax.set_aspect("equal")

    top = margin + head_h
    for i, (head, _t) in enumerate(labels):
        ax.text(
            x_grid + (i + 0.5) * cell,
            top - 0.08,
            head,
            ha="center",
            va="bottom",
            fontsize=size,
            fontweight="bold",
            gid="header",
        )
    for r, study in enumerate(studies):
        y = top + (r + 0.5) * cell
        if r % 2 == 0:
            ax.add_patch(_band(margin, y - cell / 2, x_grid + grid_w - margin, cell, "#F2F2F2"))
        ax.text(x_grid - pad, y, study, ha="right", va="center", fontsize=size, gid="study")
        for c, domain in enumerate(domains):
            x = x_grid + (c + 0.5) * cell
            judgement = cells.get((study, domain))
            if judgement is None:
                ax.add_patch(
                    Circle(
                        (x, y),
                        radius * 0.8,
                        facecolor="white",
                        edgecolor=_MISSING,
                        lw=1.0,
                        gid="missing",
                    )
                )
                continue
            risk = tool.risk(judgement)
            ax.add_patch(
                Circle((x, y), radius, facecolor=COLORS[risk], edgecolor="none", gid=f"cell:{risk}")
            )
            ax.text(
                x,
                y,
                glyphs[judgement],
                ha="center",
                va="center_baseline",
                fontsize=size if rob1 else size - 1,
                fontweight="bold",
                color="black" if risk == "unclear" else "white",
                gid="glyph",
            )

    # ---- legend (right of the grid): the cell circles with their glyphs
    ax.text(
        leg_x,
        top + line * 0.5,
        "Judgement",
        ha="left",
        va="center",
        fontsize=size,
        fontweight="bold",
        gid="legend",
    )
    for k, (colour, glyph, text) in enumerate(entries):
        y = top + line + leg_row * (k + 0.5)
        cx = leg_x + radius
        if colour == "none":
            ax.add_patch(
                Circle((cx, y), radius * 0.8, facecolor="white", edgecolor=_MISSING, lw=1.0)
            )
        else:
            ax.add_patch(Circle((cx, y), radius, facecolor=colour, edgecolor="none"))
            ax.text(
                cx,
                y,
                glyph,
                ha="center",
                va="center_baseline",
                fontsize=size if rob1 else size - 1,
                fontweight="bold",
                color="black" if colour == COLORS["unclear"] else "white",
                gid="glyph",
            )
        ax.text(
            leg_x + 2 * radius + 0.08, y, text, ha="left", va="center", fontsize=size, gid="legend"
        )

    # ---- caption (domain names under the grid)
    for i, (head, text) in enumerate(labels):
        y = cap_y + line * (i + 0.5)
        ax.text(
            margin, y, head, ha="left", va="center", fontsize=size, fontweight="bold", gid="caption"
        )
        ax.text(margin + cap_w + 0.1, y, text, ha="left", va="center", fontsize=size, gid="caption")
    return fig


def _band(x: float, y: float, w: float, h: float, colour: str) -> Rectangle:
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, facecolor=colour, edgecolor="none", zorder=0)


# ----------------------------------------------------------------------------- summary
def rob_summary(
    judgements: Sequence[RobJudgement],
    tool: RobTool,
    weights: Mapping[str, float] | None = None,
) -> Figure:
    """Summary bar chart: per domain, the percentage of studies at low, unclear, high risk.

    With ``weights`` (study name -> weight, e.g. the meta-analysis weights) each study
    counts with its weight instead of 1 (studies absent from ``weights`` count 0), and
    the axis reads "of weight".  Percentages are over the studies judged on the domain.
    """
    with styled():
        return _summary(judgements, tool, weights)


def summary_shares(
    judgements: Sequence[RobJudgement],
    tool: RobTool,
    weights: Mapping[str, float] | None = None,
) -> dict[str, dict[str, float]]:
    """Per domain, the percentage (0-100) of (weighted) studies at each risk."""
    studies, domains, cells = _table(judgements, tool)
    out: dict[str, dict[str, float]] = {}
    for d in domains:
        tot = {r: 0.0 for r in tool_risks(tool)}
        for s in studies:
            j = cells.get((s, d))
            if j is None:
                continue
            tot[tool.risk(j)] += 1.0 if weights is None else float(weights.get(s, 0.0))
        total = sum(tot.values())
        out[d] = {r: (100.0 * v / total if total > 0 else 0.0) for r, v in tot.items()}
    return out


def _summary(
    judgements: Sequence[RobJudgement],
    tool: RobTool,
    weights: Mapping[str, float] | None,
) -> Figure:
    shares = summary_shares(judgements, tool, weights)
    domains = list(shares)
    wrapped = [textwrap.fill(d, 42) for d in domains]
    n_lines = sum(w.count("\n") + 1 for w in wrapped)
    height = 0.75 + 0.2 * max(len(domains), 1) + 0.12 * n_lines
    fig = new_figure(6.0, height)
    fig.set_layout_engine("constrained")
    ax: Axes = fig.add_subplot()
    ys = list(range(len(domains)))
    left = [0.0] * len(domains)
    for risk in tool_risks(tool):
        vals = [shares[d][risk] for d in domains]
        ax.barh(
            ys,
            vals,
            left=left,
            height=0.7,
            color=COLORS[risk],
            edgecolor="white",
            linewidth=0.5,
            label=_RISK_LABELS[risk],
            gid=f"bar:{risk}",
        )
        left = [a + b for a, b in zip(left, vals, strict=True)]
    ax.set_yticks(ys, wrapped)
    ax.set_ylim(len(domains) - 0.5, -0.5)  # first domain at the top
    ax.set_xlim(0, 100)
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel("Percentage of " + ("weight" if weights is not None else "studies"))
    fig.legend(
        loc="outside lower center",
        ncols=3,
        frameon=False,
        fontsize=FONT_SIZE,
        handlelength=1.2,
    )
    return fig

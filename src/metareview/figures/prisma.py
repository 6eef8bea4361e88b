"""PRISMA 2020 flow diagram (new reviews), count checks, and the PRISMA2020 R package's CSV.

* :func:`prisma_flow` draws the PRISMA 2020 flow diagram for new systematic reviews
  (identification via databases and registers; an "other methods" column only when
  ``Prisma.other_methods`` is given).  Box text is wrapped to measured widths and boxes grow
  to fit it; missing counts are printed as ``n = ?``, never invented.
* :func:`check_prisma` lists the counts that do not add up, each message naming its box.
* :func:`read_prisma_csv` / :func:`write_prisma_csv` read and write the input CSV of the
  PRISMA2020 R package / Shiny app (Haddaway et al. 2022, doi:10.1002/cl2.1230; template
  ``inst/extdata/PRISMA.csv``, MIT licence).

Our model has one reports pipeline (sought, not retrieved, assessed, excluded): it is the
"databases and registers" arm of the PRISMA 2020 template (``dbr_*`` variables in the CSV).
Records found by other methods are one count (``other_methods``); in the diagram they flow
to the included studies, as in the template.  The CSV's previous-review, per-register and
other-methods report counts have no field of ours: :func:`read_prisma_csv` keeps them as
extra fields of the returned :class:`Prisma` (so :func:`write_prisma_csv` writes them back)
and names each in its notice list.

matplotlib is imported inside the functions.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from metareview.figures._style import FONT_SIZE, new_figure, rc
from metareview.review.model import Prisma

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["check_prisma", "prisma_flow", "read_prisma_csv", "write_prisma_csv"]

# --- look -------------------------------------------------------------------------------

#: colours of the official template / R package (title "Goldenrod1", grey "Gainsboro")
_TITLE_YELLOW = "#FFC125"
_TITLE_GREY = "#DCDCDC"
_PHASE_BLUE = "#A9C8E8"
_EDGE = "#000000"
_LW = 0.6

_PAD_X = 0.08  # inches of padding between box edge and text
_PAD_Y = 0.07
_MIN_BOX_H = 0.42
_GAP_X = 0.38  # between columns (room for the horizontal arrows)
_GAP_Y = 0.26  # between rows (room for the vertical arrows)
_PHASE_W = 0.26  # the rotated phase bars on the left
_PHASE_GAP = 0.12
_MAIN_W = 2.05
_SIDE_W = 2.05
_OTHER_W = 1.85
_LINESPACING = 1.25
_INDENT = "    "
_MARGIN = 0.04  # around the drawing, so the outer box edges are not clipped
_GENERIC_DATABASES = "Databases"  # key used when only a total over all databases is known


def _n(value: int | None) -> str:
    # non-breaking spaces: "(n = 12)" is never split across lines
    return "n\u00a0=\u00a0?" if value is None else f"n\u00a0=\u00a0{value:,}"


# --- count checks -----------------------------------------------------------------------


def check_prisma(prisma: Prisma) -> list[str]:
    """Counts that do not add up, one message per problem, each naming its box.

    Only relations whose counts are all known are checked (a missing count is not an error).
    Records removed before screening are checked when at least one removal count is given
    (the others then count as 0).
    """
    problems: list[str] = []
    p = prisma

    scalars: dict[str, int | None] = {
        "Records identified from registers": p.registers,
        "Records identified from other methods": p.other_methods,
        "Duplicate records removed": p.duplicates_removed,
        "Records marked as ineligible by automation tools": p.automation_removed,
        "Records removed for other reasons": p.other_removed,
        "Records screened": p.records_screened,
        "Records excluded": p.records_excluded,
        "Reports sought for retrieval": p.reports_sought,
        "Reports not retrieved": p.reports_not_retrieved,
        "Reports assessed for eligibility": p.reports_assessed,
        "Studies included in review": p.studies_included,
        "Reports of included studies": p.reports_included,
    }
    for name, value in scalars.items():
        if value is not None and value < 0:
            problems.append(f"{name} ({value}) is negative")
    for db, value in p.databases.items():
        if value < 0:
            problems.append(f"Records identified from database {db!r} ({value}) is negative")
    for reason, value in p.reports_excluded.items():
        if value < 0:
            problems.append(f"Reports excluded, reason {reason!r} ({value}) is negative")

    removals = (p.duplicates_removed, p.automation_removed, p.other_removed)
    if p.records_screened is not None and p.databases:
        identified = p.records_identified
        if any(r is not None for r in removals):
            removed = sum(r or 0 for r in removals)
            expected = identified - removed
            if p.records_screened != expected:
                problems.append(
                    f"Records screened ({p.records_screened}) should equal records identified "
                    f"({identified}) minus records removed ({removed}) = {expected}"
                )
        elif p.records_screened > identified:
            problems.append(
                f"Records screened ({p.records_screened}) exceeds records identified ({identified})"
            )

    if p.records_screened is not None and p.records_excluded is not None:
        if p.records_excluded > p.records_screened:
            problems.append(
                f"Records excluded ({p.records_excluded}) exceeds records screened "
                f"({p.records_screened})"
            )
        elif p.reports_sought is not None:
            expected = p.records_screened - p.records_excluded
            if p.reports_sought != expected:
                problems.append(
                    f"Reports sought for retrieval ({p.reports_sought}) should equal records "
                    f"screened ({p.records_screened}) minus records excluded "
                    f"({p.records_excluded}) = {expected}"
                )

    if p.reports_sought is not None and p.reports_not_retrieved is not None:
        if p.reports_not_retrieved > p.reports_sought:
            problems.append(
                f"Reports not retrieved ({p.reports_not_retrieved}) exceeds reports sought "
                f"for retrieval ({p.reports_sought})"
            )
        elif p.reports_assessed is not None:
            expected = p.reports_sought - p.reports_not_retrieved
            if p.reports_assessed != expected:
                problems.append(
                    f"Reports assessed for eligibility ({p.reports_assessed}) should equal "
                    f"reports sought for retrieval ({p.reports_sought}) minus reports not "
                    f"retrieved ({p.reports_not_retrieved}) = {expected}"
                )

    if p.reports_assessed is not None and p.reports_excluded:
        excluded = sum(p.reports_excluded.values())
        remaining = p.reports_assessed - excluded
        if excluded > p.reports_assessed:
            problems.append(
                f"Reports excluded ({excluded}) exceeds reports assessed for eligibility "
                f"({p.reports_assessed})"
            )
        elif p.other_methods is None and p.reports_included is not None:
            # without other methods every included report passed the assessment box
            if p.reports_included != remaining:
                problems.append(
                    f"Reports of included studies ({p.reports_included}) should equal reports "
                    f"assessed for eligibility ({p.reports_assessed}) minus reports excluded "
                    f"({excluded}) = {remaining}"
                )
        elif (
            p.other_methods is None
            and p.studies_included is not None
            and p.studies_included > remaining
        ):
            problems.append(
                f"Studies included in review ({p.studies_included}) exceeds reports "
                f"assessed for eligibility ({p.reports_assessed}) minus reports excluded "
                f"({excluded}) = {remaining}"
            )

    if (
        p.studies_included is not None
        and p.reports_included is not None
        and p.studies_included > p.reports_included
    ):
        problems.append(
            f"Studies included in review ({p.studies_included}) exceeds reports of included "
            f"studies ({p.reports_included}); every study has at least one report"
        )
    return problems


# --- text measuring and wrapping --------------------------------------------------------


@dataclass
class _Box:
    """One box: its paragraphs, and whether they are a left-aligned list."""

    key: str
    paragraphs: list[str]
    #: list lines as (text, level): indented by level, hanging indent when wrapped
    items: list[tuple[str, int]] = field(default_factory=list)
    align: str = "center"
    face: str = "white"
    bold: bool = False
    lines: list[str] = field(default_factory=list)
    width: float = 0.0  # inches
    height: float = 0.0
    x: float = 0.0  # left edge (inches)
    y: float = 0.0  # top edge (inches, y grows downwards)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


class _Measure:
    """Text extents in inches, measured with the Agg renderer of the figure being drawn."""

    def __init__(self, fig: Figure) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        canvas = FigureCanvasAgg(fig)
        self.fig = fig
        self.renderer = canvas.get_renderer()
        self.dpi = float(fig.dpi)

    def _props(self, bold: bool) -> Any:
        from matplotlib.font_manager import FontProperties

        return FontProperties(
            family="DejaVu Sans", size=FONT_SIZE, weight="bold" if bold else "normal"
        )

    def width(self, text: str, bold: bool = False) -> float:
        w, _h, _d = self.renderer.get_text_width_height_descent(
            text, self._props(bold), ismath=False
        )
        return float(w) / self.dpi

    def block(self, text: str, bold: bool = False, rotation: float = 0.0) -> tuple[float, float]:
        """Width and height (inches) of a multi-line text as drawn."""
        t = self.fig.text(
            0,
            0,
            text,
            fontproperties=self._props(bold),
            linespacing=_LINESPACING,
            rotation=rotation,
        )
        bb = t.get_window_extent(self.renderer)
        t.remove()
        return float(bb.width) / self.dpi, float(bb.height) / self.dpi


def _wrap(
    text: str, max_w: float, width: Callable[[str], float], first: str = "", indent: str = ""
) -> list[str]:
    """Greedy word wrap to ``max_w`` inches; the first line starts with ``first``,
    continuation lines with ``indent``.

    A word longer than the line is broken between characters, so no line overflows.
    """
    lines: list[str] = []
    current = ""
    for word in (w for w in text.split(" ") if w):  # split(" "): keep non-breaking spaces
        candidate = f"{current} {word}" if current else (indent if lines else first) + word
        if width(candidate) <= max_w:
            current = candidate
            continue
        if current:
            lines.append(current)
            current = ""
        piece = (indent if lines else first) + word
        while width(piece) > max_w and len(piece.strip()) > 1:
            cut = len(piece) - 1
            while cut > len(indent) + 1 and width(piece[:cut]) > max_w:
                cut -= 1
            lines.append(piece[:cut])
            piece = indent + piece[cut:]
        current = piece
    if current or not lines:
        lines.append(current)
    return lines


def _layout_text(box: _Box, measure: _Measure, text_w: float) -> tuple[float, float]:
    """Wrap the box's text to ``text_w`` inches; return the measured (width, height)."""

    def w(s: str) -> float:
        return measure.width(s, box.bold)

    lines: list[str] = []
    for par in box.paragraphs:
        lines.extend(_wrap(par, text_w, w))
    for item, level in box.items:
        prefix = _INDENT * level
        lines.extend(_wrap(item, text_w, w, first=prefix, indent=prefix + _INDENT))
    box.lines = lines
    return measure.block(box.text, box.bold)


# --- the diagram ------------------------------------------------------------------------


def _boxes(p: Prisma) -> dict[str, _Box]:
    ident_items: list[str] = []
    if len(p.databases) > 1 or (p.databases and _GENERIC_DATABASES not in p.databases):
        ident_items = [f"{name} ({_n(v)})" for name, v in p.databases.items()]
    databases_total = sum(p.databases.values()) if p.databases else None
    ident = _Box(
        "identified",
        ["Records identified from:"],
        [
            (f"Databases ({_n(databases_total)})" + (":" if ident_items else ""), 0),
            *((item, 1) for item in ident_items),
            (f"Registers ({_n(p.registers)})", 0),
        ],
        align="left",
    )

    removed = _Box(
        "removed",
        ["Records removed before screening:"],
        [
            (f"Duplicate records removed ({_n(p.duplicates_removed)})", 0),
            (f"Records marked as ineligible by automation tools ({_n(p.automation_removed)})", 0),
            (f"Records removed for other reasons ({_n(p.other_removed)})", 0),
        ],
        align="left",
    )
    if p.reports_excluded:
        total = sum(p.reports_excluded.values())
        excluded = _Box(
            "reports_excluded",
            [f"Reports excluded ({_n(total)}):"],
            [(f"{reason} ({_n(v)})", 0) for reason, v in p.reports_excluded.items()],
            align="left",
        )
    else:
        excluded = _Box("reports_excluded", [f"Reports excluded ({_n(None)})"])
    boxes = [
        ident,
        removed,
        _Box("screened", ["Records screened", f"({_n(p.records_screened)})"]),
        _Box("records_excluded", ["Records excluded", f"({_n(p.records_excluded)})"]),
        _Box("sought", ["Reports sought for retrieval", f"({_n(p.reports_sought)})"]),
        _Box("not_retrieved", ["Reports not retrieved", f"({_n(p.reports_not_retrieved)})"]),
        _Box("assessed", ["Reports assessed for eligibility", f"({_n(p.reports_assessed)})"]),
        excluded,
        _Box(
            "included",
            [
                "Studies included in review",
                f"({_n(p.studies_included)})",
                "Reports of included studies",
                f"({_n(p.reports_included)})",
            ],
        ),
        _Box(
            "header_dbr",
            ["Identification of new studies via databases and registers"],
            face=_TITLE_YELLOW,
            bold=True,
        ),
    ]
    if p.other_methods is not None:
        boxes += [
            _Box(
                "other_methods",
                [
                    "Records identified from other methods (websites, organisations, "
                    "citation searching, hand searching)",
                    f"({_n(p.other_methods)})",
                ],
            ),
            _Box(
                "header_other",
                ["Identification of new studies via other methods"],
                face=_TITLE_GREY,
                bold=True,
            ),
        ]
    return {b.key: b for b in boxes}


def prisma_flow(prisma: Prisma, *, title: str | None = None, strict: bool = True) -> Figure:
    """The PRISMA 2020 flow diagram for new reviews (databases and registers; other methods).

    Raises ``ValueError`` listing the inconsistent counts (see :func:`check_prisma`) unless
    ``strict=False``.  Every box carries a ``gid`` ``prisma-box-<key>`` and its text
    ``prisma-text-<key>`` (also in the SVG), so tests and styling can find them.
    """
    import matplotlib

    problems = check_prisma(prisma)
    if problems and strict:
        raise ValueError(
            "PRISMA counts do not add up (pass strict=False to draw anyway):\n- "
            + "\n- ".join(problems)
        )

    params: Any = rc()  # typed loosely: matplotlib's stubs want literal rcParams keys
    with matplotlib.rc_context(params):
        fig = new_figure(7.0, 7.0)
        measure = _Measure(fig)
        boxes = _boxes(prisma)
        has_other = "other_methods" in boxes

        # column widths: the base width, grown when a single token cannot be wrapped narrower
        col_keys = {
            "main": ["identified", "screened", "sought", "assessed", "included"],
            "side": ["removed", "records_excluded", "not_retrieved", "reports_excluded"],
            "other": ["other_methods"] if has_other else [],
        }
        col_w = {"main": _MAIN_W, "side": _SIDE_W, "other": _OTHER_W if has_other else 0.0}
        for col, keys in col_keys.items():
            for key in keys:
                tw, th = _layout_text(boxes[key], measure, col_w[col] - 2 * _PAD_X)
                col_w[col] = max(col_w[col], tw + 2 * _PAD_X)
                boxes[key].width = col_w[col]
                boxes[key].height = max(_MIN_BOX_H, th + 2 * _PAD_Y)
        for col, keys in col_keys.items():  # every box of a column has the column's width
            for key in keys:
                boxes[key].width = col_w[col]

        x_main = _PHASE_W + _PHASE_GAP
        x_side = x_main + col_w["main"] + _GAP_X
        x_other = x_side + col_w["side"] + _GAP_X
        width = (x_other + col_w["other"]) if has_other else (x_side + col_w["side"])
        for key in col_keys["main"]:
            boxes[key].x = x_main
        for key in col_keys["side"]:
            boxes[key].x = x_side
        if has_other:
            boxes["other_methods"].x = x_other

        # headers
        top = 0.0
        title_text = ""
        if title:
            title_lines = _wrap(title, width, lambda s: measure.width(s, True))
            title_text = "\n".join(title_lines)
            title_h = measure.block(title_text, True)[1]
            top = title_h + 0.15
        headers = [("header_dbr", x_main, x_side + col_w["side"] - x_main)]
        if has_other:
            headers.append(("header_other", x_other, col_w["other"]))
        header_h = 0.0
        for key, hx, hw in headers:
            _tw, th = _layout_text(boxes[key], measure, hw - 2 * _PAD_X)
            boxes[key].x, boxes[key].width = hx, hw
            header_h = max(header_h, th + 2 * _PAD_Y, 0.34)
        for key, _hx, _hw in headers:
            boxes[key].y, boxes[key].height = top, header_h
        y = top + header_h + _GAP_Y * 0.8

        # rows; a phase's rows grow so its rotated label fits in its bar
        rows = [
            ["identified", "removed", "other_methods"],
            ["screened", "records_excluded"],
            ["sought", "not_retrieved"],
            ["assessed", "reports_excluded"],
            ["included"],
        ]
        phases = [("Identification", [0]), ("Screening", [1, 2, 3]), ("Included", [4])]
        row_h = [max(boxes[k].height for k in row if k in boxes) for row in rows]
        for label, idx in phases:
            need = measure.block(label, True, rotation=90)[1] + 2 * _PAD_Y
            span = sum(row_h[i] for i in idx) + _GAP_Y * (len(idx) - 1)
            if span < need:
                for i in idx:
                    row_h[i] += (need - span) / len(idx)
        row_top: list[float] = []
        for h in row_h:
            row_top.append(y)
            y += h + _GAP_Y
        height = y - _GAP_Y
        for row, rt, rh in zip(rows, row_top, row_h, strict=True):
            for key in row:
                if key in boxes:
                    boxes[key].y = rt + (rh - boxes[key].height) / 2

        fig.set_size_inches(width + 2 * _MARGIN, height + 2 * _MARGIN)
        ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
        ax.set_xlim(-_MARGIN, width + _MARGIN)
        ax.set_ylim(height + _MARGIN, -_MARGIN)
        ax.set_axis_off()

        if title:
            ax.text(
                width / 2,
                0,
                title_text,
                ha="center",
                va="top",
                fontsize=FONT_SIZE,
                fontweight="bold",
                linespacing=_LINESPACING,
                gid="prisma-title",
            )
        for label, idx in phases:
            y0 = row_top[idx[0]]
            y1 = row_top[idx[-1]] + row_h[idx[-1]]
            _draw_box(
                ax,
                _Box(f"phase_{label.lower()}", [label], face=_PHASE_BLUE, bold=True, lines=[label]),
                0.0,
                y0,
                _PHASE_W,
                y1 - y0,
                rotation=90,
            )
        for box in boxes.values():
            _draw_box(ax, box, box.x, box.y, box.width, box.height)
        _draw_arrows(ax, boxes)
    return fig


def _draw_box(
    ax: Axes, box: _Box, x: float, y: float, w: float, h: float, rotation: float = 0.0
) -> None:
    from matplotlib.patches import Rectangle

    ax.add_patch(
        Rectangle(
            (x, y),
            w,
            h,
            facecolor=box.face,
            edgecolor=_EDGE,
            linewidth=_LW,
            gid=f"prisma-box-{box.key}",
        )
    )
    if box.align == "left" and rotation == 0:
        tx, ha = x + _PAD_X, "left"
    else:
        tx, ha = x + w / 2, "center"
    ax.text(
        tx,
        y + h / 2,
        box.text,
        ha=ha,
        va="center",
        multialignment=ha,
        rotation=rotation,
        rotation_mode="anchor" if rotation == 0 else "default",
        fontsize=FONT_SIZE,
        fontweight="bold" if box.bold else "normal",
        linespacing=_LINESPACING,
        gid=f"prisma-text-{box.key}",
    )


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.annotate(
        "",
        xy=end,
        xytext=start,
        arrowprops={
            "arrowstyle": "-|>",
            "color": _EDGE,
            "lw": 0.8,
            "shrinkA": 0,
            "shrinkB": 0,
            "mutation_scale": 8,
        },
    )


def _draw_arrows(ax: Axes, boxes: dict[str, _Box]) -> None:
    def bottom(b: _Box) -> tuple[float, float]:
        return b.x + b.width / 2, b.y + b.height

    def top(b: _Box) -> tuple[float, float]:
        return b.x + b.width / 2, b.y

    main = ["identified", "screened", "sought", "assessed", "included"]
    for upper, lower in itertools.pairwise(main):
        _arrow(ax, bottom(boxes[upper]), top(boxes[lower]))
    for left, right in [
        ("identified", "removed"),
        ("screened", "records_excluded"),
        ("sought", "not_retrieved"),
        ("assessed", "reports_excluded"),
    ]:
        a, b = boxes[left], boxes[right]
        yc = a.y + a.height / 2
        _arrow(ax, (a.x + a.width, yc), (b.x, yc))
    if "other_methods" in boxes:
        o, inc = boxes["other_methods"], boxes["included"]
        ox, oy = bottom(o)
        yc = inc.y + inc.height / 2
        ax.plot([ox, ox], [oy, yc], color=_EDGE, lw=0.8, solid_capstyle="butt")
        _arrow(ax, (ox, yc), (inc.x + inc.width, yc))


# --- the PRISMA2020 R package's CSV -----------------------------------------------------

#: the template's rows (data, node, box, description, boxtext, tooltips, url, n) as shipped
#: in PRISMA2020 1.1.4 ``inst/extdata/PRISMA.csv`` (MIT licence, Copyright Neal R Haddaway)
_CSV_COLUMNS = ("data", "node", "box", "description", "boxtext", "tooltips", "url", "n")
_DBR_TIP = "Records identified from: Databases and Registers"
_OTH_TIP = "Records identified from: Websites, Organisations and Citation Searching"
_REASONS = "[separate reasons and numbers using ; e.g. Reason1, xxx; Reason2, xxx; Reason3, xxx]"
_CSV_TEMPLATE: tuple[tuple[str, ...], ...] = (
    ("NA", "node4", "prevstud", "Grey title box; Previous studies", "Previous studies",
     "Grey title box; Previous studies", "prevstud.html", "0"),
    ("previous_studies", "node5", "box1", "Studies included in previous version of review",
     "Studies included in previous version of review",
     "Studies included in previous version of review", "previous_studies.html", "0"),
    ("previous_reports", "NA", "box1", "Reports of studies included in previous version of review",
     "Reports of studies included in previous version of review", "NA",
     "previous_reports.html", "0"),
    ("NA", "node6", "newstud",
     "Yellow title box; Identification of new studies via databases and registers",
     "Identification of new studies via databases and registers",
     "Yellow title box; Identification of new studies via databases and registers",
     "newstud.html", "0"),
    ("database_results", "node7", "box2", "Records identified from: Databases", "Databases",
     _DBR_TIP, "database_results.html", "0"),
    ("database_specific_results", "NA", "box2", "Records identified from: specific databases",
     "Specific Databases", "NA", "database_results.html",
     "Database 1, xxx; Database 2, xxx; Database 3, xxx"),
    ("register_results", "NA", "box2", "Records identified from: Registers", "Registers", "NA",
     "NA", "0"),
    ("register_specific_results", "NA", "box2", "Records identified from: specific registers",
     "Specific Registers", "NA", "database_results.html",
     "Register 1, xxx; Register 2, xxx; Register 3, xxx"),
    ("NA", "node16", "othstud", "Grey title box; Identification of new studies via other methods",
     "Identification of new studies via other methods",
     "Grey title box; Identification of new studies via other methods", "othstud.html", "0"),
    ("website_results", "node17", "box11", "Records identified from: Websites", "Websites",
     _OTH_TIP, "website_results.html", "0"),
    ("organisation_results", "", "box11", "Records identified from: Organisations",
     "Organisations", "NA", "NA", "0"),
    ("citations_results", "NA", "box11", "Records identified from: Citation searching",
     "Citation searching", "NA", "NA", "0"),
    ("duplicates", "node8", "box3", "Duplicate records", "Duplicate records",
     "Duplicate records", "duplicates.html", "0"),
    ("excluded_automatic", "NA", "box3", "Records marked as ineligible by automation tools",
     "Records marked as ineligible by automation tools", "NA", "NA", "0"),
    ("excluded_other", "NA", "box3", "Records removed for other reasons",
     "Records removed for other reasons", "NA", "NA", "0"),
    ("records_screened", "node9", "box4", "Records screened (databases and registers)",
     "Records screened", "Records screened (databases and registers)",
     "records_screened.html", "0"),
    ("records_excluded", "node10", "box5", "Records excluded (databases and registers)",
     "Records excluded", "Records excluded (databases and registers)",
     "records_excluded.html", "0"),
    ("dbr_sought_reports", "node11", "box6",
     "Reports sought for retrieval (databases and registers)", "Reports sought for retrieval",
     "Reports sought for retrieval (databases and registers)", "dbr_sought_reports.html", "0"),
    ("dbr_notretrieved_reports", "node12", "box7",
     "Reports not retrieved (databases and registers)", "Reports not retrieved",
     "Reports not retrieved (databases and registers)", "dbr_notretrieved_reports.html", "0"),
    ("other_sought_reports", "node18", "box12", "Reports sought for retrieval (other)",
     "Reports sought for retrieval", "Reports sought for retrieval (other)",
     "other_sought_reports.html", "0"),
    ("other_notretrieved_reports", "node19", "box13", "Reports not retrieved (other)",
     "Reports not retrieved", "Reports not retrieved (other)",
     "other_notretrieved_reports.html", "0"),
    ("dbr_assessed", "node13", "box8",
     "Reports assessed for eligibility (databases and registers)",
     "Reports assessed for eligibility",
     "Reports assessed for eligibility (databases and registers)", "dbr_assessed.html", "0"),
    ("dbr_excluded", "node14", "box9", f"Reports excluded (databases and registers): {_REASONS}",
     "Reports excluded", "Reports excluded (databases and registers)",
     "dbrexcludedrecords.html", "Reason1, xxx; Reason2, xxx; Reason3, xxx"),
    ("other_assessed", "node20", "box14", "Reports assessed for eligibility (other)",
     "Reports assessed for eligibility", "Reports assessed for eligibility (other)",
     "other_assessed.html", "0"),
    ("other_excluded", "node21", "box15", f"Reports excluded (other): {_REASONS}",
     "Reports excluded", "Reports excluded (other)", "other_excluded.html",
     "Reason1, xxx; Reason2, xxx; Reason3, xxx"),
    ("new_studies", "node15", "box10", "New studies included in review",
     "New studies included in review", "New studies included in review",
     "new_studies.html", "0"),
    ("new_reports", "NA", "box10", "Reports of new included studies",
     "Reports of new included studies", "NA", "NA", "0"),
    ("total_studies", "node22", "box16", "Total studies included in review",
     "Total studies included in review", "Total studies included in review",
     "total_studies.html", "0"),
    ("total_reports", "NA", "box16", "Reports of total included studies",
     "Reports of total included studies", "NA", "NA", "0"),
    ("identification", "node1", "identification", "Blue identification box", "Identification",
     "Blue identification box", "identification.html", "0"),
    ("screening", "node2", "screening", "Blue screening box", "Screening", "Blue screening box",
     "screening.html", "0"),
    ("included", "node3", "included", "Blue included box", "Included", "Blue included box",
     "included.html", "0"),
    ("total_studies_ma", "node23", "box17", "Total studies included in meta-analysis",
     "Total studies included in meta-analysis", "Total studies included in meta-analysis",
     "total_studies_meta_analysis.html", "0"),
    ("total_reports_ma", "NA", "box17", "Reports of total included studies in meta-analysis",
     "Reports of total included studies in meta-analysis", "NA", "NA", "0"),
)  # fmt: skip

#: CSV variable -> our scalar field
_SCALAR_MAP = {
    "register_results": "registers",
    "duplicates": "duplicates_removed",
    "excluded_automatic": "automation_removed",
    "excluded_other": "other_removed",
    "records_screened": "records_screened",
    "records_excluded": "records_excluded",
    "dbr_sought_reports": "reports_sought",
    "dbr_notretrieved_reports": "reports_not_retrieved",
    "dbr_assessed": "reports_assessed",
    "new_studies": "studies_included",
    "new_reports": "reports_included",
}
_OTHER_SOURCES = ("website_results", "organisation_results", "citations_results")
#: variables without a field of ours: kept as extras of the Prisma model, named in notices
_UNMAPPED_COUNTS = (
    "previous_studies",
    "previous_reports",
    "other_sought_reports",
    "other_notretrieved_reports",
    "other_assessed",
    "total_studies_ma",
    "total_reports_ma",
)
_UNMAPPED_LISTS = ("register_specific_results", "other_excluded")
_LABEL_ROWS = ("identification", "screening", "included")


def _parse_count(text: str, name: str) -> int | None:
    s = text.strip()
    if s == "" or s.upper() == "NA":
        return None
    try:
        return int(s.replace(",", ""))
    except ValueError:
        try:
            f = float(s)
        except ValueError:
            raise ValueError(f"PRISMA CSV: {name} = {text!r} is not a count") from None
        if not f.is_integer():
            raise ValueError(f"PRISMA CSV: {name} = {text!r} is not a whole number") from None
        return int(f)


def _parse_list(text: str, name: str, notices: list[str]) -> dict[str, int]:
    """``"Label, 12; Label 2, 3"`` -> dict; placeholder entries (``xxx``) go to ``notices``."""
    out: dict[str, int] = {}
    placeholders: list[str] = []
    for part in text.split(";"):
        part = part.strip()
        if not part or part.upper() == "NA":
            continue
        label, sep, count = part.rpartition(",")
        label, count = label.strip(), count.strip()
        if not sep or not label:
            raise ValueError(f"PRISMA CSV: {name}: {part!r} is not 'label, count'")
        try:
            out[label] = int(count.replace(" ", ""))
        except ValueError:
            placeholders.append(part)
    if placeholders:
        notices.append(
            f"{name}: entries without a count ignored (template placeholders?): "
            + "; ".join(placeholders)
        )
    return out


def _format_list(values: dict[str, int]) -> str:
    for label in values:
        if ";" in label:
            raise ValueError(f"PRISMA CSV cannot hold a label containing ';': {label!r}")
    return "; ".join(f"{label}, {n}" for label, n in values.items())


def read_prisma_csv(path: str | Path) -> tuple[Prisma, list[str]]:
    """Read the PRISMA2020 R package's CSV; return the counts and a list of notices.

    Mapping (CSV variable -> :class:`Prisma` field): ``database_specific_results`` ->
    ``databases`` (or ``{"Databases": database_results}`` when only the total is given);
    ``register_results`` -> ``registers``; ``website_results + organisation_results +
    citations_results`` -> ``other_methods``; ``duplicates``, ``excluded_automatic``,
    ``excluded_other`` -> ``*_removed``; ``records_screened``, ``records_excluded``;
    ``dbr_sought_reports`` -> ``reports_sought``; ``dbr_notretrieved_reports`` ->
    ``reports_not_retrieved``; ``dbr_assessed`` -> ``reports_assessed``; ``dbr_excluded`` ->
    ``reports_excluded``; ``new_studies`` -> ``studies_included``; ``new_reports`` ->
    ``reports_included``.  Empty cells are missing counts (``None``).

    Whatever has no field of ours (previous-review counts, per-register counts, the
    other-methods reports arm, totals that differ from the new counts, meta-analysis totals,
    the per-source split of other methods) is kept as an extra field of the returned model
    under its CSV name and described in the notices; nothing is dropped silently.
    """
    p = Path(path)
    with p.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ("data", "n") if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{p.name}: not a PRISMA2020 CSV (no column {', '.join(missing)})")
        values: dict[str, str] = {}
        for row in reader:
            name = (row.get("data") or "").strip()
            if name and name.upper() != "NA" and name not in _LABEL_ROWS:
                values[name] = (row.get("n") or "").strip()

    notices: list[str] = []
    fields: dict[str, Any] = {}
    extras: dict[str, Any] = {}

    def count(name: str) -> int | None:
        return _parse_count(values.get(name, ""), name)

    db_total = count("database_results")
    databases = _parse_list(
        values.get("database_specific_results", ""), "database_specific_results", notices
    )
    if databases:
        if db_total is not None and db_total != sum(databases.values()):
            notices.append(
                f"database_results ({db_total}) differs from the sum of "
                f"database_specific_results ({sum(databases.values())}); the per-database "
                "counts are used, database_results kept as an extra field"
            )
            extras["database_results"] = db_total
        fields["databases"] = databases
    elif db_total is not None:
        fields["databases"] = {_GENERIC_DATABASES: db_total}

    for csv_name, ours in _SCALAR_MAP.items():
        fields[ours] = count(csv_name)

    sources = {name: count(name) for name in _OTHER_SOURCES}
    known = {k: v for k, v in sources.items() if v is not None}
    if known:
        fields["other_methods"] = sum(known.values())
        if sum(1 for v in known.values() if v) > 1:
            split = ", ".join(f"{k} = {v}" for k, v in known.items())
            notices.append(
                f"other methods are one count here ({fields['other_methods']}); the split "
                f"{split} is kept as extra fields"
            )
            extras.update(known)

    fields["reports_excluded"] = _parse_list(
        values.get("dbr_excluded", ""), "dbr_excluded", notices
    )

    for name in _UNMAPPED_COUNTS:
        value = count(name)
        if value:  # 0 and empty carry nothing
            extras[name] = value
            notices.append(f"{name} = {value} has no field here; kept as an extra field")
    for name in _UNMAPPED_LISTS:
        items = _parse_list(values.get(name, ""), name, notices)
        if items:
            extras[name] = items
            notices.append(f"{name} ({_format_list(items)}) has no field here; kept as extra")
    previous = [count("previous_studies"), count("previous_reports")]
    totals = (("total_studies", "new_studies"), ("total_reports", "new_reports"))
    for total_name, new_name in totals:
        total, new = count(total_name), count(new_name)
        if total is None or total == new or (not any(previous) and new is None and total == 0):
            continue
        extras[total_name] = total
        notices.append(
            f"{total_name} = {total} differs from {new_name} = {new} (previous version of the "
            "review?); kept as an extra field"
        )
    known_names = {row[0] for row in _CSV_TEMPLATE}
    for name in values:
        if name not in known_names:
            notices.append(f"unknown variable {name!r} = {values[name]!r} ignored")
    return Prisma.model_validate({**fields, **extras}), notices


def write_prisma_csv(prisma: Prisma, path: str | Path) -> Path:
    """Write the counts as the PRISMA2020 R package's CSV (the template's rows and columns).

    Missing counts are written as empty cells (the R package then leaves the line out);
    extra fields named like a CSV variable (as :func:`read_prisma_csv` keeps them) are
    written to their rows.  Totals are the new counts (a new review has no previous version)
    unless ``total_studies`` / ``total_reports`` extras say otherwise.
    """
    p = prisma
    extra = dict(p.model_extra or {})

    def cell(value: int | None) -> str:
        return "" if value is None else str(value)

    n: dict[str, str] = {}
    if list(p.databases) == [_GENERIC_DATABASES]:
        n["database_results"] = cell(p.databases[_GENERIC_DATABASES])
        n["database_specific_results"] = ""
    else:
        db_total = sum(p.databases.values()) if p.databases else None
        n["database_results"] = cell(extra.get("database_results", db_total))
        n["database_specific_results"] = _format_list(p.databases)
    for csv_name, ours in _SCALAR_MAP.items():
        n[csv_name] = cell(getattr(p, ours))
    if any(name in extra for name in _OTHER_SOURCES):
        for name in _OTHER_SOURCES:
            n[name] = cell(extra.get(name))
    else:
        n["website_results"] = ""
        n["organisation_results"] = ""
        n["citations_results"] = cell(p.other_methods)
    n["dbr_excluded"] = _format_list(p.reports_excluded)
    for name in _UNMAPPED_COUNTS:
        n[name] = cell(extra.get(name))
    for name in _UNMAPPED_LISTS:
        n[name] = _format_list(extra.get(name, {}))
    n["total_studies"] = cell(extra.get("total_studies", p.studies_included))
    n["total_reports"] = cell(extra.get("total_reports", p.reports_included))

    out = Path(path)
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(_CSV_COLUMNS)
        for row in _CSV_TEMPLATE:
            name = row[0]
            writer.writerow([*row[:-1], n.get(name, row[-1])])
    return out

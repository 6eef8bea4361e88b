"""One style for every figure: fonts, sizes, colours, and saving to SVG, PDF and PNG.

matplotlib is imported inside the functions (``metareview`` and its CLI stay fast).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["COLORS", "FONT_SIZE", "new_figure", "rc", "save", "styled", "to_svg"]

#: body text size in points (journals print figures at 7-9 pt)
FONT_SIZE = 8.0
#: risk-of-bias and plot colours (RevMan 5 / robvis conventions)
COLORS = {
    "low": "#02C100",
    "some": "#E2DF07",
    "unclear": "#E2DF07",
    "high": "#BF0000",
    "critical": "#820000",
    "none": "#FFFFFF",
    "square": "#1F4E79",
    "diamond": "#000000",
    "line": "#000000",
    "grid": "#BBBBBB",
    "muted": "#555555",
}


def rc() -> Any:  # a dict of rcParams (typed loosely: matplotlib types its keys)
    """matplotlib settings shared by all figures (vector text, embedded TrueType fonts)."""
    return {
        "font.family": "DejaVu Sans",
        "font.size": FONT_SIZE,
        "axes.linewidth": 0.6,
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
        "xtick.labelsize": FONT_SIZE,
        "ytick.labelsize": FONT_SIZE,
        "svg.fonttype": "none",  # SVG text stays text (searchable, selectable)
        "pdf.fonttype": 42,  # embed TrueType fonts in PDF
        "ps.fonttype": 42,
        "savefig.dpi": 300,
        "svg.hashsalt": "metareview",  # stable element ids: the same figure, the same file
        "figure.dpi": 100,
    }


def styled() -> Any:
    """``matplotlib.rc_context`` with the shared style (use as ``with styled(): ...``)."""
    import matplotlib

    return matplotlib.rc_context(rc())


def new_figure(width_in: float, height_in: float) -> Figure:
    """A figure with the shared style (not attached to pyplot's global state)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    with matplotlib.rc_context(rc()):
        fig = Figure(figsize=(width_in, height_in))
    return fig


def save(fig: Figure, path: str | Path) -> Path:
    """Save as SVG, PDF or PNG (300 dpi) by the file's suffix."""
    import matplotlib

    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".svg", ".pdf", ".png"):
        raise ValueError(f"{p.name}: use a .svg, .pdf or .png file name")
    # no creation dates in the files: the same figure gives the same bytes
    metadata = (
        {"Date": None} if suffix == ".svg" else {"CreationDate": None} if suffix == ".pdf" else {}
    )
    with matplotlib.rc_context(rc()):
        fig.savefig(p, dpi=300, bbox_inches="tight", pad_inches=0.05, metadata=metadata)
    return p


def to_svg(fig: Figure) -> str:
    """The figure as an SVG string (for inline use in the HTML report)."""
    import io

    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context(rc()):
        fig.savefig(
            buf, format="svg", bbox_inches="tight", pad_inches=0.05, metadata={"Date": None}
        )
    text = buf.getvalue()
    return text[text.index("<svg") :]

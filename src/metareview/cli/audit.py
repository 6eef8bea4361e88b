"""``metareview audit DIR``: check a review's printed results for internal consistency."""

from __future__ import annotations

import json
import sys
from pathlib import Path

__all__ = ["run_audit"]

_STYLES = {"error": "bold red", "warning": "yellow", "note": "cyan"}
_TITLES = {"error": "Errors", "warning": "Warnings", "note": "Notes"}


def run_audit(directory: Path, as_json: bool = False) -> int:
    """Print the findings of :func:`metareview.audit.audit` grouped by severity.

    Parameters
    ----------
    directory
        The review folder.
    as_json
        Print one JSON object (``{"review": ..., "counts": ..., "findings": [...]}``).

    Returns
    -------
    int
        0 whatever the findings (they describe the review, not a failure of the tool);
        1 only when the review folder is invalid.
    """
    from rich.text import Text

    from metareview.audit import audit
    from metareview.cli.commands import err, out
    from metareview.review.store import check

    review, problems = check(directory)
    errors = [p for p in problems if p.is_error]
    if review is None or errors:
        for p in errors:
            err.print(Text(p.located(), style="red"))
        err.print(Text(f"error: {directory} is not a valid review folder", style="bold red"))
        return 1
    findings = audit(review)
    counts = {s: sum(f.severity == s for f in findings) for s in _TITLES}
    if as_json:
        payload = {
            "review": str(directory),
            "counts": counts,
            "findings": [f.to_dict() for f in findings],
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return 0
    if not findings:
        out.print(Text(f"{directory}: no inconsistencies found", style="green"))
        return 0
    for severity, title in _TITLES.items():
        group = [f for f in findings if f.severity == severity]
        if not group:
            continue
        out.print(Text(f"{title} ({len(group)})", style=_STYLES[severity] + " underline"))
        for f in group:
            # every text comes from the user's files: plain Text, never markup
            out.print(Text.assemble((f"[{f.check}] ", _STYLES[severity]), f.message))
            for loc in f.locations:
                out.print(Text(f"    at {loc}", style="dim"))
            if f.consistent_value:
                out.print(Text(f"    consistent: {f.consistent_value}", style="green"))
        out.print()
    summary = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items())
    out.print(Text(f"{directory}: {summary}"))
    return 0

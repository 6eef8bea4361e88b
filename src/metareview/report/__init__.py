"""Renderers of a built review: one self-contained HTML file, JSON, CSV and DOCX.

Each renderer only reads :class:`~metareview.review.build.ReviewResults`; ``view()``
prepares the plain data every renderer shares (formatted numbers, table rows), so the
HTML and the DOCX show the same tables.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from metareview import __version__
from metareview.analysis.format import fmt_ci
from metareview.report.checklist import ITEMS
from metareview.review.build import OutcomeResult, ReviewResults
from metareview.review.model import ReportedResult, RobJudgement

__all__ = ["FORMATS", "render_csv", "render_docx", "render_html", "render_json", "view", "write"]

FORMATS = ("html", "docx", "json", "csv")

_PRISMA_ROWS = (
    ("registers", "Records from registers"),
    ("other_methods", "Records from other methods"),
    ("duplicates_removed", "Duplicate records removed"),
    ("automation_removed", "Records marked ineligible by automation tools"),
    ("other_removed", "Records removed for other reasons"),
    ("records_screened", "Records screened"),
    ("records_excluded", "Records excluded"),
    ("reports_sought", "Reports sought for retrieval"),
    ("reports_not_retrieved", "Reports not retrieved"),
    ("reports_assessed", "Reports assessed for eligibility"),
    ("studies_included", "Studies included in review"),
    ("reports_included", "Reports of included studies"),
)

_DATA_COLUMNS = {
    "dich": (("events_exp", "Events"), ("n_exp", "Total"), ("events_ctrl", "Events"),
             ("n_ctrl", "Total")),
    "cont": (("mean_exp", "Mean"), ("sd_exp", "SD"), ("n_exp", "Total"), ("mean_ctrl", "Mean"),
             ("sd_ctrl", "SD"), ("n_ctrl", "Total")),
    "giv": (("estimate", "Estimate"), ("se", "SE")),
    "oe": (("o_minus_e", "O − E"), ("variance", "Variance")),
}  # fmt: skip


def _or(own: str | None, default: str) -> str:
    """An outcome's own label when it has one (even empty), else the comparison's."""
    return default if own is None else own


def _g(x: float | None) -> str:
    if x is None or x != x:
        return ""
    return f"{x:g}"


def _settings_text(o: OutcomeResult) -> str:
    s = o.spec
    parts = [f"{s.measure_name} ({s.method_label})"]
    if s.random:
        parts.append(f"τ² estimator {s.tau2_method}")
        if s.ci_method != "z":
            parts.append(f"CI {s.ci_method}")
    if o.outcome.subgroup_by:
        parts.append(f"subgroups by {o.outcome.subgroup_by}")
    return "; ".join(parts)


def _outcome_view(o: OutcomeResult, footnotes: dict[tuple[str, str], str]) -> dict[str, Any]:
    res = o.result
    cols = _DATA_COLUMNS[o.spec.data_type]
    d: dict[str, Any] = {
        "id": o.outcome.id,
        "name": o.outcome.name,
        "settings": _settings_text(o),
        "note": o.note,
        "label_exp": _or(o.outcome.label_exp, o.comparison.label_exp),
        "label_ctrl": _or(o.outcome.label_ctrl, o.comparison.label_ctrl),
        "favours": (o.outcome.favours_exp, o.outcome.favours_ctrl),
        "data_header": [h for _, h in cols],
        "arm_split": len(cols) // 2 if o.spec.data_type in ("dich", "cont") else 0,
        "rows": [],
        "summary": [],
        "reported": [],
        "footnotes": [],
        "ci_label": f"{round(o.spec.ci * 100, 6):g}% CI",
    }
    if res is not None:
        current = None
        for r in res.studies:
            if r.subgroup is not None and r.subgroup != current:
                current = r.subgroup
                d["rows"].append({"heading": current})
            note = footnotes.get((r.study, r.subgroup or ""), "")
            mark = ""
            if note:
                d["footnotes"].append(note)
                mark = f" [{len(d['footnotes'])}]"
            d["rows"].append(
                {
                    "study": r.study + mark,
                    "values": [_g(r.data.get(c)) for c, _ in cols],
                    "weight": f"{r.weight:.1f}%" if r.estimable and o.spec.totals != "no" else "",
                    "effect": fmt_ci(r.estimate, r.ci_low, r.ci_high)
                    if r.estimable
                    else "Not estimable",
                }
            )
        d["summary"] = res.summary_lines()
    checks = {id(c.reported): c for c in o.checks}
    for rep in o.reported:
        c = checks.get(id(rep))
        d["reported"].append(
            {
                "subgroup": rep.subgroup or "Overall",
                "measure": rep.measure,
                "effect": _reported_effect(rep),
                "p": rep.p,
                "i2": f"{rep.printed('i2').rstrip('%')}%" if rep.i2 is not None else "",
                "participants": rep.printed("participants"),
                "studies": rep.printed("studies"),
                "certainty": rep.certainty,
                "location": rep.location,
                "check": ""
                if c is None
                else {True: "✓ ", False: "✗ ", None: "– "}[c.agrees] + c.note,
                "agrees": None if c is None else c.agrees,
            }
        )
    return d


def _profiles(results: ReviewResults, problems: list[str]) -> list[dict[str, Any]]:
    from metareview.report.grading import profiles

    return profiles(results, problems)


def _audit(results: ReviewResults) -> list[Any]:
    """The consistency audit of the review's reported and computed results."""
    from metareview.audit import audit

    return audit(results.review, results)


def _heading(column: str) -> str:
    """A column name as a table heading: 'n_randomised' -> 'N randomised', 'id' -> 'Study'."""
    if column == "id":
        return "Study"
    text = column.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _rob_label(judgement: str, risk: str, tool: str) -> str:
    """RoB 1 cells show + / − / ?; other tools the initials of the judgement (e.g. 'PY'
    for 'probably yes'), so that graded answers stay visible."""
    if tool == "RoB 1":
        return {"low": "+", "high": "−", "unclear": "?"}.get(risk, "")
    return "".join(w[0].upper() for w in judgement.split() if w) or "?"


def _reported_effect(rep: ReportedResult) -> str:
    """The effect and CI exactly as the review printed them."""
    if rep.estimate is None:
        return ""
    if rep.ci_low is None or rep.ci_high is None:
        return rep.printed("estimate")
    return f"{rep.printed('estimate')} [{rep.printed('ci_low')}, {rep.printed('ci_high')}]"


def _pct(x: float) -> str:
    return f"{x:.0f}%"


def _kappa(x: float) -> str:
    return "not defined" if math.isnan(x) else f"{x:.2f}"


def _agreement_view(results: ReviewResults, tool: str) -> dict[str, Any] | None:
    """Two assessors' agreement on one tool: overall, per domain, signalling answers."""
    ag = next((a for a in results.rob.agreement if a.tool == tool), None)
    if ag is None:
        return None
    rows = [[dom, str(a.n), _pct(a.percent), _kappa(a.kappa)] for dom, a in ag.by_domain.items()]
    summary = []
    if ag.domains is not None:
        summary.append(
            f"Domain judgements (overall excluded): {ag.domains.n} pairs, "
            f"{_pct(ag.domains.percent)} agreement, Cohen's kappa {_kappa(ag.domains.kappa)}."
        )
    if ag.answers is not None:
        summary.append(
            f"Signalling questions: {ag.answers.n} answers given by both, "
            f"{_pct(ag.answers.percent)} agreement, kappa {_kappa(ag.answers.kappa)}."
        )
    return {
        "assessors": " and ".join(ag.assessors),
        "summary": summary,
        "rows": rows,
        "disagreements": [
            [d.study, d.outcome, d.domain, d.first, d.second, d.consensus or "not recorded"]
            for d in ag.disagreements
        ],
    }


def _override_view(results: ReviewResults, tool: str) -> list[list[str]]:
    """Judgements that depart from the RoB 2 algorithm's suggestion, with their reason."""
    out = []
    for j in results.review.rob:
        key = (j.tool, j.study, j.outcome, j.domain, j.assessor)
        sug = results.rob.suggested.get(key)
        if j.tool == tool and sug is not None and sug != j.judgement:
            who = j.assessor or "consensus"
            out.append([j.study, j.outcome, j.domain, who, j.judgement, sug, j.support])
    return out


def _derived_note(judgements: Sequence[RobJudgement], tool: str) -> str:
    counts: dict[str, int] = {}
    for j in judgements:
        if j.tool == tool and j.origin != "recorded":
            counts[j.origin] = counts.get(j.origin, 0) + 1
    what = {
        "algorithm": "suggested by the RoB 2 algorithm from the signalling answers",
        "agreement": "given by both assessors (no consensus row needed)",
        "single assessor": "by the single assessor",
    }
    parts = [f"{n} {what.get(k, k)}" for k, n in counts.items()]
    return ("Judgements not written as consensus rows: " + "; ".join(parts) + ".") if parts else ""


def view(results: ReviewResults) -> dict[str, Any]:
    """Everything the renderers show, as plain strings and lists."""
    rv = results.review
    rv_rob = results.rob.final
    meta = rv.meta
    prisma_rows: list[tuple[str, str]] = []
    excluded: list[tuple[str, str]] = []
    if results.prisma is not None:
        p = results.prisma
        for db, n in p.databases.items():
            prisma_rows.append((f"Records from {db}", str(n)))
        if len(p.databases) > 1:
            prisma_rows.append(("Records from databases (total)", str(sum(p.databases.values()))))
        for key, label in _PRISMA_ROWS:
            value = getattr(p, key)
            if value is not None:
                prisma_rows.append((label, str(value)))
        excluded = [(reason, str(n)) for reason, n in p.reports_excluded.items()]
    # characteristics: the columns of studies.csv as the user wrote them
    table = rv.tables.get("studies.csv")
    char_header = list(table.header) if table is not None else ["id", "author", "year"]
    char_rows = (
        [[row.get(c, "") for c in char_header] for row in table.rows]
        if table is not None
        else [[s.id, s.author, _g(s.year)] for s in rv.studies]
    )
    # risk of bias: one table per tool, studies x domains
    rob_tables = []
    tools = dict.fromkeys(j.tool for j in rv_rob)
    for name in tools:
        tool = meta.rob_tool(name)
        domains = (
            list(tool.domains)
            if tool is not None
            else sorted({j.domain for j in rv_rob if j.tool == name})
        )
        by_study: dict[str, dict[str, tuple[str, str, str, str]]] = {}
        for j in rv_rob:
            if j.tool != name:
                continue
            risk = tool.risk(j.judgement) if tool is not None else "unclear"
            by_study.setdefault(j.study, {})[j.domain] = (
                j.judgement,
                risk,
                j.support,
                _rob_label(j.judgement, risk, name),
            )
        order = [s.id for s in rv.studies if s.id in by_study] + [
            s for s in by_study if s not in {x.id for x in rv.studies}
        ]
        rob_tables.append(
            {
                "tool": name,
                "agreement": _agreement_view(results, name),
                "overrides": _override_view(results, name),
                "derived": _derived_note(rv_rob, name),
                "domains": domains,
                "judgements": ", ".join(tool.judgements) if tool is not None else "",
                "rows": [
                    {
                        "study": sid,
                        "cells": [by_study[sid].get(dm, ("", "none", "", "")) for dm in domains],
                    }
                    for sid in order
                ],
            }
        )
    comparisons: list[dict[str, Any]] = []
    for o in results.outcomes:
        if not comparisons or comparisons[-1]["id"] != o.comparison.id:
            comparisons.append({"id": o.comparison.id, "name": o.comparison.name, "outcomes": []})
        footnotes = {
            (r.study, r.subgroup or ""): r.footnote
            for r in rv.data.get(o.outcome.id, [])
            if r.footnote
        }
        comparisons[-1]["outcomes"].append(_outcome_view(o, footnotes))
    grade_problems: list[str] = []
    profile_rows = _profiles(results, grade_problems)
    return {
        "title": meta.title,
        "authors": ", ".join(meta.authors),
        "version": __version__,
        "question": meta.question.model_dump(),
        "protocol": meta.protocol.model_dump(),
        "search": {
            "last_search": meta.search.last_search,
            "sources": ", ".join(meta.search.sources),
        },
        "prisma": prisma_rows,
        "prisma_excluded": excluded,
        "characteristics": {"header": [_heading(h) for h in char_header], "rows": char_rows},
        "rob": rob_tables,
        "comparisons": comparisons,
        "methods": results.methods,
        "checklist": [
            {"item": i, "section": s, "topic": t, "what": w, "where": where}
            for i, s, t, w, where in ITEMS
        ],
        "warnings": list(results.warnings),
        "n_studies": len(rv.studies),
        "audit": [f.to_dict() for f in _audit(results)],
        "profiles": profile_rows,
        "grade_problems": grade_problems,
    }


#: forest plots show RevMan's three risk-of-bias colours
_FOREST_RISK = {"low": "low", "some": "unclear", "unclear": "unclear", "high": "high",
                "critical": "high"}  # fmt: skip


def _forest_rob(
    o: OutcomeResult, results: ReviewResults
) -> tuple[dict[str, list[tuple[str, str]]], list[str]]:
    """Risk-of-bias columns for a forest plot: the first tool with judgements of the
    outcome's studies (outcome-level judgements of this outcome win over study-level)."""
    judgements = results.rob.final
    review = results.review
    if o.result is None or not judgements:
        return {}, []
    studies = {r.study for r in o.result.studies}
    for name in dict.fromkeys(j.tool for j in judgements):
        tool = review.meta.rob_tool(name)
        if tool is None:
            continue
        rows = [j for j in judgements if j.tool == name and j.study in studies
                and j.outcome in ("", o.outcome.id)]  # fmt: skip
        if not rows:
            continue
        cells: dict[tuple[str, str], str] = {}
        for j in sorted(rows, key=lambda r: r.outcome != ""):  # outcome-level last: wins
            cells[(j.study, j.domain)] = _FOREST_RISK[tool.risk(j.judgement)]
        rob: dict[str, list[tuple[str, str]]] = {}
        for (study, domain), risk in cells.items():
            rob.setdefault(study, []).append((domain, risk))
        used = {d for _, d in cells}
        return rob, [d for d in tool.domains if d in used]
    return {}, []


def _forest(o: OutcomeResult, results: ReviewResults | None = None) -> Any:
    """The outcome's forest plot (a matplotlib Figure), or None without per-study data."""
    if o.result is None:
        return None
    from metareview.figures.forest import forest_plot

    favours = (
        o.outcome.favours_exp or "Favours experimental",
        o.outcome.favours_ctrl or "Favours control",
    )
    rob, domains = _forest_rob(o, results) if results is not None else ({}, [])
    return forest_plot(
        o.result, favours=favours, prediction=o.spec.prediction != "none",
        rob=rob or None, rob_domains=domains or None,
    )  # fmt: skip


def figures(results: ReviewResults) -> dict[str, Any]:
    """Every figure of the report (matplotlib Figures) by key.

    ``forest:<outcome>`` for outcomes with per-study data; ``funnel:<outcome>`` where at
    least 10 studies are estimable (Cochrane Handbook §13.3.5.4); ``rob:<tool>`` and
    ``robsummary:<tool>`` per risk-of-bias tool; ``prisma`` when counts are recorded.
    """
    out: dict[str, Any] = {}
    for o in results.outcomes:
        fig = _forest(o, results)
        if fig is None:
            continue
        out[f"forest:{o.outcome.id}"] = fig
        if o.result is not None and o.result.overall.k >= 10:
            from metareview.figures.funnel import funnel_plot

            out[f"funnel:{o.outcome.id}"] = funnel_plot(o.result)
    rv = results.review
    rv_rob = results.rob.final
    tools = dict.fromkeys(j.tool for j in rv_rob)
    for name in tools:
        tool = rv.meta.rob_tool(name)
        if tool is None:
            continue
        from metareview.figures.rob import rob_summary, traffic_light

        rows = [j for j in rv_rob if j.tool == name]
        out[f"rob:{name}"] = traffic_light(rows, tool)
        out[f"robsummary:{name}"] = rob_summary(rows, tool)
    if results.prisma is not None:
        from metareview.figures.prisma import prisma_flow

        out["prisma"] = prisma_flow(results.prisma, strict=False)
    return out


def figure_problems(results: ReviewResults) -> list[str]:
    """PRISMA counts that do not add up (shown with the flow diagram)."""
    if results.prisma is None:
        return []
    from metareview.figures.prisma import check_prisma

    return [*results.prisma_notes, *check_prisma(results.prisma)]


def render_html(
    results: ReviewResults, figs: dict[str, Any] | None = None, v: dict[str, Any] | None = None
) -> str:
    """One self-contained HTML file (inline CSS and SVG, no scripts or network resources).

    ``figs`` are the report's figures when already drawn (see :func:`figures`)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("metareview.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    from markupsafe import Markup

    from metareview.figures._style import to_svg

    v = dict(view(results) if v is None else v)
    # our own SVG: matplotlib writes the numbers and the user's labels as escaped text
    drawn = figures(results) if figs is None else figs
    svgs = {key: Markup(to_svg(fig)) for key, fig in drawn.items()}
    for comp in v["comparisons"]:
        for o in comp["outcomes"]:
            o["forest_svg"] = svgs.get(f"forest:{o['id']}")
            o["funnel_svg"] = svgs.get(f"funnel:{o['id']}")
    for rob in v["rob"]:
        rob["svg"] = svgs.get(f"rob:{rob['tool']}")
        rob["summary_svg"] = svgs.get(f"robsummary:{rob['tool']}")
    v["prisma_svg"] = svgs.get("prisma")
    v["prisma_problems"] = figure_problems(results)
    return env.get_template("report.html.j2").render(v=v)


def render_json(results: ReviewResults, v: dict[str, Any] | None = None) -> str:
    data = results.to_dict()
    data["audit"] = (view(results) if v is None else v)["audit"]
    return json.dumps(data, allow_nan=False, indent=1, default=_json_default) + "\n"


def _json_default(x: Any) -> Any:
    if isinstance(x, float):
        return None
    raise TypeError(f"cannot serialise {type(x).__name__}")


def render_csv(results: ReviewResults) -> str:
    """Pooled results, one row per outcome total and subtotal (recomputed or reported)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["comparison", "outcome", "subgroup", "source", "measure", "k", "estimate",
                "ci_low", "ci_high", "p", "i2", "tau2", "location"])  # fmt: skip
    for o in results.outcomes:
        if o.result is not None:
            for g in (*o.result.subgroups, o.result.overall):
                label = "" if g is o.result.overall else g.label
                w.writerow([o.comparison.id, o.outcome.id, label, "recomputed",
                            o.spec.measure_name, g.k, repr(g.estimate), repr(g.ci_low),
                            repr(g.ci_high), repr(g.p), repr(g.i2), repr(g.tau2), ""])  # fmt: skip
        for r in o.reported:
            w.writerow([o.comparison.id, o.outcome.id, r.subgroup, "reported", r.measure,
                        r.printed("studies"), r.printed("estimate"), r.printed("ci_low"),
                        r.printed("ci_high"), r.p, r.printed("i2"), "", r.location])  # fmt: skip
    return buf.getvalue()


def render_docx(
    results: ReviewResults,
    path: Path | io.BytesIO,
    figs: dict[str, Any] | None = None,
    v: dict[str, Any] | None = None,
) -> None:
    """A Word document with the tables journals ask for (characteristics, risk of bias,
    results, reported results, methods)."""
    from docx import Document
    from docx.shared import Inches, Pt

    v = view(results) if v is None else v
    figs = figures(results) if figs is None else figs

    def picture(key: str, caption: str) -> None:
        fig = figs.get(key)
        if fig is None:
            return
        png = io.BytesIO()
        save_png(fig, png)
        png.seek(0)
        doc.add_picture(png, width=Inches(6.5))
        doc.add_paragraph(caption)

    doc = Document()
    doc.styles["Normal"].font.size = Pt(9)
    doc.add_heading(v["title"], level=0)
    if v["authors"]:
        doc.add_paragraph(v["authors"])

    def table(header: Sequence[str], rows: Sequence[Sequence[str]], title: str) -> None:
        doc.add_paragraph(title, style="Caption" if "Caption" in doc.styles else None)
        t = doc.add_table(rows=1, cols=len(header))
        t.style = "Table Grid"
        for cell, text in zip(t.rows[0].cells, header, strict=True):
            cell.text = str(text)
            for run in cell.paragraphs[0].runs:
                run.bold = True
        for row in rows:
            cells = t.add_row().cells
            for cell, text in zip(cells, row, strict=False):
                cell.text = str(text)

    if v["profiles"]:
        doc.add_heading("Summary of findings", level=1)
        sof_rows: list[list[str]] = []
        for p in v["profiles"]:
            bases = p["baselines"] or [{"label": "", "control": "", "intervention": ""}]
            for i, b in enumerate(bases):
                control = (f"{b['label']}: " if len(bases) > 1 else "") + b["control"]
                first = i == 0
                sof_rows.append([
                    p["outcome"] if first else "", control, b["intervention"],
                    p["relative"] if first else "", p["participants"] if first else "",
                    (p["certainty"] + (f" (printed: {p['recorded']})"
                                       if p["agrees"] is False else "")) if first else "",
                    p["source"] if first else "",
                ])  # fmt: skip
        table(
            ["Outcomes", "Risk with comparator", "Risk difference with intervention",
             "Relative effect (95% CI)", "№ of participants (studies)",
             "Certainty of the evidence (GRADE)", "Source"],
            sof_rows,
            "Table. Summary of findings",
        )  # fmt: skip

        def rated(p: dict[str, Any], d: str) -> str:
            mark = p["marks"].get(d)
            return p["ratings"][d] + (f" ({mark})" if mark else "")

        table(
            ["Outcome (studies, design)", "Risk of bias", "Inconsistency", "Indirectness",
             "Imprecision", "Other considerations", "Intervention", "Comparator",
             "Relative (95% CI)", "Absolute (95% CI)", "Certainty", "Importance"],
            [[f"{p['outcome']} ({p['studies']} {p['design']})",
              *(rated(p, d) for d in ("risk_of_bias", "inconsistency", "indirectness",
                                      "imprecision")),
              p["other"] + (f" ({p['marks']['publication_bias']})"
                            if "publication_bias" in p["marks"] else ""),
              p["events_intervention"], p["events_control"], p["relative"], p["absolute"],
              p["certainty"], p["importance"]] for p in v["profiles"]],
            "Table. GRADE evidence profile",
        )  # fmt: skip
        for letter, note in v["profiles"][0]["explanations"]:
            doc.add_paragraph(f"({letter}) {note}")
        for p in v["profiles"]:
            for domain, note in p["notes"].items():
                doc.add_paragraph(f"{p['outcome']}, {domain.replace('_', ' ')}: {note}")
    doc.add_heading("Methods", level=1)
    doc.add_paragraph(v["methods"])
    doc.add_heading("Audit of reported results", level=1)
    if not v["audit"]:
        doc.add_paragraph("No inconsistencies found.")
    for f in v["audit"]:
        text = f"{f['severity'].upper()} [{f['check']}] {f['message']}"
        if f["consistent_value"]:
            text += f" Consistent: {f['consistent_value']}."
        text += " (" + "; ".join(f["locations"]) + ")"
        doc.add_paragraph(text)
    if v["prisma"]:
        doc.add_heading("Study selection (PRISMA 2020 counts)", level=1)
        table(["Box", "Count"], v["prisma"] + v["prisma_excluded"], "Table. PRISMA counts")
        picture("prisma", "Figure. PRISMA 2020 flow diagram")
    doc.add_heading("Characteristics of included studies", level=1)
    table(v["characteristics"]["header"], v["characteristics"]["rows"],
          "Table 1. Characteristics of included studies")  # fmt: skip
    for rob in v["rob"]:
        doc.add_heading(f"Risk of bias: {rob['tool']}", level=1)
        table(["Study", *rob["domains"]],
              [[r["study"], *(c[0] for c in r["cells"])] for r in rob["rows"]],
              f"Table. Risk of bias ({rob['tool']})")  # fmt: skip
        if rob["derived"]:
            doc.add_paragraph(rob["derived"])
        if rob["overrides"]:
            table(["Study", "Outcome", "Domain", "By", "Judgement", "Algorithm", "Reason"],
                  rob["overrides"],
                  f"Table. {rob['tool']}: judgements departing from the algorithm")  # fmt: skip
        ag = rob["agreement"]
        if ag is not None:
            doc.add_paragraph(f"Agreement between the assessors ({ag['assessors']}). "
                              + " ".join(ag["summary"]))  # fmt: skip
            table(["Domain", "Pairs", "Agreement", "Kappa"], ag["rows"],
                  f"Table. {rob['tool']}: agreement by domain")  # fmt: skip
            if ag["disagreements"]:
                table(["Study", "Outcome", "Domain", "Assessor 1", "Assessor 2", "Consensus"],
                      ag["disagreements"], f"Table. {rob['tool']}: disagreements")  # fmt: skip
        picture(f"rob:{rob['tool']}", f"Figure. Risk of bias ({rob['tool']}): traffic-light plot")
        picture(f"robsummary:{rob['tool']}", f"Figure. Risk of bias ({rob['tool']}): summary")
    doc.add_heading("Results", level=1)
    for comp in v["comparisons"]:
        doc.add_heading(comp["name"], level=2)
        for o in comp["outcomes"]:
            doc.add_heading(o["name"], level=3)
            doc.add_paragraph(o["settings"])
            if o["rows"]:
                header = ["Study", *o["data_header"], "Weight", f"Effect [{o['ci_label']}]"]
                rows = [
                    [r["heading"]] + [""] * (len(header) - 1)
                    if "heading" in r
                    else [r["study"], *r["values"], r["weight"], r["effect"]]
                    for r in o["rows"]
                ]
                table(header, rows, f"Data and results: {o['name']}")
            picture(f"forest:{o['id']}", f"Figure. Forest plot: {o['name']}")
            picture(f"funnel:{o['id']}", f"Figure. Funnel plot: {o['name']}")
            for line in o["summary"]:
                doc.add_paragraph(line)
            for i, note in enumerate(o["footnotes"], 1):
                doc.add_paragraph(f"[{i}] {note}")
            if o["note"]:
                doc.add_paragraph(o["note"])
            if o["reported"]:
                table(
                    ["Subgroup", "Measure", "Effect [CI]", "P", "I²", "Participants", "Studies",
                     "Certainty", "Where reported", "Check"],
                    [[r["subgroup"], r["measure"], r["effect"], r["p"], r["i2"],
                      r["participants"], r["studies"], r["certainty"], r["location"], r["check"]]
                     for r in o["reported"]],
                    f"Reported results: {o['name']}",
                )  # fmt: skip
    doc.save(path if isinstance(path, io.BytesIO) else str(path))


def save_png(fig: Any, target: Any) -> None:
    """A figure as PNG at 300 dpi into a path or binary file object."""
    import matplotlib

    from metareview.figures._style import rc

    with matplotlib.rc_context(rc()):
        fig.savefig(target, format="png", dpi=300, bbox_inches="tight", pad_inches=0.05)


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write(results: ReviewResults, out: Path, formats: Sequence[str] = FORMATS) -> list[Path]:
    """Write the chosen formats into ``out``; returns the files written."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown report format(s) {', '.join(unknown)}; use {FORMATS}")
    # render everything first, so that a failure leaves no half-written report
    rendered: list[tuple[Path, bytes]] = []
    # the view (incl. the audit and GRADE profiles) and the figures are made once
    v = view(results)
    figs = figures(results) if ("html" in formats or "docx" in formats) else {}
    if "html" in formats:
        rendered.append((out / "report.html", render_html(results, figs, v).encode("utf-8")))
    if "json" in formats:
        rendered.append((out / "results.json", render_json(results, v).encode("utf-8")))
    if "csv" in formats:
        rendered.append((out / "results.csv", render_csv(results).encode("utf-8")))
    if "docx" in formats:
        buf = io.BytesIO()
        render_docx(results, buf, figs, v)
        rendered.append((out / "report.docx", buf.getvalue()))
    written = []
    for path, data in rendered:
        _atomic_write(path, data)
        written.append(path)
    return written

"""Evidence profiles for the report: the review's recorded GRADE judgements, or ratings
suggested from the data (``metareview.grade``) where none are recorded."""

from __future__ import annotations

import math
from typing import Any

from metareview.review.build import OutcomeResult, ReviewResults

DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")


def _apply_author(ratings: dict[str, Any], entry: dict[str, Any], problems: list[str]) -> None:
    """The authors' own ratings (a ``[[grade.outcomes]]`` entry of a computed outcome).

    A rating equal to the suggestion is taken as confirmed; one that departs from it must
    give ``<domain>_reason`` (e.g. ``imprecision_reason = "..."``), otherwise the
    suggestion is kept and the missing reason is reported.
    """
    from metareview import grade

    for domain in DOMAINS:
        if domain not in entry:
            continue
        level = grade.parse_level(str(entry[domain]), domain)
        current = ratings.get(domain)
        note = str(entry.get(f"{domain}_footnote", ""))
        if current is None or not current.suggested:  # e.g. indirectness: the authors' call
            ratings[domain] = grade.Rating(domain, level, footnote=note or "the authors' rating")
        elif level == current.level:
            ratings[domain] = grade.Rating(domain, level, footnote=current.footnote)
        else:
            reason = str(entry.get(f"{domain}_reason", "")).strip()
            if not reason:
                problems.append(
                    f"{entry.get('outcome')}: {domain.replace('_', ' ')} rated {level!r} by the "
                    f"authors, suggested {current.level!r}: give {domain}_reason in [grade]; "
                    "the suggestion is kept"
                )
                continue
            ratings[domain] = current.override(
                level, reason, footnote=f"{note or current.footnote} (override: {reason})"
            )


def _suggested(
    o: OutcomeResult,
    results: ReviewResults,
    entry: dict[str, Any] | None = None,
    problems: list[str] | None = None,
) -> Any:
    """An evidence profile suggested from the data of one computed outcome, with the
    authors' ratings from ``entry`` applied (overrides need a reason)."""
    from metareview import grade

    res = o.result
    assert res is not None
    overall = res.overall
    review = results.review
    ratings: dict[str, Any] = {}
    # risk of bias: share of weight from studies at high risk (worst domain per study)
    weights = {s.study: s.weight for s in res.studies if s.estimable}
    risk: dict[str, list[str]] = {}
    for j in results.rob.final:
        tool = review.meta.rob_tool(j.tool)
        if tool is not None and j.study in weights and j.outcome in ("", o.outcome.id):
            risk.setdefault(j.study, []).append(tool.risk(j.judgement))
    if risk:
        ratings["risk_of_bias"] = grade.suggest_risk_of_bias(
            weights, {s: grade.overall_risk(r) for s, r in risk.items()}
        )
    else:
        ratings["risk_of_bias"] = grade.Rating(
            "risk_of_bias", "not serious",
            footnote="no risk-of-bias judgements recorded for these studies: not assessed",
        )  # fmt: skip
    ratings["inconsistency"] = grade.suggest_inconsistency(res)
    ratings["indirectness"] = grade.Rating(
        "indirectness", "not serious",
        footnote="indirectness is the authors' judgement and is not recorded yet "
        "(counted as not serious)",
    )  # fmt: skip
    settings = entry or {}
    thresholds = settings.get("imprecision_thresholds")
    ratings["imprecision"] = grade.suggest_imprecision(
        res,
        thresholds=tuple(thresholds) if thresholds else None,
        ois=settings.get("ois"),
        rrr=settings.get("rrr") or 0.25,
        sd=settings.get("sd"),
        mid=settings.get("mid"),
    )
    egger_p = None
    if overall.k >= 10:
        from metareview.stats import bias

        y = [s.theta for s in res.studies if s.estimable]
        v = [s.se**2 for s in res.studies if s.estimable]
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            egger_p = bias.egger(y, v).p
    ratings["publication_bias"] = grade.suggest_publication_bias(overall.k, egger_p)
    if entry is not None:
        _apply_author(ratings, entry, problems if problems is not None else [])
    participants = overall.n_exp + overall.n_ctrl

    def arm(events: float | None, total: float) -> str:
        if not math.isfinite(total) or total <= 0:
            return ""
        if events is None:
            return f"{int(total)}"
        return f"{int(events)}/{int(total)} ({100 * events / total:.1f}%)"

    relative = ""
    anticipated: tuple[Any, ...] = ()
    spec = res.spec
    if spec.data_type == "dich" and math.isfinite(overall.estimate):
        relative = grade.relative_effect_text(
            spec.measure, overall.estimate, overall.ci_low, overall.ci_high
        )
        baselines: dict[str, float] = {}
        if overall.events_ctrl is not None and overall.n_ctrl:
            baselines["Study population"] = overall.events_ctrl / overall.n_ctrl
        baselines.update(settings.get("baseline_risks") or {})
        effects = grade.absolute_effects(
            spec.measure, overall.estimate, overall.ci_low, overall.ci_high, baselines
        )
        anticipated = tuple(
            grade.Anticipated(
                eff.control_text(),
                eff.difference_text()
                + (
                    f"; {eff.number_needed(bool(settings.get('events_desirable')))}"
                    if settings.get("nnt")
                    else ""
                ),
                label,
            )
            for label, eff in effects.items()
        )
    elif spec.data_type == "cont" and math.isfinite(overall.estimate):
        # GRADEpro: no relative effect; the MD/SMD is the absolute effect
        anticipated = (
            grade.Anticipated(
                "",
                grade.continuous_effect_text(
                    spec.measure, overall.estimate, overall.ci_low, overall.ci_high
                ),
            ),
        )
    return grade.EvidenceProfileRow(
        outcome=o.outcome.name,
        ratings=ratings,
        participants=int(participants) if math.isfinite(participants) else None,
        studies=overall.studies,
        relative_effect=relative,
        anticipated=anticipated,
        events_intervention=arm(overall.events_exp, overall.n_exp),
        events_control=arm(overall.events_ctrl, overall.n_ctrl),
    )


def grade_entries(meta: Any) -> dict[str, Any]:
    """The ``[grade]`` table as plain data (entries as dicts, extra keys included)."""
    if meta.grade is None:
        return {}
    return meta.grade.model_dump(exclude_none=True)


def profiles(results: ReviewResults, problems: list[str] | None = None) -> list[dict[str, Any]]:
    """One dict per evidence-profile row.

    Outcomes with per-study data get ratings suggested from the data, with the authors'
    ratings of their ``[[grade.outcomes]]`` entry applied; outcomes known only as reported
    show the recorded profile (certainty recomputed from its ratings).  ``problems``
    collects overrides without a reason.
    """
    from metareview import grade

    meta = results.review.meta
    recorded = grade_entries(meta)
    names = {oc.id: oc.name for _, oc in meta.outcomes()}
    rows: list[dict[str, Any]] = []
    done: set[str] = set()
    computed = {o.outcome.id: o for o in results.outcomes if o.result is not None}
    entries = recorded.get("outcomes", []) if isinstance(recorded, dict) else []
    by_outcome = {str(e.get("outcome", "")): e for e in entries if isinstance(e, dict)}
    for entry in entries:
        if not isinstance(entry, dict) or str(entry.get("outcome", "")) in computed:
            continue
        row = grade.from_recorded(entry, recorded.get("footnotes"))
        d = _row(row, "recorded", entry)
        oid = str(entry.get("outcome", ""))
        label = names.get(oid, oid)
        if entry.get("subgroup"):
            label += f" ({entry['subgroup']})"
        d["outcome"] = label
        rows.append(d)
        done.add(oid)
    for o in results.outcomes:
        if o.result is not None and o.outcome.id not in done and o.result.overall.k >= 1:
            entry = by_outcome.get(o.outcome.id)
            source = "suggested from the data" + (", with the authors' ratings" if entry else "")
            rows.append(_row(_suggested(o, results, entry, problems), source, entry))
    _letter_footnotes(rows)
    return rows


def _letter_footnotes(rows: list[dict[str, Any]]) -> None:
    """Number the explanations a, b, c ... across the table, as GRADEpro does: each
    distinct note gets one letter; ``marks`` maps a domain to its letter."""
    letters: dict[str, str] = {}
    for r in rows:
        r["marks"] = {}
        for domain, note in r["notes"].items():
            if r["ratings"].get(domain) in ("not serious", "none", ""):
                continue
            if note not in letters:
                n = len(letters)
                letters[note] = chr(ord("a") + n) if n < 26 else f"a{n - 25}"
            r["marks"][domain] = letters[note]
    for r in rows:
        r["explanations"] = [(letter, note) for note, letter in letters.items()]


def _row(row: Any, source: str, entry: dict[str, Any] | None = None) -> dict[str, Any]:
    sof = row.summary_of_findings()
    ratings = {
        d: (row.ratings[d].level if d in row.ratings else "") for d in DOMAINS
    }  # fmt: skip
    notes = {
        d: row.ratings[d].footnote for d in DOMAINS if d in row.ratings and row.ratings[d].footnote
    }
    recorded = row.recorded_certainty
    upgrades = [
        f"{d.replace('_', ' ')} ({r.level})"
        for d, r in row.ratings.items()
        if d not in DOMAINS and r.level not in ("none", "not serious")
    ]
    other = row.ratings["publication_bias"].level if "publication_bias" in row.ratings else ""
    other_text = {
        "not serious": "none",
        "serious": "publication bias strongly suspected",
        "very serious": "publication bias very strongly suspected",
    }.get(other, other)
    if upgrades:
        other_text = "; ".join([other_text, *upgrades])
    return {
        "outcome": row.outcome,
        "studies": "" if row.studies is None else str(row.studies),
        "design": "observational studies" if row.start == "low" else "randomised trials",
        "other": other_text,
        "events_intervention": row.events_intervention,
        "events_control": row.events_control,
        "absolute": "; ".join(a.intervention for a in sof.anticipated if a.intervention),
        "importance": str((entry or {}).get("importance", "")).upper(),
        "follow_up": row.follow_up,
        "source": source,
        "participants": sof.participants_text,
        "ratings": ratings,
        "notes": notes,
        "certainty": sof.certainty.label,
        "recorded": "" if recorded is None else recorded.level,
        "agrees": row.agrees_with_recorded,
        "relative": sof.relative_effect,
        "anticipated": "; ".join(
            (f"{a.label}: " if a.label and len(sof.anticipated) > 1 else "")
            + f"{a.control} → {a.intervention}".strip(" →")
            for a in sof.anticipated
        ),
        "baselines": [
            {"label": a.label, "control": a.control, "intervention": a.intervention}
            for a in sof.anticipated
        ],
    }

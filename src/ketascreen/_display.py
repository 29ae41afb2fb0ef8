"""Renderings of a verdict: plain text (CLI), Markdown, and HTML (Jupyter)."""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ketascreen._verdict import Finding, Verdict

_HEADLINE = {
    "eligible": "ELIGIBLE - candidate for IV ketamine, pending physician sign-off",
    "ineligible": "INELIGIBLE",
    "needs_review": "NEEDS REVIEW - physician review required before any decision",
}
_MARK = {"met": "MET", "not_met": "not met", "unknown": "UNKNOWN"}


def _value(value: object) -> str:
    if value is None:
        return "not recorded"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value) if value else "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _evidence(f: Finding) -> str:
    parts = []
    for e in f.evidence:
        text = f"{e.fact} = {_value(e.value)}"
        parts.append(f"{text} ({e.detail})" if e.detail and e.value is not None else text)
    return "; ".join(parts)


def render_text(v: Verdict, *, all_findings: bool = False) -> str:
    """A clinician-readable summary: outcome, reasons with evidence, flags, missing data."""
    p = v.provenance
    who = v.patient_id or "patient"
    lines = [
        f"{who}: {_HEADLINE[v.outcome]}",
        f"  screened on {p.screened_on} with {p.ruleset_id} {p.ruleset_version} ({p.engine} engine)",
    ]
    if v.reasons:
        lines.append("  Reasons:")
        for rid in v.reasons:
            try:
                f = v.finding(rid)
            except KeyError:  # insufficient_data is not a rule
                lines.append(f"    - {rid}: data needed to rule out an exclusion is missing")
                continue
            lines.append(f"    - {rid}: {f.title} [{_MARK[f.status]}]")
            lines.append(f"        evidence: {_evidence(f)}")
            lines.append(f"        sources: {', '.join(f.sources)}")
    flagged = [v.finding(fid) for fid in v.flags]
    if flagged:
        lines.append("  Safety flags:")
        for f in flagged:
            lines.append(f"    ! {f.rule_id} ({f.severity}): {f.title}")
            if f.action:
                lines.append(f"        action: {f.action}")
    if v.missing:
        lines.append("  Missing data (and the rules it would settle):")
        for m in v.missing:
            lines.append(f"    ? {m.data}: {', '.join(m.rules)}")
    qualifying = [f for f in v.findings if f.verdict_class == "criterion" and f.status == "met"]
    if qualifying and all_findings:
        lines.append("  Criteria met: " + "; ".join(f"{f.rule_id} ({f.title})" for f in qualifying))
    exclusions = [f for f in v.findings if f.verdict_class in ("absolute", "relative")]
    ruled_out = sum(f.status == "not_met" for f in exclusions)
    lines.append(f"  Exclusions ruled out: {ruled_out} of {len(exclusions)}")
    notes = [
        f
        for f in v.findings
        if f.status == "met" and not f.determining and f.verdict_class not in ("flag", "criterion")
    ]
    if notes:
        lines.append("  Also met (not determining): " + ", ".join(f.rule_id for f in notes))
    if all_findings:
        lines.append("  All findings:")
        for f in v.findings:
            lines.append(f"    [{_MARK[f.status]:>8}] {f.rule_id} ({f.verdict_class}): {_evidence(f)}")
    return "\n".join(lines)


def render_markdown(v: Verdict) -> str:
    p = v.provenance
    out = [
        f"### {v.patient_id or 'Patient'}: **{v.outcome}**",
        "",
        f"Screened on {p.screened_on} with `{p.ruleset_id}` {p.ruleset_version} "
        f"(`{p.ruleset_hash[:19]}`, {p.engine} engine, ketascreen {p.library_version}).",
        "",
        f"Reasons: {', '.join(f'`{r}`' for r in v.reasons) or 'none'}  ",
        f"Flags: {', '.join(f'`{r}`' for r in v.flags) or 'none'}",
        "",
        "| rule | class | status | evidence |",
        "|---|---|---|---|",
    ]
    for f in v.findings:
        if f.verdict_class == "criterion":
            continue
        out.append(f"| `{f.rule_id}` | {f.verdict_class} | {f.status} | {_evidence(f).replace('|', '/')} |")
    if v.missing:
        out += ["", "Missing data:", *(f"- `{m.data}`: settles {', '.join(m.rules)}" for m in v.missing)]
    return "\n".join(out)


_COLOURS = {"eligible": "#1b7f3b", "ineligible": "#b3261e", "needs_review": "#9a6700"}


def render_html(v: Verdict) -> str:
    e = html.escape
    p = v.provenance
    rows = "".join(
        f"<tr><td><code>{e(f.rule_id)}</code></td><td>{e(f.verdict_class)}</td>"
        f"<td><b>{e(f.status)}</b></td><td>{e(_evidence(f))}</td></tr>"
        for f in v.findings
        if f.verdict_class != "criterion" and (f.status != "not_met" or f.determining)
    )
    missing = "".join(f"<li><code>{e(m.data)}</code>: {e(', '.join(m.rules))}</li>" for m in v.missing)
    return (
        f"<div class='ketascreen-verdict'><h4 style='color:{_COLOURS[v.outcome]}'>"
        f"{e(v.patient_id or 'Patient')}: {e(v.outcome)}</h4>"
        f"<p>Reasons: {e(', '.join(v.reasons) or 'none')}<br>Flags: {e(', '.join(v.flags) or 'none')}<br>"
        f"<small>{e(p.ruleset_id)} {e(p.ruleset_version)}, {e(p.engine)} engine, screened on {p.screened_on}"
        f"</small></p><table><tr><th>rule</th><th>class</th><th>status</th><th>evidence</th></tr>{rows}"
        f"</table>{'<p>Missing data:</p><ul>' + missing + '</ul>' if missing else ''}</div>"
    )


def render_json(v: Verdict) -> str:
    return json.dumps(v.model_dump(mode="json"), indent=2, ensure_ascii=False)

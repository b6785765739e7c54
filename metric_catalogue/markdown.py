"""The metric catalogue as markdown: a generated block of docs/monitoring.md (`modelops docs` writes it)."""

from __future__ import annotations

from metric_catalogue.catalogue import Catalogue, Label, catalogue


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _label(label: Label) -> str:
    values = f" ({', '.join(f'`{v}`' for v in label.values)})" if label.values else ""
    unverified = " (value format not stated by Google)" if not label.value_format_verified else ""
    return f"`{label.key}`{values}{unverified}"


def render(cat: Catalogue | None = None) -> str:
    cat = cat or catalogue()
    google = [m for m in cat.metrics.values() if not m.custom]
    custom = [m for m in cat.metrics.values() if m.custom]
    lines = [
        "#### Google metrics",
        "",
        "| Metric type | Kind, value, unit | Launch stage | Monitored resource | Metric labels | Google's description | Source |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in google:
        stage = m.launch_stage + (f": {_cell(m.deprecation)}" if m.deprecated else "")
        lines.append(
            f"| `{m.type}` | {m.kind}, {m.value_type}, `{m.unit}` | {stage} | {', '.join(f'`{r}`' for r in m.resources)} "
            f"| {', '.join(_label(label) for label in m.labels.values()) or '—'} | {_cell(m.description)} "
            f"| [{m.source.title}]({m.source.url}) |"
        )
    lines += [
        "",
        "#### modelops custom metrics (declared in modules/monitoring/metrics.py)",
        "",
        "| Metric type | Kind, value, unit | Monitored resource | Metric labels | Meaning |",
        "|---|---|---|---|---|",
    ]
    for m in custom:
        lines.append(
            f"| `{m.type}` | {m.kind}, {m.value_type}, `{m.unit}` | {', '.join(f'`{r}`' for r in m.resources)} "
            f"| {', '.join(_label(label) for label in m.labels.values())} | {_cell(m.description)} |"
        )
    lines += ["", "#### Monitored resources", "", "| Type | Resource labels | Source |", "|---|---|---|"]
    for r in cat.resources.values():
        lines.append(f"| `{r.type}` | {', '.join(f'`{k}`' for k in r.labels)} | [{r.source.title}]({r.source.url}) |")
    lines += ["", "#### Sources", ""]
    for s in cat.sources.values():
        generated = f"; list generated {s.list_generated}" if s.list_generated else ""
        lines.append(f"- **{s.title}**: {s.url}{generated}; read {s.read_on} ({_cell(s.read_via)}).")
    unverified = [f"`{m.type}` ({_cell(m.reason)})" for m in cat.metrics.values() if not m.verified]
    lines += [
        "",
        f"Entries not confirmed on Google's lists: {', '.join(unverified) or 'none'}. Facts the lists leave open:",
        "",
    ]
    lines += [
        f"- `{m.type}` label `{label.key}`: Google does not state the form of its values."
        for m in google
        for label in m.labels.values()
        if not label.value_format_verified
    ]
    accepted = sorted({r for m in custom if not m.resource_accepted_verified for r in m.resources})
    if accepted:
        lines.append(
            f"- The custom metrics are written on {', '.join(f'`{r}`' for r in accepted)}; Google's page on the "
            "resources user-defined metrics may use was not among the pages read."
        )
    lines.append("")
    return "\n".join(lines)

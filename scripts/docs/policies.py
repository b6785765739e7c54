"""docs/policies.md: the prose is in the file; the rule tables and every number it quotes come from the rules."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def blocks() -> dict[str, str]:
    from metric_catalogue.catalogue import catalogue
    from policies.checks.audit_prod_sampling import MIN_PROD_SAMPLE_RATE
    from policies.checks.monitoring_model_alerts import METRIC_HINTS, SIGNALS
    from policies.engine.builtin import BUILTIN_SEVERITY, DISABLED_BUILTIN_CHECKS
    from policies.engine.registry import rules
    from policies.engine.suppressions import MAX_DAYS, MIN_REASON
    from policies.provider import data_files
    from policies.provider.go_rules import ACKNOWLEDGED_DRIFT
    from policies.provider.providers import PROVIDERS
    from policies.provider.replacement import DATA_HOLDING

    out: dict[str, str] = {"checkov-version": version("checkov")}
    table = ["| id | severity | kind | what | why | capability | how to fix |", "|---|---|---|---|---|---|---|"]
    table += [
        f"| `{r.id}` | {r.severity} | {r.kind} | {_cell(r.title)} | {_cell(r.why)} | {_cell(r.capability)} "
        f"| {_cell(r.fix)} |"
        for r in rules()
    ]
    out["rules"] = "\n".join(table)
    fields = ["| id | team file field | platform file field |", "|---|---|---|"]
    fields += [
        f"| `{r.id}` | `{'.'.join(r.team_field)}` | `{'.'.join(r.platform_field)}` |"
        for r in rules()
        if r.team_field != ("name",) or r.platform_field != ("name",)
    ]
    out["rule-fields"] = "\n".join(fields)
    out["model-alert-signals"] = ", ".join(SIGNALS)
    out["metric-hints"] = "; ".join(f"{signal}: {', '.join(f'`{h}`' for h in words)}" for signal, words in METRIC_HINTS)
    out["prod-sample-rate"] = f"{MIN_PROD_SAMPLE_RATE:.0%}"
    metrics = catalogue().metrics.values()
    out["catalogue-counts"] = (
        f"{sum(not m.custom for m in metrics)} Google metrics and {len(catalogue().resources)} monitored resources"
    )
    out["custom-metric-count"] = str(sum(m.custom for m in metrics))

    rows = ["| data | source | what is checked from it |", "|---|---|---|"]
    for spec in PROVIDERS.values():
        schema, rules_data = data_files.schema(spec.key), data_files.rules(spec.key)
        b, src, counts = schema["bindings"], rules_data["source"], schema["counts"]
        rows += [
            f"| `{spec.schema_file.name}` | jsii assembly of `{b['package']}` {b['package_version']} (provider "
            f"{spec.source} {schema['version']}; assembly fingerprint `{b['assembly_fingerprint']}`) | "
            f"{counts['resource']} resource, {counts['data']} data source and {counts['ephemeral']} ephemeral types; "
            "arguments and blocks at every level, required flags, single-object vs list blocks, value shapes, "
            '"Possible values" enums (MLOPS_TF_1..5) |',
        ]
        if src is None:  # no Go source read for this provider (policies/provider/providers.py)
            rows.append(
                f"| (none) | no {spec.source} Go source read | no cross-field or ForceNew rules for this provider |"
            )
            continue
        rows.append(
            f"| `{spec.rules_file.name}` | {src['repository']} Go source at commit `{src['commit'][:10]}` "
            f"({src['date'][:10]}; parent: {src['parent']}) - **not** the {spec.version} tag | "
            f"ConflictsWith, ExactlyOneOf, AtLeastOneOf, RequiredWith (MLOPS_TF_6..8) and ForceNew (MLOPS_TF_9) for "
            f"{len(rules_data['resources'])} resource types, each with file:line |"
        )
    out["provider-data"] = "\n".join(rows)
    out["acknowledged-drift"] = "\n".join(f"  - `{t}` `{p}`: {r}" for (t, p), r in sorted(ACKNOWLEDGED_DRIFT.items()))
    unparsed = data_files.rules("google")["unparsed"]
    out["unparsed-types"] = ", ".join(f"`{t}`" for t in unparsed)
    out["framework-type-count"] = str(
        len(data_files.schema("google")["resource"]) - len(data_files.rules("google")["resources"]) - len(unparsed)
    )
    out["data-holding"] = "\n".join(
        ["| type | loses |", "|---|---|", *(f"| `{t}` | {why} |" for t, why in sorted(DATA_HOLDING.items()))]
    )
    out["builtin-severity"] = BUILTIN_SEVERITY
    if DISABLED_BUILTIN_CHECKS:
        disabled = [
            "| check | why it does not apply |",
            "|---|---|",
            *(f"| `{k}` | {_cell(v)} |" for k, v in sorted(DISABLED_BUILTIN_CHECKS.items())),
        ]
    else:
        disabled = ["None are disabled: every built-in check that fires is a real finding."]
    out["disabled-builtin-checks"] = "\n".join(disabled)
    out["min-reason"], out["max-days"] = str(MIN_REASON), str(MAX_DAYS)
    return out


def expected(docs: Path) -> dict[Path, str]:
    from scripts.docs.blocks import fill

    doc = docs / "policies.md"
    return {doc: fill(doc.read_text(), blocks(), document="docs/policies.md")}

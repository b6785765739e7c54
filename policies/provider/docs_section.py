"""The "Provider conformance" section of docs/policies.md, from the data files' own provenance."""
from __future__ import annotations

from policies.provider import data_files
from policies.provider.go_rules import ACKNOWLEDGED_DRIFT
from policies.provider.providers import PROVIDERS
from policies.provider.replacement import DATA_HOLDING


def provider_section() -> list[str]:
    lines = [
        "## Provider conformance (`MLOPS_TF_*`)",
        "",
        "`terraform plan` validates every block against the provider's schema and cross-field rules before any API",
        "call. The gate does the same on the synthesized JSON of every stack under check (resources, data sources,",
        "ephemeral resources and the provider block), from two generated data files per provider in",
        "`policies/provider/data/`:",
        "",
        "| data | source | what is checked from it |",
        "|---|---|---|",
    ]
    for spec in PROVIDERS.values():
        schema, rules = data_files.schema(spec.key), data_files.rules(spec.key)
        b, src = schema["bindings"], rules["source"]
        counts = schema["counts"]
        lines += [
            f"| `{spec.schema_file.name}` | jsii assembly of `{b['package']}` {b['package_version']} (provider "
            f"{spec.source} {schema['version']}; assembly fingerprint `{b['assembly_fingerprint']}`) | "
            f"{counts['resource']} resource, {counts['data']} data source and {counts['ephemeral']} ephemeral types; "
            "arguments and blocks at every level, required flags, single-object vs list blocks, value shapes, "
            "\"Possible values\" enums (MLOPS_TF_1..5) |",
            f"| `{spec.rules_file.name}` | {src['repository']} Go source at commit `{src['commit'][:10]}` "
            f"({src['date'][:10]}; parent: {src['parent']}) - **not** the {spec.version} tag | "
            f"ConflictsWith, ExactlyOneOf, AtLeastOneOf, RequiredWith (MLOPS_TF_6..8) and ForceNew (MLOPS_TF_9) for "
            f"{len(rules['resources'])} resource types, each with file:line |",
        ]
    lines += [
        "",
        "Regenerate both after a bindings upgrade (a test compares the schema file with the installed assembly's",
        "sha256 and fails until you do):",
        "",
        "```sh",
        ".venv/bin/python -m policies.provider.regenerate --git-dir <terraform-provider-google git dir> --commit <sha>",
        "```",
        "",
        "- **Semantics** are terraform-plugin-sdk v2's (`helper/schema/schema.go`, `schemaMap.validate`): an explicitly",
        "  configured value, `false` and `\"\"` included, counts as set for ConflictsWith; ExactlyOneOf/AtLeastOneOf",
        "  apply inside every block that is present; more blocks than MaxItems fail (\"Too many list items\"), a list",
        "  of one object for a single-object block is valid JSON syntax. Autopilot-incompatible cluster arguments",
        "  are the ones declaring `ConflictsWith: enable_autopilot` (one way; `enable_autopilot` lists none).",
        "- **References** (`${...}`) are known only at plan: shape and enum checks skip them; cross-field rules count",
        "  them as set (the SDK defers the check until the value is known, at apply at the latest).",
        "- **Enums** come from the `Possible values: [...]` lists the provider generates from `verify.ValidateEnum`;",
        "  an optional enum also accepts `\"\"`. Prose lists (\"Valid values are ...\") are not enforced.",
        "- **Version gap.** Rules come from an older commit than the bindings; every path a rule names is checked",
        "  against the pinned schema at regeneration, which stops on any disagreement except these acknowledged ones:",
        "",
    ]
    lines += [f"  - `{t}` `{p}`: {r}" for (t, p), r in sorted(ACKNOWLEDGED_DRIFT.items())]
    unparsed = data_files.rules("google")["unparsed"]
    framework = len(data_files.schema("google")["resource"]) - len(data_files.rules("google")["resources"]) - len(unparsed)
    lines += [
        "",
        f"  Types with no cross-field data: {', '.join(f'`{t}`' for t in unparsed)} (schemas built in ways the reader",
        f"  does not evaluate, recorded in the data) and {framework} resource types the source at that commit does not",
        "  register as SDK resources (added after it, or written with the plugin framework); a test fails if the",
        "  platform synthesizes any type without an entry.",
        "",
        "### Replacement preview (`MLOPS_TF_9`, `MLOPS_TF_10`)",
        "",
        "With `--changed-from REF` the gate also synthesizes REF in a temporary `git worktree` (REF's own code, this",
        "virtualenv; only the affected teams' stacks and the platform stacks they need when only team files changed)",
        "and compares it with the change per resource address; `--base-synth-dir DIR` uses an existing synth output",
        "instead. A data-holding resource whose ForceNew argument changes (outermost only; a block's",
        "ForceNew counts when blocks are added or removed; an Optional+Computed argument dropped from config is kept",
        "by the provider) is a HIGH finding \"this change destroys and recreates X\" with the old and new value. One",
        "that vanishes from an address and appears at another with the same top-level ForceNew values (a renamed",
        "construct, a move between stacks) is reported as a move. Data-holding types and what a re-creation loses:",
        "",
        "| type | loses |",
        "|---|---|",
    ]
    lines += [f"| `{t}` | {why} |" for t, why in sorted(DATA_HOLDING.items())]
    lines += [
        "",
        "Workflows, scheduler jobs, alert policies, dashboards, IAM members and service accounts are not listed: their",
        "whole state is in the configuration, so a re-creation loses nothing the next apply does not restore.",
        "",
    ]
    return lines

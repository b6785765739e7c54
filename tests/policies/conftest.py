"""Rule fixtures: tiny cdk.tf.json stacks per rule (compliant and non-compliant), checked against the fixture organisation."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
TODAY = datetime.date(2026, 11, 1)


def stack_doc(stack: str, project: str, resources: list[dict]) -> dict:
    """A minimal cdk.tf.json as cdktn writes it: `//` metadata with the construct path on every resource."""
    doc: dict = {
        "//": {"metadata": {"stackName": stack, "version": "0.24.0"}},
        "provider": {"google": [{"project": project, "region": "europe-west4"}]},
        "terraform": {
            "required_providers": {"google": {"source": "hashicorp/google", "version": "8.7.0"}},
            "required_version": ">= 1.11.0",
        },
        "resource": {},
    }
    for r in resources:
        logical_id = r["path"].replace("/", "_")
        conf = {"//": {"metadata": {"path": f"{stack}/{r['path']}", "uniqueId": logical_id}}, **r["conf"]}
        doc["resource"].setdefault(r["type"], {})[logical_id] = conf
    return doc


def write_synth_dir(root: Path, stacks: dict[str, dict]) -> Path:
    for name, doc in stacks.items():
        (root / "stacks" / name).mkdir(parents=True, exist_ok=True)
        (root / "stacks" / name / "cdk.tf.json").write_text(json.dumps(doc, indent=2))
    return root


def load_fixtures() -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(FIXTURES.glob("*.json"))}


@pytest.fixture(scope="session")
def rule_results(tmp_path_factory, org_config):
    """Every fixture case checked once: (rule, case) -> GateResult."""
    from policies.engine.gate import run_gate

    projects = {"platform-prod": "orbit-mlops-prod", "team-ledger-prod": "orbit-ledger-prod"}
    out = {}
    for rule, fixture in load_fixtures().items():
        for case in ("compliant", "non_compliant"):
            stack = fixture["stack"]
            root = write_synth_dir(
                tmp_path_factory.mktemp(f"{rule}-{case}"), {stack: stack_doc(stack, projects[stack], fixture[case])}
            )
            base = None
            if "base" in fixture:  # the replacement preview compares with a base revision's stack
                base = write_synth_dir(
                    tmp_path_factory.mktemp(f"{rule}-{case}-base"),
                    {stack: stack_doc(stack, projects[stack], fixture["base"])},
                )
            # a fixture may judge a case as of another day (expiry rules: MLOPS_IAM_8)
            today = fixture.get("today", {}).get(case)
            day = datetime.date.fromisoformat(today) if today else TODAY
            out[rule, case] = run_gate(org_config, root, today=day, base_synth_dir=base)
    return out

"""Synthetic organisations for benchmarks: N team files generated from team.schema.json.

Each team takes the schema's required fields, an enum value chosen round-robin for every enum
(classification, pattern, serving access), and one model per serving pattern; the result is
validated by the real loader, so a schema change that breaks the generator fails loudly.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from config import patterns as serving_patterns

REPO = Path(__file__).resolve().parent.parent
SCHEMAS = REPO / "policies" / "schemas"


def _enum(schema: dict, *path: str) -> list:
    node = schema
    for key in path:
        node = node[key]
    return node["enum"]


def team_doc(index: int, envs: list[str], schema: dict) -> dict:
    name = f"team{index:03d}"
    classes = _enum(schema, "$defs", "classification")
    patterns = _enum(schema, "$defs", "model", "properties", "pattern")
    accesses = _enum(schema, "$defs", "model", "properties", "serving", "properties", "access")
    models = []
    for j, pattern in enumerate(patterns):
        model = {
            "name": f"{pattern}-model-{j}",
            "pattern": pattern,
            "description": f"Synthetic {pattern} model {j} of {name} for benchmarks.",
            "impact": {"kpi": "synthetic kpi", "owner": f"owner-{name}@bench.example"},
            "monitoring": {
                "latency_p99_ms": 200,
                "max_error_rate": 0.01,
                "min_predictions_per_hour": 100,
                "drift_threshold": 0.2,
                "max_missing_feature_ratio": 0.05,
                "features": ["f1", "f2", {"name": "email", "type": "STRING", "pii": True}],
            },
            "logging": {"sample_rate": 0.5, "retention_days": 90},
        }
        spec = serving_patterns.pattern(pattern)
        if spec.lifecycle.endpoint:
            model["serving"] = {"access": accesses[index % len(accesses)]}
        if spec.scheduled:
            model["schedule"] = "0 3 * * *"
        models.append(model)
    return {
        "name": name,
        "display_name": f"Team {index}",
        "business_owner": f"owner-{name}@bench.example",
        "groups": {g: f"{name}-{g}@bench.example" for g in schema["properties"]["groups"]["required"]},
        "data_classification": classes[index % len(classes)],
        "environments": {env: {"project_id": f"bench-{name}-{env}"} for env in envs},
        "models": models,
    }


def generate(out: Path, teams: int) -> Path:
    """Write platform.yaml (the example's), teams/*.yaml, and the cdktn app files into ``out``."""
    schema = json.loads((SCHEMAS / "team.schema.json").read_text())
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "infra" / "platform.yaml", out / "platform.yaml")
    shutil.copy(REPO / "infra" / "main.py", out / "main.py")
    cdktf = json.loads((REPO / "infra" / "cdktf.json").read_text())
    cdktf["app"] = f"{REPO / '.venv' / 'bin' / 'python'} main.py"
    (out / "cdktf.json").write_text(json.dumps(cdktf, indent=2))
    # Outputs stay out of git, as in the real repository: an untracked file counts as a change.
    (out / ".gitignore").write_text("cdktf.out/\nstock.out/\nreports/\nterraform.*.tfstate*\n")
    envs = list(yaml.safe_load((out / "platform.yaml").read_text())["environments"])
    (out / "teams").mkdir(exist_ok=True)
    for i in range(teams):
        doc = team_doc(i, envs, schema)
        (out / "teams" / f"{doc['name']}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    from config.loader import load_config

    load_config(out)  # the generated org must be valid config
    return out

"""Size of the scorecard workflow's `source_contents` as the catalogue grows (Workflows' 128 KB limit).

    PYTHONPATH=. .venv/bin/python -m bench.scorecard_source [--shapes 3x2 10x5 20x5 40x5]

For each shape (teams x models per team) a synthetic catalogue and sources are built (names and emails as long as
the generated organisations', bench/generate.py) and the definition is measured as Workflows receives it
(``job.source_size``: the YAML ScorecardJob writes, before Terraform's `$${` escaping). Prints a markdown table.
"""

from __future__ import annotations

import argparse

from modules.scorecard import job
from modules.scorecard.catalogue import ModelRow, Sources, TeamData

PATTERNS = (("online", "Vertex AI endpoint"), ("batch", "batch prediction job"), ("streaming", "streaming scorer"))


def catalogue(teams: int, models: int) -> tuple[Sources, tuple[ModelRow, ...]]:
    names = [f"team{i:03d}" for i in range(teams)]
    rows = tuple(
        ModelRow(
            team,
            f"{PATTERNS[j % 3][0]}-model-{j}",
            PATTERNS[j % 3][0],
            PATTERNS[j % 3][1],
            f"owner-{team}@bench.example",
            "synthetic kpi",
            0.3,
        )
        for team in names
        for j in range(models)
    )
    sources = Sources(
        "bench-platform-prod",
        "bench_governance",
        tuple(TeamData(t, f"bench-{t}-prod", f"{t}_metadata") for t in names),
        (("bench-platform-prod", "_platform"), *((f"bench-{t}-prod", t) for t in names)),
        ("prod",),
    )
    return sources, rows


def size(teams: int, models: int) -> int:
    sources, rows = catalogue(teams, models)
    return job.source_size(job.scorecard_workflow(sources=sources, models=rows, location="europe-west1"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", nargs="+", default=["3x2", "10x5", "20x5", "40x5"])
    args = parser.parse_args()
    print("| Teams x models | Source size (bytes) | Share of the 128,000-byte limit |")
    print("|---|---:|---:|")
    for shape in args.shapes:
        teams, models = (int(n) for n in shape.split("x"))
        measured = size(teams, models)
        print(f"| {teams} x {models} | {measured:,} | {measured / job.WORKFLOW_SOURCE_LIMIT_BYTES:.0%} |")


if __name__ == "__main__":
    main()

"""Benchmark the gate against the stock tools on synthetic organisations of 10, 50 and 100 teams.

    make bench            # or: PYTHONPATH=. .venv/bin/python -m bench.run [--teams 10 50 100]

For each size: modelops validate, modelops synth, `cdktn synth` (stock CLI, same app), modelops check
on the existing output (--synth-dir), the stock checkov CLI on the same output, the full
`modelops check` (validate + synth + check), and a one-team `--changed-from` check after editing one
team file. Wall time and peak memory (sum of RSS over the process tree, sampled every 20 ms).
Writes bench/results.json and prints a markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.generate import REPO, generate

BIN = REPO / ".venv" / "bin"


def _tree_rss_kb(pid: int) -> int:
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    stack += [int(c) for c in fh.read().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def checkov_summary(stdout: str) -> dict:
    """checkov -o json prints one report (or a list); keep what it actually scanned."""
    try:
        doc = json.loads(stdout)
    except ValueError:
        return {}
    docs = doc if isinstance(doc, list) else [doc]
    summary = {"passed": 0, "failed": 0, "resource_count": 0, "parsing_errors": 0}
    for d in docs:
        for key in summary:
            summary[key] += int((d.get("summary") or {}).get(key, 0) or 0)
    return summary


def measure(cmd: list[str], cwd: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PATH": f"{BIN}:{os.environ['PATH']}", "CHECKPOINT_DISABLE": "1"}
    # Output to files, not pipes: a full pipe would block the command while we only sample memory.
    with tempfile.TemporaryFile("w+") as out_file, tempfile.TemporaryFile("w+") as err_file:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out_file, stderr=err_file, text=True)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, _tree_rss_kb(proc.pid))
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        out_file.seek(0)
        err_file.seek(0)
        out, err = out_file.read(), err_file.read()
    return {
        "seconds": round(elapsed, 2),
        "peak_mb": round(peak / 1024),
        "exit": proc.returncode,
        "stdout_tail": out[-400:],
        "stderr_tail": err[-400:],
        "stdout_full": out,
    }


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=b@example.com", "-c", "user.name=bench", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def _slim(r: dict) -> dict:
    return {
        k: ({kk: vv for kk, vv in v.items() if kk != "stdout_full"} if isinstance(v, dict) else v) for k, v in r.items()
    }


def bench(teams: int, work: Path) -> dict:
    org = generate(work / f"org{teams}", teams)
    _git(org, "init", "-q")
    _git(org, "add", "-A")
    _git(org, "commit", "-qm", "org")
    out = org / "cdktf.out"
    modelops = [str(BIN / "modelops")]
    r: dict[str, Any] = {"teams": teams}
    r["validate"] = measure(modelops + ["validate", "-c", "."], org)
    r["synth"] = measure(modelops + ["synth", "-c", ".", "--out", str(out), "-o", "json"], org)
    r["stacks"] = len(list(out.glob("stacks/*/cdk.tf.json")))
    r["resources"] = sum(
        sum(len(v) for v in json.loads(f.read_text()).get("resource", {}).values())
        for f in out.glob("stacks/*/cdk.tf.json")
    )
    r["cdktn_synth"] = measure(
        [str(REPO / "node_modules" / ".bin" / "cdktn"), "synth", "--output", str(org / "stock.out")], org
    )
    r["check_synth_dir"] = measure(modelops + ["check", "-c", ".", "--synth-dir", str(out), "-o", "json"], org)
    r["checkov_cli"] = measure(
        [
            str(BIN / "checkov"),
            "-d",
            str(out / "stacks"),
            "--framework",
            "terraform_json",
            "--skip-download",
            "--external-checks-dir",
            str(REPO / "policies" / "checks"),
            "-o",
            "json",
            "--quiet",
        ],
        org,
    )
    r["checkov_cli"]["summary"] = checkov_summary(r["checkov_cli"].pop("stdout_full"))
    r["check_full"] = measure(modelops + ["check", "-c", "."], org)
    team = org / "teams" / "team000.yaml"
    team.write_text(team.read_text().replace("sample_rate: 0.5", "sample_rate: 0.6", 1))
    r["check_one_team_changed"] = measure(modelops + ["check", "-c", ".", "--changed-from", "HEAD"], org)
    return _slim(r)


def table(results: list[dict]) -> str:
    rows = [
        ("validate", "validate"),
        ("modelops synth", "synth"),
        ("stock `cdktn synth`", "cdktn_synth"),
        ("modelops check --synth-dir", "check_synth_dir"),
        ("stock checkov CLI", "checkov_cli"),
        ("modelops check (validate+synth+check)", "check_full"),
        ("one-team check --changed-from", "check_one_team_changed"),
    ]
    head = (
        "| step | "
        + " | ".join(f"{r['teams']} teams ({r['stacks']} stacks, {r['resources']} resources)" for r in results)
        + " |"
    )
    lines = [head, "|---|" + "---|" * len(results)]
    for label, key in rows:
        lines.append(
            f"| {label} | "
            + " | ".join(f"{r[key]['seconds']:.1f} s, {r[key]['peak_mb']} MB (exit {r[key]['exit']})" for r in results)
            + " |"
        )
    lines += [
        "",
        "stock checkov CLI, what it actually checked: "
        + "; ".join(f"{r['teams']} teams: {r['checkov_cli']['summary']}" for r in results),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teams", type=int, nargs="+", default=[10, 50, 100])
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="modelops-bench-") as work:
        for n in args.teams:
            results.append(bench(n, Path(work)))
            sys.stderr.write(f"{n} teams done\n")
    (REPO / "bench" / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    sys.stdout.write(table(results) + "\n")


if __name__ == "__main__":
    main()

"""Small readers for synthesized Terraform JSON, shared by the stack and policy tests."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def resources(stack: dict, tf_type: str) -> dict[str, dict]:
    """Resources of one type keyed by construct path relative to the stack (e.g. `metadata/dataset`)."""
    out = {}
    for logical_id, conf in stack.get("resource", {}).get(tf_type, {}).items():
        path = conf.get("//", {}).get("metadata", {}).get("path", logical_id)
        out[path.split("/", 1)[1] if "/" in path else path] = conf
    return out


def all_resources(stack: dict) -> Iterator[tuple[str, str, dict]]:
    for tf_type, items in stack.get("resource", {}).items():
        for logical_id, conf in items.items():
            yield tf_type, logical_id, conf


def addresses(stack: dict) -> set[str]:
    """`type.name` of every resource and data source: what Terraform state is keyed by."""
    out = {f"{t}.{n}" for t, n, _ in all_resources(stack)}
    out |= {f"data.{t}.{n}" for t, items in stack.get("data", {}).items() for n in items}
    return out


def one(mapping: dict[str, Any]) -> Any:
    assert len(mapping) == 1, f"expected exactly one, got {sorted(mapping)}"
    return next(iter(mapping.values()))


# The test suite's fixture organisation: behaviour tests assert on it, never on infra/ (a company's own config).
REPO = Path(__file__).resolve().parent.parent
ORG_DIR = "tests/fixtures/org"  # relative to the repository: what `--config-dir` takes when the CLI runs from REPO
ORG = REPO / ORG_DIR


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with a throwaway identity (tests commit in scratch repositories)."""
    return subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def send_json(handler: Any, status: int, body: Any) -> None:
    """Answer a request of a loopback fake (a BaseHTTPRequestHandler) with a JSON body."""
    data = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)

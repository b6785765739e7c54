"""Synthesize into a temporary directory and swap it in, so a failed run never leaves half an output."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from config.model import Config
from stacks.app import Selection, build_app


@dataclass(frozen=True)
class StackSummary:
    name: str
    resources: int
    data_sources: int
    outputs: int
    construct_seconds: float = 0.0


@dataclass(frozen=True)
class SynthResult:
    out_dir: Path
    stacks: list[StackSummary]
    construct_seconds: float
    synth_seconds: float


def summarize(out_dir: Path, timings: dict[str, float] | None = None) -> list[StackSummary]:
    """Resource counts per stack, read back from the written cdk.tf.json files."""
    timings = timings or {}
    summaries = []
    for stack_file in sorted(out_dir.glob("stacks/*/cdk.tf.json")):
        doc = json.loads(stack_file.read_text())
        count = lambda section, doc=doc: sum(len(v) for v in doc.get(section, {}).values())
        name = stack_file.parent.name
        summaries.append(
            StackSummary(name, count("resource"), count("data"), len(doc.get("output", {})), timings.get(name, 0.0))
        )
    return summaries


def synthesize(config: Config, out_dir: Path, selection: Selection = Selection()) -> SynthResult:
    out_dir = Path(out_dir).resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        started = time.perf_counter()
        timings: dict[str, float] = {}
        app = build_app(config, outdir=str(staging), selection=selection, timings=timings)
        constructed = time.perf_counter()
        app.synth()
        synthed = time.perf_counter()
        summaries = summarize(staging, timings)
        _swap(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return SynthResult(out_dir, summaries, constructed - started, synthed - constructed)


def _swap(staging: Path, out_dir: Path) -> None:
    """Replace out_dir by staging with two renames; the old output is removed only after."""
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{time.time_ns()}")
        out_dir.rename(old)
    staging.rename(out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)

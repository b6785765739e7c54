"""Serving patterns: one construct per pattern; PATTERNS maps the YAML `pattern` to it.

Each pattern takes a ModelContext and offers ``alert_specs()`` (what to watch); the monitoring
factory makes those specs actionable. Adding a pattern = one file here, one entry in PATTERNS
and one value in the team schema's `pattern` enum.
"""
from __future__ import annotations

from modules.serving.batch import BatchPrediction
from modules.serving.context import ModelContext
from modules.serving.online import OnlineEndpoint
from modules.serving.streaming import StreamingPipeline

PATTERNS = {
    "online": OnlineEndpoint,
    "batch": BatchPrediction,
    "streaming": StreamingPipeline,
}

__all__ = ["PATTERNS", "ModelContext", "OnlineEndpoint", "BatchPrediction", "StreamingPipeline"]

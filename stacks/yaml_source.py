"""Moved to config/yaml_source.py. This re-export exists only until lifecycle/ imports config directly; then delete it."""

from config.yaml_source import *  # noqa: F403

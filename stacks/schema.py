"""Moved to config/schema.py. This re-export exists only until lifecycle/ imports config directly; then delete it."""

from config.schema import *  # noqa: F403

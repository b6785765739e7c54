"""Moved to config/selection.py. This re-export exists only until lifecycle/ imports config directly; then delete it."""

from config.selection import *  # noqa: F403

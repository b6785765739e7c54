"""Moved to config/names.py. This re-export exists only until lifecycle/ imports config directly; then delete it."""

from config.names import *  # noqa: F403

"""Moved to config/errors.py. This re-export exists only until lifecycle/ imports config directly; then delete it."""

from config.errors import *  # noqa: F403

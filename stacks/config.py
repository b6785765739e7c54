"""Moved to config/model.py. This re-export exists only until lifecycle/ imports config directly; then delete it."""

from config.model import *  # noqa: F403

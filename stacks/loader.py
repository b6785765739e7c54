"""Moved to config/loader.py. This re-export exists only until lifecycle/ imports config directly; then delete it."""

from config.loader import *  # noqa: F403

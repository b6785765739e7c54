"""Governance rules, one file per rule (ids MLOPS_<AREA>_<N>). checkov loads this directory as
external checks (it needs this __init__.py, or Python checks are silently skipped)."""
